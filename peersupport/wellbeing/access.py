"""Who may reach which wellbeing records. Each ``*_for`` returns the record or raises
Http404 (never 403: a record one may not see does not exist for them); each
``*_visible_to`` returns a queryset already limited to what the user may see.

Students and peer mentors reach only their own questionnaires, goals and feedback
forms. Coordinators and DSLs see every student's measures; facilitators those of the
students in their own groups; viewers and partners only figures without names
(reports), never a student's answers. Anonymous feedback is never shown with a
name, because none is stored."""

from __future__ import annotations

import datetime
import uuid

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.meetings.models import Session
from peersupport.programmes.access import programme_for
from peersupport.programmes.models import Mentorship, Programme
from peersupport.schools.models import School
from peersupport.students.access import students_visible_to
from peersupport.students.models import Student
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.models import Feedback, FeedbackGiven, Goal, Questionnaire, YouSaidWeDid

# ---------------------------------------------------------------- students' own records

# A student (or a peer mentor, who is a student too) reaches only records naming
# their own student record in the current school; anything else is 404.

FEEDBACK_DAYS = 7  # how long after a session its feedback form stays open


def own_student_record(user: User, school: School) -> Student | None:
    """The user's own student record in this school, if they have one."""
    if role_in(user, school) not in (Role.STUDENT, Role.MENTOR):
        return None
    return Student.objects.filter(school=school, user=user).first()


def _own_student_or_404(user: User, school: School) -> Student:
    student = own_student_record(user, school)
    if student is None:
        raise Http404("No such page.")
    return student


def _answerable_instruments() -> list[str]:
    """Instruments a student answers here, question by question."""
    return [key for key, found in load_instruments().items() if found.kind == "items"]


def questionnaires_due_for_respondent(
    user: User, school: School, today: datetime.date
) -> QuerySet[Questionnaire]:
    """The user's own questionnaires waiting for them: due or started, due by today."""
    student = own_student_record(user, school)
    if student is None:
        return Questionnaire.objects.none()
    return Questionnaire.objects.filter(
        school=school,
        student=student,
        instrument__in=_answerable_instruments(),
        status__in=[Questionnaire.Status.DUE, Questionnaire.Status.STARTED],
        due_on__lte=today,
    ).order_by("due_on", "pk")


def questionnaire_for_respondent(user: User, school: School, public_id: uuid.UUID) -> Questionnaire:
    """One of the user's own questionnaires that they answer here; 404 otherwise
    (another student's, another school's, or a paper measure staff enter)."""
    student = _own_student_or_404(user, school)
    found = (
        Questionnaire.objects.filter(
            school=school,
            student=student,
            instrument__in=_answerable_instruments(),
            public_id=public_id,
        )
        .select_related("student")
        .first()
    )
    if found is None:
        raise Http404("No such questionnaire.")
    return found


def goals_of_own(user: User, school: School) -> QuerySet[Goal]:
    """The user's own goals, with their ratings, oldest first."""
    student = own_student_record(user, school)
    if student is None:
        return Goal.objects.none()
    return Goal.objects.filter(school=school, student=student).prefetch_related("ratings")


def goal_for_student(user: User, school: School, public_id: uuid.UUID) -> Goal:
    """One of the user's own goals; 404 otherwise."""
    student = _own_student_or_404(user, school)
    found = (
        Goal.objects.filter(school=school, student=student, public_id=public_id)
        .select_related("student")
        .first()
    )
    if found is None:
        raise Http404("No such goal.")
    return found


def sessions_for_feedback(user: User, school: School, today: datetime.date) -> QuerySet[Session]:
    """Sessions of the last week the user took part in as a group member or a mentee,
    not cancelled, that they have not given feedback on yet."""
    student = own_student_record(user, school)
    if student is None:
        return Session.objects.none()
    given = FeedbackGiven.objects.filter(student=student).values("session_id")
    return (
        Session.objects.filter(
            Q(group__members__student=student, group__members__left_on__isnull=True)
            | Q(mentorship__mentee=student),
            school=school,
            date__gte=today - datetime.timedelta(days=FEEDBACK_DAYS),
            date__lte=today,
        )
        .exclude(status=Session.Status.CANCELLED)
        .exclude(pk__in=given)
        .select_related("group", "mentorship")
        .distinct()
        .order_by("-date", "-start_time")
    )


def session_for_feedback(
    user: User, school: School, public_id: uuid.UUID, today: datetime.date
) -> Session:
    """A session the user may still give feedback on; 404 otherwise."""
    found = sessions_for_feedback(user, school, today).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such session.")
    return found


def you_said_we_did_for_students(
    school: School, student: Student, most: int = 3
) -> list[YouSaidWeDid]:
    """The newest "You said, we did" entries a student sees on their home page: the
    school-wide ones, and those of the programmes they are in now (or mentor in)."""
    in_now = Q(programme__enrolments__student=student, programme__enrolments__ended_on__isnull=True)
    mentoring = Q(
        programme__mentorships__mentor__student=student,
        programme__mentorships__status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
    )
    in_a_group = Q(
        programme__groups__members__student=student,
        programme__groups__members__left_on__isnull=True,
    )
    return list(
        YouSaidWeDid.objects.filter(
            Q(programme__isnull=True) | in_now | in_a_group | mentoring, school=school
        )
        .distinct()
        .order_by("-posted_on", "-pk")[:most]
    )


# ---------------------------------------------------------------- staff

MEASURE_MANAGERS = frozenset({Role.COORDINATOR, Role.DSL})
# Outcome figures carry no names, so the viewers (heads, governors) see them too.
OUTCOME_READERS = frozenset({Role.COORDINATOR, Role.DSL, Role.VIEWER})


def students_whose_measures_visible_to(user: User, school: School) -> QuerySet[Student]:
    """Whose measures, goals and trajectories ``user`` may read: a coordinator or DSL
    every student they can see, a facilitator the students now in their own groups,
    anyone else nobody."""
    role = role_in(user, school)
    if role in MEASURE_MANAGERS:
        return students_visible_to(user, school)
    if role == Role.FACILITATOR:
        return Student.objects.filter(
            school=school,
            group_places__group__facilitators=user,
            group_places__left_on__isnull=True,
        ).distinct()
    return Student.objects.none()


def student_measures_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Student:
    """A student whose measures ``user`` may read, the read audited; 404 otherwise."""
    student = students_whose_measures_visible_to(user, school).filter(public_id=public_id).first()
    if student is None:
        raise Http404("No such student.")
    audit_record(
        action="wellbeing.viewed",
        actor=user,
        school=school,
        object_type="student",
        object_public_id=student.public_id,
        request=request,
    )
    return student


def student_for_scores_entry(user: User, school: School, public_id: uuid.UUID) -> Student:
    """A student whose paper scores ``user`` may enter: coordinators and DSLs."""
    if role_in(user, school) not in MEASURE_MANAGERS:
        raise Http404("No such student.")
    student = students_visible_to(user, school).filter(public_id=public_id).first()
    if student is None:
        raise Http404("No such student.")
    return student


def programmes_with_outcomes_visible_to(user: User, school: School) -> QuerySet[Programme]:
    """Whose outcome figures ``user`` may read: coordinators, DSLs and viewers, every
    programme of the school (the figures name nobody)."""
    if role_in(user, school) not in OUTCOME_READERS:
        return Programme.objects.none()
    return Programme.objects.filter(school=school)


def programme_outcomes_for(user: User, school: School, public_id: uuid.UUID) -> Programme:
    programme = (
        programmes_with_outcomes_visible_to(user, school).filter(public_id=public_id).first()
    )
    if programme is None:
        raise Http404("No such programme.")
    return programme


def programme_outcomes_export_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Programme:
    """The programme whose outcome figures leave the school as a file: audited."""
    programme = programme_outcomes_for(user, school, public_id)
    audit_record(
        action="wellbeing.outcomes_exported",
        actor=user,
        school=school,
        object_type="programme",
        object_public_id=programme.public_id,
        request=request,
    )
    return programme


def programme_feedback_for(user: User, school: School, public_id: uuid.UUID) -> Programme:
    """A programme whose feedback trends ``user`` may read: a coordinator or DSL any,
    a facilitator one they run a group in (through the programmes' own rule)."""
    if role_in(user, school) not in (*MEASURE_MANAGERS, Role.FACILITATOR):
        raise Http404("No such programme.")
    return programme_for(user, school, public_id)


def feedback_visible_to(user: User, school: School) -> QuerySet[Feedback]:
    """Session feedback ``user`` may count: a coordinator or DSL all of it, a
    facilitator that given in their own groups."""
    role = role_in(user, school)
    if role in MEASURE_MANAGERS:
        return Feedback.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return Feedback.objects.filter(school=school, group__facilitators=user)
    return Feedback.objects.none()


def feedback_comments_shown_to(user: User, school: School) -> bool:
    """Students' comments are read by coordinators and DSLs only."""
    return role_in(user, school) in MEASURE_MANAGERS


def you_said_we_did_visible_to(user: User, school: School) -> QuerySet[YouSaidWeDid]:
    if role_in(user, school) not in MEASURE_MANAGERS:
        return YouSaidWeDid.objects.none()
    return YouSaidWeDid.objects.filter(school=school)
