"""What a match run works from, read from the school's records: who is waiting,
which mentors are available (and why the others are not), the problem given to
the engine, and the fairness panel of a result."""

from __future__ import annotations

import datetime
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from scipy.stats import false_discovery_control, fisher_exact

from peersupport.accounts.models import User
from peersupport.lib.engagement import AT_RISK
from peersupport.lib.training_standing import standing
from peersupport.matching.engine import (
    Mentee,
    Mentor,
    PairProblem,
    Settings,
    Weights,
)
from peersupport.matching.groups import (
    Facilitator,
    GroupMentor,
    GroupProblem,
    GroupSettings,
    GroupStudent,
)
from peersupport.matching.models import (
    GroupFormation,
    MatchPin,
    MatchRun,
    MatchSettings,
    MatchSolve,
)
from peersupport.programmes.models import (
    Enrolment,
    GroupMember,
    KeepApart,
    MentorProfile,
    Mentorship,
    Programme,
)
from peersupport.programmes.selectors import pairing_choices, staff_of
from peersupport.students.models import ETHNICITY_MAJOR_GROUP, Gender, SenStatus, Student
from peersupport.training.models import Completion

OPEN_PAIRINGS = [Mentorship.Status.PROPOSED, Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED]
# Mentors listed in a run: those who could be, or soon be, available.
POOL_STATUSES = [
    MentorProfile.Status.ACTIVE,
    MentorProfile.Status.PAUSED,
    MentorProfile.Status.IN_TRAINING,
]


def settings_for(programme: Programme) -> MatchSettings:
    """The programme's matching settings (the defaults until someone changes them)."""
    found = MatchSettings.objects.filter(programme=programme).first()
    return found or MatchSettings(school=programme.school, programme=programme)


def engine_settings(match_settings: MatchSettings) -> Settings:
    return Settings(
        min_year_gap=match_settings.min_year_gap,
        weights=Weights(
            interests=match_settings.w_interests,
            availability=match_settings.w_availability,
            language=match_settings.w_language,
            preference=match_settings.w_preference,
        ),
    )


@dataclass
class WaitingMentee:
    student: Student
    enrolment: Enrolment
    interests: list[str]
    languages: list[str]
    availability: list[str]
    same_gender: bool
    preferred_mentor: MentorProfile | None
    has_preferences: bool

    @property
    def id(self) -> str:
        return str(self.student.public_id)


@dataclass
class PoolMentor:
    mentor: MentorProfile
    room: int
    # Why the mentor cannot take a new mentee in this run; empty if they can.
    excluded: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.mentor.public_id)


@dataclass
class RunInputs:
    mentees: list[WaitingMentee]
    mentors: list[PoolMentor]
    locks: list[MatchPin]
    rejections: list[MatchPin]
    # Pins about someone no longer waiting or no longer a mentor: not used.
    stale: list[MatchPin]
    problem: PairProblem

    @property
    def available(self) -> list[PoolMentor]:
        return [m for m in self.mentors if not m.excluded]

    @property
    def excluded(self) -> list[PoolMentor]:
        return [m for m in self.mentors if m.excluded]

    def names(self) -> dict[str, str]:
        """Engine ids to the names staff see."""
        out = {m.id: m.student.display_name for m in self.mentees}
        out.update({m.id: m.mentor.student.display_name for m in self.mentors})
        return out


UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def with_names(text: str, names: dict[str, str], unknown: str = "someone no longer listed") -> str:
    """The engine names people by id ("asked for <id>, but ...", "locked pair (<id>,
    <id>) breaks a rule"): staff read names, never ids."""
    return UUID_IN_TEXT.sub(lambda found: names.get(found.group(0), unknown), text)


def kept_names(solve: MatchSolve) -> dict[str, str]:
    """Names staff see for the ids in a kept solve, as the records stand now (two
    queries)."""
    mentee_ids = [m["id"] for m in solve.problem["mentees"]]
    mentor_ids = [m["id"] for m in solve.problem["mentors"]]
    names = {
        str(s.public_id): s.display_name
        for s in Student.objects.filter(school_id=solve.school_id, public_id__in=mentee_ids)
    }
    names.update(
        {
            str(m.public_id): m.student.display_name
            for m in MentorProfile.objects.filter(
                school_id=solve.school_id, public_id__in=mentor_ids
            ).select_related("student")
        }
    )
    return names


def _engine_gender(gender: str) -> str:
    """The engine compares genders as given: "Other or not stated" (X) must never
    count as the same gender as another X, so the engine is told it is not recorded."""
    return "" if gender == Gender.OTHER else gender


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _training_gaps(
    programme: Programme, mentors: list[MentorProfile], today: datetime.date
) -> dict[int, list[str]]:
    """For each mentor, the programme's required modules they do not hold today,
    in words ("Safeguarding basics: ran out 1 Nov 2026"). Two queries."""
    modules = list(programme.required_modules.order_by("title"))
    if not modules:
        return {}
    held: dict[tuple[int, int], list[tuple[datetime.date, datetime.date | None]]] = defaultdict(
        list
    )
    for student_id, module_id, completed_on, expires_on in Completion.objects.filter(
        school=programme.school,
        student_id__in=[m.student_id for m in mentors],
        module__in=modules,
    ).values_list("student_id", "module_id", "completed_on", "expires_on"):
        held[(student_id, module_id)].append((completed_on, expires_on))
    gaps: dict[int, list[str]] = {}
    for mentor in mentors:
        missing = []
        for module in modules:
            where = standing(held.get((mentor.student_id, module.pk), ()), today)
            if not where.holds:
                missing.append(
                    f"{module.title}: {where.note}" if where.note else f"{module.title}: not done"
                )
        if missing:
            gaps[mentor.pk] = missing
    return gaps


def mentors_unable(
    programme: Programme, mentors: list[MentorProfile], today: datetime.date
) -> dict[int, list[str]]:
    """For each mentor who cannot serve ``programme`` today, why not, in words: not
    active, or the programme's required training missing or run out. Used by match
    runs and group formation alike. Two queries."""
    gaps = _training_gaps(programme, mentors, today)
    unable: dict[int, list[str]] = {}
    for mentor in mentors:
        reasons = []
        if mentor.status != MentorProfile.Status.ACTIVE:
            reasons.append(f"not active: {mentor.get_status_display().lower()}")
        if mentor.pk in gaps:
            reasons.append("training missing or run out: " + "; ".join(gaps[mentor.pk]))
        if reasons:
            unable[mentor.pk] = reasons
    return unable


def run_inputs(run: MatchRun, today: datetime.date | None = None) -> RunInputs:
    """Everything a solve of ``run`` needs, in a fixed number of queries."""
    today = today or timezone.localdate()
    programme = run.programme
    _mentors, waiting_students = pairing_choices(programme)
    enrolments = {
        e.student_id: e
        for e in Enrolment.objects.filter(
            programme=programme, ended_on__isnull=True, student__in=waiting_students
        )
        .select_related("student", "referral__preferred_mentor__student")
        .prefetch_related("student__match_preferences__availability")
        .order_by("started_on", "student__legal_surname", "pk")
    }
    mentees = []
    for enrolment in enrolments.values():
        student = enrolment.student
        prefs = getattr(student, "match_preferences", None)
        referral = enrolment.referral
        mentees.append(
            WaitingMentee(
                student=student,
                enrolment=enrolment,
                interests=list(prefs.interests) if prefs else [],
                languages=list(prefs.languages) if prefs else [],
                availability=[str(s) for s in prefs.availability.all()] if prefs else [],
                same_gender=bool(prefs and prefs.same_gender),
                preferred_mentor=referral.preferred_mentor if referral else None,
                has_preferences=prefs is not None,
            )
        )

    pool = list(
        MentorProfile.objects.filter(school=programme.school, status__in=POOL_STATUSES)
        .select_related("student")
        .prefetch_related("availability")
        .order_by("student__legal_surname", "student__legal_forename", "pk")
    )
    open_counts: dict[int, int] = defaultdict(int)
    for mentor_id in Mentorship.objects.filter(
        mentor__in=pool, status__in=OPEN_PAIRINGS
    ).values_list("mentor_id", flat=True):
        open_counts[mentor_id] += 1
    unable = mentors_unable(programme, pool, today)
    mentors = []
    for mentor in pool:
        room = max(mentor.capacity - open_counts[mentor.pk], 0)
        excluded = list(unable.get(mentor.pk, []))
        if room == 0:
            excluded.append(f"full: already has {mentor.capacity} of {mentor.capacity} mentees")
        mentors.append(
            PoolMentor(
                mentor=mentor,
                room=room,
                excluded=excluded,
                availability=[str(s) for s in mentor.availability.all()],
            )
        )

    mentee_ids = {m.student.pk: m.id for m in mentees}
    mentor_ids = {m.mentor.pk: m.id for m in mentors}
    mentor_of_student = {m.mentor.student_id: m.id for m in mentors}
    keep_apart: set[frozenset[str]] = set()
    for a, b in KeepApart.objects.filter(
        school=programme.school, ended_at__isnull=True
    ).values_list("student_a_id", "student_b_id"):
        for x, y in ((a, b), (b, a)):
            if x in mentee_ids and y in mentor_of_student:
                keep_apart.add(frozenset((mentee_ids[x], mentor_of_student[y])))
    for student_pk, mentee_id in mentee_ids.items():
        # A student who is also a mentor is never their own mentor.
        if student_pk in mentor_of_student:
            keep_apart.add(frozenset((mentee_id, mentor_of_student[student_pk])))

    locks, rejections, stale = [], [], []
    for pin in run.pins.select_related("mentee", "mentor__student", "pinned_by"):
        if pin.mentee_id not in mentee_ids or pin.mentor_id not in mentor_ids:
            stale.append(pin)
        elif pin.kind == MatchPin.Kind.LOCK:
            locks.append(pin)
        else:
            rejections.append(pin)

    problem = PairProblem(
        settings=engine_settings(settings_for(programme)),
        mentors=tuple(
            Mentor(
                id=m.id,
                year=m.mentor.student.year_group,
                gender=_engine_gender(m.mentor.student.gender),
                capacity=m.room,
                eligible=not [e for e in m.excluded if not e.startswith("full")],
                interests=frozenset(m.mentor.interests),
                languages=frozenset(m.mentor.languages),
                availability=frozenset(m.availability),
            )
            for m in mentors
        ),
        mentees=tuple(
            Mentee(
                id=m.id,
                year=m.student.year_group,
                gender=_engine_gender(m.student.gender),
                same_gender=m.same_gender,
                preferred_mentor=(
                    str(m.preferred_mentor.public_id)
                    if m.preferred_mentor is not None and m.preferred_mentor.pk in mentor_ids
                    else None
                ),
                interests=frozenset(m.interests),
                languages=frozenset(m.languages),
                availability=frozenset(m.availability),
            )
            for m in mentees
        ),
        keep_apart=frozenset(keep_apart),
        locked=tuple(
            (mentee_ids[p.mentee_id], mentor_ids[p.mentor_id])
            for p in sorted(locks, key=lambda p: p.pinned_at)
        ),
        rejected=frozenset((mentee_ids[p.mentee_id], mentor_ids[p.mentor_id]) for p in rejections),
    )
    return RunInputs(mentees, mentors, locks, rejections, stale, problem)


def problem_as_json(problem: PairProblem) -> dict[str, Any]:
    """The engine's input in the format of docs/matching.md, so a kept solve can be
    checked again with ``manage.py solve_matching``."""
    w = problem.settings.weights
    return {
        "kind": "pairs",
        "settings": {
            "min_year_gap": problem.settings.min_year_gap,
            "weights": {
                "interests": w.interests,
                "availability": w.availability,
                "language": w.language,
                "preference": w.preference,
            },
        },
        "mentors": [
            {
                "id": m.id,
                "year": m.year,
                "gender": m.gender,
                "capacity": m.capacity,
                "eligible": m.eligible,
                "interests": sorted(m.interests),
                "languages": sorted(m.languages),
                "availability": sorted(m.availability),
            }
            for m in problem.mentors
        ],
        "mentees": [
            {
                "id": m.id,
                "year": m.year,
                "gender": m.gender,
                "same_gender": m.same_gender,
                "preferred_mentor": m.preferred_mentor,
                "interests": sorted(m.interests),
                "languages": sorted(m.languages),
                "availability": sorted(m.availability),
            }
            for m in problem.mentees
        ],
        "keep_apart": sorted(sorted(pair) for pair in problem.keep_apart),
        "locked": [list(pair) for pair in problem.locked],
        "rejected": sorted(list(pair) for pair in problem.rejected),
    }


def latest_solve(run: MatchRun) -> MatchSolve | None:
    return run.solves.select_related("solved_by").order_by("-number").first()


# ---------------------------------------------------------------- fairness


@dataclass(frozen=True)
class FairnessRow:
    label: str
    waiting: int
    matched: int
    mean_score: float | None
    # Fisher's exact test of this group's match rate against everyone else's,
    # adjusted for the several groups compared (Benjamini-Hochberg, per panel).
    p_value: float | None = None
    rest_rate: float | None = None

    @property
    def rate(self) -> float:
        return self.matched / self.waiting if self.waiting else 0.0

    @property
    def matched_less(self) -> bool:
        """Matched less often than the others, beyond what chance explains."""
        return (
            self.p_value is not None
            and self.rest_rate is not None
            and self.p_value < 0.05
            and self.rate < self.rest_rate
        )


@dataclass(frozen=True)
class FairnessPanel:
    heading: str
    rows: list[FairnessRow]


def fairness(solve: MatchSolve) -> list[FairnessPanel]:
    """Match rates and mean scores of a solve by pupil premium, EAL, gender and
    ethnic group, so no group is quietly matched worse. One query."""
    scores = {p["mentee"]: p["score"] for p in solve.result["pairs"]}
    ids = [m["id"] for m in solve.problem["mentees"]]
    students = Student.objects.filter(school_id=solve.school_id, public_id__in=ids).values_list(
        "public_id", "pupil_premium", "eal", "gender", "ethnicity"
    )
    groupings: dict[str, dict[str, list[str]]] = {
        "Pupil premium": defaultdict(list),
        "English as an additional language": defaultdict(list),
        "Gender": defaultdict(list),
        "Ethnic group": defaultdict(list),
    }
    genders = dict(Gender.choices)
    for public_id, pp, eal, gender, ethnicity in students:
        key = str(public_id)
        groupings["Pupil premium"]["Pupil premium" if pp else "Not pupil premium"].append(key)
        groupings["English as an additional language"]["EAL" if eal else "Not EAL"].append(key)
        groupings["Gender"][genders.get(gender, "Not recorded")].append(key)
        groupings["Ethnic group"][ETHNICITY_MAJOR_GROUP.get(ethnicity, "Not recorded")].append(key)
    total, total_matched = len(ids), len(scores)
    panels = []
    for heading, groups in groupings.items():
        counts = []
        for label in sorted(groups):
            members = groups[label]
            matched = [scores[m] for m in members if m in scores]
            counts.append((label, len(members), matched))
        tested = [
            fisher_exact(
                [
                    [len(matched), waiting - len(matched)],
                    [
                        total_matched - len(matched),
                        (total - waiting) - (total_matched - len(matched)),
                    ],
                ]
            ).pvalue
            if 0 < waiting < total
            else None
            for _label, waiting, matched in counts
        ]
        raw = [p for p in tested if p is not None]
        adjusted = iter(false_discovery_control(raw) if len(raw) > 1 else raw)
        rows = []
        for (label, waiting, matched), p in zip(counts, tested, strict=True):
            rest = total - waiting
            rows.append(
                FairnessRow(
                    label=label,
                    waiting=waiting,
                    matched=len(matched),
                    mean_score=statistics.fmean(matched) if matched else None,
                    p_value=float(next(adjusted)) if p is not None else None,
                    rest_rate=(total_matched - len(matched)) / rest if rest else None,
                )
            )
        panels.append(FairnessPanel(heading, rows))
    return panels


# ---------------------------------------------------------------- group formation


@dataclass
class StudentToPlace:
    """An enrolled student of a group programme who is in none of its groups yet."""

    student: Student
    enrolment: Enrolment
    ehc_plan: bool
    at_risk: bool  # the stored engagement status of the enrolment

    @property
    def id(self) -> str:
        return str(self.student.public_id)

    @property
    def higher_need(self) -> bool:
        return self.ehc_plan or self.at_risk

    @property
    def need_words(self) -> str:
        reasons = (("EHC plan", self.ehc_plan), ("at risk", self.at_risk))
        return "; ".join(words for words, flag in reasons if flag)


@dataclass
class MentorForGroups:
    mentor: MentorProfile
    # Why the mentor cannot join a group of this programme; empty if they can.
    excluded: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.mentor.public_id)


@dataclass
class FormationInputs:
    """What forming groups for a programme works from, as the records stand now."""

    programme: Programme
    students: list[StudentToPlace]
    mentors: list[MentorForGroups]
    staff: list[User]  # who may lead a group: the school's facilitators, coordinators, DSLs
    # Keep-apart rules among the students and the mentors, by engine id.
    keep_apart: frozenset[frozenset[str]]

    @property
    def eligible_mentors(self) -> list[MentorForGroups]:
        return [m for m in self.mentors if not m.excluded]

    @property
    def excluded_mentors(self) -> list[MentorForGroups]:
        return [m for m in self.mentors if m.excluded]

    @property
    def higher_need_count(self) -> int:
        return sum(1 for s in self.students if s.higher_need)

    def student_ids(self) -> set[str]:
        return {s.id for s in self.students}

    @property
    def pairs_among_students(self) -> int:
        """Keep-apart rules between two of the students to place: always kept."""
        students = self.student_ids()
        return sum(1 for pair in self.keep_apart if pair <= students)

    @property
    def pairs_with_mentors(self) -> int:
        """Keep-apart rules between a student to place and a mentor who can join a
        group: kept only when each group gets a mentor. Rules with mentors who cannot
        join one never matter, so they are not counted."""
        people = self.student_ids() | {m.id for m in self.eligible_mentors}
        return sum(1 for pair in self.keep_apart if pair <= people) - self.pairs_among_students

    def names(self) -> dict[str, str]:
        """Engine ids to the names staff see: students, mentors and staff."""
        out = {s.id: s.student.display_name for s in self.students}
        out.update({m.id: m.mentor.student.display_name for m in self.mentors})
        out.update({str(user.public_id): user.full_name for user in self.staff})
        return out

    def problem(
        self,
        *,
        min_size: int,
        max_size: int,
        groups: int | None,
        leaders: Sequence[tuple[User, int]],
        mentor_per_group: bool,
    ) -> GroupProblem:
        """The engine's problem: these students, the staff chosen to lead (each with
        how many groups they can lead) and, if each group gets a mentor, the mentors
        who can join one."""
        mentors = (
            tuple(GroupMentor(id=m.id) for m in self.eligible_mentors) if mentor_per_group else ()
        )
        people = self.student_ids() | {m.id for m in mentors}
        return GroupProblem(
            students=tuple(
                GroupStudent(
                    id=s.id,
                    year=s.student.year_group,
                    gender=s.student.gender,
                    higher_need=s.higher_need,
                )
                for s in self.students
            ),
            facilitators=tuple(
                Facilitator(id=str(user.public_id), groups=count) for user, count in leaders
            ),
            mentors=mentors,
            settings=GroupSettings(
                min_size=min_size,
                max_size=max_size,
                groups=groups,
                mentor_per_group=mentor_per_group,
            ),
            keep_apart=frozenset(pair for pair in self.keep_apart if pair <= people),
        )


def formation_inputs(programme: Programme, today: datetime.date | None = None) -> FormationInputs:
    """The students to place (open enrolments of the programme whose student is in
    none of its groups), with who counts as higher need; the mentors who could join
    a group and why the others cannot; the staff who may lead; and the keep-apart
    rules among them. A fixed number of queries."""
    today = today or timezone.localdate()
    placed = GroupMember.objects.filter(group__programme=programme, left_on__isnull=True).values(
        "student_id"
    )
    enrolments = list(
        Enrolment.objects.filter(programme=programme, ended_on__isnull=True)
        .exclude(student_id__in=placed)
        .select_related("student", "snapshot")
        .order_by("started_on", "student__legal_surname", "student__legal_forename", "pk")
    )
    students = []
    for enrolment in enrolments:
        # The stored status (worked out daily, or when a page finds it stale): a
        # student with none yet is not counted as at risk.
        snapshot = getattr(enrolment, "snapshot", None)
        students.append(
            StudentToPlace(
                student=enrolment.student,
                enrolment=enrolment,
                ehc_plan=enrolment.student.sen_status == SenStatus.EHC_PLAN,
                at_risk=snapshot is not None and snapshot.status == AT_RISK,
            )
        )

    pool = list(
        MentorProfile.objects.filter(school=programme.school, status__in=POOL_STATUSES)
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "pk")
    )
    unable = mentors_unable(programme, pool, today)
    to_place = {s.student.pk for s in students}
    mentors = []
    for mentor in pool:
        excluded = list(unable.get(mentor.pk, []))
        if mentor.student_id in to_place:
            excluded.append("is one of the students to place in a group")
        mentors.append(MentorForGroups(mentor=mentor, excluded=excluded))

    student_ids = {s.student.pk: s.id for s in students}
    mentor_ids = {m.mentor.student_id: m.id for m in mentors}
    keep_apart: set[frozenset[str]] = set()
    for a, b in KeepApart.objects.filter(
        school=programme.school, ended_at__isnull=True
    ).values_list("student_a_id", "student_b_id"):
        # Two students, or a student and a mentor (two mentors never share a group).
        for x, y in ((a, b), (b, a)):
            if x in student_ids and (y in student_ids or y in mentor_ids):
                keep_apart.add(frozenset((student_ids[x], student_ids.get(y) or mentor_ids[y])))

    staff = list(staff_of(programme.school).filter(is_active=True))
    return FormationInputs(
        programme=programme,
        students=students,
        mentors=mentors,
        staff=staff,
        keep_apart=frozenset(keep_apart),
    )


def group_problem_as_json(problem: GroupProblem) -> dict[str, Any]:
    """The engine's input in the format of docs/matching.md, so a kept formation can
    be checked again with ``manage.py solve_matching``."""
    settings = problem.settings
    return {
        "kind": "groups",
        "settings": {
            "min_size": settings.min_size,
            "max_size": settings.max_size,
            "groups": settings.groups,
            "mentor_per_group": settings.mentor_per_group,
            "weights": {
                "year": settings.weights.year,
                "gender": settings.weights.gender,
                "need": settings.weights.need,
            },
        },
        "students": [
            {"id": s.id, "year": s.year, "gender": s.gender, "higher_need": s.higher_need}
            for s in problem.students
        ],
        "facilitators": [{"id": f.id, "groups": f.groups} for f in problem.facilitators],
        "mentors": [{"id": m.id, "eligible": m.eligible} for m in problem.mentors],
        "keep_apart": sorted(sorted(pair) for pair in problem.keep_apart),
    }


def latest_proposed(programme: Programme) -> GroupFormation | None:
    """The programme's latest proposal still waiting for a decision: the only one
    whose groups may be created."""
    return (
        GroupFormation.objects.filter(programme=programme, status=GroupFormation.Status.PROPOSED)
        .order_by("-solved_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class PlacedStudent:
    name: str
    year: int
    gender: str
    higher_need: bool


@dataclass(frozen=True)
class ProposedGroup:
    number: int
    facilitator: str
    mentor: str | None
    members: list[PlacedStudent]
    higher_need: int
    years: list[tuple[int, int]]
    genders: list[tuple[str, int]]
    penalty: int

    @property
    def size(self) -> int:
        return len(self.members)


def proposed_groups(formation: GroupFormation) -> list[ProposedGroup]:
    """The groups of a kept formation with the names staff see, and each student's
    year, gender and higher need as the engine was given them. Three queries."""
    problem, result = formation.problem, formation.result
    about = {s["id"]: s for s in problem["students"]}
    names = {
        str(s.public_id): s.display_name
        for s in Student.objects.filter(school=formation.school, public_id__in=list(about))
    }
    mentor_names = {
        str(m.public_id): m.student.display_name
        for m in MentorProfile.objects.filter(
            school=formation.school,
            public_id__in=[g["mentor"] for g in result["groups"] if g["mentor"]],
        ).select_related("student")
    }
    staff_names = {
        str(u.public_id): u.full_name
        for u in User.objects.filter(public_id__in=[f["id"] for f in problem["facilitators"]])
    }
    genders = dict(Gender.choices)
    groups = []
    for group in result["groups"]:
        members = [
            PlacedStudent(
                name=names.get(student_id, "Someone no longer in the records"),
                year=about[student_id]["year"],
                gender=genders.get(about[student_id]["gender"], "Not recorded"),
                higher_need=about[student_id]["higher_need"],
            )
            for student_id in group["students"]
        ]
        members.sort(key=lambda member: member.name.lower())
        counts = group["counts"]
        groups.append(
            ProposedGroup(
                number=group["number"],
                facilitator=staff_names.get(group["facilitator"], "Someone no longer on the staff"),
                mentor=(
                    mentor_names.get(group["mentor"], "Someone no longer a mentor")
                    if group["mentor"]
                    else None
                ),
                members=members,
                higher_need=counts["higher_need"],
                years=sorted((int(year), n) for year, n in counts["year"].items() if n),
                genders=sorted(
                    (genders.get(gender, "Not recorded"), n)
                    for gender, n in counts["gender"].items()
                    if n
                ),
                penalty=group["penalty"],
            )
        )
    return groups


def balance_words(formation: GroupFormation) -> list[str]:
    """How fair the groups are, in plain words: the balance penalty, the bound the
    solver proved, the gap, and whether the groups are proven the best."""
    penalty = round(formation.objective)
    need = formation.result.get("weights", {}).get("need", 2)
    if penalty == 0:
        first = (
            "Balance penalty 0: every group has its fair share of each year group, each "
            "gender and the students with higher need."
        )
    else:
        first = (
            f"Balance penalty {penalty}: added up over the groups, this is how many students "
            "a group has above or below its fair share of a year group, a gender or the "
            f"students with higher need (a student with higher need counts {need} times)."
        )
    if formation.optimal:
        second = "This is proven the best possible: no grouping that keeps the rules is fairer."
    else:
        second = (
            f"This is not proven the best possible. No grouping that keeps the rules can "
            f"have a penalty below {formation.bound:.1f}; the gap between the two is "
            f"{formation.gap:.0%}."
        )
    return [first, second]
