"""Urgent words: the check that flags free text for the DSLs, the school's list of
phrases, reviewing a flag, the scan of check-in words, and the DSL's pages."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import UrgentFlag, UrgentPhrase
from peersupport.concerns.services import (
    shipped_urgent_phrases,
    urgent_alert_pending,
    urgent_check,
    urgent_flag_review,
    urgent_phrase_add,
    urgent_phrase_set_active,
    urgent_phrases_install,
    urgent_scan_check_ins,
)
from peersupport.meetings.services import check_in_record
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind

WORRYING = "I don\u2019t want to be alive anymore"


def check(school: School, text: str, source: uuid.UUID | None = None, **kwargs: Any) -> Any:
    return urgent_check(
        school=school,
        text=text,
        source_type="check_in",
        source_public_id=source or uuid.uuid4(),
        **kwargs,
    )


@pytest.fixture
def second_dsl(personas: dict[str, Persona]) -> Persona:
    return make_user(
        "deputy.dsl@northgate.example", "Deputy", personas["dsl"].school, Role.DSL, True
    )


# ---------------------------------------------------------------- the check


def test_a_match_flags_the_text_and_alerts_every_dsl_after_commit(
    personas: dict[str, Persona],
    second_dsl: Persona,
    student_a: Student,
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = personas["dsl"].school
    source = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        flag = check(school, WORRYING, source, student=student_a)
    assert flag is not None
    assert flag.phrases == ["do not want to be alive"]
    assert (flag.source_type, flag.source_public_id, flag.student) == (
        "check_in",
        source,
        student_a,
    )
    link = reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    tasks = Task.objects.filter(subject_public_id=flag.public_id, status=Task.Status.OPEN)
    assert {task.assigned_to for task in tasks} == {personas["dsl"].user, second_dsl.user}
    assert {task.link for task in tasks} == {link}
    # Coordinators are not told: the words are for the DSLs.
    assert not Task.objects.filter(assigned_to=personas["coordinator"].user).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "deputy.dsl@northgate.example",
        "dsl@northgate.example",
    ]
    for message in mail.outbox:
        assert link in message.body
        assert "alive" not in message.body  # a link only, never the words
        assert "alive" not in message.subject
    event = AuditEvent.objects.get(action="urgent_flag.raised")
    assert event.object_public_id == flag.public_id
    assert "alive" not in event.detail


def test_no_e_mail_goes_when_the_saving_transaction_rolls_back(
    personas: dict[str, Persona], django_capture_on_commit_callbacks: Any
) -> None:
    school = personas["dsl"].school

    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        assert check(school, WORRYING) is not None
        raise Undo
    assert mail.outbox == []
    assert not UrgentFlag.objects.exists()


def test_ordinary_text_is_not_flagged_and_alerts_nobody(
    personas: dict[str, Persona], django_capture_on_commit_callbacks: Any
) -> None:
    school = personas["dsl"].school
    with django_capture_on_commit_callbacks(execute=True):
        assert check(school, "I killed it in football today") is None
        assert check(school, "   ") is None
    assert not UrgentFlag.objects.exists()
    assert not Task.objects.exists()
    assert mail.outbox == []


def test_this_homework_is_killing_me_is_flagged_for_a_dsl_to_review(
    personas: dict[str, Persona],
) -> None:
    """The known limit, end to end: the sentence is flagged (not silently let
    through), and the DSL marks it reviewed with a note saying it was ordinary."""
    flag = check(personas["dsl"].school, "this homework is killing me")
    assert flag is not None
    assert flag.phrases == ["killing me"]
    urgent_flag_review(
        actor=personas["dsl"].user, flag=flag, note="A figure of speech about homework."
    )
    flag.refresh_from_db()
    assert flag.reviewed_by == personas["dsl"].user


def test_the_same_text_checked_again_is_flagged_once(
    personas: dict[str, Persona], django_capture_on_commit_callbacks: Any
) -> None:
    school = personas["dsl"].school
    source = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = check(school, WORRYING, source)
        again = check(school, WORRYING, source)
    assert again == first
    assert UrgentFlag.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_new_worrying_phrase_in_the_same_record_is_flagged_again(
    personas: dict[str, Persona],
) -> None:
    school = personas["dsl"].school
    source = uuid.uuid4()
    check(school, WORRYING, source)
    second = check(school, WORRYING + " and he hits me", source)
    assert second is not None
    assert second.phrases == ["do not want to be alive", "hits me"]
    assert UrgentFlag.objects.filter(source_public_id=source).count() == 2


def test_a_student_of_another_school_is_refused(
    personas: dict[str, Persona], student_b: Student
) -> None:
    with pytest.raises(ValidationError):
        check(personas["dsl"].school, WORRYING, student=student_b)
    assert not UrgentFlag.objects.exists()


def test_a_school_without_a_list_is_given_the_shipped_one_at_its_first_check(
    school_a: School,
) -> None:
    assert not UrgentPhrase.objects.filter(school=school_a).exists()
    assert check(school_a, "I want to kill myself") is not None
    assert UrgentPhrase.objects.filter(school=school_a).count() == len(shipped_urgent_phrases())


def test_with_no_dsl_the_coordinators_are_warned_and_the_first_dsl_is_alerted(
    school_a: School, django_capture_on_commit_callbacks: Any
) -> None:
    """Only a DSL may open a flag, so a school with none cannot be told what was
    written: its coordinators are warned (no words, no names) to give someone the
    role, and the first DSL is alerted by the next scan."""
    coordinator = make_user("head@northgate.example", "Head", school_a, Role.COORDINATOR, True)
    with django_capture_on_commit_callbacks(execute=True):
        flag = check(school_a, WORRYING)
        check(school_a, "I want to kill myself")
    assert flag is not None
    assert not Task.objects.filter(subject_public_id=flag.public_id).exists()
    warning = Task.objects.get(assigned_to=coordinator.user)
    assert (warning.kind, warning.subject_public_id) == (TaskKind.NO_DSL, school_a.public_id)
    assert warning.link == reverse("accounts:staff_list")
    # One warning however many flags wait, and never the words.
    assert [message.to for message in mail.outbox] == [["head@northgate.example"]]
    assert "alive" not in mail.outbox[0].body
    assert urgent_alert_pending(school=school_a) == 0  # still nobody to tell

    dsl = make_user("new.dsl@northgate.example", "New Dsl", school_a, Role.DSL, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert urgent_alert_pending(school=school_a) == 2
        assert urgent_alert_pending(school=school_a) == 0  # told once
    review = Task.objects.get(subject_public_id=flag.public_id)
    assert (review.kind, review.assigned_to) == (TaskKind.URGENT_REVIEW, dsl.user)
    warning.refresh_from_db()
    assert warning.status == Task.Status.DONE
    assert len([m for m in mail.outbox if m.to == ["new.dsl@northgate.example"]]) == 2


def test_the_scan_command_alerts_a_new_dsl_to_waiting_flags(school_a: School) -> None:
    make_user("head@northgate.example", "Head", school_a, Role.COORDINATOR, True)
    flag = check(school_a, WORRYING)
    dsl = make_user("new.dsl@northgate.example", "New Dsl", school_a, Role.DSL, True)
    out = io.StringIO()
    call_command("run_urgent_scan", stdout=out)
    assert "1 waiting flags sent to a new DSL" in out.getvalue()
    assert Task.objects.get(subject_public_id=flag.public_id).assigned_to == dsl.user


# ---------------------------------------------------------------- the list


def test_installing_again_keeps_the_schools_edits(personas: dict[str, Persona]) -> None:
    dsl = personas["dsl"].user
    school = personas["dsl"].school
    assert urgent_phrases_install(school=school) == len(shipped_urgent_phrases())
    killing_me = UrgentPhrase.objects.get(school=school, phrase="killing me")
    urgent_phrase_set_active(actor=dsl, phrase=killing_me, active=False)
    own = urgent_phrase_add(actor=dsl, school=school, phrase="want to disappear")
    assert urgent_phrases_install(school=school) == 0
    killing_me.refresh_from_db()
    assert killing_me.active is False
    assert UrgentPhrase.objects.filter(pk=own.pk, active=True).exists()
    # A phrase turned off flags nothing; one the DSL added does.
    assert check(school, "this homework is killing me") is None
    assert check(school, "I just want to disappear").phrases == ["want to disappear"]


def test_only_a_dsl_changes_the_list(personas: dict[str, Persona]) -> None:
    school = personas["dsl"].school
    urgent_phrases_install(school=school)
    phrase = UrgentPhrase.objects.filter(school=school).first()
    assert phrase is not None
    for who in ("coordinator", "facilitator", "mentor"):
        with pytest.raises(PermissionDenied):
            urgent_phrase_add(actor=personas[who].user, school=school, phrase="new words")
        with pytest.raises(PermissionDenied):
            urgent_phrase_set_active(actor=personas[who].user, phrase=phrase, active=False)
    phrase.refresh_from_db()
    assert phrase.active is True
    assert not UrgentPhrase.objects.filter(phrase="new words").exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type a word"),
        ("a* b", "at least 3 letters"),
        ("KILL   Myself!", "already has this phrase"),
    ],
)
def test_a_phrase_that_cannot_be_added_is_refused_with_a_reason(
    personas: dict[str, Persona], typed: str, message: str
) -> None:
    school = personas["dsl"].school
    urgent_phrases_install(school=school)
    before = UrgentPhrase.objects.count()
    with pytest.raises(ValidationError) as refused:
        urgent_phrase_add(actor=personas["dsl"].user, school=school, phrase=typed)
    assert message in " ".join(refused.value.messages)
    assert UrgentPhrase.objects.count() == before


def test_adding_a_phrase_that_was_turned_off_turns_it_back_on(
    personas: dict[str, Persona],
) -> None:
    dsl, school = personas["dsl"].user, personas["dsl"].school
    urgent_phrases_install(school=school)
    phrase = UrgentPhrase.objects.get(school=school, phrase="hits me")
    urgent_phrase_set_active(actor=dsl, phrase=phrase, active=False)
    assert urgent_phrase_add(actor=dsl, school=school, phrase="Hits me") == phrase
    phrase.refresh_from_db()
    assert phrase.active is True


# ---------------------------------------------------------------- review


def test_a_dsl_reviews_a_flag_and_every_dsls_task_for_it_closes(
    personas: dict[str, Persona], second_dsl: Persona
) -> None:
    flag = check(personas["dsl"].school, WORRYING)
    urgent_flag_review(actor=second_dsl.user, flag=flag, note="Spoke to her; DSL plan in place.")
    flag.refresh_from_db()
    assert flag.reviewed_by == second_dsl.user
    assert flag.reviewed_at is not None
    assert flag.review_note == "Spoke to her; DSL plan in place."
    assert not Task.objects.filter(
        subject_public_id=flag.public_id, status=Task.Status.OPEN
    ).exists()
    assert AuditEvent.objects.filter(action="urgent_flag.reviewed").count() == 1


def test_a_review_needs_a_note_a_dsl_and_happens_once(personas: dict[str, Persona]) -> None:
    flag = check(personas["dsl"].school, WORRYING)
    with pytest.raises(ValidationError):
        urgent_flag_review(actor=personas["dsl"].user, flag=flag, note="  ")
    with pytest.raises(PermissionDenied):
        urgent_flag_review(actor=personas["coordinator"].user, flag=flag, note="Seen")
    flag.refresh_from_db()
    assert flag.reviewed_at is None
    urgent_flag_review(actor=personas["dsl"].user, flag=flag, note="Seen")
    with pytest.raises(ValidationError):
        urgent_flag_review(actor=personas["dsl"].user, flag=flag, note="Again")


# ---------------------------------------------------------------- check-in words


def test_the_scan_flags_worrying_check_in_words_once(personas: dict[str, Persona]) -> None:
    school = personas["dsl"].school
    student = make_student(school)
    start = timezone.now()
    worrying = check_in_record(
        actor=personas["coordinator"].user, student=student, feeling=1, word="wanna die"
    )
    check_in_record(actor=personas["coordinator"].user, student=student, feeling=4, word="tired")
    check_in_record(actor=personas["coordinator"].user, student=student, feeling=3)
    assert urgent_scan_check_ins(school=school, since=start) == 1
    flag = UrgentFlag.objects.get()
    assert (flag.source_type, flag.source_public_id, flag.student) == (
        "check_in",
        worrying.public_id,
        student,
    )
    assert urgent_scan_check_ins(school=school, since=start) == 0
    assert UrgentFlag.objects.count() == 1


def test_the_scan_looks_only_at_check_ins_since_the_time_given(
    personas: dict[str, Persona],
) -> None:
    school = personas["dsl"].school
    student = make_student(school)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)):
        check_in_record(actor=personas["coordinator"].user, student=student, feeling=1, word="kms")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 11, tzinfo=datetime.UTC)):
        call_command("run_urgent_scan", "--minutes", "60", stdout=io.StringIO())
        assert not UrgentFlag.objects.exists()
        call_command("run_urgent_scan", "--minutes", "180", stdout=io.StringIO())
    assert UrgentFlag.objects.get().phrases == ["kill myself"]


# ---------------------------------------------------------------- pages


def test_the_dsl_reads_the_flagged_words_and_the_read_is_audited(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    school = personas["dsl"].school
    student = make_student(school, legal_forename="Cara")
    check_in = check_in_record(
        actor=personas["coordinator"].user, student=student, feeling=1, word="he hits me"
    )
    urgent_scan_check_ins(school=school, since=timezone.now() - datetime.timedelta(minutes=5))
    flag = UrgentFlag.objects.get(source_public_id=check_in.public_id)
    client = login(personas["dsl"])
    listing = client.get(reverse("concerns:urgent_flags"))
    assert listing.status_code == 200
    assert "Cara" in listing.content.decode()
    page = client.get(reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id}))
    assert page.status_code == 200
    assert "he hits me" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="urgent_flag.viewed", object_public_id=flag.public_id, actor=personas["dsl"].user
    ).exists()


def test_reviewing_on_the_page_with_no_note_is_refused_and_changes_nothing(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    flag = check(personas["dsl"].school, WORRYING)
    url = reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    client = login(personas["dsl"])
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    flag.refresh_from_db()
    assert flag.reviewed_at is None
    done = client.post(url, {"note": "Ordinary: about a film."})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.review_note == "Ordinary: about a film."


def test_the_phrases_page_states_the_limits_and_lets_the_dsl_edit_the_list(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    client = login(personas["dsl"])
    url = reverse("concerns:urgent_phrases")
    page = client.get(url).content.decode()
    assert "a safety net, not a filter: it never blocks a child from saying something" in page
    assert "cannot understand context, so it will miss some worries" in page
    assert "this homework is killing me" in page
    school = personas["dsl"].school
    assert UrgentPhrase.objects.filter(school=school).count() == len(shipped_urgent_phrases())
    assert client.post(url, {"phrase": "nobody would miss me"}).status_code == 302
    added = UrgentPhrase.objects.get(school=school, phrase="nobody would miss me")
    assert added.added_by == personas["dsl"].user
    refused = client.post(url, {"phrase": "a*"})
    assert refused.status_code == 400
    assert "at least 3 letters" in refused.content.decode()
    toggle = reverse("concerns:urgent_phrase_toggle", kwargs={"public_id": added.public_id})
    assert client.post(toggle).status_code == 302
    added.refresh_from_db()
    assert added.active is False


def test_a_dsl_of_another_school_cannot_open_a_flag(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    flag = check(personas["dsl"].school, WORRYING)
    other_dsl = make_user(
        "dsl@riverside.example", "Other DSL", personas["outsider"].school, Role.DSL, True
    )
    client = login(other_dsl)
    url = reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"note": "Seen"}).status_code == 404
    flag.refresh_from_db()
    assert flag.reviewed_at is None


@pytest.mark.parametrize("who", ["coordinator", "facilitator", "viewer", "mentor", "student"])
def test_only_dsls_see_urgent_words(
    login: Callable[[Persona], Client], personas: dict[str, Persona], who: str
) -> None:
    flag = check(personas["dsl"].school, WORRYING)
    client = login(personas[who])
    assert client.get(reverse("concerns:urgent_flags")).status_code == 403
    assert client.get(reverse("concerns:urgent_phrases")).status_code == 403
    url = reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    assert client.get(url).status_code == 403


def test_the_flag_list_takes_the_same_number_of_queries_however_many_flags(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    school = personas["dsl"].school
    client = login(personas["dsl"])
    url = reverse("concerns:urgent_flags")
    check(school, WORRYING, student=make_student(school))
    client.get(url)  # the first request settles the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(6):
        check(school, WORRYING, student=make_student(school))
    with CaptureQueriesContext(connection) as seven:
        assert client.get(url).status_code == 200
    assert len(seven) == len(one)
