"""Conflicts, resolved restoratively: opening the record, the steps in order,
keeping the students apart (and lifting it), escalation when overdue, and time to
resolution."""

from __future__ import annotations

import datetime
import io
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import (
    Concern,
    ConcernSettings,
    ConflictCase,
    ConflictStep,
)
from peersupport.concerns.selectors import (
    conflict_median_resolution,
    conflict_next_step,
    conflict_resolution_times,
)
from peersupport.concerns.services import (
    KEEP_APART_REASON,
    concern_raise,
    conflict_add_account,
    conflict_keep_apart,
    conflict_lift_keep_apart,
    conflict_open,
    conflict_record_step,
    conflicts_escalate_overdue,
)
from peersupport.programmes import services as programmes
from peersupport.programmes.models import Group, KeepApart
from peersupport.programmes.selectors import apart_from
from peersupport.students.models import Student
from peersupport.tasks.models import Task

DAY = datetime.timedelta(days=1)
START = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)


@dataclass
class Setting:
    coordinator: Any
    facilitator: Any
    group: Group
    ada: Student
    ben: Student
    cal: Student


@pytest.fixture
def setting(personas: dict[str, Persona]) -> Setting:
    coordinator = personas["coordinator"].user
    school = personas["coordinator"].school
    programme = programmes.programme_create(
        actor=coordinator, school=school, name="Friendship group", kind="group", capacity=10
    )
    group = programmes.group_create(
        actor=coordinator,
        programme=programme,
        name="Tuesday lunch",
        facilitators=[personas["facilitator"].user],
    )
    ada = make_student(school, legal_forename="Ada", legal_surname="Ames")
    ben = make_student(school, legal_forename="Ben", legal_surname="Bell")
    cal = make_student(school, legal_forename="Cal", legal_surname="Cole")
    for student in (ada, ben):
        programmes.group_add_member(actor=coordinator, group=group, student=student)
    return Setting(coordinator, personas["facilitator"].user, group, ada, ben, cal)


def raise_conflict(setting: Setting, kind: str = "conflict") -> Concern:
    return concern_raise(
        actor=setting.coordinator,
        school=setting.group.school,
        kind=kind,
        text="Ada and Ben fell out badly at lunch.",
        students=[setting.ada, setting.ben],
        group=setting.group,
    )


def open_case(setting: Setting, actor: Any = None) -> ConflictCase:
    return conflict_open(
        actor=actor or setting.coordinator,
        concern=raise_conflict(setting),
        students=[setting.ada, setting.ben],
        group=setting.group,
    )


def today() -> datetime.date:
    return datetime.date.today()


def step(setting: Setting, case: ConflictCase, kind: str, **fields: Any) -> ConflictStep:
    fields.setdefault("held_on", today())
    return conflict_record_step(actor=setting.coordinator, case=case, kind=kind, **fields)


def prepare_both(setting: Setting, case: ConflictCase) -> None:
    step(setting, case, "preparation", student=setting.ada)
    step(setting, case, "preparation", student=setting.ben)


MEETING = {
    "what_happened": "A row over a seat became shoving.",
    "who_was_affected": "Both of them, and the group, who felt unsafe.",
    "put_right": "Apologise, and agree a seating plan.",
}
AGREEMENT = {
    "actions": [
        {"action": "Say sorry to the group", "owner": "Ada and Ben"},
        {"action": "Make a seating plan", "owner": "Mr Facilitator"},
    ],
}


def agree(setting: Setting, case: ConflictCase) -> None:
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    step(setting, case, "agreement", follow_up_on=today() + 7 * DAY, **AGREEMENT)


# ---------------------------------------------------------------- opening


def test_a_coordinator_opens_a_conflict_record_counting_from_the_worry(
    setting: Setting,
) -> None:
    concern = raise_conflict(setting)
    case = conflict_open(
        actor=setting.coordinator,
        concern=concern,
        students=[setting.ada, setting.ben],
        group=setting.group,
    )
    case.refresh_from_db()
    assert set(case.students.all()) == {setting.ada, setting.ben}
    assert case.stage == ConflictCase.Stage.RAISED
    assert case.raised_at == concern.created_at
    assert AuditEvent.objects.filter(
        action="conflict.opened", object_public_id=case.public_id
    ).exists()


def test_the_groups_facilitator_opens_one_for_their_group(setting: Setting) -> None:
    case = open_case(setting, actor=setting.facilitator)
    assert case.group == setting.group


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"students": "one"}, "at least two students"),
        ({"kind": "wellbeing"}, "Only a conflict between students"),
        ({"students": "other_school"}, "student of this school"),
    ],
)
def test_opening_with_bad_input_is_refused_and_opens_nothing(
    setting: Setting, student_b: Student, change: dict[str, str], message: str
) -> None:
    concern = raise_conflict(setting, kind=change.get("kind", "conflict"))
    students = {
        "one": [setting.ada],
        "other_school": [setting.ada, student_b],
    }.get(change.get("students", ""), [setting.ada, setting.ben])
    with pytest.raises(ValidationError) as refused:
        conflict_open(actor=setting.coordinator, concern=concern, students=students)
    assert message in " ".join(refused.value.messages)
    assert not ConflictCase.objects.exists()


def test_a_concern_gets_one_conflict_record(setting: Setting) -> None:
    case = open_case(setting)
    with pytest.raises(ValidationError, match="already has a conflict record"):
        conflict_open(
            actor=setting.coordinator, concern=case.concern, students=[setting.ada, setting.ben]
        )


def test_a_facilitator_cannot_open_one_outside_their_groups(
    setting: Setting, personas: dict[str, Persona]
) -> None:
    concern = raise_conflict(setting)
    other = make_user(
        "other.teacher@northgate.example",
        "Other",
        personas["coordinator"].school,
        Role.FACILITATOR,
        False,
    )
    with pytest.raises(PermissionDenied):
        conflict_open(
            actor=other.user, concern=concern, students=[setting.ada, setting.ben], group=None
        )
    with pytest.raises(PermissionDenied):
        conflict_open(
            actor=other.user,
            concern=concern,
            students=[setting.ada, setting.ben],
            group=setting.group,
        )
    # Their own group's facilitator may not name a student outside their groups.
    with pytest.raises(ValidationError, match="only students in the groups you run"):
        conflict_open(
            actor=setting.facilitator,
            concern=concern,
            students=[setting.ada, setting.cal],
            group=setting.group,
        )
    assert not ConflictCase.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "partner", "mentor", "student"])
def test_other_roles_cannot_open_one(
    setting: Setting, personas: dict[str, Persona], who: str
) -> None:
    concern = raise_conflict(setting)
    with pytest.raises(PermissionDenied):
        conflict_open(
            actor=personas[who].user,
            concern=concern,
            students=[setting.ada, setting.ben],
            group=setting.group,
        )


def test_each_students_account_is_kept_in_their_words(setting: Setting) -> None:
    case = open_case(setting)
    conflict_add_account(
        actor=setting.facilitator, case=case, student=setting.ada, account="He took my seat."
    )
    assert case.accounts.get().account == "He took my seat."
    with pytest.raises(ValidationError) as refused:
        conflict_add_account(
            actor=setting.coordinator, case=case, student=setting.cal, account="Not involved"
        )
    assert "student" in refused.value.message_dict
    with pytest.raises(ValidationError):
        conflict_add_account(actor=setting.coordinator, case=case, student=setting.ben, account=" ")
    assert case.accounts.count() == 1


# ---------------------------------------------------------------- the steps, in order


def test_the_meeting_is_refused_until_every_student_is_prepared(setting: Setting) -> None:
    case = open_case(setting)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "meeting", **MEETING)
    assert "preparation conversation with Ada Ames and Ben Bell" in refused.value.messages[0]
    step(setting, case, "preparation", student=setting.ada)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "meeting", **MEETING)
    assert "with Ben Bell" in refused.value.messages[0]
    assert "Ada" not in refused.value.messages[0]
    assert case.steps.count() == 1
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.PREPARING


def test_the_agreement_is_refused_before_the_meeting(setting: Setting) -> None:
    case = open_case(setting)
    prepare_both(setting, case)
    with pytest.raises(ValidationError, match="Next comes the restorative meeting"):
        step(setting, case, "agreement", follow_up_on=today() + DAY, **AGREEMENT)
    assert not case.steps.filter(kind="agreement").exists()


def test_a_follow_up_is_refused_before_the_agreement(setting: Setting) -> None:
    case = open_case(setting)
    with pytest.raises(ValidationError, match="First hold a preparation conversation"):
        step(setting, case, "follow_up", follow_up="resolved")
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    with pytest.raises(ValidationError, match="Next comes the agreement"):
        step(setting, case, "follow_up", follow_up="resolved")
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.MET
    assert case.resolved_at is None


def test_no_more_preparation_once_the_meeting_is_held(setting: Setting) -> None:
    case = open_case(setting)
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    with pytest.raises(ValidationError, match="Next comes the agreement"):
        step(setting, case, "preparation", student=setting.ada)


@pytest.mark.parametrize("missing", ["what_happened", "who_was_affected", "put_right"])
def test_the_meeting_needs_all_three_restorative_questions(setting: Setting, missing: str) -> None:
    case = open_case(setting)
    prepare_both(setting, case)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "meeting", **{**MEETING, missing: "  "})
    assert list(refused.value.message_dict) == [missing]
    assert not case.steps.filter(kind="meeting").exists()
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.PREPARING


@pytest.mark.parametrize(
    ("fields", "error_on"),
    [
        ({"actions": [{"action": "Say sorry", "owner": ""}]}, "actions"),
        ({"actions": []}, "actions"),
        ({"follow_up_on": None}, "follow_up_on"),
        ({"follow_up_on": datetime.date(2020, 1, 1)}, "follow_up_on"),
    ],
)
def test_the_agreement_needs_owned_actions_and_a_follow_up_date(
    setting: Setting, fields: dict[str, Any], error_on: str
) -> None:
    case = open_case(setting)
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    arguments = {"follow_up_on": today() + 7 * DAY, **AGREEMENT, **fields}
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "agreement", **arguments)
    assert error_on in refused.value.message_dict
    assert not case.steps.filter(kind="agreement").exists()


def test_a_step_cannot_be_dated_in_the_future_or_before_the_step_before_it(
    setting: Setting,
) -> None:
    case = open_case(setting)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "preparation", student=setting.ada, held_on=today() + DAY)
    assert "held_on" in refused.value.message_dict
    prepare_both(setting, case)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "meeting", held_on=today() - DAY, **MEETING)
    assert "cannot come before" in refused.value.message_dict["held_on"][0]


def test_a_resolved_follow_up_resolves_the_conflict_and_nothing_more_is_added(
    setting: Setting,
) -> None:
    case = open_case(setting)
    agree(setting, case)
    step(setting, case, "follow_up", follow_up="holding")
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.AGREED
    step(setting, case, "follow_up", follow_up="resolved")
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.RESOLVED
    assert case.resolved_at is not None
    assert conflict_next_step(case).step == ""
    with pytest.raises(ValidationError, match="resolved"):
        step(setting, case, "follow_up", follow_up="holding")
    with pytest.raises(ValidationError, match="resolved"):
        conflict_add_account(
            actor=setting.coordinator, case=case, student=setting.ada, account="Later"
        )


def test_a_broken_agreement_goes_back_to_needing_a_new_meeting(setting: Setting) -> None:
    case = open_case(setting)
    agree(setting, case)
    step(setting, case, "follow_up", follow_up="broken")
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.PREPARING
    assert conflict_next_step(case).step == "meeting"
    with pytest.raises(ValidationError, match="Next comes the restorative meeting"):
        step(setting, case, "agreement", follow_up_on=today() + DAY, **AGREEMENT)
    step(setting, case, "meeting", **MEETING)
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.MET


def test_the_groups_facilitator_records_steps_and_others_cannot(
    setting: Setting, personas: dict[str, Persona]
) -> None:
    case = open_case(setting)
    conflict_record_step(
        actor=setting.facilitator,
        case=case,
        kind="preparation",
        held_on=today(),
        student=setting.ada,
    )
    other = make_user(
        "other.teacher@northgate.example",
        "Other",
        personas["coordinator"].school,
        Role.FACILITATOR,
        False,
    )
    for actor in (other.user, personas["mentor"].user, personas["viewer"].user):
        with pytest.raises(PermissionDenied):
            conflict_record_step(
                actor=actor, case=case, kind="preparation", held_on=today(), student=setting.ben
            )
    assert case.steps.count() == 1


# ---------------------------------------------------------------- keeping them apart


def test_keeping_apart_creates_the_programmes_rule_that_groups_honour(
    setting: Setting,
) -> None:
    case = open_case(setting)
    conflict_keep_apart(actor=setting.coordinator, case=case)
    rule = KeepApart.objects.get()
    assert {rule.student_a, rule.student_b} == {setting.ada, setting.ben}
    assert rule.ended_at is None
    assert rule.reason == KEEP_APART_REASON
    assert list(case.keep_apart.all()) == [rule]
    assert apart_from(setting.ada, [setting.ben])
    # A group honours it: Ben cannot join a group Ada is in.
    other_group = programmes.group_create(
        actor=setting.coordinator, programme=setting.group.programme, name="Thursday"
    )
    programmes.group_add_member(actor=setting.coordinator, group=other_group, student=setting.ada)
    with pytest.raises(ValidationError, match="kept apart"):
        programmes.group_add_member(
            actor=setting.coordinator, group=other_group, student=setting.ben
        )
    with pytest.raises(ValidationError, match="already kept apart"):
        conflict_keep_apart(actor=setting.coordinator, case=case)


def test_a_facilitator_cannot_keep_students_apart(setting: Setting) -> None:
    case = open_case(setting)
    with pytest.raises(PermissionDenied):
        conflict_keep_apart(actor=setting.facilitator, case=case)
    assert not KeepApart.objects.exists()


def test_lifting_before_resolution_needs_an_explicit_yes(setting: Setting) -> None:
    case = open_case(setting)
    conflict_keep_apart(actor=setting.coordinator, case=case)
    with pytest.raises(ValidationError, match="not resolved yet"):
        conflict_lift_keep_apart(actor=setting.coordinator, case=case)
    assert KeepApart.objects.get().ended_at is None
    with pytest.raises(PermissionDenied):
        conflict_lift_keep_apart(actor=setting.facilitator, case=case, before_resolved=True)
    assert conflict_lift_keep_apart(actor=setting.coordinator, case=case, before_resolved=True)
    rule = KeepApart.objects.get()
    assert rule.ended_at is not None
    assert not apart_from(setting.ada, [setting.ben])
    assert AuditEvent.objects.get(action="keep_apart.ended").detail == (
        "lifted before the conflict was resolved"
    )


def test_once_resolved_the_keep_apart_is_lifted_and_they_may_be_together_again(
    setting: Setting,
) -> None:
    case = open_case(setting)
    conflict_keep_apart(actor=setting.coordinator, case=case)
    agree(setting, case)
    step(setting, case, "follow_up", follow_up="resolved")
    assert apart_from(setting.ada, [setting.ben])  # lifting is a decision, not automatic
    conflict_lift_keep_apart(actor=setting.coordinator, case=case)
    assert KeepApart.objects.get().ended_at is not None
    other_group = programmes.group_create(
        actor=setting.coordinator, programme=setting.group.programme, name="Thursday"
    )
    programmes.group_add_member(actor=setting.coordinator, group=other_group, student=setting.ada)
    programmes.group_add_member(actor=setting.coordinator, group=other_group, student=setting.ben)
    with pytest.raises(ValidationError, match="not kept apart"):
        conflict_lift_keep_apart(actor=setting.coordinator, case=case)


def test_a_rule_made_for_another_reason_is_left_alone(setting: Setting) -> None:
    earlier = programmes.keep_apart_record(
        actor=setting.coordinator, first=setting.ada, second=setting.ben, reason="Older matter"
    )
    case = conflict_open(
        actor=setting.coordinator,
        concern=raise_conflict(setting),
        students=[setting.ada, setting.ben, setting.cal],
    )
    created = conflict_keep_apart(actor=setting.coordinator, case=case)
    assert len(created) == 2  # Ada-Cal and Ben-Cal; Ada-Ben was already kept apart
    conflict_lift_keep_apart(actor=setting.coordinator, case=case, before_resolved=True)
    earlier.refresh_from_db()
    assert earlier.ended_at is None
    assert KeepApart.objects.filter(ended_at__isnull=True).get() == earlier


def test_keep_apart_end_is_for_coordinators_and_dsls_and_ends_a_rule_once(
    setting: Setting, personas: dict[str, Persona]
) -> None:
    rule = programmes.keep_apart_record(
        actor=setting.coordinator, first=setting.ada, second=setting.ben, reason="Fell out"
    )
    with pytest.raises(PermissionDenied):
        programmes.keep_apart_end(actor=setting.facilitator, rule=rule, why="sorted")
    with pytest.raises(ValidationError):
        programmes.keep_apart_end(actor=setting.coordinator, rule=rule, why=" ")
    rule.refresh_from_db()
    assert rule.ended_at is None
    programmes.keep_apart_end(actor=personas["dsl"].user, rule=rule, why="sorted")
    with pytest.raises(ValidationError):
        programmes.keep_apart_end(actor=setting.coordinator, rule=rule, why="sorted")


# ---------------------------------------------------------------- escalation


def test_an_overdue_conflict_escalates_to_the_coordinators_once(setting: Setting) -> None:
    school = setting.group.school
    with time_machine.travel(START, tick=False):
        case = open_case(setting)
    just_in_time = START + 10 * DAY - datetime.timedelta(seconds=1)
    assert conflicts_escalate_overdue(school=school, now=just_in_time) == 0
    late = START + 10 * DAY
    with time_machine.travel(late, tick=False):
        assert conflicts_escalate_overdue(school=school, now=late) == 1
        assert conflicts_escalate_overdue(school=school, now=late + DAY) == 0
    case.refresh_from_db()
    assert case.escalated_at == late
    task = Task.objects.get(subject_public_id=case.public_id)
    assert task.assigned_to == setting.coordinator
    assert "unresolved after 10 days" in task.title
    assert AuditEvent.objects.filter(action="conflict.escalated").count() == 1


def test_the_schools_own_number_of_days_is_used(setting: Setting) -> None:
    school = setting.group.school
    ConcernSettings.objects.create(school=school, conflict_resolve_within_days=3)
    with time_machine.travel(START, tick=False):
        open_case(setting)
    assert conflicts_escalate_overdue(school=school, now=START + 2 * DAY) == 0
    assert conflicts_escalate_overdue(school=school, now=START + 3 * DAY) == 1


def test_a_resolved_conflict_never_escalates_and_resolving_closes_the_task(
    setting: Setting,
) -> None:
    school = setting.group.school
    with time_machine.travel(START, tick=False):
        late_case = open_case(setting)
        quick_case = open_case(setting)
        agree(setting, quick_case)
        step(setting, quick_case, "follow_up", follow_up="resolved")
    with time_machine.travel(START + 11 * DAY, tick=False):
        call_command("run_conflict_escalations", stdout=io.StringIO())
        task = Task.objects.get()
        assert task.subject_public_id == late_case.public_id
        agree(setting, late_case)
        step(setting, late_case, "follow_up", follow_up="resolved")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    quick_case.refresh_from_db()
    assert quick_case.escalated_at is None
    assert conflicts_escalate_overdue(school=school, now=START + 30 * DAY) == 0


# ---------------------------------------------------------------- time to resolution


def test_time_to_resolution_is_measured_for_every_resolved_conflict(setting: Setting) -> None:
    school = setting.group.school
    assert conflict_median_resolution(school) is None
    with time_machine.travel(START, tick=False):
        three_days = open_case(setting)
        five_days = open_case(setting)
        open_case(setting)  # never resolved: not counted
    for case, days in ((three_days, 3), (five_days, 5)):
        with time_machine.travel(START + days * DAY, tick=False):
            agree(setting, case)
            step(setting, case, "follow_up", follow_up="resolved")
    times = {time.case.pk: time.took for time in conflict_resolution_times(school)}
    assert times == {three_days.pk: 3 * DAY, five_days.pk: 5 * DAY}
    assert conflict_median_resolution(school) == 4 * DAY


# ---------------------------------------------------------------- two at once, and the dates


def test_a_step_is_checked_against_the_record_as_saved_not_as_the_page_loaded_it(
    setting: Setting,
) -> None:
    """Two members of staff open the record while the agreement is the last step.
    One records that it is resolved; the other, whose copy still says "agreed",
    is refused, and the conflict stays resolved."""
    case = open_case(setting)
    agree(setting, case)
    first_page = ConflictCase.objects.get(pk=case.pk)
    second_page = ConflictCase.objects.get(pk=case.pk)
    step(setting, first_page, "follow_up", follow_up="resolved")
    assert first_page.stage == ConflictCase.Stage.RESOLVED  # the caller's copy is kept up
    assert second_page.stage == ConflictCase.Stage.AGREED
    with pytest.raises(ValidationError, match="This conflict is resolved"):
        step(setting, second_page, "follow_up", follow_up="holding")
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.RESOLVED
    assert case.resolved_at is not None
    assert case.steps.filter(kind=ConflictStep.Kind.FOLLOW_UP).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_recording_at_once_take_turns_and_the_second_is_refused(
    setting: Setting,
) -> None:
    """Both press "Record the agreement" at once: the second waits for the first to
    finish, then reads that the agreement is made and is told what comes next,
    rather than both agreements being recorded."""
    if not connection.features.has_select_for_update:
        pytest.skip("Row locks need PostgreSQL; SQLite runs one writer at a time.")
    case = open_case(setting)
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    first_page = ConflictCase.objects.get(pk=case.pk)
    second_page = ConflictCase.objects.get(pk=case.pk)
    agreement = {"follow_up_on": today() + 7 * DAY, **AGREEMENT}
    first_recorded = threading.Event()
    second_waited: list[bool] = []
    outcome: list[BaseException | ConflictStep] = []

    def someone_waits_for_a_lock() -> bool:
        """Whether another connection is waiting for a lock this one holds."""
        with connection.cursor() as cursor:
            # Inside a transaction PostgreSQL keeps showing its first look at
            # pg_stat_activity unless told to look again.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            (waiting,) = cursor.fetchone()
        return bool(waiting)

    def record_first() -> None:
        try:
            with transaction.atomic():
                step(setting, first_page, "agreement", **agreement)
                first_recorded.set()
                # Hold the transaction open until the second is waiting for the row.
                deadline = time.monotonic() + 10
                while not someone_waits_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
                second_waited.append(someone_waits_for_a_lock())
        finally:
            connections.close_all()

    def record_second() -> None:
        first_recorded.wait(timeout=10)
        try:
            outcome.append(step(setting, second_page, "agreement", **agreement))
        except ValidationError as error:
            outcome.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record_first), threading.Thread(target=record_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert second_waited == [True]
    (result,) = outcome
    assert isinstance(result, ValidationError), result
    assert "Next comes a follow-up check" in " ".join(result.messages)
    assert case.steps.filter(kind=ConflictStep.Kind.AGREEMENT).count() == 1
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.AGREED


def test_a_preparation_conversation_cannot_be_dated_before_the_conflict_was_raised(
    setting: Setting,
) -> None:
    with time_machine.travel(START, tick=False):
        case = open_case(setting)
    raised_on = datetime.date(2026, 3, 2)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "preparation", student=setting.ada, held_on=raised_on - DAY)
    assert refused.value.message_dict["held_on"] == [
        "This step cannot come before the conflict was raised (2 March 2026)."
    ]
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "preparation", student=setting.ada, held_on=today() + DAY)
    assert refused.value.message_dict["held_on"] == [
        "Record a step once it has happened: not a future date."
    ]
    assert not case.steps.exists()
    step(setting, case, "preparation", student=setting.ada, held_on=raised_on)
    assert case.steps.count() == 1


def test_a_preparation_after_a_broken_agreement_cannot_come_before_the_follow_up(
    setting: Setting,
) -> None:
    with time_machine.travel(START, tick=False):
        case = open_case(setting)
    on = datetime.date(2026, 3, 2)
    step(setting, case, "preparation", student=setting.ada, held_on=on)
    step(setting, case, "preparation", student=setting.ben, held_on=on)
    step(setting, case, "meeting", held_on=on + DAY, **MEETING)
    step(setting, case, "agreement", held_on=on + 2 * DAY, follow_up_on=on + 9 * DAY, **AGREEMENT)
    step(setting, case, "follow_up", held_on=on + 9 * DAY, follow_up="broken")
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "preparation", student=setting.ada, held_on=on + 8 * DAY)
    assert refused.value.message_dict["held_on"] == [
        "This step cannot come before the one before it (11 March 2026)."
    ]
    assert case.steps.filter(kind=ConflictStep.Kind.PREPARATION).count() == 2
    step(setting, case, "preparation", student=setting.ada, held_on=on + 9 * DAY)
    assert case.steps.filter(kind=ConflictStep.Kind.PREPARATION).count() == 3


def test_preparation_conversations_may_be_recorded_in_any_order_of_their_dates(
    setting: Setting,
) -> None:
    """Each student's conversation is separate: Ben's, held first, may be recorded
    after Ada's. The meeting still comes after both."""
    with time_machine.travel(START, tick=False):
        case = open_case(setting)
    on = datetime.date(2026, 3, 2)
    step(setting, case, "preparation", student=setting.ada, held_on=on + 3 * DAY)
    step(setting, case, "preparation", student=setting.ben, held_on=on + DAY)
    with pytest.raises(ValidationError) as refused:
        step(setting, case, "meeting", held_on=on + 2 * DAY, **MEETING)
    assert refused.value.message_dict["held_on"] == [
        "This step cannot come before the one before it (5 March 2026)."
    ]
    step(setting, case, "meeting", held_on=on + 3 * DAY, **MEETING)
    case.refresh_from_db()
    assert case.stage == ConflictCase.Stage.MET
