"""Group formation in the application: proposing groups for a group programme from
the school's records, creating them (all or nothing, and only from the latest
proposal while the students to place are unchanged), setting a proposal aside,
and who may see any of it."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role, User
from peersupport.audit.models import AuditEvent
from peersupport.matching.models import GroupFormation
from peersupport.matching.services import formation_create, formation_discard, formation_solve
from peersupport.matching.tests.conftest import active_mentor
from peersupport.meetings.services import check_in_record, engagement_refresh
from peersupport.programmes.models import Group, GroupMember, MentorProfile, Programme
from peersupport.programmes.services import (
    keep_apart_record,
    mentor_set_status,
    programme_create,
    programme_set_training,
    referral_accept,
    referral_create,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.models import TrainingModule
from peersupport.training.services import completion_record, module_create

pytestmark = pytest.mark.django_db

# Fourteen students: years 7 to 9, girls and boys. In groups of 6 to 8 they make
# two groups of seven.
ROLL = [
    ("Amy", 7, "F"),
    ("Bea", 7, "F"),
    ("Cat", 7, "F"),
    ("Dan", 7, "M"),
    ("Eli", 7, "M"),
    ("Fay", 8, "F"),
    ("Gus", 8, "M"),
    ("Hal", 8, "M"),
    ("Ivy", 8, "F"),
    ("Jon", 8, "M"),
    ("Kit", 9, "F"),
    ("Lee", 9, "M"),
    ("Mia", 9, "F"),
    ("Ned", 9, "M"),
]


@dataclass
class GroupCohort:
    programme: Programme
    students: dict[str, Student]
    leaders: list[User]  # two facilitators
    trained: list[MentorProfile]  # hold the programme's required training
    untrained: MentorProfile
    module: TrainingModule


def enrol(coordinator: Persona, programme: Programme, student: Student) -> None:
    referral = referral_create(
        actor=coordinator.user,
        programme=programme,
        student=student,
        source="staff",
        need_areas=["friendships"],
    )
    referral_accept(actor=coordinator.user, referral=referral)


@pytest.fixture
def group_cohort(personas: dict[str, Persona], school_a: School) -> GroupCohort:
    """A group programme with the fourteen students of ROLL enrolled. Amy and Bea
    must be kept apart, and so must the mentor Zara and Cat. Dan has an EHC plan;
    Eli is at risk (he felt low at his last two check-ins). Zara and Yusuf hold the
    programme's required training; Xan does not."""
    coordinator = personas["coordinator"]
    # Mentors first: once the programme requires training, activation needs it.
    zara = active_mentor(coordinator, school_a, name="Zara", year=11, slots=[])
    yusuf = active_mentor(coordinator, school_a, name="Yusuf", year=11, slots=[], gender="M")
    xan = active_mentor(coordinator, school_a, name="Xan", year=10, slots=[])
    programme = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Friendship circle",
        kind=Programme.Kind.GROUP,
        capacity=30,
    )
    module = module_create(
        actor=coordinator.user,
        school=school_a,
        title="Running a group safely",
        audience="mentor",
        refresh_months=12,
    )
    programme_set_training(
        actor=coordinator.user, programme=programme, required_modules=[module], at_expiry="warn"
    )
    for mentor in (zara, yusuf):
        completion_record(
            actor=coordinator.user,
            module=module,
            completed_on=timezone.localdate(),
            how="in_person",
            student=mentor.student,
        )
    students = {}
    for name, year, gender in ROLL:
        students[name] = make_student(
            school_a,
            legal_forename=name,
            legal_surname="Pupil",
            year_group=year,
            gender=gender,
            sen_status="E" if name == "Dan" else "N",
        )
        enrol(coordinator, programme, students[name])
    keep_apart_record(
        actor=coordinator.user, first=students["Amy"], second=students["Bea"], reason="A fall-out"
    )
    keep_apart_record(
        actor=coordinator.user, first=zara.student, second=students["Cat"], reason="Neighbours"
    )
    for _ in range(2):
        check_in_record(actor=coordinator.user, student=students["Eli"], feeling=2)
    engagement_refresh(school=school_a, today=timezone.localdate())
    second = make_user(
        "sam.second@northgate.example", "Sam Second", school_a, Role.FACILITATOR, False
    ).user
    return GroupCohort(
        programme=programme,
        students=students,
        leaders=[personas["facilitator"].user, second],
        trained=[zara, yusuf],
        untrained=xan,
        module=module,
    )


def solve(
    coordinator: User, cohort: GroupCohort, *, mentors: bool = False, **choices: int
) -> GroupFormation:
    return formation_solve(
        actor=coordinator,
        programme=cohort.programme,
        leaders=[(user, 1) for user in cohort.leaders],
        mentor_per_group=mentors,
        **choices,
    )


def group_of(formation: GroupFormation, student: Student) -> int:
    (number,) = (
        g["number"] for g in formation.result["groups"] if str(student.public_id) in g["students"]
    )
    return number


# ---------------------------------------------------------------- proposing


def test_solving_places_everyone_within_the_sizes_and_keeps_the_pair_apart(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort)
    students = group_cohort.students
    amy, bea = str(students["Amy"].public_id), str(students["Bea"].public_id)
    # The rule came from the records into the problem the engine was given...
    assert sorted([amy, bea]) in formation.problem["keep_apart"]
    # ...and the proposal keeps it.
    assert group_of(formation, students["Amy"]) != group_of(formation, students["Bea"])
    groups = formation.result["groups"]
    assert len(groups) == 2
    assert all(6 <= len(g["students"]) <= 8 for g in groups)
    placed = [s for g in groups for s in g["students"]]
    assert sorted(placed) == sorted(str(s.public_id) for s in students.values())
    leaders = {str(user.public_id) for user in group_cohort.leaders}
    assert {g["facilitator"] for g in groups} == leaders
    assert formation.status == GroupFormation.Status.PROPOSED
    assert formation.optimal and formation.objective == formation.result["objective"]
    assert AuditEvent.objects.filter(
        action="group_formation.solved", object_public_id=formation.public_id
    ).exists()


def test_higher_need_is_an_ehc_plan_or_the_stored_at_risk_status(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort)
    need = {s["id"]: s["higher_need"] for s in formation.problem["students"]}
    students = group_cohort.students
    assert need[str(students["Dan"].public_id)] is True  # EHC plan
    assert need[str(students["Eli"].public_id)] is True  # at risk
    assert sum(need.values()) == 2
    # Spread fairly: one in each group.
    assert group_of(formation, students["Dan"]) != group_of(formation, students["Eli"])


def test_each_group_gets_a_trained_mentor_kept_apart_from_whom_they_must_be(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort, mentors=True)
    zara, yusuf = group_cohort.trained
    listed = {m["id"] for m in formation.problem["mentors"]}
    assert listed == {str(zara.public_id), str(yusuf.public_id)}  # not Xan: untrained
    mentor_of = {g["number"]: g["mentor"] for g in formation.result["groups"]}
    assert set(mentor_of.values()) == listed
    cat = group_cohort.students["Cat"]
    assert sorted([str(zara.public_id), str(cat.public_id)]) in formation.problem["keep_apart"]
    cat_group = group_of(formation, cat)
    assert mentor_of[cat_group] == str(yusuf.public_id)


def test_a_mentor_with_no_training_is_listed_as_left_out_on_the_page(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    client = login(personas["coordinator"])
    response = client.get(reverse("matching:groups", args=[group_cohort.programme.public_id]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Xan Mentor" in text
    assert "training missing or run out: Running a group safely: not done" in text


@pytest.mark.parametrize(
    ("choices", "words"),
    [
        (
            {"min_size": 9, "max_size": 6},
            "the smallest group size (9) is larger than the largest group size (6)",
        ),
        ({"min_size": 8, "max_size": 8}, "14 students cannot be split into groups of 8 to 8"),
        ({"groups": 3}, "groups of 6 to 8 with 3 groups: 2 groups are needed"),
    ],
)
def test_choices_no_grouping_can_meet_are_refused_saying_why_and_save_nothing(
    personas: dict[str, Persona], group_cohort: GroupCohort, choices: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        formation_solve(
            actor=personas["coordinator"].user,
            programme=group_cohort.programme,
            leaders=[(user, 1) for user in group_cohort.leaders],
            **choices,
        )
    assert words in refused.value.messages[0]
    assert not GroupFormation.objects.exists()


def test_too_few_facilitators_are_refused_and_nothing_is_saved(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    with pytest.raises(ValidationError) as refused:
        formation_solve(
            actor=personas["coordinator"].user,
            programme=group_cohort.programme,
            leaders=[(group_cohort.leaders[0], 1)],
        )
    assert refused.value.messages == [
        "No groups could be formed: not enough facilitators: 2 groups are needed, but the "
        "facilitators can lead only 1 between them."
    ]
    assert not GroupFormation.objects.exists()


def test_too_few_trained_mentors_are_refused(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    with pytest.raises(ValidationError) as refused:
        formation_solve(
            actor=personas["coordinator"].user,
            programme=group_cohort.programme,
            leaders=[(user, 2) for user in group_cohort.leaders],
            min_size=4,
            max_size=5,
            mentor_per_group=True,
        )
    assert refused.value.messages == [
        "No groups could be formed: not enough eligible mentors: 3 groups each need a mentor, "
        "but only 2 of the mentors listed are eligible."
    ]
    assert not GroupFormation.objects.exists()


def test_only_staff_of_the_school_can_lead_a_group(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    with pytest.raises(ValidationError, match="facilitators, coordinators and DSLs"):
        formation_solve(
            actor=personas["coordinator"].user,
            programme=group_cohort.programme,
            leaders=[(group_cohort.leaders[0], 1), (personas["outsider"].user, 1)],
        )


def test_one_to_one_programmes_do_not_form_groups(
    personas: dict[str, Persona], school_a: School, group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"]
    pairs = programme_create(
        actor=coordinator.user, school=school_a, name="Buddies", kind="one_to_one", capacity=5
    )
    with pytest.raises(ValidationError, match="not one"):
        formation_solve(
            actor=coordinator.user, programme=pairs, leaders=[(group_cohort.leaders[0], 2)]
        )


# ---------------------------------------------------------------- creating


def test_creating_makes_the_groups_with_their_facilitators_mentors_and_students(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort, mentors=True)
    created = formation_create(actor=coordinator, formation=formation)
    assert [g.name for g in created] == ["Friendship circle group 1", "Friendship circle group 2"]
    by_id = {str(user.public_id): user for user in group_cohort.leaders}
    for group, proposed in zip(created, formation.result["groups"], strict=True):
        group.refresh_from_db()
        assert group.programme == group_cohort.programme
        assert group.max_size == 8
        assert list(group.facilitators.all()) == [by_id[proposed["facilitator"]]]
        assert [str(m.public_id) for m in group.co_facilitators.all()] == [proposed["mentor"]]
        members = GroupMember.objects.filter(group=group, left_on__isnull=True)
        assert sorted(str(m.student.public_id) for m in members) == sorted(proposed["students"])
    assert GroupMember.objects.filter(group__programme=group_cohort.programme).count() == 14
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.CREATED
    assert formation.closed_by == coordinator and formation.closed_at is not None
    assert AuditEvent.objects.filter(
        action="group_formation.created", object_public_id=formation.public_id
    ).exists()


def test_a_name_stem_names_the_groups_and_names_in_use_are_skipped(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    first = solve(coordinator, group_cohort)
    formation_create(actor=coordinator, formation=first, name_stem="  Tuesday   lunch ")
    # Six more students join and are formed into a group of their own.
    for n in range(6):
        enrol(
            personas["coordinator"],
            group_cohort.programme,
            make_student(group_cohort.programme.school, legal_forename=f"New{n}"),
        )
    second = formation_solve(
        actor=coordinator, programme=group_cohort.programme, leaders=[(group_cohort.leaders[0], 1)]
    )
    assert len(second.problem["students"]) == 6  # those already in a group are not placed
    (created,) = formation_create(actor=coordinator, formation=second, name_stem="Tuesday lunch")
    assert created.name == "Tuesday lunch 3"
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "Tuesday lunch 1",
        "Tuesday lunch 2",
        "Tuesday lunch 3",
    ]


def test_creating_twice_is_refused(personas: dict[str, Persona], group_cohort: GroupCohort) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort)
    formation_create(actor=coordinator, formation=formation)
    with pytest.raises(ValidationError, match="already been created"):
        formation_create(actor=coordinator, formation=formation)
    assert Group.objects.count() == 2


def test_a_formation_is_refused_once_a_new_student_has_enrolled(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"]
    formation = solve(coordinator.user, group_cohort)
    enrol(coordinator, group_cohort.programme, make_student(group_cohort.programme.school))
    with pytest.raises(ValidationError, match="run it again"):
        formation_create(actor=coordinator.user, formation=formation)
    assert not Group.objects.exists()
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.PROPOSED


def test_only_the_latest_proposal_can_be_created(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    older = solve(coordinator, group_cohort)
    newer = solve(coordinator, group_cohort, groups=2)
    with pytest.raises(ValidationError, match="later proposal"):
        formation_create(actor=coordinator, formation=older)
    assert not Group.objects.exists()
    assert len(formation_create(actor=coordinator, formation=newer)) == 2


def test_creating_is_all_or_nothing_when_a_rule_was_added_since(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort)
    together = formation.result["groups"][1]["students"][:2]
    first, second = Student.objects.filter(public_id__in=together)
    keep_apart_record(actor=coordinator, first=first, second=second, reason="New today")
    with pytest.raises(ValidationError) as refused:
        formation_create(actor=coordinator, formation=formation)
    assert "must be kept apart" in refused.value.messages[0]
    assert "Nothing was created; run it again." in refused.value.messages[0]
    # The first group had been made before the second failed: it is gone too.
    assert not Group.objects.exists() and not GroupMember.objects.exists()
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.PROPOSED


def test_a_mentor_whose_training_ran_out_since_stops_the_creation(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort, mentors=True)
    # Thirteen months on, the mentors' yearly training has run out.
    later = timezone.now() + datetime.timedelta(days=400)
    with time_machine.travel(later, tick=False), pytest.raises(ValidationError) as refused:
        formation_create(actor=coordinator, formation=formation)
    assert (
        "cannot co-facilitate Friendship circle group 1 until they complete"
        in (refused.value.messages[0])
    )
    assert "Nothing was created; run it again." in refused.value.messages[0]
    assert not Group.objects.exists()


def test_a_mentor_paused_since_stops_the_creation(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort, mentors=True)
    for mentor in group_cohort.trained:
        mentor_set_status(actor=coordinator, mentor=mentor, status="paused")
    with pytest.raises(ValidationError, match="Only an active mentor can co-facilitate a group"):
        formation_create(actor=coordinator, formation=formation)
    assert not Group.objects.exists()


def test_setting_aside_keeps_the_proposal_and_it_cannot_be_created_after(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    formation = solve(coordinator, group_cohort)
    formation_discard(actor=coordinator, formation=formation)
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.DISCARDED
    with pytest.raises(ValidationError, match="set aside"):
        formation_create(actor=coordinator, formation=formation)
    with pytest.raises(ValidationError, match="already set aside"):
        formation_discard(actor=coordinator, formation=formation)
    assert GroupFormation.objects.count() == 1 and not Group.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "viewer", "mentor", "student", "partner"])
def test_only_coordinators_and_dsls_may_form_groups(
    personas: dict[str, Persona], group_cohort: GroupCohort, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        solve(personas[who].user, group_cohort)
    formation = solve(personas["dsl"].user, group_cohort)
    with pytest.raises(PermissionDenied):
        formation_create(actor=personas[who].user, formation=formation)
    with pytest.raises(PermissionDenied):
        formation_discard(actor=personas[who].user, formation=formation)


# ---------------------------------------------------------------- pages and access


@pytest.mark.parametrize("who", ["facilitator", "viewer", "mentor", "student", "partner"])
def test_other_roles_are_refused_every_page(
    personas: dict[str, Persona], group_cohort: GroupCohort, login, who: str
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort)
    client = login(personas[who])
    pages = [
        ("get", reverse("matching:groups", args=[group_cohort.programme.public_id])),
        ("get", reverse("matching:formation", args=[formation.public_id])),
        ("post", reverse("matching:formation_create", args=[formation.public_id])),
        ("post", reverse("matching:formation_discard", args=[formation.public_id])),
    ]
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "Amy Pupil" not in response.content.decode()
    assert not Group.objects.exists()
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.PROPOSED


def test_a_coordinator_of_another_school_gets_404(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort)
    client = login(personas["outsider"])
    assert (
        client.get(reverse("matching:groups", args=[group_cohort.programme.public_id])).status_code
        == 404
    )
    assert client.get(reverse("matching:formation", args=[formation.public_id])).status_code == 404
    response = client.post(reverse("matching:formation_create", args=[formation.public_id]))
    assert response.status_code == 404
    assert not Group.objects.exists()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_a_coordinator_forms_and_creates_groups_through_the_pages(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        coordinator.user, backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    detail = client.get(reverse("programmes:detail", args=[group_cohort.programme.public_id]))
    groups_url = reverse("matching:groups", args=[group_cohort.programme.public_id])
    assert f'href="{groups_url}">Form groups</a>' in detail.content.decode()

    page = client.get(groups_url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Students to place (14)" in text
    assert "Yes: EHC plan" in text and "Yes: at risk" in text
    first, second = (str(user.public_id) for user in group_cohort.leaders)
    choices = {
        "min_size": "6",
        "max_size": "8",
        "groups": "",
        "leaders": [first, second],
        f"groups_{first}": "1",
        f"groups_{second}": "1",
        "mentor_per_group": "on",
    }
    # Without the token the form is refused and nothing is solved.
    assert client.post(groups_url, choices).status_code == 403
    assert not GroupFormation.objects.exists()

    response = client.post(groups_url, {**choices, "csrfmiddlewaretoken": csrf_token(text)})
    formation = GroupFormation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:formation", args=[formation.public_id])
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Group 1" in text and "Group 2" in text
    assert "Led by Facilitator" in text and "Led by Sam Second" in text
    assert "with Zara Mentor as peer mentor" in text
    assert "Balance penalty" in text and "proven the best possible" in text
    assert "Create these groups" in text

    response = client.post(
        reverse("matching:formation_create", args=[formation.public_id]),
        {"name_stem": "", "csrfmiddlewaretoken": csrf_token(text)},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "programmes:detail", args=[group_cohort.programme.public_id]
    )
    assert Group.objects.filter(programme=group_cohort.programme).count() == 2
    # The page now lists the proposal as created, and nobody is left to place.
    text = client.get(groups_url).content.decode()
    assert "Groups created" in text and "Students to place (0)" in text


def test_the_form_shows_the_engines_reason_and_saves_nothing(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    client = login(personas["coordinator"])
    first = str(group_cohort.leaders[0].public_id)
    response = client.post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "9", "max_size": "6", "leaders": [first], f"groups_{first}": "2"},
    )
    assert response.status_code == 400
    assert (
        "No groups could be formed: the smallest group size (9) is larger than the largest "
        "group size (6)." in response.content.decode()
    )
    assert not GroupFormation.objects.exists()


def test_the_form_asks_for_someone_to_lead(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    client = login(personas["coordinator"])
    response = client.post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "6", "max_size": "8"},
    )
    assert response.status_code == 400
    assert "Choose at least one member of staff to lead the groups." in response.content.decode()
    assert not GroupFormation.objects.exists()


def test_an_older_proposal_says_it_was_replaced_and_offers_no_create_button(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    coordinator = personas["coordinator"]
    older = solve(coordinator.user, group_cohort)
    solve(coordinator.user, group_cohort)
    text = login(coordinator).get(reverse("matching:formation", args=[older.public_id]))
    page = text.content.decode()
    assert "A later proposal replaces this one" in page
    assert "Create these groups</button>" not in page


def test_a_failed_create_says_why_on_the_page(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    coordinator = personas["coordinator"]
    formation = solve(coordinator.user, group_cohort)
    enrol(coordinator, group_cohort.programme, make_student(group_cohort.programme.school))
    client = login(coordinator)
    response = client.post(
        reverse("matching:formation_create", args=[formation.public_id]), follow=True
    )
    text = response.content.decode()
    assert "The students to place have changed since these groups were proposed" in text
    assert not Group.objects.exists()


def test_setting_aside_through_the_page(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort)
    client = login(personas["coordinator"])
    response = client.post(
        reverse("matching:formation_discard", args=[formation.public_id]), follow=True
    )
    assert "The proposal was set aside" in response.content.decode()
    formation.refresh_from_db()
    assert formation.status == GroupFormation.Status.DISCARDED


# ---------------------------------------------------------------- review fixes

PAGE_QUERIES, PROPOSAL_QUERIES = 15, 18
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def keep_three_apart(coordinator: User, cohort: GroupCohort) -> None:
    """Amy, Bea and Cat must all be kept apart: three groups for them, but fourteen
    students in groups of 6 to 8 make at most two."""
    students = cohort.students
    for first, second in (("Amy", "Cat"), ("Bea", "Cat")):
        keep_apart_record(
            actor=coordinator, first=students[first], second=students[second], reason="Fall-out"
        )


def test_the_engines_reason_names_the_students_not_their_ids(
    personas: dict[str, Persona], group_cohort: GroupCohort
) -> None:
    coordinator = personas["coordinator"].user
    keep_three_apart(coordinator, group_cohort)
    with pytest.raises(ValidationError) as refused:
        solve(coordinator, group_cohort)
    (message,) = refused.value.messages
    assert message.startswith("No groups could be formed: the keep-apart rules cannot be met: ")
    for name in ("Amy Pupil", "Bea Pupil", "Cat Pupil"):
        assert name in message
    assert "must all be kept apart from each other, so they need 3 groups" in message
    assert not UUID.search(message), message
    assert not GroupFormation.objects.exists()


def test_the_form_shows_the_reason_with_names(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    keep_three_apart(personas["coordinator"].user, group_cohort)
    first = str(group_cohort.leaders[0].public_id)
    response = login(personas["coordinator"]).post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "6", "max_size": "8", "leaders": [first], f"groups_{first}": "2"},
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "the keep-apart rules cannot be met" in text and "Cat Pupil" in text
    # The page holds no ids but those in links and form fields.
    (alert,) = re.findall(r'<div class="alert alert-error" role="alert">(.*?)</div>', text, re.S)
    assert not UUID.search(alert), alert


def test_the_engine_has_the_applications_shorter_time_limit_and_the_page_says_so(
    personas: dict[str, Persona], group_cohort: GroupCohort, login, monkeypatch: Any
) -> None:
    from peersupport.matching import services

    limits = []
    real = services.solve_groups

    def solve_groups(problem: Any, **options: Any) -> Any:
        limits.append(options.get("time_limit"))
        return real(problem, **options)

    monkeypatch.setattr(services, "solve_groups", solve_groups)
    solve(personas["coordinator"].user, group_cohort)
    assert limits == [15]
    page = login(personas["coordinator"]).get(
        reverse("matching:groups", args=[group_cohort.programme.public_id])
    )
    assert "This can take up to 15 seconds." in page.content.decode()


def test_forming_by_htmx_sends_the_browser_to_the_proposal(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    first, second = (str(user.public_id) for user in group_cohort.leaders)
    response = login(personas["coordinator"]).post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "6", "max_size": "8", "leaders": [first, second]},
        HTTP_HX_REQUEST="true",
    )
    formation = GroupFormation.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("matching:formation", args=[formation.public_id])


def test_a_refusal_by_htmx_comes_back_as_the_form_with_its_errors(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    first = str(group_cohort.leaders[0].public_id)
    response = login(personas["coordinator"]).post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "9", "max_size": "6", "leaders": [first]},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    # htmx swaps only a 2xx answer: the form comes back alone, with the reason.
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert text.lstrip().startswith('<form id="formation-form"')
    assert "<html" not in text and "Students to place" not in text
    assert "the smallest group size (9) is larger than the largest group size (6)" in text
    assert 'hx-post="' in text and "csrfmiddlewaretoken" in text
    assert not GroupFormation.objects.exists()


def test_a_field_error_by_htmx_comes_back_as_the_form(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    response = login(personas["coordinator"]).post(
        reverse("matching:groups", args=[group_cohort.programme.public_id]),
        {"min_size": "6", "max_size": "8"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<form id="formation-form"')
    assert "Choose at least one member of staff to lead the groups." in text
    assert not GroupFormation.objects.exists()


def regions(html: str) -> list[str]:
    return re.findall(r"<[^>]*\brole=\"region\"[^>]*>", html)


def test_every_scrolling_table_can_be_reached_by_keyboard(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    formation = solve(personas["coordinator"].user, group_cohort)
    client = login(personas["coordinator"])
    pages = [
        (reverse("matching:groups", args=[group_cohort.programme.public_id]), 2),
        (reverse("matching:formation", args=[formation.public_id]), 2),
    ]
    for url, expected in pages:
        html = client.get(url).content.decode()
        found = regions(html)
        assert len(found) == expected, url
        labels = []
        for tag in found:
            assert 'tabindex="0"' in tag, tag
            (label,) = re.findall(r'aria-labelledby="([^"]+)"', tag)
            assert f'id="{label}"' in html
            labels.append(label)
        assert len(set(labels)) == len(labels), url


def test_the_keep_apart_count_counts_only_rules_that_can_matter(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    # Xan lacks the training, so can join no group: this rule never matters.
    keep_apart_record(
        actor=personas["coordinator"].user,
        first=group_cohort.untrained.student,
        second=group_cohort.students["Dan"],
        reason="Cousins",
    )
    text = (
        login(personas["coordinator"])
        .get(reverse("matching:groups", args=[group_cohort.programme.public_id]))
        .content.decode()
    )
    assert "1 keep-apart rule among these students will be kept." in text
    assert (
        "If each group gets a peer mentor, 1 keep-apart rule between these students and "
        "the mentors who can join a group will be kept too." in text
    )
    assert "3 keep-apart rules" not in text


def test_the_formation_pages_run_a_fixed_number_of_queries(
    personas: dict[str, Persona], school_a: School, login
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = personas["coordinator"]
    programme = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Calm club",
        kind=Programme.Kind.GROUP,
        capacity=40,
    )
    active_mentor(coordinator, school_a, name="Zara", year=11, slots=[])
    client = login(coordinator)
    groups_url = reverse("matching:groups", args=[programme.public_id])
    enrolled: list[Student] = []

    def queries_with(more: int) -> tuple[int, int]:
        for n in range(more):
            student = make_student(school_a, year_group=7 + n % 3, gender="FM"[n % 2])
            enrol(coordinator, programme, student)
            enrolled.append(student)
        if len(enrolled) > 8:  # with two groups or more, a rule can be kept
            keep_apart_record(
                actor=coordinator.user, first=enrolled[-1], second=enrolled[-2], reason="Fall-out"
            )
        formation = formation_solve(
            actor=coordinator.user, programme=programme, leaders=[(coordinator.user, 4)]
        )
        formation_url = reverse("matching:formation", args=[formation.public_id])
        client.get(groups_url), client.get(formation_url)
        with CaptureQueriesContext(connection) as page:
            assert client.get(groups_url).status_code == 200
        with CaptureQueriesContext(connection) as proposal:
            assert client.get(formation_url).status_code == 200
        return len(page.captured_queries), len(proposal.captured_queries)

    few = queries_with(6)
    many = queries_with(18)  # 24 students in three groups, and two proposals listed
    assert len(enrolled) == 24
    assert many == few
    assert few == (PAGE_QUERIES, PROPOSAL_QUERIES)


def test_forming_for_a_closed_programme_by_htmx_reloads_the_page_saying_why(
    personas: dict[str, Persona], group_cohort: GroupCohort, login
) -> None:
    programme = group_cohort.programme
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.CLOSED)
    client = login(personas["coordinator"])
    groups_url = reverse("matching:groups", args=[programme.public_id])
    first = str(group_cohort.leaders[0].public_id)
    response = client.post(
        groups_url, {"min_size": "6", "max_size": "8", "leaders": [first]}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == groups_url
    text = client.get(groups_url).content.decode()
    assert "Groups are formed for group programmes that are not closed." in text
    assert not GroupFormation.objects.exists()
