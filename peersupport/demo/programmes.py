"""The demo school's peer support: programmes, mentors, referrals, groups,
mentorships and a term of sessions with registers, check-ins and logs.

Everything is written through the services (no model is saved here, except the
one marked link of a demo sign-in to a student record), from ``random.Random(seed)``
so the same seed gives the same school. Numbers are for a roll of 1,200 and scale
with the roll, keeping at least one of each thing.

Dates are laid over the school's own calendar: everything starts in the first
fortnight of the term that ``today`` falls in (or the last one that began; or the
one before if this one is under three weeks old), and
sessions run weekly from then to ``today``. Past sessions have a register; today's
are left for the demo to mark. Attendance follows a few patterns so the at-risk
list means something: most students come almost every week, about one in eight
drift away over the last four to six weeks, and a few missed the last two."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import cycle
from typing import TypeVar

from django.core.exceptions import ValidationError

from peersupport.accounts.models import User
from peersupport.lib.schedule import next_school_day, series_dates
from peersupport.meetings.models import Mark, Session, SessionLog
from peersupport.meetings.selectors import calendar_of
from peersupport.meetings.services import (
    attendance_mark,
    check_in_record,
    series_create,
    session_log_write,
    staff_contact_record,
)
from peersupport.programmes.models import (
    Enrolment,
    Group,
    GroupMember,
    MentorProfile,
    Mentorship,
    NeedArea,
    Programme,
    Referral,
)
from peersupport.programmes.services import (
    group_add_co_facilitator,
    group_add_member,
    group_create,
    keep_apart_record,
    mentor_apply,
    mentor_give_reference,
    mentor_set_status,
    mentorship_close,
    mentorship_propose,
    mentorship_start,
    programme_create,
    referral_accept,
    referral_create,
    referral_waitlist,
)
from peersupport.schools.models import School, Term, TimetableSlot
from peersupport.students.models import Student

T = TypeVar("T")

FULL_ROLL = 1200
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)

INTERESTS = [
    "football",
    "drawing",
    "gaming",
    "music",
    "reading",
    "animals",
    "dance",
    "coding",
    "basketball",
    "baking",
    "drama",
]
LANGUAGES = ["Polish", "Urdu", "Punjabi", "Somali", "Romanian", "Bengali", "Arabic"]
WHY = [
    "I remember how scary Year 7 was and I want to help someone settle in.",
    "An older student helped me when I was struggling and I want to do the same.",
    "I'm a good listener and I like helping younger students.",
    "I want to help people feel less alone at school.",
    "I'd like to give something back to the school.",
    "I think I could help someone who is finding friendships hard.",
]
REFERENCES = [
    "Reliable, kind and a good listener in tutor time.",
    "Mature and patient; already helps younger students at clubs.",
    "Well liked and sensible. Would be a calm presence for a younger student.",
    "Thoughtful and trustworthy; keeps confidences appropriately.",
    "Has grown in confidence this year and shows real empathy.",
]
SLOT_TIMES = {
    TimetableSlot.Part.BEFORE_SCHOOL: (datetime.time(8, 10), 20),
    TimetableSlot.Part.BREAK: (datetime.time(10, 45), 15),
    TimetableSlot.Part.LUNCH: (datetime.time(12, 40), 30),
    TimetableSlot.Part.AFTER_SCHOOL: (datetime.time(15, 20), 45),
}
ROOMS = [
    "Library",
    "Wellbeing hub",
    "Room S4",
    "Room S12",
    "Art room",
    "Music room",
    "Room H3",
    "Learning support base",
    "Room E7",
    "Drama studio",
    "Room M2",
    "Room L1",
]
GROUP_NAMES = [
    "Year 7 friendship group",
    "Worry less club",
    "Confidence builders",
    "Lego club",
    "Art and chat",
    "Games and talk",
    "Calm corner",
    "Changes at home",
    "Girls' wellbeing group",
    "Boys' talk",
    "Year 8 friendship group",
    "Football and feelings",
]
DETAILS = {
    NeedArea.ANXIETY: "Worries a lot, especially before tests and at lunchtimes.",
    NeedArea.LOW_MOOD: "Seems flat and withdrawn in lessons since the summer.",
    NeedArea.FRIENDSHIPS: "Often on their own at break; finding it hard to join in.",
    NeedArea.TRANSITION: "Finding the move to a big school hard; gets lost and anxious.",
    NeedArea.SELF_ESTEEM: "Quick to say they are no good at things; rarely puts a hand up.",
    NeedArea.ANGER: "Some flashpoints at lunch; wants help with staying calm.",
    NeedArea.BULLYING: "Reported unkind messages; the pastoral team is following it up.",
    NeedArea.LOSS: "Recent bereavement in the family; school is keeping an eye.",
    NeedArea.FAMILY: "Changes at home this term; would benefit from someone to talk to.",
    NeedArea.ATTENDANCE: "Attendance dipping; reluctant to come in on some mornings.",
    NeedArea.OTHER: "Form tutor thinks a peer mentor would help.",
}
MENTOR_WISHES = [
    "Someone who likes football",
    "Someone calm and patient",
    "An older student who also likes drawing",
    "Someone who likes gaming",
]
ABSENCE_REASONS = [
    "Ill",
    "Medical appointment",
    "School trip",
    "Music lesson",
    "Sports fixture",
    "Family reason",
    "Catch-up assessment",
]
CHECK_IN_WORDS = ["ok", "fine", "happy", "tired", "better", "calm", "worried", "good", ""]
LOW_WORDS = ["tired", "sad", "fed up", "worried", ""]
LOG_TOPICS = [
    "friendships",
    "worries",
    "homework",
    "lunchtimes",
    "feelings",
    "goals",
    "clubs",
    "getting organised",
]

# Need areas by programme, with weights.
TRANSITION_NEEDS = {
    NeedArea.TRANSITION: 10,
    NeedArea.FRIENDSHIPS: 4,
    NeedArea.ANXIETY: 3,
    NeedArea.SELF_ESTEEM: 2,
}
MENTORING_NEEDS = {
    NeedArea.ANXIETY: 5,
    NeedArea.LOW_MOOD: 3,
    NeedArea.SELF_ESTEEM: 4,
    NeedArea.FRIENDSHIPS: 4,
    NeedArea.ANGER: 2,
    NeedArea.FAMILY: 2,
    NeedArea.ATTENDANCE: 2,
    NeedArea.BULLYING: 1,
    NeedArea.LOSS: 1,
    NeedArea.OTHER: 1,
}
GROUP_NEEDS = {
    NeedArea.FRIENDSHIPS: 6,
    NeedArea.ANXIETY: 4,
    NeedArea.SELF_ESTEEM: 4,
    NeedArea.LOW_MOOD: 2,
    NeedArea.ANGER: 2,
    NeedArea.FAMILY: 1,
}
SENSITIVE_NEEDS = {NeedArea.FAMILY, NeedArea.LOSS, NeedArea.BULLYING}

# Attendance patterns.
STEADY = "steady"
DRIFTING = "drifting"
MISSED_LAST_TWO = "missed_last_two"


@dataclass
class Staff:
    coordinator: User
    dsl: User
    facilitator: User
    mentor: User | None = None
    student: User | None = None


@dataclass
class ProgrammeCounts:
    programmes: int = 0
    mentors: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    groups: int = 0
    group_members: int = 0
    mentorships: dict[str, int] = field(default_factory=dict)
    keep_apart: int = 0
    sessions: int = 0
    attendance: int = 0
    check_ins: int = 0
    session_logs: int = 0
    staff_contacts: int = 0

    def summary(self) -> list[str]:
        def parts(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))

        return [
            f"  Programmes: {self.programmes}; groups: {self.groups} "
            f"({self.group_members} members); keep-apart rules: {self.keep_apart}",
            f"  Mentors: {sum(self.mentors.values())} ({parts(self.mentors)})",
            f"  Referrals: {sum(self.referrals.values())} ({parts(self.referrals)})",
            f"  Mentorships: {sum(self.mentorships.values())} ({parts(self.mentorships)})",
            f"  Sessions: {self.sessions}; attendance marks: {self.attendance}; "
            f"check-ins: {self.check_ins}; session logs: {self.session_logs}; "
            f"staff check-ins with mentors and mentees: {self.staff_contacts}",
        ]


@dataclass
class Plan:
    """A referral to make: the programme, the student and what becomes of it."""

    programme: Programme
    student: Student
    needs: Mapping[NeedArea, int]
    outcome: str  # one of Referral.Status
    started_on: datetime.date | None = None


def _weighted_sample(rng: random.Random, weights: Mapping[NeedArea, int], k: int) -> list[NeedArea]:
    chosen: list[NeedArea] = []
    pool = dict(weights)
    for _ in range(min(k, len(pool))):
        pick = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _take(rng: random.Random, pool: list[T], k: int) -> list[T]:
    """Remove and return ``k`` random items of ``pool`` (fewer if it runs out)."""
    chosen = rng.sample(pool, min(k, len(pool)))
    taken = set(map(id, chosen))
    pool[:] = [item for item in pool if id(item) not in taken]
    return chosen


class DemoProgrammes:
    """Builds the peer support of one school; call :meth:`build`."""

    def __init__(
        self, *, school: School, seed: int, students: int, today: datetime.date, staff: Staff
    ) -> None:
        self.school = school
        self.rng = random.Random(seed)
        self.scale = students / FULL_ROLL
        self.today = today
        self.staff = staff
        self.counts = ProgrammeCounts()
        self.terms, self.holidays = calendar_of(school)
        self.start = self._term_start()
        self.roll = list(Student.objects.filter(school=school, on_roll=True).order_by("pk"))
        self.slots = list(
            TimetableSlot.objects.filter(school=school).order_by("weekday", "position")
        )
        self.enrolment_of: dict[int, Enrolment] = {}
        self.mentors: list[MentorProfile] = []
        self.mentor_slots: dict[int, list[TimetableSlot]] = {}
        self.pattern: dict[int, tuple[str, float, int]] = {}
        self.active_mentors: list[MentorProfile] = []
        self.demo_pairing: Mentorship | None = None

    # ------------------------------------------------------------ helpers

    def n(self, full: int) -> int:
        """A number for the full roll, scaled to this one, at least 1."""
        return max(1, round(full * self.scale))

    def _term_start(self) -> datetime.date:
        """The start of this term, or of the last one if this began under three weeks
        ago (so the first days of January still show a term of sessions)."""
        begun = sorted(t.starts_on for t in Term.objects.filter(school=self.school))
        started = [day for day in begun if day <= self.today]
        settled = [day for day in started if day <= self.today - 3 * WEEK]
        if settled or started:
            return (settled or started)[-1]
        return begun[0] if begun else self.today  # before the first term

    def school_day(self, day: datetime.date) -> datetime.date:
        return next_school_day(day, self.terms, self.holidays) or day

    def early_in_term(self, first: int, last: int) -> datetime.date:
        """A school day ``first`` to ``last`` days after the term began, not after today."""
        day = self.school_day(self.start + self.rng.randint(first, last) * DAY)
        return min(day, self.today)

    def on_weekday(self, day: datetime.date, weekday: int) -> datetime.date:
        return day + ((weekday - day.weekday()) % 7) * DAY

    def _attempt(self, action: Callable[[], T]) -> T | None:
        """Run a service call that may refuse (a keep-apart rule, a full group)."""
        try:
            return action()
        except ValidationError:
            return None

    # ------------------------------------------------------------ the build

    def build(self) -> ProgrammeCounts:
        coordinator = self.staff.coordinator
        self.transition = programme_create(
            actor=coordinator,
            school=self.school,
            name="Year 7 transition buddies",
            kind=Programme.Kind.ONE_TO_ONE,
            capacity=self.n(80),
            aims="Help new Year 7s settle in with an older buddy for their first term.",
            leads=[coordinator],
        )
        self.mentoring = programme_create(
            actor=coordinator,
            school=self.school,
            name="1:1 peer mentoring",
            kind=Programme.Kind.ONE_TO_ONE,
            capacity=self.n(80),
            consent_required=False,
            aims="Weekly one-to-one time with a trained Year 10 or 11 mentor.",
            leads=[coordinator],
        )
        self.groups_programme = programme_create(
            actor=coordinator,
            school=self.school,
            name="Lunchtime peer support groups",
            kind=Programme.Kind.GROUP,
            capacity=self.n(100),
            aims="Small weekly groups on friendships, worries and confidence.",
            leads=[coordinator],
        )
        self.counts.programmes = 3
        self._mentors()
        plans = self._plans()
        self._keep_apart(plans)
        self._referrals(plans)
        groups = self._groups(plans)
        mentorships = self._mentorships(plans)
        self._link_demo_users(mentorships)
        self._sessions(groups, mentorships)
        self._staff_contacts(mentorships)
        self._self_referral()
        return self.counts

    # ------------------------------------------------------------ mentors

    def _mentors(self) -> None:
        coordinator, facilitator = self.staff.coordinator, self.staff.facilitator
        pool = [s for s in self.roll if s.year_group in (10, 11)]
        chosen = _take(self.rng, pool, self.n(60))
        total = len(chosen)
        not_active = {
            MentorProfile.Status.APPLICANT: self.n(3),
            MentorProfile.Status.IN_TRAINING: self.n(3),
            MentorProfile.Status.PAUSED: self.n(2),
        }
        # Keep at least two active mentors when the roll is small.
        while sum(not_active.values()) > max(0, total - 2) and any(not_active.values()):
            largest = max(not_active, key=lambda status: not_active[status])
            not_active[largest] -= 1
        statuses = [status for status, k in not_active.items() for _ in range(k)]
        statuses = [MentorProfile.Status.ACTIVE] * (total - len(statuses)) + statuses
        for student, status in zip(chosen, statuses, strict=True):
            slots = self.rng.sample(self.slots, min(len(self.slots), self.rng.randint(2, 4)))
            mentor = mentor_apply(
                actor=coordinator,
                student=student,
                why=self.rng.choice(WHY),
                interests=self.rng.sample(INTERESTS, self.rng.randint(1, 3)),
                languages=[self.rng.choice(LANGUAGES)] if student.eal else [],
                availability=slots,
                capacity=self.rng.choices([1, 2, 3], weights=[3, 5, 2])[0],
            )
            self.mentor_slots[mentor.pk] = slots
            # Half the applicants are still waiting for their reference.
            if status != MentorProfile.Status.APPLICANT or self.rng.random() < 0.5:
                mentor_give_reference(
                    actor=self.rng.choice([facilitator, coordinator]),
                    mentor=mentor,
                    reference=self.rng.choice(REFERENCES),
                )
            path = {
                MentorProfile.Status.APPLICANT: [],
                MentorProfile.Status.IN_TRAINING: [MentorProfile.Status.IN_TRAINING],
                MentorProfile.Status.ACTIVE: [
                    MentorProfile.Status.IN_TRAINING,
                    MentorProfile.Status.ACTIVE,
                ],
                MentorProfile.Status.PAUSED: [
                    MentorProfile.Status.IN_TRAINING,
                    MentorProfile.Status.ACTIVE,
                    MentorProfile.Status.PAUSED,
                ],
            }[status]
            for step in path:
                mentor = mentor_set_status(actor=coordinator, mentor=mentor, status=step)
            self.mentors.append(mentor)
            self.counts.mentors[status] = self.counts.mentors.get(status, 0) + 1
        self.active_mentors = [m for m in self.mentors if m.status == MentorProfile.Status.ACTIVE]

    # ------------------------------------------------------------ referrals

    def _plans(self) -> list[Plan]:
        """Who is referred where, and what becomes of each referral."""
        year7 = [s for s in self.roll if s.year_group == 7]
        lower = [s for s in self.roll if s.year_group in (8, 9)]
        transition = _take(self.rng, year7, self.n(40))
        lower += year7  # the Year 7s not in the transition programme
        mentoring = _take(self.rng, lower, self.n(38))
        grouped = _take(self.rng, lower, self.n(72))
        plans: list[Plan] = []
        for programme, students, needs, new, waiting in (
            (self.transition, transition, TRANSITION_NEEDS, self.n(4), 0),
            (self.mentoring, mentoring, MENTORING_NEEDS, self.n(3), self.n(8)),
            (self.groups_programme, grouped, GROUP_NEEDS, self.n(3), 0),
        ):
            # Leave at least one accepted referral in each programme.
            new = min(new, max(0, len(students) - 1))
            waiting = min(waiting, max(0, len(students) - 1 - new))
            accepted = len(students) - new - waiting
            outcomes = (
                [Referral.Status.ACCEPTED] * accepted
                + [Referral.Status.WAITLISTED] * waiting
                + [Referral.Status.NEW] * new
            )
            for student, outcome in zip(students, outcomes, strict=True):
                plans.append(Plan(programme, student, needs, outcome))
        return plans

    def _keep_apart(self, plans: list[Plan]) -> None:
        """Two pairs who must not meet: two students headed for the same group, and
        a mentee with one of the active mentors. The seed then has to place them
        apart, as a coordinator would."""
        grouped = [
            p.student
            for p in plans
            if p.programme == self.groups_programme and p.outcome == Referral.Status.ACCEPTED
        ]
        group_count = self.n(12)
        pairs: list[tuple[Student, Student, str]] = []
        if len(grouped) > group_count:
            # The first and the (group_count + 1)th go to the same group by default.
            pairs.append(
                (grouped[0], grouped[group_count], "Falling out over the summer; parents asked.")
            )
        mentees = [
            p.student
            for p in plans
            if p.programme == self.mentoring and p.outcome == Referral.Status.ACCEPTED
        ]
        if mentees and self.active_mentors:
            mentor = self.rng.choice(self.active_mentors)
            pairs.append(
                (mentees[0], mentor.student, "Live incident between families; DSL advised.")
            )
        for first, second, reason in pairs:
            keep_apart_record(
                actor=self.staff.coordinator, first=first, second=second, reason=reason
            )
        self.counts.keep_apart = len(pairs)

    def _referrals(self, plans: list[Plan]) -> None:
        staff = self.staff
        referrers = [staff.coordinator, staff.dsl, staff.facilitator]
        for plan in plans:
            student = plan.student
            needs = _weighted_sample(
                self.rng, plan.needs, self.rng.choices([1, 2, 3], [5, 4, 1])[0]
            )
            parent = self.rng.random() < 0.2
            wishes = ""
            preferred = None
            if plan.programme.kind == Programme.Kind.ONE_TO_ONE and self.rng.random() < 0.15:
                wishes = self.rng.choice(MENTOR_WISHES)
                if self.active_mentors and self.rng.random() < 0.3:
                    preferred = self.rng.choice(self.active_mentors)
            referral = referral_create(
                actor=staff.coordinator if parent else self.rng.choices(referrers, [5, 2, 3])[0],
                programme=plan.programme,
                student=student,
                source=Referral.Source.PARENT if parent else Referral.Source.STAFF,
                parent_name=(
                    f"{self.rng.choice(['Mrs', 'Mr', 'Ms'])} {student.legal_surname}"
                    if parent
                    else ""
                ),
                need_areas=needs,
                details=DETAILS[needs[0]],
                preferred_mentor=preferred,
                mentor_wishes=wishes,
            )
            if plan.outcome == Referral.Status.ACCEPTED:
                roll = self.rng.random()
                if roll < 0.85:
                    started = self.early_in_term(0, 8)
                elif roll < 0.95:
                    started = self.early_in_term(14, 45)
                else:  # accepted lately: still waiting for a match
                    started = self.school_day(self.today - self.rng.randint(3, 12) * DAY)
                started = min(started, self.today)
                plan.started_on = started
                enrolment = referral_accept(
                    actor=staff.coordinator,
                    referral=referral,
                    started_on=started,
                    responsible=staff.dsl if SENSITIVE_NEEDS & set(needs) else None,
                )
                self.enrolment_of[student.pk] = enrolment
            elif plan.outcome == Referral.Status.WAITLISTED:
                referral_waitlist(actor=staff.coordinator, referral=referral)
            self.counts.referrals[plan.outcome] = self.counts.referrals.get(plan.outcome, 0) + 1

    def _self_referral(self) -> None:
        """The demo student asks to join a group themself (the only self-referral:
        students have no sign-ins otherwise)."""
        user = self.staff.student
        if user is None:
            return
        student = Student.objects.filter(user=user).first()
        if student is None:
            return
        referral = self._attempt(
            lambda: referral_create(
                actor=user,
                programme=self.groups_programme,
                student=student,
                source=Referral.Source.SELF,
                need_areas=[NeedArea.FRIENDSHIPS],
                details="I'd like to meet more people at lunch.",
            )
        )
        if referral is not None:
            self.counts.referrals["new"] = self.counts.referrals.get("new", 0) + 1

    # ------------------------------------------------------------ groups

    def _groups(self, plans: list[Plan]) -> list[tuple[Group, datetime.date]]:
        coordinator = self.staff.coordinator
        lunch_and_after = [
            s
            for s in self.slots
            if s.part in (TimetableSlot.Part.LUNCH, TimetableSlot.Part.AFTER_SCHOOL)
            and s.weekday < 5
        ] or self.slots
        groups: list[tuple[Group, datetime.date]] = []
        group_count = self.n(12)
        for index in range(group_count):
            base = GROUP_NAMES[index % len(GROUP_NAMES)]
            name = base if index < len(GROUP_NAMES) else f"{base} {index // len(GROUP_NAMES) + 1}"
            slot = lunch_and_after[index % len(lunch_and_after)]
            # Most groups are the facilitator's; the coordinator runs one in six.
            runner = coordinator if index % 6 == 5 else self.staff.facilitator
            group = group_create(
                actor=coordinator,
                programme=self.groups_programme,
                name=name,
                max_size=8,
                slot=slot,
                room=ROOMS[index % len(ROOMS)],
                facilitators=[runner],
            )
            # Groups start in the second week of term.
            first = self.on_weekday(self.start + WEEK, slot.weekday)
            groups.append((group, first))
        self.counts.groups = len(groups)

        members: dict[int, int] = defaultdict(int)
        placed = 0
        accepted = [
            p
            for p in plans
            if p.programme == self.groups_programme and p.outcome == Referral.Status.ACCEPTED
        ]
        for position, plan in enumerate(accepted):
            assert plan.started_on is not None
            for step in range(len(groups)):
                group, first = groups[(position + step) % len(groups)]
                if members[group.pk] >= group.max_size:
                    continue
                joined = max(plan.started_on, first)
                add = partial(
                    group_add_member,
                    actor=coordinator,
                    group=group,
                    student=plan.student,
                    joined_on=joined,
                )
                if self._attempt(add):
                    members[group.pk] += 1
                    placed += 1
                    break
        self.counts.group_members = placed

        # One or two active mentors co-facilitate half the groups.
        helpers = list(self.active_mentors)
        self.rng.shuffle(helpers)
        for group, _first in groups[::2]:
            for mentor in helpers[: self.rng.randint(1, 2)]:
                if self._attempt(
                    partial(group_add_co_facilitator, actor=coordinator, group=group, mentor=mentor)
                ):
                    helpers.remove(mentor)
        return groups

    # ------------------------------------------------------------ mentorships

    def _mentorships(self, plans: list[Plan]) -> list[Mentorship]:
        coordinator = self.staff.coordinator
        room: dict[int, int] = {m.pk: m.capacity for m in self.active_mentors}
        accepted = [
            p
            for p in plans
            if p.programme.kind == Programme.Kind.ONE_TO_ONE
            and p.outcome == Referral.Status.ACCEPTED
        ]
        accepted.sort(key=lambda p: (p.started_on or self.today, p.student.pk))
        # The most recently accepted mentee or two are still waiting for a match,
        # and the pairings of the one or two before them are proposed, not started.
        unmatched = self.n(2) if len(accepted) > 3 else 0
        to_match = accepted[: len(accepted) - unmatched]
        proposed_from = len(to_match) - (self.n(2) if len(accepted) > 6 else 0)
        matched: list[Mentorship] = []
        for position, plan in enumerate(to_match):
            assert plan.started_on is not None
            candidates = [m for m in self.active_mentors if room[m.pk] > 0]
            if plan.student.eal:
                # A mentor who speaks another language first, if one is free.
                speaking = [m for m in candidates if m.languages]
                self.rng.shuffle(speaking)
                others = [m for m in candidates if not m.languages]
                self.rng.shuffle(others)
                candidates = speaking + others
            else:
                self.rng.shuffle(candidates)
            for mentor in candidates:
                propose = partial(
                    mentorship_propose,
                    actor=coordinator,
                    programme=plan.programme,
                    mentor=mentor,
                    mentee=plan.student,
                )
                mentorship = self._attempt(propose)
                if mentorship is None:
                    continue
                room[mentor.pk] -= 1
                start = self.school_day(plan.started_on + self.rng.randint(2, 8) * DAY)
                if position < proposed_from and start < self.today - 5 * DAY:
                    mentorship = mentorship_start(
                        actor=coordinator, mentorship=mentorship, started_on=start
                    )
                matched.append(mentorship)
                break
        return matched

    def _staff_contacts(self, mentorships: list[Mentorship]) -> None:
        """Staff check in with both sides of each started pairing as the cadence asks
        (twice in the first month, then monthly), except for one person in eight,
        who is left overdue so that "My tasks" has a few to show."""
        staff = [self.staff.coordinator, self.staff.facilitator]
        for mentorship in mentorships:
            if mentorship.status != Mentorship.Status.ACTIVE or mentorship.started_on is None:
                continue
            for student in (mentorship.mentee, mentorship.mentor.student):
                if self.rng.random() < 0.125:
                    continue
                day = mentorship.started_on + self.rng.randint(3, 9) * DAY
                gaps = [self.rng.randint(8, 14)] + [self.rng.randint(18, 27) for _ in range(20)]
                for gap in gaps:
                    day = self.school_day(day)
                    if day > self.today:
                        break
                    staff_contact_record(
                        actor=self.rng.choice(staff),
                        student=student,
                        mentorship=mentorship,
                        contacted_on=day,
                    )
                    self.counts.staff_contacts += 1
                    day += gap * DAY

    def _link_demo_users(self, mentorships: list[Mentorship]) -> None:
        """The demo mentor and student sign-ins become one active mentor and one of
        their mentees, so their own pages have something to show."""
        # A pairing that has started, or (on the first days of term) one proposed.
        active = [m for m in mentorships if m.status == Mentorship.Status.ACTIVE] or mentorships
        active.sort(key=lambda m: (m.started_on or self.today, m.pk))
        if not active:
            return
        pairing = active[0]
        for user, student in (
            (self.staff.mentor, pairing.mentor.student),
            (self.staff.student, pairing.mentee),
        ):
            if user is None:
                continue
            # The one direct save of the demo: there is no service to link a
            # sign-in to a student record yet.
            student.user = user
            student.save(update_fields=["user"])
        # Both keep steady attendance, so their own pages look like a good term.
        self.pattern[pairing.mentee.pk] = (STEADY, 0.95, 0)
        self.pattern[pairing.mentor.student.pk] = (STEADY, 0.97, 0)
        self.demo_pairing = pairing

    # ------------------------------------------------------------ sessions

    def _series(
        self,
        *,
        first: datetime.date,
        until: datetime.date,
        slot: TimetableSlot,
        room: str,
        group: Group | None = None,
        mentorship: Mentorship | None = None,
    ) -> bool:
        if until < first or not series_dates(
            first=first,
            until=until,
            every_weeks=1,
            terms=self.terms,
            holidays=self.holidays,
        ):
            return False
        start_time, minutes = SLOT_TIMES[TimetableSlot.Part(slot.part)]
        series_create(
            actor=self.staff.coordinator,
            first_date=first,
            until_date=until,
            start_time=start_time,
            duration_minutes=minutes,
            room=room,
            group=group,
            mentorship=mentorship,
        )
        return True

    def _sessions(
        self, groups: list[tuple[Group, datetime.date]], mentorships: list[Mentorship]
    ) -> None:
        for group, first in groups:
            assert group.slot is not None
            self._series(
                first=first, until=self.today, slot=group.slot, room=group.room, group=group
            )

        started = [m for m in mentorships if m.status == Mentorship.Status.ACTIVE]
        # A few pairings ended part-way through term.
        closable = [
            m
            for m in started
            if m.started_on is not None
            and m.started_on <= self.today - 5 * WEEK
            and m != self.demo_pairing
        ]
        closing = {
            m.pk: reason
            for m, reason in zip(
                self.rng.sample(closable, min(len(closable), self.n(4))),
                cycle(
                    [
                        Mentorship.CloseReason.GOALS_MET,
                        Mentorship.CloseReason.MENTEE_STOPPED,
                        Mentorship.CloseReason.NOT_A_GOOD_FIT,
                        Mentorship.CloseReason.OTHER,
                    ]
                ),
                strict=False,
            )
        }
        closed_on: dict[int, datetime.date] = {}
        slot_turn: dict[int, int] = defaultdict(int)
        for mentorship in started:
            assert mentorship.started_on is not None
            slots = self.mentor_slots[mentorship.mentor_id]
            slot = slots[slot_turn[mentorship.mentor_id] % len(slots)]
            slot_turn[mentorship.mentor_id] += 1
            until = self.today
            if mentorship.pk in closing:
                earliest = mentorship.started_on + 4 * WEEK
                days = max(0, (self.today - WEEK - earliest).days)
                until = self.school_day(earliest + self.rng.randint(0, days) * DAY)
                until = min(until, self.today - DAY)
                closed_on[mentorship.pk] = until
            self._series(
                first=self.on_weekday(mentorship.started_on, slot.weekday),
                until=until,
                slot=slot,
                room=self.rng.choice(ROOMS[:4]),
                mentorship=mentorship,
            )

        past = list(
            Session.objects.filter(school=self.school, date__lt=self.today)
            .select_related("group", "mentorship__mentor__student", "mentorship__mentee")
            .order_by("date", "start_time", "pk")
        )
        self.counts.sessions = Session.objects.filter(school=self.school).count()
        self._registers(past)

        for mentorship in started:
            if mentorship.pk in closing:
                reason = closing[mentorship.pk]
                mentorship_close(
                    actor=self.staff.coordinator,
                    mentorship=mentorship,
                    reason=reason,
                    planned=reason == Mentorship.CloseReason.GOALS_MET,
                    closed_on=closed_on[mentorship.pk],
                )
        statuses = Mentorship.objects.filter(school=self.school).values_list("status", flat=True)
        for status in statuses:
            self.counts.mentorships[status] = self.counts.mentorships.get(status, 0) + 1

    # ------------------------------------------------------------ registers

    def _patterns(self, by_student: dict[int, list[Session]]) -> None:
        """Decide how each participant attends: steady (most), drifting away over the
        last weeks, or missed the last two. Mentors are steady."""
        enrolled = sorted(
            pk
            for pk, sessions in by_student.items()
            if pk in self.enrolment_of and len(sessions) >= 4 and pk not in self.pattern
        )
        drifting = set(
            self.rng.sample(enrolled, min(len(enrolled), max(1, round(len(enrolled) * 0.12))))
        )
        rest = [pk for pk in enrolled if pk not in drifting]
        missed = set(self.rng.sample(rest, min(len(rest), max(1, round(len(enrolled) * 0.04)))))
        for pk in by_student:
            if pk in self.pattern:
                continue
            if pk in drifting:
                self.pattern[pk] = (DRIFTING, 0.93, self.rng.randint(4, 6))
            elif pk in missed:
                self.pattern[pk] = (MISSED_LAST_TWO, self.rng.uniform(0.8, 0.95), 0)
            else:
                # Most come 85 to 95% of the time; a few less, mentors a bit more.
                base = self.rng.uniform(0.82, 0.97)
                if pk not in self.enrolment_of:
                    base = min(0.98, base + 0.03)
                self.pattern[pk] = (STEADY, base, 0)

    def _mark_for(self, pk: int, session: Session, index: int, count: int) -> tuple[str, str]:
        pattern, share, weeks = self.pattern[pk]
        chance = share
        if pattern != DRIFTING and session.date > self.today - 4 * WEEK:
            # Steady attenders miss fewer of the latest weeks, so the at-risk list
            # (which compares the last four weeks with the four before) shows the
            # students drifting away rather than every steady student's one off week.
            chance = 1 - (1 - share) / 3
        if pattern == DRIFTING and session.date > self.today - weeks * WEEK:
            chance = 0.15
        if pattern == MISSED_LAST_TWO and index >= count - 2:
            chance = 0.0
        if self.rng.random() < chance:
            return (Mark.LATE if self.rng.random() < 0.07 else Mark.PRESENT), ""
        excused = 0.2 if pattern == DRIFTING else 0.5
        if self.rng.random() < excused:
            return Mark.ABSENT_REASON, self.rng.choice(ABSENCE_REASONS)
        return Mark.ABSENT, ""

    def _registers(self, past: list[Session]) -> None:
        coordinator = self.staff.coordinator
        attendees: dict[int, list[Student]] = {}
        group_members = self._group_members_by_session(past)
        by_student: dict[int, list[Session]] = defaultdict(list)
        for session in past:
            if session.mentorship is not None:
                people = [session.mentorship.mentee, session.mentorship.mentor.student]
            else:
                people = group_members.get(session.pk, [])
            attendees[session.pk] = people
            for student in people:
                by_student[student.pk].append(session)
        self._patterns(by_student)

        attended: dict[int, list[tuple[Session, Student]]] = defaultdict(list)
        position = {
            (pk, session.pk): (index, len(sessions))
            for pk, sessions in by_student.items()
            for index, session in enumerate(sessions)
        }
        marks = 0
        for session in past:
            for student in attendees[session.pk]:
                index, count = position[(student.pk, session.pk)]
                mark, reason = self._mark_for(student.pk, session, index, count)
                attendance_mark(
                    actor=coordinator, session=session, student=student, mark=mark, reason=reason
                )
                marks += 1
                if mark in (Mark.PRESENT, Mark.LATE):
                    attended[student.pk].append((session, student))
        self.counts.attendance = marks
        self._check_ins(attended)
        self._logs(past)

    def _group_members_by_session(self, past: list[Session]) -> dict[int, list[Student]]:
        """Who is expected at each past group session, as the register would list them,
        from one query of the places rather than one a session."""
        places = list(
            GroupMember.objects.filter(school=self.school)
            .select_related("student")
            .order_by("student__legal_surname", "student__legal_forename", "student_id")
        )
        by_group: dict[int, list[GroupMember]] = defaultdict(list)
        for place in places:
            by_group[place.group_id].append(place)
        return {
            session.pk: [
                place.student
                for place in by_group[session.group_id]
                if place.joined_on <= session.date
                and (place.left_on is None or place.left_on > session.date)
            ]
            for session in past
            if session.group_id is not None
        }

    def _check_ins(self, attended: dict[int, list[tuple[Session, Student]]]) -> None:
        """Some participants check in at a few sessions; those drifting away feel
        worse as they go."""
        made = 0
        for pk in sorted(attended):
            if pk not in self.enrolment_of:
                continue
            pattern = self.pattern[pk][0]
            if pattern != DRIFTING and self.rng.random() > 0.35:
                continue
            visits = attended[pk]
            chosen = sorted(
                self.rng.sample(range(len(visits)), min(len(visits), self.rng.randint(2, 4)))
            )
            for step, index in enumerate(chosen):
                session, student = visits[index]
                if pattern == DRIFTING:
                    feeling = max(1, 4 - step - self.rng.randint(0, 1))
                    word = self.rng.choice(LOW_WORDS if feeling <= 2 else CHECK_IN_WORDS)
                else:
                    feeling = self.rng.choices([2, 3, 4, 5], weights=[1, 3, 5, 3])[0]
                    word = self.rng.choice(CHECK_IN_WORDS)
                actor = (
                    self.staff.facilitator
                    if session.group_id is not None
                    else self.staff.coordinator
                )
                check_in_record(
                    actor=actor, student=student, feeling=feeling, word=word, session=session
                )
                made += 1
        self.counts.check_ins = made

    def _logs(self, past: list[Session]) -> None:
        """Facilitators log a few group sessions (one asks for help); the demo mentor
        has logged their last few sessions."""
        group_sessions = [s for s in past if s.group is not None]
        chosen = self.rng.sample(group_sessions, min(len(group_sessions), self.n(20)))
        help_wanted = {chosen[0].pk} if chosen else set()
        written = 0
        for session in chosen:
            assert session.group is not None
            runner = session.group.facilitators.first() or self.staff.coordinator
            session_log_write(
                actor=runner,
                session=session,
                how_it_went=self.rng.choices(SessionLog.HowItWent.values, weights=[5, 3, 1])[0],
                topics=self.rng.sample(LOG_TOPICS, self.rng.randint(1, 3)),
                needs_help=session.pk in help_wanted,
            )
            written += 1
        pairing = self.demo_pairing
        if pairing is not None and self.staff.mentor is not None:
            own: Sequence[Session] = [s for s in past if s.mentorship_id == pairing.pk][-3:]
            for session in own:
                session_log_write(
                    actor=self.staff.mentor,
                    session=session,
                    how_it_went=self.rng.choice(
                        [SessionLog.HowItWent.WELL, SessionLog.HowItWent.OK]
                    ),
                    topics=self.rng.sample(LOG_TOPICS, 2),
                )
                written += 1
        self.counts.session_logs = written


def demo_programmes(
    *, school: School, seed: int, students: int, today: datetime.date, staff: Staff
) -> ProgrammeCounts:
    """Build the school's peer support; returns what was made."""
    return DemoProgrammes(
        school=school, seed=seed, students=students, today=today, staff=staff
    ).build()


__all__ = ["ProgrammeCounts", "Staff", "demo_programmes"]
