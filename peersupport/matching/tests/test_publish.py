"""Publishing a match run: only the result the coordinator looked at, only if it is
still the latest, and only if every pair still holds as the records stand now
(the mentee still waiting, every hard rule kept), all or nothing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import Persona
from peersupport.accounts.services import user_create
from peersupport.matching.models import MatchPin, MatchRun
from peersupport.matching.services import (
    needs_rerun,
    pin_set,
    preferences_save,
    run_open,
    run_publish,
    run_solve,
)
from peersupport.matching.tests.conftest import Cohort, active_mentor, waiting_mentee
from peersupport.programmes.models import Enrolment, Mentorship, Programme
from peersupport.programmes.services import mentorship_propose, programme_create
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind

pytestmark = pytest.mark.django_db


def assert_nothing_published(run: MatchRun, mentorships_before: int = 0) -> None:
    assert Mentorship.objects.count() == mentorships_before
    assert not Task.objects.filter(kind=TaskKind.INTRODUCE).exists()
    run.refresh_from_db()
    assert run.status == MatchRun.Status.OPEN and run.closed_at is None


# ---------------------------------------------------------------- the mentee side


def test_a_mentee_paired_by_hand_since_the_run_is_not_given_a_second_mentor(
    personas: dict[str, Persona], cohort: Cohort, school_a: School
) -> None:
    coordinator = personas["coordinator"]
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    ana = cohort.mentees["ana"]
    assert str(ana.public_id) in {p["mentee"] for p in solve.result["pairs"]}
    # After the run, someone pairs Ana by hand with a new mentor.
    wed = cohort.slots["wed"]
    xena = active_mentor(coordinator, school_a, name="Xena", year=11, slots=[wed])
    mentorship_propose(actor=coordinator.user, programme=cohort.programme, mentor=xena, mentee=ana)
    with pytest.raises(ValidationError) as refused:
        run_publish(actor=coordinator.user, run=run, solve=solve)
    message = " ".join(refused.value.messages)
    assert message.startswith("Zara Mentor with Ana Mentee: Ana Mentee is no longer waiting")
    assert message.endswith("Nothing was published; run it again.")
    assert Mentorship.objects.filter(mentee=ana).count() == 1
    assert_nothing_published(run, mentorships_before=1)


def test_a_mentee_whose_enrolment_ended_since_the_run_gets_no_mentorship_and_no_one_is_emailed(
    personas: dict[str, Persona], cohort: Cohort, django_capture_on_commit_callbacks
) -> None:
    coordinator = personas["coordinator"].user
    zara = cohort.mentors["zara"]
    zara.student.user = user_create(email="zara@pupils.northgate.example", full_name="Zara")
    zara.student.save()
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    # Ana leaves the programme after the run (there is no service for this yet).
    Enrolment.objects.filter(student=cohort.mentees["ana"]).update(ended_on=datetime.date.today())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="Ana Mentee is no longer waiting"),
    ):
        run_publish(actor=coordinator, run=run, solve=solve)
    assert mail.outbox == []
    assert_nothing_published(run)


def test_changing_a_mentees_preferences_asks_for_a_rerun_of_each_open_run_they_are_in(
    personas: dict[str, Persona], cohort: Cohort, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    # An open run of another programme Ana is not in is left alone.
    other = programme_create(
        actor=coordinator,
        school=school_a,
        name="Year 8 buddies",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=20,
    )
    other_run = run_open(actor=coordinator, programme=other)
    run.refresh_from_db()
    assert not needs_rerun(run, solve)
    # Ana is now free only on Monday: she no longer shares a free time with Zara.
    preferences_save(
        actor=coordinator,
        student=cohort.mentees["ana"],
        interests=["drawing"],
        languages=[],
        availability=[cohort.slots["mon"]],
        same_gender=False,
    )
    run.refresh_from_db()
    other_run.refresh_from_db()
    assert needs_rerun(run, solve)
    assert other_run.changed_at is None
    with pytest.raises(ValidationError, match="run it again first"):
        run_publish(actor=coordinator, run=run, solve=solve)
    assert_nothing_published(run)


def test_a_locked_pair_that_no_longer_keeps_the_rules_is_not_published(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    ana, zara = cohort.mentees["ana"], cohort.mentors["zara"]
    run = run_open(actor=coordinator, programme=cohort.programme)
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    solve = run_solve(actor=coordinator, run=run)
    (locked,) = [p for p in solve.result["pairs"] if p.get("locked")]
    assert (locked["mentee"], locked["mentor"]) == (str(ana.public_id), str(zara.public_id))
    # Zara's free times change (her own record, so the run is not marked changed).
    zara.availability.set([cohort.slots["mon"]])
    with pytest.raises(ValidationError) as refused:
        run_publish(actor=coordinator, run=run, solve=solve)
    assert " ".join(refused.value.messages) == (
        "Zara Mentor with Ana Mentee: They share no free time. Nothing was published; run it again."
    )
    assert_nothing_published(run)


def test_a_mentors_room_is_counted_across_the_pairs_published_together(
    personas: dict[str, Persona], cohort: Cohort, school_a: School
) -> None:
    coordinator = personas["coordinator"]
    fri = cohort.slots["fri"]
    # Xena has room for two, and is the only mentor free when Cal and Dev are.
    xena = active_mentor(coordinator, school_a, name="Xena", year=11, slots=[fri], capacity=2)
    waiting_mentee(coordinator, cohort.programme, name="Dev", year=7, slots=[fri])
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    assert [p["mentor"] for p in solve.result["pairs"]].count(str(xena.public_id)) == 2
    # Xena takes a mentee in another programme after the run: room for one only.
    other = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Reading buddies",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=5,
    )
    elsewhere = waiting_mentee(coordinator, other, name="Eve", year=8, slots=[fri])
    mentorship_propose(actor=coordinator.user, programme=other, mentor=xena, mentee=elsewhere)
    with pytest.raises(
        ValidationError, match="Xena Mentor with Dev Mentee: The mentor has no room for another"
    ):
        run_publish(actor=coordinator.user, run=run, solve=solve)
    assert_nothing_published(run, mentorships_before=1)


# ---------------------------------------------------------------- which result


def test_only_the_latest_result_can_be_published(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    first = run_solve(actor=coordinator, run=run)
    second = run_solve(actor=coordinator, run=run)
    with pytest.raises(ValidationError, match="A newer result exists: look at it before"):
        run_publish(actor=coordinator, run=run, solve=first)
    assert_nothing_published(run)
    assert len(run_publish(actor=coordinator, run=run, solve=second).mentorships) == 2


def test_the_publish_button_posts_the_result_shown_and_an_older_one_is_refused(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    first = run_solve(actor=coordinator.user, run=run)
    page = client.get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert f'<input type="hidden" name="solve" value="{first.public_id}">' in page
    # Someone else runs it again while this page is open: publishing what was shown
    # is refused, and nothing is published.
    run_solve(actor=personas["dsl"].user, run=run)
    url = reverse("matching:publish", args=[run.public_id])
    response = client.post(url, {"solve": first.public_id}, follow=True)
    assert "A newer result exists: look at it before publishing." in response.content.decode()
    assert_nothing_published(run)
    # Without a result, or with one of another run, nothing happens either.
    response = client.post(url, follow=True)
    assert "Reload the page" in response.content.decode()
    assert client.post(url, {"solve": "7c1d8a4e-0000-4000-8000-000000000000"}).status_code == 404
    assert_nothing_published(run)


# ---------------------------------------------------------------- saying who was told


def test_the_message_says_how_many_mentors_were_emailed(
    personas: dict[str, Persona], cohort: Cohort, login, django_capture_on_commit_callbacks
) -> None:
    coordinator = personas["coordinator"]
    zara = cohort.mentors["zara"]
    zara.student.user = user_create(email="zara@pupils.northgate.example", full_name="Zara")
    zara.student.save()
    # Yusuf has no e-mail address.
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    client = login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:publish", args=[run.public_id]), {"solve": solve.public_id}
        )
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        "Published: 2 mentorships proposed. 1 of 2 mentors was e-mailed that they have a "
        "new match; 1 has no e-mail address, so tell them yourself. The staff who follow "
        "each mentee up have a task to introduce the pair."
    )
    assert [m.to for m in mail.outbox] == [["zara@pupils.northgate.example"]]
