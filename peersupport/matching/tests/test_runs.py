"""Match runs in the application: opening, solving from the school's records,
locks, rejections, swaps, publishing, and who may see them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import Persona
from peersupport.accounts.services import user_create
from peersupport.audit.models import AuditEvent
from peersupport.matching.models import MatchPin, MatchRun, MenteePreferences
from peersupport.matching.selectors import run_inputs
from peersupport.matching.services import (
    needs_rerun,
    pin_remove,
    pin_set,
    preferences_save,
    run_discard,
    run_open,
    run_publish,
    run_solve,
    settings_save,
    swap,
)
from peersupport.matching.tests.conftest import Cohort, active_mentor, waiting_mentee
from peersupport.programmes.models import MentorProfile, Mentorship, Programme
from peersupport.programmes.services import (
    mentor_set_status,
    mentorship_propose,
    mentorship_start,
    programme_create,
)
from peersupport.schools.models import School, TimetableSlot
from peersupport.tasks.models import Task, TaskKind

pytestmark = pytest.mark.django_db


def test_a_solve_pairs_from_the_records_and_explains_the_rest(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    pairs = {p["mentee"]: p for p in solve.result["pairs"]}
    ana, ben, cal = (str(cohort.mentees[n].public_id) for n in ("ana", "ben", "cal"))
    assert pairs[ana]["mentor"] == str(cohort.mentors["zara"].public_id)
    assert "share 1 interest: drawing" in pairs[ana]["reasons"]
    assert pairs[ben]["mentor"] == str(cohort.mentors["yusuf"].public_id)
    assert "both speak Polish" in pairs[ben]["reasons"]
    assert "both free Mon lunch" in pairs[ben]["reasons"]
    (unmatched,) = solve.result["unmatched"]
    assert unmatched["mentee"] == cal
    assert unmatched["reasons"][0].startswith("no mentor with room shares a free time")
    assert solve.optimal and solve.matched_count == 2


def test_the_run_page_shows_the_result_to_a_coordinator(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    response = client.post(reverse("matching:programme", args=[cohort.programme.public_id]))
    run = MatchRun.objects.get(programme=cohort.programme)
    assert response.status_code == 302
    response = client.post(reverse("matching:solve", args=[run.public_id]), follow=True)
    text = response.content.decode()
    assert "2 of 3 mentees matched" in text
    assert "Ana Mentee" in text and "Zara Mentor" in text
    assert "no mentor with room shares a free time" in text


def test_lock_reject_swap_and_publish(personas: dict[str, Persona], cohort: Cohort) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    first = run_solve(actor=coordinator, run=run)
    zara, yusuf = cohort.mentors["zara"], cohort.mentors["yusuf"]
    ana, ben = cohort.mentees["ana"], cohort.mentees["ben"]
    # Ben and Zara share no free time: the lock is refused with the rule named.
    with pytest.raises(ValidationError, match="share no free time"):
        pin_set(actor=coordinator, run=run, mentee=ben, mentor=zara, kind=MatchPin.Kind.LOCK)
    # Reject Ana with Zara: Ana then goes to Yusuf, and Ben is left out.
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.REJECT)
    with pytest.raises(ValidationError, match="run it again"):
        run_publish(actor=coordinator, run=run, solve=first)
    solve = run_solve(actor=coordinator, run=run)
    pairs = {p["mentee"]: p["mentor"] for p in solve.result["pairs"]}
    # Yusuf has room for one: Ben (Monday lunch and Polish, score 3) beats Ana
    # (Wednesday lunch only, score 1).
    assert pairs == {str(ben.public_id): str(yusuf.public_id)}
    (left_out,) = [u for u in solve.result["unmatched"] if u["mentee"] == str(ana.public_id)]
    assert (
        "the only mentor who meets every rule (year 11) is needed for another mentee"
        in (left_out["reasons"])
    )
    created = run_publish(actor=coordinator, run=run, solve=solve).mentorships
    assert [(m.mentee, m.mentor, m.status) for m in created] == [
        (ben, yusuf, Mentorship.Status.PROPOSED)
    ]
    # One introduction, for the coordinator who follows Ben up.
    (task,) = Task.objects.filter(kind=TaskKind.INTRODUCE, status="open")
    assert task.subject_public_id == created[0].public_id
    assert task.assigned_to == coordinator
    run.refresh_from_db()
    assert run.status == MatchRun.Status.PUBLISHED


def test_a_swap_that_breaks_a_rule_is_refused(personas: dict[str, Persona], cohort: Cohort) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    run_solve(actor=coordinator, run=run)
    with pytest.raises(ValidationError, match="share no free time"):
        swap(
            actor=coordinator,
            run=run,
            first=cohort.mentees["ana"],
            second=cohort.mentees["ben"],
        )


@pytest.mark.parametrize("who", ["facilitator", "viewer", "mentor", "student", "partner"])
def test_only_coordinators_and_dsls_see_match_runs(
    personas: dict[str, Persona], cohort: Cohort, login, who: str
) -> None:
    run = run_open(actor=personas["coordinator"].user, programme=cohort.programme)
    run_solve(actor=personas["coordinator"].user, run=run)
    url = reverse("matching:run", args=[run.public_id])
    # The page names the mentors and mentees to those who may see it...
    for manager in ("coordinator", "dsl"):
        page = login(personas[manager]).get(url)
        assert page.status_code == 200
        assert "Zara Mentor" in page.content.decode() and "Ana Mentee" in page.content.decode()
    # ...and to anyone else, role_required answers 403 with no name in it.
    response = login(personas[who]).get(url)
    assert response.status_code == 403
    text = response.content.decode()
    assert "Zara" not in text and "Ana Mentee" not in text


# ---------------------------------------------------------------- stale decisions


def test_a_lock_on_a_mentee_no_longer_waiting_is_listed_as_not_used_and_the_solve_still_works(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    ana, ben = cohort.mentees["ana"], cohort.mentees["ben"]
    zara, yusuf = cohort.mentors["zara"], cohort.mentors["yusuf"]
    pin = pin_set(actor=coordinator.user, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    # Someone pairs Ana with Zara by hand: Ana is no longer waiting.
    mentorship_propose(actor=coordinator.user, programme=cohort.programme, mentor=zara, mentee=ana)
    inputs = run_inputs(run)
    assert inputs.stale == [pin]
    assert inputs.locks == []
    solve = run_solve(actor=coordinator.user, run=run)
    assert solve.problem["locked"] == []
    assert str(ana.public_id) not in {m["id"] for m in solve.problem["mentees"]}
    assert {p["mentee"]: p["mentor"] for p in solve.result["pairs"]} == {
        str(ben.public_id): str(yusuf.public_id)
    }
    text = login(coordinator).get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "Not used, as one of them is no longer waiting or no longer a mentor" in text


# ---------------------------------------------------------------- publishing


def test_publishing_is_all_or_nothing_when_a_mentor_was_paused_after_the_solve(
    personas: dict[str, Persona], cohort: Cohort, django_capture_on_commit_callbacks
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    assert len(solve.result["pairs"]) == 2
    # Pause the mentor of the last pair, so the first pair would already have been
    # proposed if publishing were not all or nothing.
    last = next(
        m
        for m in cohort.mentors.values()
        if str(m.public_id) == solve.result["pairs"][-1]["mentor"]
    )
    mentor_set_status(actor=coordinator, mentor=last, status=MentorProfile.Status.PAUSED)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        run_publish(actor=coordinator, run=run, solve=solve)
    message = " ".join(refused.value.messages)
    assert last.student.display_name in message
    assert "not active" in message and "Nothing was published" in message
    assert not Mentorship.objects.filter(programme=cohort.programme).exists()
    assert not Task.objects.filter(kind=TaskKind.INTRODUCE).exists()
    assert mail.outbox == []
    run.refresh_from_db()
    assert run.status == MatchRun.Status.OPEN and run.closed_at is None


def test_changing_the_weights_needs_a_rerun_and_the_next_solve_uses_them(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    first = run_solve(actor=coordinator, run=run)
    assert first.problem["settings"]["weights"]["interests"] == 3
    run.refresh_from_db()
    assert not needs_rerun(run, first)
    settings_save(actor=coordinator, programme=cohort.programme, w_interests=7, w_language=9)
    run.refresh_from_db()
    assert needs_rerun(run, first)
    with pytest.raises(ValidationError, match="run it again first"):
        run_publish(actor=coordinator, run=run, solve=first)
    assert not Mentorship.objects.exists()
    second = run_solve(actor=coordinator, run=run)
    assert second.number == 2
    assert second.problem["settings"]["weights"] == {
        "interests": 7,
        "availability": 1,
        "language": 9,
        "preference": 5,
    }
    # Ana and Zara share one interest and one free time: 7 + 1 with the new weights.
    pairs = {p["mentee"]: p for p in second.result["pairs"]}
    assert pairs[str(cohort.mentees["ana"].public_id)]["score"] == 8
    run.refresh_from_db()
    assert len(run_publish(actor=coordinator, run=run, solve=second).mentorships) == 2


# ---------------------------------------------------------------- locks and rejections


def test_a_rerun_keeps_a_lock_even_when_a_better_pairing_exists(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    ana, yusuf = cohort.mentees["ana"], cohort.mentors["yusuf"]
    best = run_solve(actor=coordinator, run=run)
    # Ana with Yusuf only shares Wednesday lunch, and takes Yusuf from Ben.
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=yusuf, kind=MatchPin.Kind.LOCK)
    kept = run_solve(actor=coordinator, run=run)
    pairs = {p["mentee"]: p for p in kept.result["pairs"]}
    assert set(pairs) == {str(ana.public_id)}
    assert pairs[str(ana.public_id)]["mentor"] == str(yusuf.public_id)
    assert pairs[str(ana.public_id)]["locked"] is True
    assert kept.problem["locked"] == [[str(ana.public_id), str(yusuf.public_id)]]
    assert kept.total_score < best.total_score and kept.matched_count < best.matched_count


def test_a_rejected_pair_is_never_proposed_again(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    ana, zara = cohort.mentees["ana"], cohort.mentors["zara"]
    rejected = {"mentee": str(ana.public_id), "mentor": str(zara.public_id)}
    first = run_solve(actor=coordinator, run=run)
    assert any(
        p["mentee"] == rejected["mentee"] and p["mentor"] == rejected["mentor"]
        for p in first.result["pairs"]
    )
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.REJECT)
    # Even with shared interests weighing as much as they can, and run after run.
    settings_save(actor=coordinator, programme=cohort.programme, w_interests=20)
    for _ in range(2):
        solve = run_solve(actor=coordinator, run=run)
        assert solve.problem["rejected"] == [[rejected["mentee"], rejected["mentor"]]]
        assert not [
            p
            for p in solve.result["pairs"]
            if p["mentee"] == rejected["mentee"] and p["mentor"] == rejected["mentor"]
        ]
    run.refresh_from_db()
    created = run_publish(actor=coordinator, run=run, solve=solve).mentorships
    assert not [m for m in created if m.mentee == ana and m.mentor == zara]


def test_a_lock_that_breaks_the_year_gap_is_refused_and_not_kept(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    settings_save(actor=coordinator, programme=cohort.programme, min_year_gap=4)
    with pytest.raises(ValidationError, match="not at least 4 years above year 7"):
        pin_set(
            actor=coordinator,
            run=run,
            mentee=cohort.mentees["ana"],
            mentor=cohort.mentors["zara"],
            kind=MatchPin.Kind.LOCK,
        )
    assert not MatchPin.objects.filter(run=run).exists()


# ---------------------------------------------------------------- the pages


def test_running_the_match_by_htmx_returns_only_the_new_result(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    url = reverse("matching:solve", args=[run.public_id])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text and "Waiting for a mentor" not in text
    assert text.lstrip().startswith('<section id="results"')
    assert "Run 1 by Coordinator" in text and "2 of 3 mentees matched" in text
    assert "Run 1 done: 2 of 3 mentees matched." in text
    assert "Something changed since this run" not in text
    # Lock Ana with Yusuf and run again: the fragment holds run 2, with the lock.
    pin_set(
        actor=coordinator.user,
        run=run,
        mentee=cohort.mentees["ana"],
        mentor=cohort.mentors["yusuf"],
        kind=MatchPin.Kind.LOCK,
    )
    text = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in text
    assert "Run 2 by Coordinator" in text and "1 of 3 mentees matched" in text
    assert '<span class="badge">Locked</span>' in text
    assert "Run 1</a>: 2 matched" in text  # the earlier run is listed


def test_locking_a_pair_by_htmx_warns_that_the_match_must_be_run_again(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    run_solve(actor=coordinator.user, run=run)
    ana, zara = cohort.mentees["ana"], cohort.mentors["zara"]
    response = client.post(
        reverse("matching:pin", args=[run.public_id]),
        {"mentee": ana.public_id, "mentor": zara.public_id, "kind": "lock"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert "Ana Mentee with Zara Mentor: locked." in text
    assert (
        "Something changed since this run: a lock, a rejection, a weight or a mentee's preferences."
        in text
    )
    assert "Locked: Ana Mentee with Zara Mentor" in text
    # The button above the result, outside the fragment, is relabelled too.
    assert '<span id="run-label" hx-swap-oob="true">Run the match again</span>' in text


def test_the_preferences_page_saves_and_refuses_bad_input(
    personas: dict[str, Persona], cohort: Cohort, school_b: School, login
) -> None:
    client = login(personas["coordinator"])
    ana = cohort.mentees["ana"]
    run = run_open(actor=personas["coordinator"].user, programme=cohort.programme)
    url = reverse("matching:preferences", args=[ana.public_id]) + f"?run={run.public_id}"
    page = client.get(url).content.decode()
    assert "What Ana Mentee would like in a mentor" in page
    assert 'value="drawing"' in page
    mon, fri = cohort.slots["mon"], cohort.slots["fri"]
    response = client.post(
        url,
        {
            "interests": "Chess, drawing, chess",
            "languages": "Urdu",
            "availability": [mon.pk, fri.pk],
            "same_gender": "on",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("matching:run", args=[run.public_id])
    prefs = MenteePreferences.objects.get(student=ana)
    assert prefs.interests == ["chess", "drawing"]
    assert prefs.languages == ["Urdu"]
    assert set(prefs.availability.all()) == {mon, fri}
    assert prefs.same_gender is True

    other_school_slot = TimetableSlot.objects.filter(school=school_b).first()
    assert other_school_slot is not None
    bad_posts = [
        (
            {"interests": "football", "availability": [other_school_slot.pk]},
            "Select a valid choice",
        ),
        ({"interests": "x" * 301, "availability": [mon.pk]}, "at most 300 characters"),
        ({"languages": "y" * 201}, "at most 200 characters"),
    ]
    for data, error in bad_posts:
        response = client.post(url, data)
        assert response.status_code == 200
        assert error in response.content.decode()
        prefs = MenteePreferences.objects.get(student=ana)
        assert prefs.interests == ["chess", "drawing"]
        assert prefs.languages == ["Urdu"]
        assert set(prefs.availability.all()) == {mon, fri}
        assert prefs.same_gender is True


# ---------------------------------------------------------------- audit, tasks, e-mail


def test_solving_locking_and_publishing_are_audited(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)

    def events(action: str) -> list[AuditEvent]:
        return list(
            AuditEvent.objects.filter(
                action=action, object_type="match_run", object_public_id=run.public_id
            )
        )

    assert events("match_run.solved") == []
    run_solve(actor=coordinator, run=run)
    (solved,) = events("match_run.solved")
    assert solved.actor == coordinator and solved.school == run.school
    assert solved.detail == "solve 1: 2 matched, score 7"
    pin_set(
        actor=coordinator,
        run=run,
        mentee=cohort.mentees["ana"],
        mentor=cohort.mentors["zara"],
        kind=MatchPin.Kind.LOCK,
    )
    (locked,) = events("match_run.pair_locked")
    assert locked.actor == coordinator
    second = run_solve(actor=coordinator, run=run)
    assert len(events("match_run.solved")) == 2
    assert events("match_run.published") == []
    run_publish(actor=coordinator, run=run, solve=second)
    (published,) = events("match_run.published")
    assert published.actor == coordinator
    assert published.detail == "solve 2: 2 mentorships proposed"


def test_introduction_tasks_close_when_the_mentorship_starts(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    first, second = run_publish(actor=coordinator, run=run, solve=solve).mentorships

    def open_introductions(mentorship: Mentorship) -> list[Task]:
        return list(
            Task.objects.filter(
                kind=TaskKind.INTRODUCE,
                subject_public_id=mentorship.public_id,
                status=Task.Status.OPEN,
            )
        )

    (task,) = open_introductions(first)
    assert task.assigned_to == coordinator
    assert len(open_introductions(second)) == 1
    mentorship_start(actor=coordinator, mentorship=first)
    assert open_introductions(first) == []
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.done_at is not None
    assert len(open_introductions(second)) == 1


def test_every_mentor_is_emailed_once_and_no_mentee_is_named(
    personas: dict[str, Persona],
    cohort: Cohort,
    school_a: School,
    django_capture_on_commit_callbacks,
) -> None:
    coordinator = personas["coordinator"]
    fri = cohort.slots["fri"]
    # Xena has room for two, and is the only mentor free on Friday after school,
    # as are Cal and Dev.
    xena = active_mentor(coordinator, school_a, name="Xena", year=11, slots=[fri], capacity=2)
    dev = waiting_mentee(coordinator, cohort.programme, name="Dev", year=7, slots=[fri])
    mentors = [*cohort.mentors.values(), xena]
    for mentor in mentors:
        first_name = mentor.student.legal_forename.lower()
        mentor.student.user = user_create(
            email=f"{first_name}@pupils.northgate.example", full_name=mentor.student.display_name
        )
        mentor.student.save()
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    with django_capture_on_commit_callbacks(execute=True):
        published = run_publish(actor=coordinator.user, run=run, solve=solve)
    created = published.mentorships
    assert len(created) == 4
    assert (published.mentors, published.mentors_emailed) == (3, 3)
    assert sorted(m.mentor.student.legal_forename for m in created) == [
        "Xena",
        "Xena",
        "Yusuf",
        "Zara",
    ]
    recipients = [address for message in mail.outbox for address in message.to]
    assert sorted(recipients) == [
        "xena@pupils.northgate.example",
        "yusuf@pupils.northgate.example",
        "zara@pupils.northgate.example",
    ]
    mentees = [*cohort.mentees.values(), dev]
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert "Year 7 buddies" in text
        for mentee in mentees:
            for name in (mentee.legal_forename, mentee.legal_surname, mentee.display_name):
                assert not re.search(rf"\b{re.escape(name)}\b", text), (name, text)


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["facilitator", "mentor", "student"])
def test_the_run_pages_are_refused_to_facilitators_mentors_and_students(
    personas: dict[str, Persona], cohort: Cohort, login, who: str
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    client = login(personas[who])
    for url in (
        reverse("matching:programme", args=[cohort.programme.public_id]),
        reverse("matching:run", args=[run.public_id]),
        reverse("matching:solve_detail", args=[solve.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Zara" not in response.content.decode()
    assert client.post(reverse("matching:solve", args=[run.public_id])).status_code == 403
    assert run.solves.count() == 1


def test_a_group_programme_cannot_open_a_match_run(
    personas: dict[str, Persona], school_a: School, login
) -> None:
    coordinator = personas["coordinator"]
    programme = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Lunch club",
        kind=Programme.Kind.GROUP,
        capacity=12,
    )
    with pytest.raises(ValidationError, match="not a one-to-one programme"):
        run_open(actor=coordinator.user, programme=programme)
    client = login(coordinator)
    response = client.post(reverse("matching:programme", args=[programme.public_id]), follow=True)
    assert "not a one-to-one programme" in response.content.decode()
    assert not MatchRun.objects.filter(programme=programme).exists()


def test_an_outsider_coordinator_gets_404_on_a_run(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    client = login(personas["outsider"])
    assert client.get(reverse("matching:run", args=[run.public_id])).status_code == 404
    assert client.get(reverse("matching:solve_detail", args=[solve.public_id])).status_code == 404
    assert client.post(reverse("matching:solve", args=[run.public_id])).status_code == 404
    assert client.post(reverse("matching:publish", args=[run.public_id])).status_code == 404
    assert run.solves.count() == 1
    assert not Mentorship.objects.exists()


def test_opening_a_run_twice_gives_the_same_run_until_it_is_closed(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    first = run_open(actor=coordinator.user, programme=cohort.programme)
    assert run_open(actor=personas["dsl"].user, programme=cohort.programme) == first
    client = login(coordinator)
    response = client.post(reverse("matching:programme", args=[cohort.programme.public_id]))
    assert response.url == reverse("matching:run", args=[first.public_id])
    assert MatchRun.objects.filter(programme=cohort.programme).count() == 1
    run_discard(actor=coordinator.user, run=first)
    second = run_open(actor=coordinator.user, programme=cohort.programme)
    assert second != first and second.status == MatchRun.Status.OPEN


# ---------------------------------------------------------------- swaps and undo


def test_a_swap_locks_both_new_pairs_and_runs_again(
    personas: dict[str, Persona], cohort: Cohort, school_a: School
) -> None:
    coordinator = personas["coordinator"]
    mon, wed = cohort.slots["mon"], cohort.slots["wed"]
    xena = active_mentor(coordinator, school_a, name="Xena", year=11, slots=[mon, wed])
    dev = waiting_mentee(coordinator, cohort.programme, name="Dev", year=7, slots=[mon, wed])
    ana, ben = cohort.mentees["ana"], cohort.mentees["ben"]
    zara, yusuf = cohort.mentors["zara"], cohort.mentors["yusuf"]
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    first = run_solve(actor=coordinator.user, run=run)
    assert {p["mentee"]: p["mentor"] for p in first.result["pairs"]} == {
        str(ana.public_id): str(zara.public_id),
        str(ben.public_id): str(yusuf.public_id),
        str(dev.public_id): str(xena.public_id),
    }
    second = swap(actor=coordinator.user, run=run, first=ana, second=dev)
    assert second.number == 2
    pairs = {p["mentee"]: p for p in second.result["pairs"]}
    assert {mentee: p["mentor"] for mentee, p in pairs.items()} == {
        str(ana.public_id): str(xena.public_id),
        str(ben.public_id): str(yusuf.public_id),
        str(dev.public_id): str(zara.public_id),
    }
    for mentee in (ana, dev):
        assert pairs[str(mentee.public_id)]["locked"] is True
        assert pairs[str(mentee.public_id)]["reasons"][0] == "kept as the coordinator locked it"
    assert "locked" not in pairs[str(ben.public_id)]
    assert set(
        MatchPin.objects.filter(run=run, kind=MatchPin.Kind.LOCK).values_list("mentee", "mentor")
    ) == {(ana.pk, xena.pk), (dev.pk, zara.pk)}
    (swapped,) = AuditEvent.objects.filter(action="match_run.swapped")
    assert swapped.detail == (
        f"locked mentee={ana.public_id} mentor={xena.public_id}; "
        f"locked mentee={dev.public_id} mentor={zara.public_id}"
    )


def test_undoing_a_lock_gives_back_the_engines_own_choice(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    ana, yusuf = cohort.mentees["ana"], cohort.mentors["yusuf"]
    run = run_open(actor=coordinator, programme=cohort.programme)
    own_choice = run_solve(actor=coordinator, run=run)
    pin = pin_set(actor=coordinator, run=run, mentee=ana, mentor=yusuf, kind=MatchPin.Kind.LOCK)
    locked = run_solve(actor=coordinator, run=run)
    assert locked.result["pairs"] != own_choice.result["pairs"]
    pin_remove(actor=coordinator, run=run, pin=pin)
    run.refresh_from_db()
    assert needs_rerun(run, locked)
    again = run_solve(actor=coordinator, run=run)
    assert again.problem["locked"] == []
    assert again.result["pairs"] == own_choice.result["pairs"]
    assert again.total_score == own_choice.total_score


def test_locks_rejections_and_undo_are_audited_with_the_pair_by_public_id(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    ana, ben = cohort.mentees["ana"], cohort.mentees["ben"]
    zara, yusuf = cohort.mentors["zara"], cohort.mentors["yusuf"]
    run = run_open(actor=coordinator, programme=cohort.programme)
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=yusuf, kind=MatchPin.Kind.LOCK)
    # A second lock for Ana replaces the first: the removal is audited too.
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    rejection = pin_set(
        actor=coordinator, run=run, mentee=ben, mentor=zara, kind=MatchPin.Kind.REJECT
    )
    pin_remove(actor=coordinator, run=run, pin=rejection)
    events = [
        (e.action, e.detail)
        for e in AuditEvent.objects.filter(
            object_type="match_run", object_public_id=run.public_id
        ).order_by("pk")
    ]
    assert events == [
        ("match_run.opened", ""),
        ("match_run.pair_locked", f"mentee={ana.public_id} mentor={yusuf.public_id}"),
        (
            "match_run.pin_removed",
            f"lock mentee={ana.public_id} mentor={yusuf.public_id}, replaced by a new lock",
        ),
        ("match_run.pair_locked", f"mentee={ana.public_id} mentor={zara.public_id}"),
        ("match_run.pair_rejected", f"mentee={ben.public_id} mentor={zara.public_id}"),
        ("match_run.pin_removed", f"reject mentee={ben.public_id} mentor={zara.public_id}"),
    ]
    for _action, detail in events:
        assert "Mentee" not in detail and "Mentor" not in detail


def test_a_decision_on_a_closed_run_cannot_be_undone(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    pin = pin_set(
        actor=coordinator,
        run=run,
        mentee=cohort.mentees["ana"],
        mentor=cohort.mentors["zara"],
        kind=MatchPin.Kind.LOCK,
    )
    stale_copy = MatchRun.objects.get(pk=run.pk)  # read before it was set aside
    run_discard(actor=coordinator, run=run)
    with pytest.raises(ValidationError, match="This match run is set aside"):
        pin_remove(actor=coordinator, run=stale_copy, pin=pin)
    assert MatchPin.objects.filter(pk=pin.pk).exists()
    assert not AuditEvent.objects.filter(action="match_run.pin_removed").exists()


# ---------------------------------------------------------------- gender and messages


def test_other_or_not_stated_is_never_counted_as_the_same_gender(
    personas: dict[str, Persona], cohort: Cohort, school_a: School
) -> None:
    coordinator = personas["coordinator"]
    wed = cohort.slots["wed"]
    quinn = active_mentor(coordinator, school_a, name="Quinn", year=11, slots=[wed], gender="X")
    kit = waiting_mentee(
        coordinator,
        cohort.programme,
        name="Kit",
        year=7,
        slots=[wed],
        gender="X",
        same_gender=True,
    )
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    genders = {m["id"]: m["gender"] for m in solve.problem["mentees"] + solve.problem["mentors"]}
    assert genders[str(kit.public_id)] == "" and genders[str(quinn.public_id)] == ""
    assert str(kit.public_id) not in {p["mentee"] for p in solve.result["pairs"]}
    (kits,) = [u for u in solve.result["unmatched"] if u["mentee"] == str(kit.public_id)]
    assert kits["reasons"] == [
        "the mentee asked for a mentor of the same gender, but their gender is not recorded"
    ]
    with pytest.raises(ValidationError, match="the mentee asked for a mentor of the same gender"):
        pin_set(actor=coordinator.user, run=run, mentee=kit, mentor=quinn, kind=MatchPin.Kind.LOCK)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def test_a_lock_that_no_longer_keeps_a_rule_is_named_by_the_students_names(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    ana, zara = cohort.mentees["ana"], cohort.mentors["zara"]
    run = run_open(actor=coordinator, programme=cohort.programme)
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    # Ana is now free only on Monday, when Zara is not.
    preferences_save(
        actor=coordinator,
        student=ana,
        interests=["drawing"],
        languages=[],
        availability=[cohort.slots["mon"]],
        same_gender=False,
    )
    with pytest.raises(ValidationError) as refused:
        run_solve(actor=coordinator, run=run)
    message = " ".join(refused.value.messages)
    assert message == (
        "The locks cannot all be kept: locked pair (Ana Mentee, Zara Mentor) breaks a rule: "
        "they share no free time. Undo the lock and run again."
    )
    assert not run.solves.exists()


def test_a_lock_on_a_mentor_who_filled_up_since_says_their_room_by_name(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    ana, ben, yusuf = cohort.mentees["ana"], cohort.mentees["ben"], cohort.mentors["yusuf"]
    run = run_open(actor=coordinator, programme=cohort.programme)
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=yusuf, kind=MatchPin.Kind.LOCK)
    # Yusuf (room for one) is paired with Ben by hand: he has no room left.
    mentorship_propose(actor=coordinator, programme=cohort.programme, mentor=yusuf, mentee=ben)
    with pytest.raises(ValidationError) as refused:
        run_solve(actor=coordinator, run=run)
    message = " ".join(refused.value.messages)
    assert message == (
        "The locks cannot all be kept: mentor Yusuf Mentor is locked to 1 mentee, but has "
        "room for 0 more mentees in this run. Undo the lock and run again."
    )
    assert not UUID.search(message)
