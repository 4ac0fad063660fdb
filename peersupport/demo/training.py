"""The demo school's training, supervision, protocols and group ground rules.

Built after the programmes (``peersupport.demo.programmes``), through the services
only, from ``random.Random`` seeded with the seeder's seed, so the same seed gives
the same school. What it leaves for the demo to show:

- Active and paused mentors hold every core mentor module: last summer's cohort
  from training sessions (with their registers) and online checks; a few mentors
  trained about a year ago, whose 12-month modules run out within 30 days; and one
  or two whose modules ran out a few weeks ago (never a mentor serving the
  programme that pauses mentors, so the daily job has news for staff, not a pause
  the seed should already have made). Mentors in training have some modules done
  and the rest still to do, with a session coming up. Staff hold the facilitators'
  modules.
- The programmes then require the core mentor modules (set after the completions,
  so the mentors the programmes builder activated and paired stay valid), one
  warning the leads when training runs out and one pausing the mentor.
- Fortnightly group supervision for each programme over the last two months, with
  how each mentor is doing; a couple of mentors have missed the last two, so the
  daily job finds their supervision overdue.
- Staff and the demo mentor have read version 1 of the protocols; one protocol has
  a version 2 that some still have to read.
- Most group members have agreed to their group's ground rules; one group has
  rewritten them as version 2, which only a couple have agreed to so far.

Every date is on or before ``today`` except the one session still to come."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Min

from peersupport.lib.schedule import next_school_day
from peersupport.lib.training_standing import WARNING_DAYS
from peersupport.meetings.models import Session
from peersupport.meetings.selectors import calendar_of, mentors_serving, supervision_due
from peersupport.meetings.services import SupervisionAnswer, supervision_record
from peersupport.programmes.models import (
    AgreementSignature,
    Group,
    GroupMember,
    MentorProfile,
    Mentorship,
    Programme,
)
from peersupport.programmes.selectors import PLACED_PAIRINGS, current_agreement
from peersupport.programmes.services import (
    agreement_sign,
    group_agreement_write,
    programme_set_training,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.models import (
    Completion,
    Protocol,
    ProtocolAcknowledgement,
    TrainingAttendance,
    TrainingModule,
)
from peersupport.training.selectors import current_version, protocol_reader_rows
from peersupport.training.services import (
    Marked,
    add_months,
    completion_record,
    event_create,
    event_register_save,
    protocol_acknowledge,
    protocol_publish,
)

from .programmes import Staff

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)

# Core mentor modules taught at a training session; the others are done online
# with the knowledge check, except the one the school's mental health support team
# teaches and staff record.
IN_PERSON = ("active-listening", "boundaries-and-confidentiality", "raising-a-worry")
RECORDED = ("mental-health-awareness",)
FIRST_FOR_NEW_MENTORS = "active-listening"  # this term's session for those in training
UPCOMING = "boundaries-and-confidentiality"  # the session still to come
REWRITTEN_PROTOCOL = "contact-outside-sessions-and-online"

PLACES = ["Wellbeing hub", "Library", "Learning support base", "Drama studio"]
OUTSIDE_TRAINERS = {
    "mental-health-awareness": "Mental health support team (MHST)",
    "safeguarding-in-peer-support": "Local authority safeguarding adviser",
}
# Which weekday (Monday is 0) each programme's supervision falls on, in turn.
SUPERVISION_WEEKDAYS = [1, 3, 2, 4, 0]
SUPERVISION_NOTES = [
    "Talked about how sessions are going. Most pairs have settled into a routine.",
    "Shared ideas for what to do when a mentee does not feel like talking.",
    "Went over when to pass something on to staff, with a made-up example to practise.",
    "Some sessions feel rushed at lunchtime; talked about meeting at break instead.",
    "Talked about keeping boundaries when a mentee asks to swap numbers or follow online.",
    "Planned good endings: two mentors are getting ready for a last session.",
    "Mock exams are coming and some mentors are tired; talked about asking for cover.",
    "Practised open questions and summing up what someone said, in pairs.",
    "Talked about a group session that got loud and what helped it calm down.",
    "Shared small wins: a mentee who joined a club, another who spoke up in class.",
]
SUPERVISION_ACTIONS = [
    "Staff to check the room booking for lunchtime sessions.",
    "Mentors to log each session on the day.",
    "Share the 'raising a worry' steps again at the next supervision.",
    "Mentors to agree one small goal with their mentee before next time.",
    "Staff to check in with mentors who have mock exams.",
    "Try the feelings cards at the start of sessions.",
    "Mentors to plan how they will end their sessions with staff.",
]
FEELING_NOTES = {
    2: [
        "Mocks are piling up and I'm finding it a lot.",
        "My mentee has gone quiet and I don't know if I'm helping.",
        "Tired. Busy week at home.",
    ],
    3: ["A bit busy with coursework.", "Sessions are OK, some weeks are harder.", ""],
    4: ["Good week.", "My mentee laughed a lot this time.", ""],
    5: ["Really enjoying it.", "My mentee said mentoring helps.", ""],
}
PROTOCOL_CHANGE = """

## Group chats and games

- Do not add your mentee to a group chat, and do not join one they are in.
- Do not play online games with your mentee, or join them in a voice chat.
- If your mentee sends you a request in a game or an app, do not accept it. Tell the
  named member of staff at your next session.
"""
PROTOCOL_CHANGE_NOTE = "Added a section on group chats and online games."
OWN_GROUND_RULES = """

### Our own rules

- We start each session with a quick round of how we are feeling, from 1 to 5.
- Phones go in the box by the door until the end.
- If we disagree, we say "I think" rather than "you are wrong".
"""


@dataclass
class TrainingCounts:
    completions: int = 0
    expiring: int = 0  # mentors' completions running out within 30 days
    expired: int = 0  # mentors' completions that have run out
    in_training_missing: int = 0  # mentors in training still to complete a core module
    events_past: int = 0
    events_upcoming: int = 0
    required: dict[str, str] = field(default_factory=dict)  # programme name: at expiry
    supervisions: int = 0
    supervision_places: int = 0
    overdue: int = 0  # mentors whose supervision is overdue
    acknowledgements: int = 0
    rewritten_protocol: str = ""
    still_to_read: int = 0
    signatures: int = 0
    rewritten_group: str = ""
    agreed_new_rules: int = 0

    def summary(self) -> list[str]:
        at_expiry = "; ".join(f"{name}: {how}" for name, how in sorted(self.required.items()))
        return [
            f"  Training: {self.completions} completions ({self.expiring} expiring within "
            f"30 days, {self.expired} expired); mentors in training with modules to do: "
            f"{self.in_training_missing}; training sessions: {self.events_past} past, "
            f"{self.events_upcoming} upcoming",
            f"  Required core training, when it runs out: {at_expiry or 'none'}",
            f"  Supervision: {self.supervisions} sessions ({self.supervision_places} places); "
            f"mentors overdue: {self.overdue}",
            f"  Protocols: {self.acknowledgements} acknowledgements; "
            f'"{self.rewritten_protocol}" has a version 2, {self.still_to_read} still to read it',
            f"  Ground rules: {self.signatures} agreements recorded; "
            f'"{self.rewritten_group}" has a version 2, agreed by {self.agreed_new_rules}',
        ]


class DemoTraining:
    """Builds one school's training, supervision, protocols and ground rules; call
    :meth:`build` once the programmes are built."""

    def __init__(self, *, school: School, seed: int, today: datetime.date, staff: Staff) -> None:
        self.school = school
        self.rng = random.Random(f"demo-training-{seed}")
        self.today = today
        self.staff = staff
        self.counts = TrainingCounts()
        self.terms, self.holidays = calendar_of(school)
        self.modules = {
            module.key: module
            for module in TrainingModule.objects.filter(school=school).order_by("key")
        }
        self.core = [
            module
            for module in self.modules.values()
            if module.audience == TrainingModule.Audience.MENTOR and module.core
        ]
        self.for_staff = [
            module
            for module in self.modules.values()
            if module.audience == TrainingModule.Audience.FACILITATOR
        ]
        self.programmes = list(Programme.objects.filter(school=school).order_by("pk"))
        self.mentors = list(
            MentorProfile.objects.filter(school=school).select_related("student").order_by("pk")
        )
        demo = Student.objects.filter(user=staff.mentor).first() if staff.mentor else None
        self.demo_mentor_id = demo.pk if demo is not None else None
        self.term_start = self._term_start()

    # ------------------------------------------------------------ helpers

    def _term_start(self) -> datetime.date:
        """When this term's sessions began (the programmes builder's start)."""
        first = Session.objects.filter(school=self.school).aggregate(first=Min("date"))["first"]
        if first is not None:
            return min(first, self.today)
        begun = sorted(span.starts_on for span in self.terms if span.starts_on <= self.today)
        return begun[-1] if begun else self.today

    def _in_calendar(self, day: datetime.date) -> bool:
        return any(span.starts_on <= day <= span.ends_on for span in self.terms)

    def weekday_before(self, day: datetime.date) -> datetime.date:
        """``day`` or the school day before it: within this year's calendar a day in
        term and outside the holidays, before it any weekday. Never after today."""
        day = min(day, self.today)
        for offset in range(60):
            candidate = day - offset * DAY
            if candidate.weekday() >= 5:
                continue
            if not self._in_calendar(candidate):
                if candidate < min((span.starts_on for span in self.terms), default=candidate):
                    return candidate
                continue
            if next_school_day(candidate, self.terms, self.holidays) == candidate:
                return candidate
        return day

    def _mentors(self, status: str) -> list[MentorProfile]:
        return [mentor for mentor in self.mentors if mentor.status == status]

    def _is_demo(self, mentor: MentorProfile) -> bool:
        return mentor.student_id == self.demo_mentor_id

    def _serving(self) -> dict[int, set[int]]:
        """Mentor id to the programmes they serve (placed pairings, or a group)."""
        serving: dict[int, set[int]] = defaultdict(set)
        for mentor_id, programme_id in Mentorship.objects.filter(
            school=self.school, status__in=PLACED_PAIRINGS
        ).values_list("mentor_id", "programme_id"):
            serving[mentor_id].add(programme_id)
        for mentor_id, programme_id in Group.co_facilitators.through.objects.filter(
            group__school=self.school
        ).values_list("mentorprofile_id", "group__programme_id"):
            serving[mentor_id].add(programme_id)
        return serving

    def _record(
        self,
        module: TrainingModule,
        completed_on: datetime.date,
        *,
        student: Student | None = None,
        user_is: str = "",
        by_staff: bool = False,
    ) -> None:
        """A completion outside a session: online (with a score) or recorded by staff
        (a catch-up, or a module taught by someone else)."""
        completed_on = min(completed_on, self.today)
        staff = self.staff
        user = getattr(staff, user_is) if user_is else None
        if by_staff or module.key in RECORDED or user is not None:
            # Staff record what was done in school, on a school day.
            completed_on = self.weekday_before(completed_on)
            how, score, actor = Completion.How.RECORDED, None, staff.coordinator
        else:
            how = Completion.How.SELF_PACED
            score = self.rng.choice([80, 80, 90, 100, 100])
            # The demo mentor did their own online checks; other mentors have no
            # sign-in, so their results are entered for them by the coordinator.
            own = student is not None and student.pk == self.demo_mentor_id
            actor = staff.mentor if own and staff.mentor is not None else staff.coordinator
        completion_record(
            actor=actor,
            module=module,
            completed_on=completed_on,
            how=how,
            student=student,
            user=user,
            score=score,
        )
        self.counts.completions += 1

    def _session(
        self,
        module: TrainingModule,
        held_on: datetime.date,
        *,
        students: Sequence[Student] = (),
        user_ises: Sequence[str] = (),
        trainer_is: str = "",
        absent: float = 0.0,
    ) -> list[Student]:
        """A training session with its register (if it has happened): returns the
        students who missed it, to catch up another way."""
        users = [getattr(self.staff, name) for name in user_ises]
        if not students and not users:
            return []
        trainer_name = OUTSIDE_TRAINERS.get(module.key, "")
        event = event_create(
            actor=self.staff.coordinator,
            module=module,
            held_on=held_on,
            trainer=None if trainer_name else getattr(self.staff, trainer_is or "facilitator"),
            trainer_name=trainer_name,
            place=self.rng.choice(PLACES),
            students=students,
            users=users,
        )
        if held_on >= self.today:
            self.counts.events_upcoming += 1
            return []
        self.counts.events_past += 1
        places = list(TrainingAttendance.objects.filter(event=event).order_by("pk"))
        missed = {
            place.pk
            for place in places
            if place.student_id is not None and len(places) > 2 and self.rng.random() < absent
        }
        done = event_register_save(
            actor=self.staff.coordinator,
            event=event,
            came={place.public_id for place in places if place.pk not in missed},
        )
        self.counts.completions += done[Marked.CAME]
        absent_ids = {place.student_id for place in places if place.pk in missed}
        return [student for student in students if student.pk in absent_ids]

    # ------------------------------------------------------------ the build

    def build(self) -> TrainingCounts:
        self._staff_training()
        self._mentor_training()
        self._required_training()
        self._protocols()
        self._ground_rules()
        self._supervision()
        self._count()
        return self.counts

    # ------------------------------------------------------------ training

    def _staff_training(self) -> None:
        """Staff did the safeguarding session on the first day of the school year
        and recorded the other facilitators' modules the year before."""
        autumn = min((span.starts_on for span in self.terms), default=self.today)
        inset = self.weekday_before(min(autumn, self.today - DAY))
        people = ("coordinator", "dsl", "facilitator")
        for number, module in enumerate(self.for_staff):
            if module.key in OUTSIDE_TRAINERS:
                self._session(module, inset, user_ises=people)
                continue
            for name in people:
                earlier = inset - (120 + 90 * number + self.rng.randint(0, 30)) * DAY
                self._record(module, self.weekday_before(earlier), user_is=name)

    def _mentor_training(self) -> None:
        active = self._mentors(MentorProfile.Status.ACTIVE)
        paused = self._mentors(MentorProfile.Status.PAUSED)
        in_training = self._mentors(MentorProfile.Status.IN_TRAINING)
        serving = self._serving()
        pausing = {p.pk for p in self.programmes if self._at_expiry(p) == "pause"}

        # Non-demo active mentors, those serving a programme first (they matter to
        # the daily job), in a random but repeatable order.
        pool = [m for m in active if not self._is_demo(m)]
        self.rng.shuffle(pool)
        pool.sort(key=lambda m: not serving.get(m.pk))
        expiring = pool[: max(1, round(len(active) / 12))]
        rest = pool[len(expiring) :]
        lapsed = [m for m in rest if serving.get(m.pk) and not serving[m.pk] & pausing][:1]
        if paused:
            lapsed.append(self.rng.choice(paused))
        chosen = {m.pk for m in expiring + lapsed}
        cohort = [m for m in active + paused if m.pk not in chosen]

        # Last year's cohort: trained about eleven months ago, so their 12-month
        # modules run out within the next month. Boundaries was a session.
        year_ago = add_months(self.today, -12)
        last_year = self.weekday_before(year_ago + self.rng.randint(8, 16) * DAY)
        self._cohort(
            expiring,
            start=last_year,
            sessions={"boundaries-and-confidentiality": last_year},
            spread=4,
            absent=0,
        )
        # A mentor or two whose training ran out a few weeks ago: recorded then.
        for mentor in lapsed:
            trained = self.weekday_before(year_ago - self.rng.randint(10, 40) * DAY)
            self._cohort([mentor], start=trained, sessions={}, spread=3)

        # This year's cohort: two training afternoons a week apart before this term.
        earliest = year_ago + (WARNING_DAYS + 20) * DAY
        first = self.term_start - self.rng.randint(50, 75) * DAY
        first = self.weekday_before(max(earliest, min(first, self.today - 3 * WEEK)))
        second = self.weekday_before(min(first + WEEK, self.today - DAY))
        sessions = {
            "active-listening": first,
            "boundaries-and-confidentiality": first,
            "raising-a-worry": second,
            "mental-health-awareness": second,
        }
        self._cohort(cohort, start=first, sessions=sessions, spread=20)

        # Mentors in training: the listening session this term and an online module
        # or two; the rest is still to do, and boundaries is coming up.
        trainees = [m.student for m in in_training]
        listening = self.modules.get(FIRST_FOR_NEW_MENTORS)
        if trainees and listening is not None:
            held = self.weekday_before(
                max(self.term_start, self.today - self.rng.randint(10, 20) * DAY)
            )
            if held < self.today:
                for student in self._session(listening, held, students=trainees, absent=0.2):
                    day = held + self.rng.randint(3, 9) * DAY
                    self._record(listening, day, student=student, by_staff=True)
        online = [m for m in self.core if m.key not in IN_PERSON + RECORDED]
        for student in trainees:
            for module in self.rng.sample(online, min(len(online), self.rng.randint(1, 2))):
                self._record(module, self.today - self.rng.randint(1, 25) * DAY, student=student)
        upcoming = self.modules.get(UPCOMING)
        renewing = [m.student for m in expiring + lapsed if m.status == MentorProfile.Status.ACTIVE]
        if upcoming is not None and (trainees or renewing):
            on = next_school_day(
                self.today + self.rng.randint(5, 12) * DAY, self.terms, self.holidays
            ) or (self.today + 2 * WEEK)
            self._session(upcoming, on, students=trainees + renewing, trainer_is="dsl")

    def _cohort(
        self,
        mentors: Sequence[MentorProfile],
        *,
        start: datetime.date,
        sessions: dict[str, datetime.date],
        spread: int,
        absent: float = 0.08,
    ) -> None:
        """Every core module for ``mentors``: the ``sessions`` in person (those who
        missed one catch up within a fortnight, recorded by staff), the rest online
        within ``spread`` days of ``start``."""
        if not mentors:
            return
        # A paused mentor cannot be put on a session's register: staff record theirs.
        invitable = [m.student for m in mentors if m.status != MentorProfile.Status.PAUSED]
        others = [m.student for m in mentors if m.status == MentorProfile.Status.PAUSED]
        trainers = {"raising-a-worry": "dsl", "boundaries-and-confidentiality": "coordinator"}
        for module in self.core:
            held = sessions.get(module.key)
            if held is None:
                for mentor in mentors:
                    day = start + self.rng.randint(0, spread) * DAY
                    self._record(module, day, student=mentor.student)
                continue
            missed = self._session(
                module,
                held,
                students=invitable,
                trainer_is=trainers.get(module.key, "facilitator"),
                absent=absent,
            )
            for student in missed:
                day = held + self.rng.randint(3, 14) * DAY
                self._record(module, day, student=student, by_staff=True)
            for student in others:
                self._record(module, held, student=student, by_staff=True)

    def _at_expiry(self, programme: Programme) -> str:
        """One-to-one mentoring pauses a mentor whose training runs out; the
        transition buddies and the groups warn the leads."""
        one_to_one = [p for p in self.programmes if p.kind == Programme.Kind.ONE_TO_ONE]
        return "pause" if len(one_to_one) > 1 and programme == one_to_one[1] else "warn"

    def _required_training(self) -> None:
        for programme in self.programmes:
            programme_set_training(
                actor=self.staff.coordinator,
                programme=programme,
                required_modules=self.core,
                at_expiry=self._at_expiry(programme),
            )
            self.counts.required[programme.name] = self._at_expiry(programme)

    # ------------------------------------------------------------ protocols

    def _protocols(self) -> None:
        """Staff and the demo mentor read version 1 (the facilitator has one left);
        the DSL then rewrites one protocol and reads it, leaving the others to."""
        staff = self.staff
        protocols = list(Protocol.objects.filter(school=self.school).order_by("order", "title"))
        if not protocols:
            return
        rewritten = next((p for p in protocols if p.key == REWRITTEN_PROTOCOL), protocols[-1])
        unread = self.rng.choice([p for p in protocols if p != rewritten] or protocols)
        readers = [staff.coordinator, staff.dsl, staff.facilitator]
        if staff.mentor is not None and self.demo_mentor_id is not None:
            readers.append(staff.mentor)
        for protocol in protocols:
            version = current_version(protocol)
            if version is None:
                continue
            for reader in readers:
                if reader == staff.facilitator and protocol == unread:
                    continue
                if reader == staff.mentor and protocol.audience != Protocol.Audience.MENTORS:
                    continue
                protocol_acknowledge(actor=reader, version=version)
        current = current_version(rewritten)
        assert current is not None
        version = protocol_publish(
            actor=staff.dsl,
            protocol=rewritten,
            content=current.content.rstrip() + PROTOCOL_CHANGE,
            change_note=PROTOCOL_CHANGE_NOTE,
        )
        protocol_acknowledge(actor=staff.dsl, version=version)
        self.counts.rewritten_protocol = rewritten.title
        self.counts.still_to_read = len(protocol_reader_rows(rewritten, version)[0])
        self.counts.acknowledgements = ProtocolAcknowledgement.objects.filter(
            school=self.school
        ).count()

    # ------------------------------------------------------------ ground rules

    def _ground_rules(self) -> None:
        """Most members agreed to their group's starter rules (staff recorded it at
        the first session); one group then wrote its own, and two have agreed."""
        groups = list(
            Group.objects.filter(school=self.school).prefetch_related("facilitators").order_by("pk")
        )
        members: dict[int, list[Student]] = defaultdict(list)
        for place in (
            GroupMember.objects.filter(school=self.school, left_on__isnull=True)
            .select_related("student")
            .order_by("pk")
        ):
            members[place.group_id].append(place.student)
        rewritten: Group | None = None
        for group in groups:
            agreement = current_agreement(group)
            if agreement is None:
                continue
            runner = next(iter(group.facilitators.all()), None) or self.staff.coordinator
            for student in members[group.pk]:
                if self.rng.random() < 0.85:
                    agreement_sign(actor=runner, agreement=agreement, student=student)
            if rewritten is None and len(members[group.pk]) >= 3:
                rewritten = group
        if rewritten is not None:
            runner = next(iter(rewritten.facilitators.all()), None) or self.staff.coordinator
            agreement = current_agreement(rewritten)
            assert agreement is not None
            new = group_agreement_write(
                actor=runner, group=rewritten, text=agreement.text.strip() + OWN_GROUND_RULES
            )
            for student in self.rng.sample(members[rewritten.pk], 2):
                agreement_sign(actor=runner, agreement=new, student=student)
            self.counts.rewritten_group = rewritten.name
            self.counts.agreed_new_rules = 2
        self.counts.signatures = AgreementSignature.objects.filter(school=self.school).count()

    # ------------------------------------------------------------ supervision

    def _supervision(self) -> None:
        """Group supervision every fortnight for each programme over the last two
        months, for the active mentors serving it (each goes to one programme's).
        A couple of mentors missed the last two and are overdue."""
        serving_in: dict[int, list[MentorProfile]] = {
            programme.pk: list(mentors_serving(programme).select_related("student"))
            for programme in self.programmes
        }
        since = self._serving_since()
        served: dict[int, list[int]] = defaultdict(list)
        for programme in self.programmes:
            for mentor in serving_in[programme.pk]:
                served[mentor.pk].append(programme.pk)
        home = {pk: self.rng.choice(programmes) for pk, programmes in sorted(served.items())}
        # Spread those serving several programmes, so each programme has some.
        for programme in self.programmes:
            own = [m for m in serving_in[programme.pk] if home[m.pk] == programme.pk]
            if own or not serving_in[programme.pk]:
                continue
            movable = [
                m
                for m in serving_in[programme.pk]
                if sum(1 for other in home.values() if other == home[m.pk]) > 1
            ]
            if movable:
                home[movable[0].pk] = programme.pk

        every = {p.pk: p.supervision_every_weeks for p in self.programmes}
        candidates = [
            mentor
            for mentors in serving_in.values()
            for mentor in mentors
            if not self._is_demo(mentor)
            and since.get(mentor.pk, self.today) <= self.today - 3 * WEEK
        ]
        candidates = sorted({m.pk: m for m in candidates}.values(), key=lambda m: m.pk)
        overdue = {m.pk for m in self.rng.sample(candidates, min(2, len(candidates)))}

        for index, programme in enumerate(self.programmes):
            mentors = [m for m in serving_in[programme.pk] if home[m.pk] == programme.pk]
            if not mentors:
                continue
            weekday = SUPERVISION_WEEKDAYS[index % len(SUPERVISION_WEEKDAYS)]
            latest = self._last_weekday(weekday)
            cutoff = self.today - (every[programme.pk] * 7 + 4) * DAY
            dates = [latest - 2 * WEEK * k for k in range(4, -1, -1)]
            for held_on in dates:
                if next_school_day(held_on, self.terms, self.holidays) != held_on:
                    continue  # half term
                came = [
                    m
                    for m in mentors
                    if since.get(m.pk, self.today) <= held_on
                    and not (m.pk in overdue and held_on > cutoff)
                    # A few miss one, but everyone comes to the latest, and those
                    # left overdue came to the ones before they stopped coming.
                    and (held_on == latest or m.pk in overdue or self.rng.random() > 0.12)
                ]
                if not came:
                    continue
                self._supervise(programme, held_on, came)

        rows = supervision_due(school=self.school, today=self.today)
        self.counts.overdue = sum(1 for row in rows if row.overdue)

    def _supervise(
        self, programme: Programme, held_on: datetime.date, came: Iterable[MentorProfile]
    ) -> None:
        staff = self.staff
        if programme.kind == Programme.Kind.GROUP:
            actor = staff.facilitator
        else:
            actor = staff.dsl if self.rng.random() < 0.25 else staff.coordinator
        came = list(came)
        # Mostly okay to great; now and then one mentor (never more) is not doing great.
        low = self.rng.choice(came).pk if self.rng.random() < 0.35 else None
        answers = []
        for mentor in came:
            feeling = 2 if mentor.pk == low else self.rng.choices([3, 4, 5], [4, 6, 3])[0]
            note = self.rng.choice(FEELING_NOTES[feeling]) if self.rng.random() < 0.3 else ""
            answers.append(SupervisionAnswer(mentor=mentor, feeling=feeling, note=note))
        notes = " ".join(self.rng.sample(SUPERVISION_NOTES, self.rng.randint(1, 2)))
        actions = "\n".join(self.rng.sample(SUPERVISION_ACTIONS, self.rng.randint(1, 2)))
        supervision_record(
            actor=actor,
            programme=programme,
            held_on=held_on,
            kind="group",
            came=answers,
            notes=notes,
            actions=actions,
        )
        self.counts.supervisions += 1
        self.counts.supervision_places += len(answers)

    def _serving_since(self) -> dict[int, datetime.date]:
        """When each mentor began serving: their first open pairing's start, or the
        first session of a group they co-facilitate."""
        since: dict[int, datetime.date] = {}
        for mentor_id, started_on in Mentorship.objects.filter(
            school=self.school,
            status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
            started_on__isnull=False,
        ).values_list("mentor_id", "started_on"):
            assert started_on is not None
            since[mentor_id] = min(started_on, since.get(mentor_id, started_on))
        first_session = dict(
            Session.objects.filter(school=self.school, group__isnull=False)
            .values("group_id")
            .annotate(first=Min("date"))
            .values_list("group_id", "first")
        )
        for mentor_id, group_id in Group.co_facilitators.through.objects.filter(
            group__school=self.school
        ).values_list("mentorprofile_id", "group_id"):
            started = first_session.get(group_id, self.term_start)
            since[mentor_id] = min(started, since.get(mentor_id, started))
        return since

    def _last_weekday(self, weekday: int) -> datetime.date:
        """The latest school day on ``weekday`` before today (or, out of term, the
        latest such weekday)."""
        day = self.today - DAY
        while day.weekday() != weekday:
            day -= DAY
        for weeks in range(26):
            candidate = day - weeks * WEEK
            if next_school_day(candidate, self.terms, self.holidays) == candidate:
                return candidate
        return day

    # ------------------------------------------------------------ counts

    def _count(self) -> None:
        mentors_done = Completion.objects.filter(school=self.school, student__isnull=False)
        soon = self.today + WARNING_DAYS * DAY
        self.counts.expiring = mentors_done.filter(
            expires_on__gt=self.today, expires_on__lte=soon
        ).count()
        self.counts.expired = mentors_done.filter(expires_on__lte=self.today).count()
        core = {module.pk for module in self.core}
        held: dict[int, set[int]] = defaultdict(set)
        for student_id, module_id in mentors_done.values_list("student_id", "module_id"):
            held[student_id].add(module_id)
        self.counts.in_training_missing = sum(
            1
            for mentor in self._mentors(MentorProfile.Status.IN_TRAINING)
            if core - held[mentor.student_id]
        )


def demo_training(
    *, school: School, seed: int, today: datetime.date, staff: Staff
) -> TrainingCounts:
    """Build the school's training, supervision, protocols and ground rules."""
    return DemoTraining(school=school, seed=seed, today=today, staff=staff).build()


__all__ = ["TrainingCounts", "demo_training"]
