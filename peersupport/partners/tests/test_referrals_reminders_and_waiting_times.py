"""The daily chase of referrals with no answer, and each organisation's waiting
times."""

from __future__ import annotations

import datetime

from conftest import Persona
from peersupport.partners import services
from peersupport.partners.models import PartnerSettings
from peersupport.partners.reminders import referrals_daily
from peersupport.partners.selectors import (
    median_days,
    still_waiting_from,
    waiting_times,
    waiting_times_from,
)
from peersupport.partners.tests.test_referrals_services import (
    TODAY,
    older_student,
    organisation_with_agreement,
    sent_referral,
)
from peersupport.tasks.models import Task, TaskKind


def test_a_referral_with_no_answer_is_chased_after_the_reminder_days_and_not_before(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    PartnerSettings.objects.create(school=school, reminder_days=7)
    organisation = organisation_with_agreement(school, coordinator.user)
    referral = sent_referral(coordinator, older_student(school), organisation)

    referrals_daily(school, TODAY + datetime.timedelta(days=6))
    assert not Task.objects.filter(kind=TaskKind.REFERRAL_CHASE).exists()

    line = referrals_daily(school, TODAY + datetime.timedelta(days=7))
    assert line.startswith("1 referral chase tasks opened")
    task = Task.objects.get(kind=TaskKind.REFERRAL_CHASE)
    assert task.assigned_to == coordinator.user
    assert task.subject_public_id == referral.public_id
    assert task.status == Task.Status.OPEN

    # Once: a second run, or a run after the task was done by hand, opens none.
    referrals_daily(school, TODAY + datetime.timedelta(days=8))
    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    referrals_daily(school, TODAY + datetime.timedelta(days=9))
    assert Task.objects.filter(kind=TaskKind.REFERRAL_CHASE).count() == 1


def test_the_chase_closes_when_the_referral_is_answered(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    organisation = organisation_with_agreement(school, coordinator.user)
    referral = sent_referral(coordinator, older_student(school), organisation)
    later = TODAY + datetime.timedelta(days=10)  # the default reminder days
    referrals_daily(school, later)
    assert Task.objects.get(kind=TaskKind.REFERRAL_CHASE).status == Task.Status.OPEN
    services.referral_status_set(
        actor=coordinator.user, referral=referral, status="acknowledged", on=later, today=later
    )
    assert Task.objects.get(kind=TaskKind.REFERRAL_CHASE).status == Task.Status.DONE


def test_the_median_of_a_hand_worked_example() -> None:
    # Sorted: 2, 4, 9, 10 -> (4 + 9) / 2 = 6.5; odd count 3, 5, 20 -> 5.
    assert median_days([10, 2, 9, 4]) == 6.5
    assert median_days([20, 3, 5]) == 5
    assert median_days([]) is None


def test_waiting_times_from_rows_count_and_take_medians() -> None:
    sent = datetime.date(2026, 9, 1)
    rows = [
        (sent, datetime.date(2026, 9, 4), datetime.date(2026, 9, 21)),  # 3 and 20 days
        (sent, datetime.date(2026, 9, 11), None),  # 10 days, not seen yet
        (sent, datetime.date(2026, 9, 6), datetime.date(2026, 9, 11)),  # 5 and 10 days
        (sent, None, None),  # no answer
    ]
    # Answers: 3, 5, 10 -> median 5. Seen: 10, 20 -> median 15.
    assert waiting_times_from(rows) == (4, 3, 2, 5.0, 15.0)


def test_waiting_times_per_organisation_from_the_referrals(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    organisation = organisation_with_agreement(school, coordinator.user)
    first = sent_referral(coordinator, older_student(school), organisation)
    second = sent_referral(coordinator, older_student(school), organisation)
    answered = TODAY + datetime.timedelta(days=4)
    services.referral_status_set(
        actor=coordinator.user, referral=first, status="accepted", on=answered, today=answered
    )
    seen = TODAY + datetime.timedelta(days=12)
    services.referral_status_set(
        actor=coordinator.user, referral=first, status="seen", on=seen, today=seen
    )
    services.referral_status_set(
        actor=coordinator.user,
        referral=second,
        status="acknowledged",
        on=TODAY + datetime.timedelta(days=2),
        today=seen,
    )
    (row,) = waiting_times(school)
    assert row.organisation == organisation
    assert (row.sent, row.answered, row.seen) == (2, 2, 1)
    assert row.median_to_answer == 3.0  # 4 and 2 days
    assert row.median_to_seen == 12.0


def test_still_waiting_from_rows_counts_and_takes_the_longest_wait() -> None:
    today = datetime.date(2026, 9, 30)
    rows = [
        (datetime.date(2026, 9, 1), datetime.date(2026, 9, 4), None),  # answered: not waiting
        (datetime.date(2026, 9, 10), None, None),  # waiting 20 days
        (datetime.date(2026, 9, 23), None, None),  # waiting 7 days
        (datetime.date(2026, 8, 1), None, datetime.date(2026, 8, 20)),  # closed, no answer
    ]
    # Two still wait: 20 and 7 days, so the longest is 20.
    assert still_waiting_from(rows, today) == (2, 20)
    assert still_waiting_from([], today) == (0, None)


def test_waiting_times_count_who_still_waits_per_organisation(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    organisation = organisation_with_agreement(school, coordinator.user)
    first = sent_referral(coordinator, older_student(school), organisation)
    sent_referral(coordinator, older_student(school), organisation)
    answered = TODAY + datetime.timedelta(days=4)
    services.referral_status_set(
        actor=coordinator.user, referral=first, status="accepted", on=answered, today=answered
    )
    (row,) = waiting_times(school, TODAY + datetime.timedelta(days=9))
    # One answered after 4 days; the other, sent on TODAY, has waited 9 days.
    assert (row.sent, row.answered, row.median_to_answer) == (2, 1, 4.0)
    assert (row.waiting, row.longest_wait) == (1, 9)
