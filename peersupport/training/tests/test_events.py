"""Training sessions: arranging them, marking who came, and the completions that
attending records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.programmes.services import mentor_apply, mentor_give_reference, mentor_set_status
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.models import (
    Completion,
    TrainingAttendance,
    TrainingEvent,
    TrainingModule,
)
from peersupport.training.services import (
    Marked,
    add_months,
    completion_record,
    event_attendance_mark,
    event_create,
    event_invite,
    event_register_save,
)

TODAY = timezone.localdate()
LAST_WEEK = TODAY - datetime.timedelta(days=7)
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


def make_mentor(coordinator: Persona, school: School, status: str = "in_training", **fields: Any):  # type: ignore[no-untyped-def]
    student = make_student(school, year_group=10, **fields)
    mentor = mentor_apply(actor=coordinator.user, student=student, why="To help")
    if status != "applicant":
        mentor_give_reference(actor=coordinator.user, mentor=mentor, reference="Kind")
        mentor_set_status(actor=coordinator.user, mentor=mentor, status="in_training")
    return student


@dataclass
class Setting:
    module: TrainingModule
    mentor: Student
    event: TrainingEvent


@pytest.fixture
def setting(personas: dict[str, Persona], school_a: School) -> Setting:
    module = TrainingModule.objects.create(
        school=school_a, key="listening", title="Active listening", refresh_months=12
    )
    mentor = make_mentor(personas["coordinator"], school_a, legal_forename="Maya")
    event = event_create(
        actor=personas["facilitator"].user,
        module=module,
        held_on=LAST_WEEK,
        trainer=personas["facilitator"].user,
        place="Library",
        students=[mentor],
        users=[personas["coordinator"].user],
    )
    return Setting(module=module, mentor=mentor, event=event)


def place_of(event: TrainingEvent, student: Student) -> TrainingAttendance:
    return TrainingAttendance.objects.get(event=event, student=student)


def test_attending_completes_the_module_on_the_day_of_the_session_with_its_expiry(
    personas: dict[str, Persona], setting: Setting
) -> None:
    done = event_attendance_mark(
        actor=personas["facilitator"].user,
        event=setting.event,
        attendance=place_of(setting.event, setting.mentor),
        attended=True,
    )
    assert done == Marked.CAME
    completion = Completion.objects.get(student=setting.mentor)
    assert completion.module == setting.module
    assert completion.how == Completion.How.IN_PERSON
    assert completion.completed_on == LAST_WEEK
    assert completion.expires_on == add_months(LAST_WEEK, 12)
    assert completion.event == setting.event
    assert completion.recorded_by == personas["facilitator"].user
    assert place_of(setting.event, setting.mentor).attended


def test_staff_attending_complete_it_too(personas: dict[str, Persona], setting: Setting) -> None:
    coordinator = personas["coordinator"].user
    place = TrainingAttendance.objects.get(event=setting.event, user=coordinator)
    event_attendance_mark(actor=coordinator, event=setting.event, attendance=place, attended=True)
    assert Completion.objects.get(user=coordinator).event == setting.event


def test_marking_twice_makes_one_completion(personas: dict[str, Persona], setting: Setting) -> None:
    place = place_of(setting.event, setting.mentor)
    facilitator = personas["facilitator"].user
    event_attendance_mark(actor=facilitator, event=setting.event, attendance=place, attended=True)
    again = event_attendance_mark(
        actor=facilitator, event=setting.event, attendance=place, attended=True
    )
    assert again == Marked.UNCHANGED
    counts = event_register_save(actor=facilitator, event=setting.event, came={place.public_id})
    assert counts[Marked.CAME] == 0
    assert Completion.objects.filter(student=setting.mentor).count() == 1


def test_a_session_in_the_future_cannot_be_marked(
    personas: dict[str, Persona], setting: Setting
) -> None:
    setting.event.held_on = NEXT_WEEK
    setting.event.save()
    place = place_of(setting.event, setting.mentor)
    with pytest.raises(ValidationError, match="not before"):
        event_attendance_mark(
            actor=personas["facilitator"].user,
            event=setting.event,
            attendance=place,
            attended=True,
        )
    with pytest.raises(ValidationError, match="not before"):
        event_register_save(
            actor=personas["facilitator"].user, event=setting.event, came={place.public_id}
        )
    assert not Completion.objects.exists()
    assert not place_of(setting.event, setting.mentor).attended


def test_the_register_of_a_future_session_has_no_boxes_and_refuses_a_post(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    setting.event.held_on = NEXT_WEEK
    setting.event.save()
    client.force_login(personas["facilitator"].user)
    url = reverse("training:event", args=[setting.event.public_id])
    page = client.get(url).content.decode()
    assert 'name="came"' not in page and "on the day of the session" in page
    place = place_of(setting.event, setting.mentor)
    response = client.post(url, {"came": [str(place.public_id)]})
    assert response.status_code == 400
    assert "not before" in response.content.decode()
    assert not Completion.objects.exists()


def test_only_staff_run_sessions_and_mark_registers(
    personas: dict[str, Persona], setting: Setting
) -> None:
    place = place_of(setting.event, setting.mentor)
    for who in ("mentor", "student", "viewer", "partner", "outsider"):
        actor = personas[who].user
        with pytest.raises(PermissionDenied):
            event_attendance_mark(actor=actor, event=setting.event, attendance=place, attended=True)
        with pytest.raises(PermissionDenied):
            event_create(
                actor=actor,
                module=setting.module,
                held_on=TODAY,
                trainer_name="Ms Visitor",
                users=[personas["coordinator"].user],
            )
        with pytest.raises(PermissionDenied):
            event_invite(actor=actor, event=setting.event, users=[personas["dsl"].user])
    assert not Completion.objects.exists()
    assert TrainingEvent.objects.count() == 1


def test_taking_someone_off_is_a_correction_that_removes_only_this_sessions_completion(
    personas: dict[str, Persona], setting: Setting
) -> None:
    facilitator = personas["facilitator"].user
    place = place_of(setting.event, setting.mentor)
    earlier = completion_record(
        actor=facilitator,
        module=setting.module,
        student=setting.mentor,
        completed_on=LAST_WEEK - datetime.timedelta(days=30),
        how=Completion.How.RECORDED,
    )
    event_attendance_mark(actor=facilitator, event=setting.event, attendance=place, attended=True)
    assert Completion.objects.filter(student=setting.mentor).count() == 2
    done = event_attendance_mark(
        actor=facilitator, event=setting.event, attendance=place, attended=False
    )
    assert done == Marked.TAKEN_OFF
    assert list(Completion.objects.filter(student=setting.mentor)) == [earlier]
    assert not place_of(setting.event, setting.mentor).attended
    correction = AuditEvent.objects.get(action="training.attendance_unmarked")
    assert correction.actor == facilitator
    assert correction.object_public_id == setting.event.public_id
    assert "1 completion removed" in correction.detail


def test_a_session_needs_a_trainer_and_someone_invited(
    personas: dict[str, Persona], setting: Setting
) -> None:
    facilitator = personas["facilitator"].user
    common = {"actor": facilitator, "module": setting.module, "held_on": TODAY}
    with pytest.raises(ValidationError, match="Choose the member of staff"):
        event_create(**common, users=[facilitator])
    with pytest.raises(ValidationError, match="not both"):
        event_create(**common, trainer=facilitator, trainer_name="Ms Visitor", users=[facilitator])
    with pytest.raises(ValidationError, match="on this school's staff"):
        event_create(**common, trainer=personas["mentor"].user, users=[facilitator])
    with pytest.raises(ValidationError, match="at least one person"):
        event_create(**common, trainer_name="Ms Visitor")
    assert TrainingEvent.objects.count() == 1


def test_only_the_schools_mentors_in_training_or_active_and_staff_are_invited(
    personas: dict[str, Persona], setting: Setting, school_a: School, student_b: Student
) -> None:
    facilitator = personas["facilitator"].user
    applicant = make_mentor(personas["coordinator"], school_a, status="applicant")
    not_a_mentor = make_student(school_a)
    for students in ([applicant], [not_a_mentor], [student_b]):
        with pytest.raises(ValidationError, match="Only peer mentors"):
            event_invite(actor=facilitator, event=setting.event, students=students)
    for user in (personas["mentor"].user, personas["viewer"].user, personas["outsider"].user):
        with pytest.raises(ValidationError, match="Only staff"):
            event_invite(actor=facilitator, event=setting.event, users=[user])
    staff_module = TrainingModule.objects.create(
        school=school_a, key="supervision", title="Supervising mentors", audience="facilitator"
    )
    with pytest.raises(ValidationError, match="This module is for staff"):
        event_create(
            actor=facilitator,
            module=staff_module,
            held_on=TODAY,
            trainer=facilitator,
            students=[setting.mentor],
        )
    assert TrainingAttendance.objects.count() == 2


def test_inviting_someone_already_on_the_register_adds_nobody(
    personas: dict[str, Persona], setting: Setting
) -> None:
    added = event_invite(
        actor=personas["facilitator"].user,
        event=setting.event,
        students=[setting.mentor],
        users=[personas["coordinator"].user, personas["dsl"].user],
    )
    assert added == 1
    assert TrainingAttendance.objects.filter(event=setting.event).count() == 3


def test_staff_arrange_a_session_in_the_browser_form(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse("training:event_new")
    page = client.get(url, {"module": str(setting.module.public_id)})
    assert page.status_code == 200
    assert "Maya" in page.content.decode()
    response = client.post(
        url,
        {
            "module": setting.module.pk,
            "held_on": NEXT_WEEK.isoformat(),
            "trainer": "",
            "trainer_name": "Ms Visitor, Kooth",
            "place": "Room 12",
            "mentors": [setting.mentor.pk],
            "staff": [personas["dsl"].user.pk],
        },
    )
    event = TrainingEvent.objects.get(held_on=NEXT_WEEK)
    assert response.status_code == 302
    assert response.url == reverse("training:event", args=[event.public_id])
    assert event.trainer_name == "Ms Visitor, Kooth" and event.place == "Room 12"
    assert {(p.student_id, p.user_id) for p in event.attendance.all()} == {
        (setting.mentor.pk, None),
        (None, personas["dsl"].user.pk),
    }


def test_the_session_form_says_what_is_missing_and_saves_nothing(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    client.force_login(personas["facilitator"].user)
    response = client.post(
        reverse("training:event_new"),
        {"module": setting.module.pk, "held_on": TODAY.isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one person to invite." in page
    assert "or name a trainer from outside" in page
    assert TrainingEvent.objects.count() == 1


def test_saving_the_register_completes_the_module_for_those_ticked(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse("training:event", args=[setting.event.public_id])
    page = client.get(url).content.decode()
    place = place_of(setting.event, setting.mentor)
    assert f'id="came-{place.public_id}"' in page and 'for="came-' in page
    response = client.post(url, {"came": [str(place.public_id)]}, follow=True)
    assert "1 person marked as there" in response.content.decode()
    assert Completion.objects.filter(student=setting.mentor, event=setting.event).count() == 1
    assert not Completion.objects.filter(user=personas["coordinator"].user).exists()
    # Saved again with nobody ticked: a correction, said out loud.
    response = client.post(url, {}, follow=True)
    assert "1 person taken off" in response.content.decode()
    assert not Completion.objects.exists()


def test_a_tick_for_someone_not_on_this_register_changes_nothing(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    other = event_create(
        actor=personas["facilitator"].user,
        module=setting.module,
        held_on=LAST_WEEK,
        trainer_name="Ms Visitor",
        students=[setting.mentor],
    )
    client.force_login(personas["facilitator"].user)
    mine = place_of(setting.event, setting.mentor)
    theirs = place_of(other, setting.mentor)
    url = reverse("training:event", args=[setting.event.public_id])
    for ticked in ([str(mine.public_id), str(theirs.public_id)], ["not-a-uuid"]):
        response = client.post(url, {"came": ticked})
        assert response.status_code == 400
        assert "is not on this session" in response.content.decode()
    assert not Completion.objects.exists()
    assert not TrainingAttendance.objects.filter(attended=True).exists()


def test_adding_people_to_the_register_from_the_session_page(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    client.force_login(personas["coordinator"].user)
    url = reverse("training:event_invite", args=[setting.event.public_id])
    response = client.post(url, {"staff": [personas["dsl"].user.pk]}, follow=True)
    assert "1 person added to the register" in response.content.decode()
    response = client.post(url, {}, follow=True)
    assert "Choose at least one person" in response.content.decode()
    assert TrainingAttendance.objects.filter(event=setting.event).count() == 3


def test_a_mentor_sees_their_upcoming_sessions_in_plain_words(
    client: Client, personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    mentor_user = personas["mentor"].user
    setting.mentor.user = mentor_user
    setting.mentor.save()
    event_create(
        actor=personas["facilitator"].user,
        module=setting.module,
        held_on=NEXT_WEEK,
        trainer=personas["facilitator"].user,
        place="the library",
        students=[setting.mentor],
    )
    client.force_login(mentor_user)
    page = client.get(reverse("training:modules")).content.decode()
    assert "Training sessions you are invited to" in page
    assert f"on {NEXT_WEEK:%A} {NEXT_WEEK.day} {NEXT_WEEK:%B}, in the library" in page
    assert "with Facilitator" in page
    # The session last week is over, so it is not listed.
    assert page.count("<strong>Active listening</strong>") == 1


def test_the_sessions_list_shows_upcoming_and_past_in_a_fixed_number_of_queries(
    client: Client, personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse("training:events")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    for days in range(-5, 6):
        mentor = make_mentor(personas["coordinator"], school_a)
        event = event_create(
            actor=personas["facilitator"].user,
            module=setting.module,
            held_on=TODAY + datetime.timedelta(days=days),
            trainer=personas["dsl"].user if days % 2 else None,
            trainer_name="" if days % 2 else "Ms Visitor",
            students=[mentor],
            users=[personas["coordinator"].user],
        )
        if days <= 0:
            event_register_save(
                actor=personas["facilitator"].user,
                event=event,
                came={place_of(event, mentor).public_id},
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    upcoming, past = response.context["upcoming"], response.context["past"]
    assert [event.held_on for event in upcoming] == sorted(event.held_on for event in upcoming)
    assert all(event.held_on >= TODAY for event in upcoming) and len(upcoming) == 6
    assert all(event.held_on < TODAY for event in past) and len(past) == 6
    assert past[0].held_on == TODAY - datetime.timedelta(days=1)
    assert {event.came for event in past if event.held_on != LAST_WEEK} == {1}


def test_the_sessions_list_for_one_module(
    client: Client, personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    other = TrainingModule.objects.create(school=school_a, key="other", title="Boundaries")
    event_create(
        actor=personas["facilitator"].user,
        module=other,
        held_on=TODAY,
        trainer_name="Ms Visitor",
        users=[personas["dsl"].user],
    )
    client.force_login(personas["facilitator"].user)
    url = reverse("training:events")
    response = client.get(url, {"module": str(setting.module.public_id)})
    assert [e.module for e in response.context["past"] + response.context["upcoming"]] == [
        setting.module
    ]
    assert client.get(url, {"module": "nonsense"}).status_code == 404
    assert client.get(url, {"module": str(other.public_id)}).status_code == 200


# --- who may change a session's register --------------------------------------------


@pytest.fixture
def someone_elses(personas: dict[str, Persona], setting: Setting) -> TrainingEvent:
    """A session last week that the coordinator set up, run by the DSL, with the
    mentor on its register: the facilitator persona neither trains nor set it up."""
    return event_create(
        actor=personas["coordinator"].user,
        module=setting.module,
        held_on=LAST_WEEK,
        trainer=personas["dsl"].user,
        students=[setting.mentor],
    )


def test_a_facilitator_cannot_mark_or_add_to_the_register_of_someone_elses_session(
    personas: dict[str, Persona], setting: Setting, someone_elses: TrainingEvent
) -> None:
    # Otherwise a facilitator could tick any mentor as there and so complete the
    # training the programme requires of them.
    facilitator = personas["facilitator"].user
    place = place_of(someone_elses, setting.mentor)
    with pytest.raises(PermissionDenied, match="trainer"):
        event_attendance_mark(
            actor=facilitator, event=someone_elses, attendance=place, attended=True
        )
    with pytest.raises(PermissionDenied, match="trainer"):
        event_register_save(actor=facilitator, event=someone_elses, came={place.public_id})
    with pytest.raises(PermissionDenied, match="trainer"):
        event_invite(actor=facilitator, event=someone_elses, users=[facilitator])
    assert not Completion.objects.exists()
    assert not TrainingAttendance.objects.filter(attended=True).exists()
    assert not TrainingAttendance.objects.filter(event=someone_elses, user=facilitator).exists()


def test_the_trainer_whoever_set_it_up_and_coordinators_and_dsls_mark_the_register(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    # The facilitator persona set up the setting's session and trains it.
    other = make_user("other@northgate.example", "Other", school_a, Role.FACILITATOR, mfa=False)
    trained_by_other = event_create(
        actor=personas["coordinator"].user,
        module=setting.module,
        held_on=LAST_WEEK,
        trainer=other.user,
        students=[setting.mentor],
    )
    set_up_by_other = event_create(
        actor=other.user,
        module=setting.module,
        held_on=LAST_WEEK,
        trainer_name="Ms Visitor",
        students=[setting.mentor],
    )
    for actor, event in (
        (personas["facilitator"].user, setting.event),  # set it up and trains it
        (other.user, trained_by_other),  # trains it
        (other.user, set_up_by_other),  # set it up
        (personas["dsl"].user, trained_by_other),
        (personas["coordinator"].user, set_up_by_other),
    ):
        place = place_of(event, setting.mentor)
        assert event_register_save(actor=actor, event=event, came={place.public_id})
        assert (
            event_attendance_mark(actor=actor, event=event, attendance=place, attended=False)
            == Marked.TAKEN_OFF
        )
    for event in (trained_by_other, set_up_by_other):
        with pytest.raises(PermissionDenied):
            event_register_save(actor=personas["facilitator"].user, event=event, came=set())


def test_a_facilitator_sees_someone_elses_session_but_cannot_change_its_register(
    client: Client, personas: dict[str, Persona], setting: Setting, someone_elses: TrainingEvent
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse("training:event", args=[someone_elses.public_id])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Maya" in html
    assert 'name="came"' not in html
    assert reverse("training:event_invite", args=[someone_elses.public_id]) not in html
    assert "Only the trainer, whoever set the session up, or a coordinator or DSL" in html
    place = place_of(someone_elses, setting.mentor)
    refused = client.post(url, {"came": [str(place.public_id)]})
    assert refused.status_code == 403
    assert "Only the trainer, whoever set the session up, or a coordinator or DSL" in (
        refused.content.decode()
    )
    invite = reverse("training:event_invite", args=[someone_elses.public_id])
    assert client.post(invite, {"staff": [personas["facilitator"].user.pk]}).status_code == 404
    assert not Completion.objects.exists()
    assert TrainingAttendance.objects.filter(event=someone_elses).count() == 1
    # Their own session's register is theirs to mark.
    own = client.get(reverse("training:event", args=[setting.event.public_id])).content.decode()
    assert 'name="came"' in own
