"""Every write of wellbeing: which measures are due (the schedule), a student
answering a questionnaire as they go and finishing it (scored by wellbeing.scoring
exactly as the instrument's file says), staff entering the scores of a paper
measure, goals and their ratings, session feedback (named or anonymous) and "You
said, we did". Each is audited; an anonymous feedback's audit event names nobody."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import require_manager, role_in
from peersupport.audit.services import audit_record
from peersupport.meetings.models import Session
from peersupport.programmes.models import Enrolment, Mentorship, Programme
from peersupport.schools.models import School
from peersupport.students.free_text import free_text_check
from peersupport.students.models import Student
from peersupport.tasks.models import TaskKind
from peersupport.tasks.services import tasks_close_for
from peersupport.wellbeing.instruments import Instrument, load_instruments
from peersupport.wellbeing.models import (
    Feedback,
    FeedbackGiven,
    Goal,
    GoalRating,
    MeasureSettings,
    Occasion,
    Questionnaire,
    YouSaidWeDid,
)
from peersupport.wellbeing.scoring import Score, score, score_entered

FEEDBACK_INSTRUMENT = "session_feedback"
MENTOR_INSTRUMENT = "mentor_experience"
GOALS_INSTRUMENT = "gbo"
COMMENT_MAX = 1000


def instrument_of(key: str) -> Instrument:
    try:
        return load_instruments()[key]
    except KeyError:
        raise ValidationError(f"There is no measure called {key!r}.") from None


def measure_settings_of(programme: Programme) -> MeasureSettings:
    """The programme's schedule of measures, or the defaults (not saved)."""
    found = MeasureSettings.objects.filter(programme=programme).first()
    return (
        found
        if found is not None
        else MeasureSettings(school=programme.school, programme=programme)
    )


# ---------------------------------------------------------------- the schedule


def _due(
    *,
    student: Student,
    instrument: str,
    occasion: str,
    due_on: datetime.date,
    programme: Programme | None = None,
    mentorship: Mentorship | None = None,
) -> bool:
    """Make the questionnaire due unless it already is; True if it is new."""
    _, created = Questionnaire.objects.get_or_create(
        student=student,
        instrument=instrument,
        occasion=occasion,
        programme=programme,
        mentorship=mentorship,
        due_on=due_on,
        defaults={"school": student.school},
    )
    return created


def review_dates(
    started_on: datetime.date, every_weeks: int, until: datetime.date
) -> list[datetime.date]:
    """The review dates of an enrolment up to ``until``: every so many weeks after
    it started."""
    step = datetime.timedelta(weeks=every_weeks)
    dates = []
    when = started_on + step
    while when <= until:
        dates.append(when)
        when += step
    return dates


def pulse_dates(
    started_on: datetime.date, first_after: int, every: int, until: datetime.date
) -> list[datetime.date]:
    """A mentorship's pulse surveys up to ``until``: ``first_after`` days after it
    started, then every ``every`` days."""
    dates = []
    when = started_on + datetime.timedelta(days=first_after)
    while when <= until:
        dates.append(when)
        when += datetime.timedelta(days=every)
    return dates


@transaction.atomic
def measures_schedule(*, school: School, today: datetime.date) -> int:
    """Make due, for every enrolment and mentorship of the school, the measures its
    programme's schedule says by ``today``: a baseline at enrolment, the latest
    review, the exit measure once it has ended; a pulse survey to both sides of a
    mentorship. A review that was never answered and has been overtaken by the next
    is marked missed (it counts as missing, never dropped). Safe to run twice (the
    daily job). Returns how many were made due."""
    made = 0
    enrolments = Enrolment.objects.filter(school=school, started_on__lte=today).select_related(
        "programme", "student"
    )
    settings_by_programme: dict[int, MeasureSettings] = {}
    for enrolment in enrolments:
        programme = enrolment.programme
        rules = settings_by_programme.get(programme.pk)
        if rules is None:
            rules = settings_by_programme[programme.pk] = measure_settings_of(programme)
        common = partial(
            _due, student=enrolment.student, instrument=rules.instrument, programme=programme
        )
        made += common(occasion=Occasion.BASELINE, due_on=enrolment.started_on)
        if enrolment.ended_on is None:
            reviews = review_dates(enrolment.started_on, rules.review_every_weeks, today)
            if reviews:
                made += common(occasion=Occasion.REVIEW, due_on=reviews[-1])
            overtaken = reviews[-1] if reviews else enrolment.started_on
            lapsed = [Occasion.REVIEW]
        else:
            # The exit measure is all that is asked now: an unanswered baseline or
            # review is missed.
            made += common(occasion=Occasion.EXIT, due_on=enrolment.ended_on)
            overtaken = enrolment.ended_on
            lapsed = [Occasion.REVIEW, Occasion.BASELINE]
        Questionnaire.objects.filter(
            student=enrolment.student,
            programme=programme,
            occasion__in=lapsed,
            status=Questionnaire.Status.DUE,
            due_on__lt=overtaken,
        ).update(status=Questionnaire.Status.MISSED)

    mentorships = Mentorship.objects.filter(
        school=school,
        status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
        started_on__isnull=False,
    ).select_related("programme", "mentee", "mentor__student")
    for mentorship in mentorships:
        rules = settings_by_programme.get(mentorship.programme_id) or measure_settings_of(
            mentorship.programme
        )
        assert mentorship.started_on is not None
        dates = pulse_dates(
            mentorship.started_on, rules.pulse_first_after_days, rules.pulse_every_days, today
        )
        if not dates:
            continue
        for student, instrument in (
            (mentorship.mentee, FEEDBACK_INSTRUMENT),
            (mentorship.mentor.student, MENTOR_INSTRUMENT),
        ):
            made += _due(
                student=student,
                instrument=instrument,
                occasion=Occasion.PULSE,
                due_on=dates[-1],
                programme=mentorship.programme,
                mentorship=mentorship,
            )
    return made


# ---------------------------------------------------------------- answering


def _require_respondent(actor: User, questionnaire: Questionnaire) -> None:
    """Only the student (or peer mentor) it is for answers a questionnaire."""
    if (
        role_in(actor, questionnaire.school) not in (Role.STUDENT, Role.MENTOR)
        or questionnaire.student.user_id != actor.pk
    ):
        raise PermissionDenied("Only the student it is for can answer this.")


def _require_open(questionnaire: Questionnaire) -> None:
    if questionnaire.status in (Questionnaire.Status.DONE, Questionnaire.Status.MISSED):
        raise ValidationError("This questionnaire is closed: nothing more can be changed.")


def _locked(questionnaire: Questionnaire) -> Questionnaire:
    return (
        Questionnaire.objects.select_for_update(of=("self",))
        .select_related("student")
        .get(pk=questionnaire.pk)
    )


@transaction.atomic
def questionnaire_answer(
    *, actor: User, questionnaire: Questionnaire, item: str, value: int | None
) -> Questionnaire:
    """Save one answer as the student goes (None: they skipped it; they always may).
    An answer outside the item's options is refused and changes nothing."""
    questionnaire = _locked(questionnaire)
    _require_respondent(actor, questionnaire)
    _require_open(questionnaire)
    instrument = instrument_of(questionnaire.instrument)
    if instrument.kind != "items":
        raise ValidationError("This measure is not answered question by question.")
    try:
        spec = instrument.item(item)
    except KeyError:
        raise ValidationError("That question is not part of this questionnaire.") from None
    if value is not None and value not in spec.values:
        raise ValidationError("Choose one of the answers given.")
    questionnaire.answers = {**questionnaire.answers, item: value}
    if questionnaire.status == Questionnaire.Status.DUE:
        questionnaire.status = Questionnaire.Status.STARTED
        questionnaire.started_at = timezone.now()
    questionnaire.save(update_fields=["answers", "status", "started_at"])
    return questionnaire


@transaction.atomic
def questionnaire_layout(
    *, actor: User, questionnaire: Questionnaire, one_per_screen: bool
) -> Questionnaire:
    """The student's choice: one question per screen, or all on one page."""
    questionnaire = _locked(questionnaire)
    _require_respondent(actor, questionnaire)
    questionnaire.one_per_screen = one_per_screen
    questionnaire.save(update_fields=["one_per_screen"])
    return questionnaire


def _keep_score(questionnaire: Questionnaire, result: Score) -> None:
    questionnaire.total = result.total
    questionnaire.subscales = dict(result.subscales)


@transaction.atomic
def questionnaire_complete(
    *, actor: User, questionnaire: Questionnaire, request: HttpRequest | None = None
) -> Questionnaire:
    """The student has finished: score it as the instrument's file says (prorating
    the questions they skipped, within the file's limit; beyond it the score is
    left empty and counted as missing, never guessed) and close it."""
    questionnaire = _locked(questionnaire)
    _require_respondent(actor, questionnaire)
    _require_open(questionnaire)
    instrument = instrument_of(questionnaire.instrument)
    result = score(instrument, questionnaire.answers)
    _keep_score(questionnaire, result)
    questionnaire.status = Questionnaire.Status.DONE
    questionnaire.completed_at = timezone.now()
    if questionnaire.started_at is None:
        questionnaire.started_at = questionnaire.completed_at
    questionnaire.save(update_fields=["total", "subscales", "status", "completed_at", "started_at"])
    _measure_tasks_close(actor, questionnaire)
    audit_record(
        action="questionnaire.completed",
        actor=actor,
        school=questionnaire.school,
        object_type="questionnaire",
        object_public_id=questionnaire.public_id,
        request=request,
        detail=f"{questionnaire.instrument} {questionnaire.occasion}",
    )
    return questionnaire


def _measure_tasks_close(actor: User, questionnaire: Questionnaire) -> None:
    """The staff task to help the student complete it (wellbeing/daily.py) is done."""
    tasks_close_for(
        actor=actor,
        school=questionnaire.school,
        kind=TaskKind.MEASURE_DUE,
        subject_public_ids=[questionnaire.public_id],
        why="the measure was completed",
    )


@transaction.atomic
def scores_enter(
    *,
    actor: User,
    questionnaire: Questionnaire,
    totals: Mapping[str, int | float | None],
    request: HttpRequest | None = None,
) -> Questionnaire:
    """A coordinator or DSL enters the scores of a licensed measure the school runs
    on paper (a "scores only" instrument): each checked against the file's range."""
    require_manager(actor, questionnaire.school)
    questionnaire = _locked(questionnaire)
    _require_open(questionnaire)
    instrument = instrument_of(questionnaire.instrument)
    if instrument.kind != "scores_only":
        raise ValidationError("The student answers this measure themself.")
    try:
        result = score_entered(instrument, totals)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    _keep_score(questionnaire, result)
    questionnaire.answers = {}
    questionnaire.status = Questionnaire.Status.DONE
    questionnaire.completed_at = timezone.now()
    questionnaire.entered_by = actor
    questionnaire.save(
        update_fields=["total", "subscales", "answers", "status", "completed_at", "entered_by"]
    )
    _measure_tasks_close(actor, questionnaire)
    audit_record(
        action="questionnaire.scores_entered",
        actor=actor,
        school=questionnaire.school,
        object_type="questionnaire",
        object_public_id=questionnaire.public_id,
        request=request,
        detail=questionnaire.instrument,
    )
    return questionnaire


# ---------------------------------------------------------------- goals


def _require_student_or_staff(actor: User, student: Student) -> str:
    """The student themself, a coordinator or DSL, or a facilitator of one of the
    groups the student is in now."""
    role = role_in(actor, student.school)
    if role in (Role.COORDINATOR, Role.DSL):
        return role
    if (
        role == Role.FACILITATOR
        and Student.objects.filter(
            pk=student.pk,
            group_places__group__facilitators=actor,
            group_places__left_on__isnull=True,
        ).exists()
    ):
        return role
    if role in (Role.STUDENT, Role.MENTOR) and student.user_id == actor.pk:
        return role
    raise PermissionDenied("Only the student or the staff working with them can do this.")


@transaction.atomic
def goal_set(
    *,
    actor: User,
    student: Student,
    text: str,
    first_rating: int,
    programme: Programme | None = None,
    today: datetime.date | None = None,
) -> Goal:
    """A goal in the student's own words, with where they are now (0 to 10). Up to
    the number of open goals the goals instrument allows (three for GBO)."""
    _require_student_or_staff(actor, student)
    today = today or timezone.localdate()
    text = (text or "").strip()
    limit = instrument_of(GOALS_INSTRUMENT).goals
    most = limit.max_goals if limit is not None else 3
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "Write the goal in your own words."
    elif len(text) > 300:
        errors["text"] = "Keep the goal to 300 characters or fewer."
    if not 0 <= first_rating <= 10:
        errors["rating"] = "Choose a number from 0 to 10."
    # Counted under a lock on the student's row, so two tabs cannot both add a fourth.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    if Goal.objects.filter(student=student, closed_on__isnull=True).count() >= most:
        errors["text"] = f"You can work on up to {most} goals at a time. Finish one first."
    if errors:
        raise ValidationError(errors)
    goal = Goal(
        school=student.school,
        student=student,
        programme=programme,
        text=text,
        set_on=today,
        set_by=actor,
    )
    goal.full_clean()
    goal.save()
    GoalRating.objects.create(
        school=student.school, goal=goal, rating=first_rating, rated_on=today, recorded_by=actor
    )
    # The urgent-words check (registered by concerns): the flag names the student, so
    # the DSL can find the goal.
    free_text_check(
        school=student.school,
        text=text,
        source_type="goal",
        source_public_id=goal.public_id,
        student=student,
    )
    audit_record(
        action="goal.set",
        actor=actor,
        school=student.school,
        object_type="goal",
        object_public_id=goal.public_id,
    )
    return goal


@transaction.atomic
def goal_rate(
    *, actor: User, goal: Goal, rating: int, today: datetime.date | None = None
) -> GoalRating:
    """Where the student is now on their goal, 0 to 10. One rating a day: rating
    again the same day replaces it."""
    _require_student_or_staff(actor, goal.student)
    if goal.closed_on is not None:
        raise ValidationError("This goal is finished.")
    if not 0 <= rating <= 10:
        raise ValidationError({"rating": "Choose a number from 0 to 10."})
    today = today or timezone.localdate()
    rated, _ = GoalRating.objects.update_or_create(
        goal=goal,
        rated_on=today,
        defaults={"school": goal.school, "rating": rating, "recorded_by": actor},
    )
    audit_record(
        action="goal.rated",
        actor=actor,
        school=goal.school,
        object_type="goal",
        object_public_id=goal.public_id,
    )
    return rated


# ---------------------------------------------------------------- feedback


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@transaction.atomic
def feedback_give(
    *,
    actor: User,
    session: Session,
    answers: Mapping[str, int | None],
    comment: str = "",
    anonymous: bool = False,
) -> Feedback:
    """A student's feedback on a session they were at: the session feedback items
    (any may be skipped) and a comment. Anonymous feedback keeps no link to them:
    no student, no session, no mentor of a one-to-one session, only the week; the
    separate "given" record stops them being asked twice and says nothing else."""
    role = role_in(actor, session.school)
    student = Student.objects.filter(school=session.school, user=actor).first()
    if role not in (Role.STUDENT, Role.MENTOR) or student is None:
        raise PermissionDenied("Only a student can give feedback on a session.")
    if not _took_part(student, session):
        raise PermissionDenied("You can only give feedback on a session you were part of.")
    if session.status == Session.Status.CANCELLED or session.date > timezone.localdate():
        raise ValidationError("You can give feedback once the session has happened.")
    instrument = instrument_of(FEEDBACK_INSTRUMENT)
    try:
        score(instrument, answers)  # refuses unknown questions and answers out of range
    except ValueError as error:
        raise ValidationError(str(error)) from None
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Keep it to {COMMENT_MAX} characters or fewer."})
    try:
        with transaction.atomic():
            FeedbackGiven.objects.create(school=session.school, student=student, session=session)
    except IntegrityError:
        raise ValidationError("You have already given feedback on this session.") from None
    group = session.group
    mentorship = session.mentorship
    programme = group.programme if group is not None else mentorship.programme  # type: ignore[union-attr]
    feedback = Feedback(
        school=session.school,
        programme=programme,
        group=group,
        # A one-to-one mentor would name the mentee of anonymous feedback.
        mentor=None if (anonymous or mentorship is None) else mentorship.mentor,
        student=None if anonymous else student,
        session=None if anonymous else session,
        anonymous=anonymous,
        week_of=week_of(session.date),
        answers=dict(answers),
        comment=comment,
    )
    feedback.full_clean()
    feedback.save()
    # The urgent-words check (registered by concerns). Anonymous feedback's flag
    # names no student and points only at the feedback, which names nobody.
    if free_text_check(
        school=session.school,
        text=comment,
        source_type="session_feedback",
        source_public_id=feedback.id,
        student=None if anonymous else student,
    ):
        feedback.urgent = True
        feedback.save(update_fields=["urgent"])
    if not anonymous:
        # Anonymous feedback leaves no event: even one naming nobody would carry
        # the moment it was given, to set beside the student's other events.
        audit_record(
            action="feedback.given",
            actor=actor,
            school=session.school,
            object_type="feedback",
            object_public_id=feedback.id,
            detail="named",
        )
    return feedback


def _took_part(student: Student, session: Session) -> bool:
    """The mentee of a one-to-one session, or a member of the group. (A peer mentor
    says how it went in their session log and the mentor survey instead.)"""
    if session.mentorship is not None:
        return student.pk == session.mentorship.mentee_id
    assert session.group is not None
    return session.group.members.filter(student=student).exists()


# ---------------------------------------------------------------- you said, we did


@transaction.atomic
def you_said_we_did_post(
    *,
    actor: User,
    school: School,
    you_said: str,
    we_did: str,
    programme: Programme | None = None,
    today: datetime.date | None = None,
) -> YouSaidWeDid:
    """A coordinator or DSL tells students what changed because of what they said."""
    require_manager(actor, school)
    if programme is not None and programme.school_id != school.pk:
        raise ValidationError({"programme": "That programme is not in this school."})
    entry = YouSaidWeDid(
        school=school,
        programme=programme,
        you_said=(you_said or "").strip(),
        we_did=(we_did or "").strip(),
        posted_by=actor,
        posted_on=today or timezone.localdate(),
    )
    entry.full_clean()
    entry.save()
    audit_record(
        action="you_said_we_did.posted",
        actor=actor,
        school=school,
        object_type="you_said_we_did",
        object_public_id=entry.public_id,
    )
    return entry


# ---------------------------------------------------------------- paper measures


@transaction.atomic
def questionnaire_record_paper(
    *,
    actor: User,
    student: Student,
    instrument: str,
    occasion: str,
    taken_on: datetime.date,
    totals: Mapping[str, int | float | None],
    programme: Programme | None = None,
    request: HttpRequest | None = None,
) -> Questionnaire:
    """A coordinator or DSL enters the scores of a paper measure a student took on
    ``taken_on``: into the questionnaire already due for that occasion (of that
    programme) if there is one, otherwise into a new one dated ``taken_on``. Bad
    scores are refused by :func:`scores_enter` and nothing is saved."""
    require_manager(actor, student.school)
    if programme is not None and programme.school_id != student.school_id:
        raise ValidationError({"programme": "That programme is not in this school."})
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": "Choose when the measure was taken."})
    if instrument_of(instrument).kind != "scores_only":
        raise ValidationError("The student answers this measure themself.")
    questionnaire = (
        Questionnaire.objects.filter(
            student=student,
            instrument=instrument,
            occasion=occasion,
            programme=programme,
            status__in=[Questionnaire.Status.DUE, Questionnaire.Status.STARTED],
        )
        .order_by("due_on")
        .first()
    )
    if questionnaire is None:
        questionnaire, _ = Questionnaire.objects.get_or_create(
            student=student,
            instrument=instrument,
            occasion=occasion,
            programme=programme,
            mentorship=None,
            due_on=taken_on,
            defaults={"school": student.school},
        )
    return scores_enter(actor=actor, questionnaire=questionnaire, totals=totals, request=request)


# ---------------------------------------------------------------- measure settings


@transaction.atomic
def measure_settings_set(
    *,
    actor: User,
    programme: Programme,
    instrument: str,
    review_every_weeks: int = 6,
    pulse_first_after_days: int = 30,
    pulse_every_days: int = 60,
    request: HttpRequest | None = None,
) -> MeasureSettings:
    """A coordinator or DSL sets when a programme's measures are taken and which
    measure it uses (any shipped instrument a student answers or staff enter from
    paper; not the goals or feedback instruments, which are asked otherwise)."""
    require_manager(actor, programme.school)
    found = instrument_of(instrument)
    if found.kind not in ("items", "scores_only") or instrument in (
        GOALS_INSTRUMENT,
        FEEDBACK_INSTRUMENT,
        MENTOR_INSTRUMENT,
    ):
        raise ValidationError({"instrument": "Choose a wellbeing measure."})
    rules = MeasureSettings.objects.filter(programme=programme).first() or MeasureSettings(
        school=programme.school, programme=programme
    )
    rules.instrument = instrument
    rules.review_every_weeks = review_every_weeks
    rules.pulse_first_after_days = pulse_first_after_days
    rules.pulse_every_days = pulse_every_days
    rules.full_clean()
    rules.save()
    audit_record(
        action="measure_settings.set",
        actor=actor,
        school=programme.school,
        object_type="programme",
        object_public_id=programme.public_id,
        request=request,
        detail=f"{instrument} every {review_every_weeks} weeks",
    )
    return rules
