"""The demo school's concerns: every kind of concern, conflicts resolved, holding and
kept apart, safeguarding records whose chronologies only the demo DSL can open, and
urgent words flagged for review; the same seed gives the same concerns."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.concerns.access import (
    concern_for,
    concerns_visible_to,
    conflict_concerns_without_a_record,
    safeguarding_for,
    safeguarding_list_for,
    urgent_flags_visible_to,
)
from peersupport.concerns.models import (
    Concern,
    ConcernKind,
    ConflictCase,
    ConflictStep,
    SafeguardingEntry,
    SafeguardingOutcome,
    UrgentFlag,
)
from peersupport.concerns.selectors import safeguarding_chronology, urgent_flag_source_text
from peersupport.concerns.services import conflicts_escalate_overdue
from peersupport.demo.tests.test_seed_demo import NOW, TODAY, seed_small
from peersupport.programmes.selectors import apart_from
from peersupport.schools.models import School

Stage = ConflictCase.Stage


def demo_user(prefix: str) -> User:
    return User.objects.get(email=f"{prefix}@northgate.example")


def test_the_demo_school_has_concerns_of_every_kind(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    out = io.StringIO()
    with time_machine.travel(NOW):
        call_command("seed_demo", "--students", "100", "--seed", "3", stdout=out)
        finished = timezone.now()
    main, second = School.objects.order_by("urn")
    concerns = Concern.objects.filter(school=main)
    assert set(concerns.values_list("kind", flat=True)) == set(ConcernKind.values)
    assert not Concern.objects.filter(school=second).exists()

    # Wellbeing worries from a peer mentor and from a student who asked that other
    # students are not told who, besides staff's.
    worries = concerns.filter(kind=ConcernKind.WELLBEING)
    assert worries.filter(raised_as=Role.MENTOR, students__isnull=False).exists()
    assert worries.filter(
        raised_as=Role.STUDENT, anonymous_to_students=True, about_themself=False
    ).exists()
    assert worries.filter(raised_as__in=[Role.FACILITATOR, Role.COORDINATOR]).exists()

    # Discrimination with different characteristics; every closed one says how staff
    # responded and what support the person harmed was given.
    incidents = concerns.filter(kind=ConcernKind.DISCRIMINATION)
    characteristics = set(incidents.values_list("characteristic", flat=True))
    assert len(characteristics) >= 3 and "" not in characteristics
    closed = list(incidents.filter(status=Concern.Status.CLOSED))
    assert closed and all(c.response and c.support_given and c.closed_at for c in closed)
    assert incidents.filter(status=Concern.Status.OPEN).exists()
    assert concerns.filter(kind=ConcernKind.BOUNDARY, mentorship__isnull=False).exists()

    # Ages are realistic: raised over the last weeks, never in the future.
    ages = [finished - c.created_at for c in concerns.exclude(kind=ConcernKind.SAFEGUARDING)]
    assert max(ages) > datetime.timedelta(days=10)
    assert min(ages) >= datetime.timedelta(0)

    # The summary says so, briefly, before the sign-ins; the alerts the services
    # send the DSL about the demo's records are not e-mailed to demo addresses.
    output = out.getvalue()
    for words in ("Concerns:", "Conflicts:", "Safeguarding (the DSL only):", "Urgent words:"):
        assert output.index(words) < output.index("Demo sign-ins")
    assert not mail.outbox


def test_the_demo_conflicts_are_resolved_holding_and_kept_apart(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main = School.objects.get(urn="140001")
    cases = ConflictCase.objects.filter(school=main)

    # Resolved: every restorative step, an agreement with owners, a follow-up that
    # found it resolved, its concern closed, in days rather than seconds.
    resolved = cases.get(stage=Stage.RESOLVED)
    kinds = list(resolved.steps.values_list("kind", flat=True))
    assert kinds.count(ConflictStep.Kind.PREPARATION) == resolved.students.count() == 2
    meeting = resolved.steps.get(kind=ConflictStep.Kind.MEETING)
    assert meeting.what_happened and meeting.who_was_affected and meeting.put_right
    agreement = resolved.steps.get(kind=ConflictStep.Kind.AGREEMENT)
    assert agreement.actions and all(row["action"] and row["owner"] for row in agreement.actions)
    assert agreement.follow_up_on is not None and agreement.held_on <= agreement.follow_up_on
    follow_up = resolved.steps.get(kind=ConflictStep.Kind.FOLLOW_UP)
    assert follow_up.follow_up == ConflictStep.FollowUp.RESOLVED
    assert resolved.accounts.count() == 2
    assert resolved.concern.status == Concern.Status.CLOSED
    assert resolved.resolved_at is not None
    took = resolved.resolved_at - resolved.raised_at
    assert datetime.timedelta(days=2) < took < datetime.timedelta(days=20)
    assert max(resolved.steps.values_list("held_on", flat=True)) < TODAY

    # Open, with the students kept apart while it is worked on.
    kept_apart = cases.get(stage__in=[Stage.RAISED, Stage.PREPARING])
    assert kept_apart.keep_apart.filter(ended_at__isnull=True).exists()
    first, second = kept_apart.students.all()
    assert apart_from(first, [second])

    # Holding: the first agreement broke, the second holds; its keep-apart was
    # lifted early.
    holding = cases.get(stage=Stage.AGREED)
    follow_ups = list(
        holding.steps.filter(kind=ConflictStep.Kind.FOLLOW_UP).values_list("follow_up", flat=True)
    )
    assert follow_ups == [ConflictStep.FollowUp.BROKEN, ConflictStep.FollowUp.HOLDING]
    assert holding.keep_apart.exists()
    assert not holding.keep_apart.filter(ended_at__isnull=True).exists()

    # And a conflict just raised, waiting for its record.
    coordinator = demo_user("coordinator")
    assert conflict_concerns_without_a_record(coordinator, main).exists()

    # Only the holding one is old enough to go to the coordinator.
    assert conflicts_escalate_overdue(school=main, now=NOW) == 1
    holding.refresh_from_db()
    assert holding.escalated_at is not None


def test_the_demo_safeguarding_records_are_the_dsls_alone(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main = School.objects.get(urn="140001")
    dsl, coordinator, facilitator = (demo_user(p) for p in ("dsl", "coordinator", "facilitator"))
    records = Concern.objects.filter(school=main, kind=ConcernKind.SAFEGUARDING)
    assert records.filter(acknowledged_at__isnull=True).exists()  # awaiting the DSL

    # A chronology of several entries: a correction linked to the earlier entry it
    # corrects, and an early help outcome that closed the record.
    closed = records.get(entries__outcome=SafeguardingOutcome.EARLY_HELP)
    assert closed.status == Concern.Status.CLOSED and closed.acknowledged_by == dsl
    lines = safeguarding_chronology(closed)
    assert len(lines) >= 4
    corrections = [line for line in lines if line.entry.kind == SafeguardingEntry.Kind.CORRECTION]
    assert corrections
    by_number = {line.number: line for line in lines}
    for line in corrections:
        assert line.corrects is not None and line.corrects.number < line.number
        corrected = by_number[line.corrects.number]
        assert corrected.entry.pk == line.entry.corrects_id
        assert corrected.entry.kind != SafeguardingEntry.Kind.CORRECTION
        assert line.number in [ref.number for ref in corrected.corrected_by]
    assert not SafeguardingEntry.objects.filter(
        school=main, kind=SafeguardingEntry.Kind.CORRECTION, corrects__isnull=True
    ).exists()

    # Through the real access functions: the demo DSL opens each record; the demo
    # coordinator and facilitator get 404, and never see them listed.
    for record in records:
        assert safeguarding_for(dsl, main, record.public_id) == record
        for other in (coordinator, facilitator):
            with pytest.raises(Http404):
                safeguarding_for(other, main, record.public_id)
            with pytest.raises(Http404):
                concern_for(other, main, record.public_id)
    assert set(safeguarding_list_for(dsl, main)) == set(records)
    assert not safeguarding_list_for(coordinator, main).exists()
    visible = concerns_visible_to(coordinator, main)
    assert not visible.filter(kind=ConcernKind.SAFEGUARDING).exists()
    assert visible.count() == Concern.objects.filter(school=main).count() - records.count()


def test_the_demo_has_urgent_words_to_review(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main = School.objects.get(urn="140001")
    dsl, coordinator = demo_user("dsl"), demo_user("coordinator")
    flags = UrgentFlag.objects.filter(school=main)
    assert flags.filter(reviewed_at__isnull=False).exclude(review_note="").exists()
    assert flags.filter(reviewed_at__isnull=True).exists()
    assert {"concern", "check_in"} <= set(flags.values_list("source_type", flat=True))
    for flag in flags:
        assert flag.phrases and urgent_flag_source_text(flag)
    # A mentor's worry that matched is marked urgent.
    assert Concern.objects.filter(school=main, raised_as=Role.MENTOR, urgent=True).exists()
    assert set(urgent_flags_visible_to(dsl, main)) == set(flags)
    assert not urgent_flags_visible_to(coordinator, main).exists()


def test_same_seed_same_concerns(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True

    def concerns(seed: int) -> list[tuple[Any, ...]]:
        with transaction.atomic():
            seed_small(seed)
            made: list[tuple[Any, ...]] = sorted(
                (
                    c.kind,
                    c.characteristic,
                    c.status,
                    c.raised_as,
                    timezone.localdate(c.created_at),
                    c.text,
                    tuple(sorted(c.students.values_list("upn", flat=True))),
                )
                for c in Concern.objects.all()
            )
            made += sorted(
                ConflictStep.objects.values_list("case__stage", "kind", "held_on", "follow_up")
            )
            transaction.set_rollback(True)
        return made

    first = concerns(5)
    assert first and first == concerns(5)
