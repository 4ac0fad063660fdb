"""The demo school's concerns: a handful of each kind, as a term would leave them.

- Wellbeing worries: one from the demo peer mentor about their mentee (its words
  trip the urgent-words check, and it leads to a safeguarding record), one from the
  demo student about a friend, asking that other students are not told who, one
  from the demo student about themself, and one from a group's facilitator.
- Discrimination, bullying or exclusion: incidents with different protected
  characteristics, most closed with the response and the support given.
- Boundary breaches by peer mentors: one dealt with, one just raised.
- Conflicts, worked restoratively: one resolved (preparation, meeting, agreement,
  a follow-up that found it resolved), one still being prepared with the students
  kept apart, one whose first agreement broke and whose second is holding (its
  keep-apart lifted early), and one just raised with no record yet.
- Safeguarding, for the DSL's eyes only: one record closed with an early help
  outcome after a chronology that includes a correction, one open, and one still
  waiting for a DSL to acknowledge it.
- Urgent words: the school's phrase list, and flags from a mentor's worry and from
  check-in words, some reviewed and one waiting for review.

Everything is written through the services, from ``random.Random`` seeded with the
seeder's seed. The services stamp "now"; the conflict steps take their real dates.
So that the lists show realistic ages, the timestamps of the other concerns,
conflicts and check-ins are moved back afterwards with queryset updates. Nothing
about a safeguarding concern or its chronology is touched after it is written:
those are append-only (and refused by database triggers)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from peersupport.accounts.models import User
from peersupport.concerns.models import (
    Characteristic,
    Concern,
    ConcernKind,
    ConflictAccount,
    ConflictCase,
    ConflictStep,
    SafeguardingEntry,
    SafeguardingOutcome,
    UrgentFlag,
)
from peersupport.concerns.services import (
    concern_close,
    concern_raise,
    conflict_add_account,
    conflict_keep_apart,
    conflict_lift_keep_apart,
    conflict_open,
    conflict_record_step,
    safeguarding_acknowledge,
    safeguarding_add_entry,
    urgent_flag_review,
    urgent_phrases_install,
    urgent_scan_check_ins,
)
from peersupport.demo.programmes import Staff
from peersupport.lib.schedule import next_school_day
from peersupport.meetings.models import CheckIn
from peersupport.meetings.selectors import calendar_of
from peersupport.meetings.services import check_in_record
from peersupport.programmes.models import Group, GroupMember, MentorProfile, Mentorship
from peersupport.programmes.selectors import apart_from
from peersupport.schools.models import School
from peersupport.students.models import Gender, Student

DAY = datetime.timedelta(days=1)
Step = ConflictStep.Kind
FollowUp = ConflictStep.FollowUp


@dataclass
class ConcernCounts:
    kinds: dict[str, int] = field(default_factory=dict)
    still_open: int = 0
    conflicts: dict[str, int] = field(default_factory=dict)
    kept_apart: int = 0
    safeguarding_acknowledged: int = 0
    safeguarding_waiting: int = 0
    chronology_entries: int = 0
    urgent_flags: int = 0
    urgent_reviewed: int = 0

    def summary(self) -> list[str]:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        stages = ", ".join(f"{n} {stage}" for stage, n in sorted(self.conflicts.items()))
        records = self.safeguarding_acknowledged + self.safeguarding_waiting
        return [
            f"  Concerns: {sum(self.kinds.values())} ({kinds}); {self.still_open} still open",
            f"  Conflicts: {sum(self.conflicts.values())} restorative records ({stages}); "
            f"pairs kept apart while unresolved: {self.kept_apart}",
            f"  Safeguarding (the DSL only): {records} records, "
            f"{self.safeguarding_acknowledged} acknowledged with {self.chronology_entries} "
            f"chronology entries, {self.safeguarding_waiting} awaiting acknowledgement",
            f"  Urgent words: {self.urgent_flags} flags ({self.urgent_reviewed} reviewed, "
            f"{self.urgent_flags - self.urgent_reviewed} awaiting review)",
        ]


def first_name(student: Student) -> str:
    return student.preferred_forename or student.legal_forename


class DemoConcerns:
    """Builds one school's concerns; call :meth:`build` after the programmes."""

    def __init__(self, *, school: School, seed: int, today: datetime.date, staff: Staff) -> None:
        self.school = school
        self.rng = random.Random(f"demo-concerns-{seed}")
        self.today = today
        self.staff = staff
        self.terms, self.holidays = calendar_of(school)
        mentor_ids = set(
            MentorProfile.objects.filter(school=school).values_list("student_id", flat=True)
        )
        roll = list(Student.objects.filter(school=school, on_roll=True).order_by("pk"))
        # Students who are not peer mentors: a keep-apart rule between two of them
        # can never stand between a mentor and a mentee.
        self.pupils = [s for s in roll if s.pk not in mentor_ids and s.year_group <= 9]
        self.seniors = [s for s in roll if s.year_group >= 10]
        self.groups_of: dict[int, set[int]] = defaultdict(set)
        for student_id, group_id in GroupMember.objects.filter(school=school).values_list(
            "student_id", "group_id"
        ):
            self.groups_of[student_id].add(group_id)
        self.mentorships = list(
            Mentorship.objects.filter(school=school, status=Mentorship.Status.ACTIVE)
            .select_related("mentor__student", "mentee")
            .order_by("pk")
        )
        self.demo_student = self._linked(staff.student)
        self.demo_mentor = self._linked(staff.mentor)
        self.used: set[int] = set()

    def _linked(self, user: User | None) -> Student | None:
        if user is None:
            return None
        return Student.objects.filter(school=self.school, user=user).first()

    # ------------------------------------------------------------ helpers

    def ago(self, days: int) -> datetime.date:
        """The school day ``days`` days before today, or the last one before that."""
        day = self.today - days * DAY
        for _ in range(60):
            if next_school_day(day, self.terms, self.holidays) == day:
                return day
            day -= DAY
        return self.today - days * DAY

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def pick(self, pool: Sequence[Student], k: int = 1) -> list[Student]:
        """``k`` students of ``pool`` not picked before (fewer if it runs out)."""
        free = [s for s in pool if s.pk not in self.used]
        chosen = self.rng.sample(free, min(k, len(free)))
        self.used.update(s.pk for s in chosen)
        return chosen

    def pick_apart(self, pool: Sequence[Student], near: Student | None = None) -> list[Student]:
        """Two students never placed together (no group, and neither a mentor), so
        keeping them apart changes nothing the rest of the demo did; in the same year
        group as ``near`` where possible."""
        free = [s for s in pool if s.pk not in self.used]
        self.rng.shuffle(free)
        firsts = [near] if near is not None else free
        for first in firsts:
            same_year = [s for s in free if s.year_group == first.year_group]
            others = [s for s in free if s.year_group != first.year_group]
            for second in same_year + others:
                if second.pk == first.pk or self.groups_of[first.pk] & self.groups_of[second.pk]:
                    continue
                if apart_from(first, [second]):
                    continue
                self.used.update((first.pk, second.pk))
                return [first, second]
        return []

    def raise_concern(
        self,
        *,
        actor: User,
        kind: str,
        text: str,
        raised: datetime.datetime | None = None,
        **options: Any,
    ) -> Concern:
        concern = concern_raise(actor=actor, school=self.school, kind=kind, text=text, **options)
        if raised is not None:
            self.backdate(concern, created_at=raised)
        return concern

    def backdate(self, concern: Concern, **stamps: datetime.datetime) -> None:
        """Move a concern's timestamps back. Never a safeguarding concern's."""
        assert concern.kind != ConcernKind.SAFEGUARDING
        Concern.objects.filter(pk=concern.pk).exclude(kind=ConcernKind.SAFEGUARDING).update(
            **stamps
        )
        for name, value in stamps.items():
            setattr(concern, name, value)

    def close(
        self,
        concern: Concern,
        *,
        response: str,
        support: str = "",
        on: datetime.datetime | None = None,
    ) -> None:
        """The coordinator records the response and closes it (on ``on``, or now)."""
        concern_close(
            actor=self.staff.coordinator,
            concern=concern,
            response=response,
            support_given=support,
        )
        if on is not None:
            self.backdate(concern, closed_at=on)

    def groups_with_members(self) -> list[tuple[Group, User, list[Student]]]:
        """Each group with its runner and current members, those run by the demo
        facilitator first."""
        rows = []
        groups = Group.objects.filter(school=self.school).prefetch_related("facilitators")
        for group in groups.order_by("pk"):
            runner = next(iter(group.facilitators.all()), None) or self.staff.coordinator
            members = list(
                Student.objects.filter(
                    group_places__group=group, group_places__left_on__isnull=True
                ).order_by("pk")
            )
            rows.append((group, runner, members))
        rows.sort(key=lambda row: row[1] != self.staff.facilitator)
        return rows

    # ------------------------------------------------------------ the build

    def build(self) -> ConcernCounts:
        urgent_phrases_install(school=self.school)
        self._worry_that_became_a_safeguarding_record()
        # Conflicts before the others pick students: they need a group's members.
        self._conflicts()
        self._worries()
        self._discrimination()
        self._boundaries()
        self._safeguarding()
        self._check_ins()
        return self._counts()

    # ------------------------------------------------------------ wellbeing

    def _worry_that_became_a_safeguarding_record(self) -> None:
        """The demo mentor is worried about their mentee; the worry's words match the
        urgent list, the DSL reviews the flag, and a safeguarding record follows: a
        chronology with a correction, closed with an early help outcome."""
        staff = self.staff
        own = [m for m in self.mentorships if m.mentor.student == self.demo_mentor]
        # Another mentee of theirs if they have one: the demo student has enough.
        own.sort(key=lambda m: m.mentee == self.demo_student)
        if staff.mentor is not None and own:
            mentorship = own[0]
            mentee = mentorship.mentee
            name = first_name(mentee)
            worry = self.raise_concern(
                actor=staff.mentor,
                kind=ConcernKind.WELLBEING,
                text=(
                    f"{name} was really quiet in our session today. When I asked about the "
                    f"weekend {name} said \"I don't want to go home tonight, it's just "
                    f'shouting all the time." {name} asked me to keep it between us but I '
                    "said I have to tell a teacher."
                ),
                students=[mentee],
                source=Concern.Source.SESSION_LOG,
                mentorship=mentorship,
            )
        elif self.mentorships:  # no demo mentor linked: their facilitator passes it on
            mentorship = self.mentorships[0]
            mentee = mentorship.mentee
            name = first_name(mentee)
            worry = self.raise_concern(
                actor=staff.facilitator,
                kind=ConcernKind.WELLBEING,
                text=(
                    f"{name}'s peer mentor told me {name} seemed very low today and talked "
                    "about a lot of shouting at home."
                ),
                students=[mentee],
                source=Concern.Source.STUDENT,
                mentorship=mentorship,
            )
        else:
            return
        self.used.add(mentee.pk)

        record = self.raise_concern(
            actor=staff.facilitator,
            kind=ConcernKind.SAFEGUARDING,
            text=(
                f"After a peer mentor's worry today I spoke with {mentee.display_name} "
                f"({mentee.year_label}) with their form tutor. {name} said there has been a "
                "lot of shouting at home since Mum and Dad separated, and that they stay at "
                "the park after school so they do not have to go home. No injuries seen; "
                f"{name} said nobody hurts them."
            ),
            students=[mentee],
            source=Concern.Source.STUDENT,
        )
        dsl = staff.dsl
        record = safeguarding_acknowledge(actor=dsl, concern=record)
        safeguarding_add_entry(
            actor=dsl,
            concern=record,
            kind=SafeguardingEntry.Kind.ACCOUNT,
            text=(
                f"{name}'s words, as told to {staff.facilitator.full_name}: \"It's just loud "
                "all the time. They shout on the phone and I don't want to be there.\" "
                f"{name} says they feel safe with both parents and nobody has hurt them."
            ),
            students=[mentee],
            staff=[staff.facilitator],
        )
        call = safeguarding_add_entry(
            actor=dsl,
            concern=record,
            kind=SafeguardingEntry.Kind.ACTION,
            text=(
                "Phoned Mum after school. Mum said the separation has been hard on everyone "
                f"and she did not know {name} was staying out after school. Agreed that "
                f"{name} comes straight home or goes to after-school club."
            ),
            students=[mentee],
        )
        safeguarding_add_entry(
            actor=dsl,
            concern=record,
            kind=SafeguardingEntry.Kind.CORRECTION,
            text=(
                f"The call in the entry above was to Dad, not Mum: {name} lives with Dad "
                "during the week. The rest of that entry stands."
            ),
            corrects=call,
        )
        safeguarding_add_entry(
            actor=dsl,
            concern=record,
            kind=SafeguardingEntry.Kind.DECISION,
            text=(
                "Not at the threshold for a referral to children's social care. The family "
                "would benefit from support through the separation: offer an Early Help "
                f"assessment. {name} keeps weekly peer mentoring; the form tutor checks in "
                "each Friday."
            ),
            students=[mentee],
            staff=[staff.coordinator],
        )
        safeguarding_add_entry(
            actor=dsl,
            concern=record,
            kind=SafeguardingEntry.Kind.OUTCOME,
            outcome=SafeguardingOutcome.EARLY_HELP,
            text=(
                "Dad agreed to an Early Help assessment, led by the school's family support "
                "worker. The plan is reviewed at the team around the family meeting in six "
                "weeks."
            ),
            students=[mentee],
        )
        flag = UrgentFlag.objects.filter(
            school=self.school, source_type="concern", source_public_id=worry.public_id
        ).first()
        if flag is not None:
            urgent_flag_review(
                actor=dsl,
                flag=flag,
                note=(
                    f"Read with {staff.facilitator.full_name}, who spoke with {name} today. "
                    "A safeguarding record is open; nothing more to do on this flag."
                ),
            )
        self.close(
            worry,
            response=(
                "Passed to the Designated Safeguarding Lead, who is following it up. "
                "Thanked the mentor for telling us straight away."
            ),
        )

    def _worries(self) -> None:
        staff = self.staff
        # The demo student, worried about a friend, asks that other students are not
        # told who said so. A student names nobody: the friend is in their words.
        friends = [s for s in self.pupils if self.demo_student is None or s != self.demo_student]
        if self.demo_student is not None:
            same_year = [s for s in friends if s.year_group == self.demo_student.year_group]
            friends = same_year or friends
        friend = self.pick(friends)
        if staff.student is not None and friend:
            name = first_name(friend[0])
            self.raise_concern(
                actor=staff.student,
                kind=ConcernKind.WELLBEING,
                text=(
                    f"My friend {name} has been really quiet for about two weeks and eats "
                    "lunch on their own in the library. They said they're fine but they "
                    "don't seem fine. Please don't tell them it was me."
                ),
                anonymous_to_students=True,
                source=Concern.Source.HOME,
                raised=self.at(self.ago(2), 12, 55),
            )
        # The demo student about themself: dealt with.
        if staff.student is not None and self.demo_student is not None:
            name = first_name(self.demo_student)
            worry = self.raise_concern(
                actor=staff.student,
                kind=ConcernKind.WELLBEING,
                text=(
                    "I get really worried before tests. I can't sleep the night before and "
                    "I feel sick in the mornings. I don't want to tell my mum because she "
                    "worries too."
                ),
                about_themself=True,
                source=Concern.Source.HOME,
                raised=self.at(self.ago(16), 19, 40),
            )
            self.close(
                worry,
                response=(
                    f"Met {name} with their form tutor. Agreed a quiet room before tests and "
                    "a place at the exam worries workshop. With their agreement, we told Mum "
                    "what we are doing."
                ),
                on=self.at(self.ago(14), 15, 30),
            )
        # A facilitator notices something in a group.
        for group, runner, members in self.groups_with_members():
            member = self.pick(members)
            if not member:
                continue
            name = first_name(member[0])
            worry = self.raise_concern(
                actor=runner,
                kind=ConcernKind.WELLBEING,
                text=(
                    f"{name} was tearful in {group.name} today and said things have been "
                    "hard since their grandad died in the summer. They did not want to talk "
                    "more in front of the group."
                ),
                students=member,
                source=Concern.Source.GROUP,
                group=group,
                raised=self.at(self.ago(9), 13, 20),
            )
            self.close(
                worry,
                response=(
                    f"Spoke with {name} and then with home. {name} now sees the school "
                    "counsellor weekly for bereavement support and stays in the group."
                ),
                on=self.at(self.ago(7), 15, 45),
            )
            break

    # ------------------------------------------------------------ discrimination

    def _discrimination(self) -> None:
        staff = self.staff
        incidents: list[dict[str, Any]] = [
            {
                "characteristic": Characteristic.RACE,
                "days": 20,
                "text": (
                    "In the lunch queue {o1} and {o2} made comments about {h}'s skin colour "
                    "and accent. {h} was upset and came to the wellbeing hub."
                ),
                "response": (
                    "Both students were spoken to by the Head of Year the same day and their "
                    "parents phoned. Logged as a racist incident. Both had a session with the "
                    "Head of Year on why such comments hurt, and apologised to {h}."
                ),
                "support": (
                    "{h} talked it through with the coordinator and had check-ins with their "
                    "form tutor for three weeks. {h}'s family were told what the school did."
                ),
            },
            {
                "characteristic": Characteristic.RELIGION,
                "gender": Gender.FEMALE,
                "days": 13,
                "text": (
                    "In the PE changing room {o1} pulled at {h}'s headscarf and others "
                    "laughed. {h} does not want to go back to PE."
                ),
                "response": (
                    "{o1} was spoken to and sanctioned under the behaviour policy; parents met "
                    "the Head of Year. PE staff now supervise the changing rooms."
                ),
                "support": (
                    "{h} can change in a private room before PE and the PE teacher checks in "
                    "each lesson. {h} was offered a peer mentor and accepted."
                ),
            },
            {
                "characteristic": Characteristic.SEXUAL_ORIENTATION,
                "days": 8,
                "text": (
                    "A student showed a teacher screenshots of a {year} group chat where {h} "
                    'was called "gay" as an insult again and again. {o1} started it.'
                ),
                "response": (
                    "Messages saved and everyone in the chat spoken to; {o1} and one other "
                    "sanctioned. The year group had an assembly on homophobic language."
                ),
                "support": (
                    "{h} met the coordinator with an adult of their choice and was offered "
                    "the lunchtime LGBT+ club and a peer mentor. Weekly check-ins for now."
                ),
            },
            {
                "characteristic": Characteristic.DISABILITY,
                "days": 2,
                "text": (
                    "{h}, who wears hearing aids, says students in their form cover their "
                    "mouths when they talk so {h} cannot lip-read, and laugh when {h} asks "
                    "them to repeat. {o1} is one of them."
                ),
                # Still being followed up: no response yet.
            },
        ]
        raisers = [staff.facilitator, staff.coordinator]
        for index, incident in enumerate(incidents):
            pool = self.pupils
            if "gender" in incident:  # a changing room: all girls, where the roll allows
                pool = [s for s in pool if s.gender == incident["gender"]] or pool
            people = self.pick(pool, 3 if "{o2}" in incident["text"] else 2)
            if len(people) < 2:
                return
            harmed, *others = people
            names = {
                "h": first_name(harmed),
                "o1": first_name(others[0]),
                "o2": first_name(others[-1]),
                "year": harmed.year_label,
            }
            concern = self.raise_concern(
                actor=raisers[index % 2],
                kind=ConcernKind.DISCRIMINATION,
                characteristic=incident["characteristic"],
                text=incident["text"].format(**names),
                students=people,
                source=Concern.Source.STUDENT,
                raised=self.at(self.ago(incident["days"]), 12, 50),
            )
            if "response" in incident:
                self.close(
                    concern,
                    response=incident["response"].format(**names),
                    support=incident["support"].format(**names),
                    on=self.at(self.ago(incident["days"] - 2), 16, 0),
                )

    # ------------------------------------------------------------ boundaries

    def _boundaries(self) -> None:
        staff = self.staff
        others = [
            m
            for m in self.mentorships
            if m.mentee.pk not in self.used and m.mentor.student != self.demo_mentor
        ]
        # A small roll may have no pairing but the demo's own.
        others = others or self.mentorships[-1:]
        chosen = self.rng.sample(others, min(2, len(others)))
        for index, mentorship in enumerate(chosen):
            mentor, mentee = mentorship.mentor.student, mentorship.mentee
            self.used.update((mentor.pk, mentee.pk))
            names = {"mentor": first_name(mentor), "mentee": first_name(mentee)}
            if index == 0:
                concern = self.raise_concern(
                    actor=staff.facilitator,
                    kind=ConcernKind.BOUNDARY,
                    text=(
                        "{mentor} (peer mentor) added their mentee {mentee} on social media "
                        "and they were messaging after 10pm. Nothing unkind in the messages, "
                        "but it is outside what the mentor agreement allows."
                    ).format(**names),
                    students=[mentor, mentee],
                    mentorship=mentorship,
                    raised=self.at(self.ago(11), 8, 45),
                )
                self.close(
                    concern,
                    response=(
                        'Went through the "Contact outside sessions and online" protocol with '
                        "{mentor} again; they removed the contact. {mentee}'s parent was told. "
                        "Mentoring carries on, in school only."
                    ).format(**names),
                    on=self.at(self.ago(10), 15, 30),
                )
            else:
                self.raise_concern(
                    actor=staff.facilitator,
                    kind=ConcernKind.BOUNDARY,
                    text=(
                        "{mentee} says their peer mentor {mentor} told some of their own "
                        "friends what {mentee} talked about in a session. {mentee} is upset and "
                        "does not want to meet this week."
                    ).format(**names),
                    students=[mentor, mentee],
                    mentorship=mentorship,
                    raised=self.at(self.ago(1), 10, 50),
                )

    # ------------------------------------------------------------ conflicts

    def _conflicts(self) -> None:
        self._resolved_conflict()
        self._conflict_kept_apart()
        self._conflict_holding()
        self._conflict_just_raised()

    def _steps(
        self, case: ConflictCase, actor: User, steps: list[dict[str, Any]]
    ) -> datetime.datetime:
        """Record the steps in order, each dated on its day, and date their rows;
        returns when the last was written up."""
        recorded = timezone.now()
        for index, step in enumerate(steps):
            options = dict(step)
            days = options.pop("days")
            row = conflict_record_step(actor=actor, case=case, held_on=self.ago(days), **options)
            # Written up after school, in the order they happened.
            recorded = self.at(row.held_on, 15, 30) + index * datetime.timedelta(minutes=5)
            ConflictStep.objects.filter(pk=row.pk).update(recorded_at=recorded)
        return recorded

    def _account(
        self, case: ConflictCase, actor: User, student: Student, text: str, days: int
    ) -> None:
        row = conflict_add_account(actor=actor, case=case, student=student, account=text)
        ConflictAccount.objects.filter(pk=row.pk).update(recorded_at=self.at(self.ago(days), 14))

    def _resolved_conflict(self) -> None:
        """Two members of a group fall out over a game; resolved in six days."""
        staff = self.staff
        found = None
        for row in self.groups_with_members():
            pair = self.pick(row[2], 2)
            if len(pair) == 2:
                found = row
                break
        if found is None:
            return
        group, runner, _members = found
        a, b = pair
        first, second = first_name(a), first_name(b)
        concern = self.raise_concern(
            actor=runner,
            kind=ConcernKind.CONFLICT,
            text=(
                f"In {group.name}, {first} and {second} fell out over a card game: {first} "
                f"called {second} a cheat and {second} threw the cards at {first}. Both left "
                "the group upset."
            ),
            students=pair,
            source=Concern.Source.GROUP,
            group=group,
            raised=self.at(self.ago(16), 13, 15),
        )
        case = conflict_open(actor=staff.coordinator, concern=concern, students=pair, group=group)
        self._account(
            case,
            runner,
            a,
            f"{second} kept taking extra cards when it wasn't their go. I said it was "
            "cheating and then the cards got thrown at me.",
            15,
        )
        self._account(
            case,
            runner,
            b,
            f"I didn't cheat, I just didn't know that rule. {first} said it in front of "
            "everyone and they all laughed, so I threw the cards.",
            15,
        )
        resolved = self._steps(
            case,
            runner,
            [
                {"kind": Step.PREPARATION, "days": 15, "student": a},
                {"kind": Step.PREPARATION, "days": 15, "student": b},
                {
                    "kind": Step.MEETING,
                    "days": 13,
                    "what_happened": (
                        "An argument about the rules of a card game ended with the cards "
                        "being thrown; both left the group upset."
                    ),
                    "who_was_affected": (
                        f"{first} felt hurt and embarrassed; {second} felt laughed at in front "
                        "of the group. The rest of the group felt uneasy and the game stopped."
                    ),
                    "put_right": (
                        "Say sorry to each other; agree the rules of a game before starting; "
                        "tell the facilitator when something feels unfair."
                    ),
                },
                {
                    "kind": Step.AGREEMENT,
                    "days": 13,
                    "actions": [
                        {
                            "action": "Say sorry to each other at the start of next group",
                            "owner": f"{first} and {second}",
                        },
                        {
                            "action": "Agree the rules of any game together before starting",
                            "owner": "Everyone in the group",
                        },
                        {
                            "action": "Check in with both at the end of next week's group",
                            "owner": runner.full_name,
                        },
                    ],
                    "follow_up_on": self.ago(10),
                },
                {
                    "kind": Step.FOLLOW_UP,
                    "days": 10,
                    "follow_up": FollowUp.RESOLVED,
                    "notes": "Both came to group, played together and said it is sorted.",
                },
            ],
        )
        # Resolved when the follow-up found it so, and closed then.
        ConflictCase.objects.filter(pk=case.pk).update(resolved_at=resolved)
        self.close(
            concern,
            response=(
                "Resolved restoratively: preparation with each, a restorative meeting, an "
                "agreement, and a follow-up check that found it resolved."
            ),
            on=resolved,
        )

    def _conflict_kept_apart(self) -> None:
        """Still being prepared; the two are kept apart meanwhile."""
        staff = self.staff
        pair = self.pick_apart(self.pupils)
        if not pair:
            return
        a, b = pair
        second = first_name(b)
        concern = self.raise_concern(
            actor=staff.coordinator,
            kind=ConcernKind.CONFLICT,
            text=(
                f"{a.display_name} and {b.display_name} fell out over messages in a group "
                "chat at the weekend. It carried on in the corridor on Monday with some "
                "pushing, and both families have phoned the school."
            ),
            students=pair,
            source=Concern.Source.STUDENT,
            raised=self.at(self.ago(3), 9, 10),
        )
        case = conflict_open(actor=staff.coordinator, concern=concern, students=pair)
        conflict_keep_apart(actor=staff.coordinator, case=case)
        self._account(
            case,
            staff.coordinator,
            a,
            f"{second} posted a photo of me that I asked them to delete, and everyone was "
            "laughing at it. Then on Monday they pushed past me and I pushed back.",
            2,
        )
        self._steps(case, staff.coordinator, [{"kind": Step.PREPARATION, "days": 2, "student": a}])

    def _conflict_holding(self) -> None:
        """A mentee and a classmate: the first agreement broke, the second is holding,
        and the coordinator lifted the keep-apart early."""
        staff = self.staff
        mentorships = [
            m
            for m in self.mentorships
            if m.mentee.pk not in self.used
            and m.mentor.student != self.demo_mentor
            and m.mentee.pk not in {s.pk for s in self.seniors}
        ]
        pair: list[Student] = []
        mentorship = None
        for candidate in mentorships:
            pair = self.pick_apart([candidate.mentee, *self.pupils], near=candidate.mentee)
            if pair:
                mentorship = candidate
                break
        if mentorship is None:  # a small roll: two students outside the mentoring
            pair = self.pick_apart(self.pupils)
        if not pair:
            return
        a, b = pair
        first, second = first_name(a), first_name(b)
        noticed = "peer mentor" if mentorship is not None else "form tutor"
        concern = self.raise_concern(
            actor=staff.coordinator,
            kind=ConcernKind.CONFLICT,
            text=(
                f"{first}'s {noticed} says {first} dreads lunchtimes because {b.display_name} "
                f"keeps calling {first} names in the queue. {first} pushed {second} at lunch "
                "today."
            ),
            students=pair,
            source=Concern.Source.STUDENT,
            mentorship=mentorship,
            raised=self.at(self.ago(19), 14, 5),
        )
        case = conflict_open(
            actor=staff.coordinator, concern=concern, students=pair, mentorship=mentorship
        )
        conflict_keep_apart(actor=staff.coordinator, case=case)
        self._account(
            case,
            staff.coordinator,
            a,
            f"Every day {second} says stuff about my trainers and my hair. I just wanted them "
            "to stop so I pushed them.",
            18,
        )
        self._account(
            case,
            staff.coordinator,
            b,
            f"It was only jokes. I didn't think {first} minded. I didn't expect the push.",
            18,
        )
        self._steps(
            case,
            staff.coordinator,
            [
                {"kind": Step.PREPARATION, "days": 18, "student": a},
                {"kind": Step.PREPARATION, "days": 18, "student": b},
                {
                    "kind": Step.MEETING,
                    "days": 17,
                    "what_happened": (
                        f"Name-calling in the lunch queue over several weeks; {first} pushed "
                        f"{second} to make it stop."
                    ),
                    "who_was_affected": (
                        f"{first} has been dreading lunch and eating less. {second} was shaken "
                        "by the push and did not know how much the jokes hurt."
                    ),
                    "put_right": (
                        f"{second} stops the comments; {first} tells an adult instead of "
                        "pushing; both keep to different ends of the queue for now."
                    ),
                },
                {
                    "kind": Step.AGREEMENT,
                    "days": 17,
                    "actions": [
                        {"action": f"No more comments about {first}", "owner": second},
                        {"action": "Tell the duty teacher if anything is said", "owner": first},
                        {"action": "Watch the lunch queue this week", "owner": "Duty team"},
                    ],
                    "follow_up_on": self.ago(12),
                },
                {
                    "kind": Step.FOLLOW_UP,
                    "days": 12,
                    "follow_up": FollowUp.BROKEN,
                    "notes": "The comments started again in the queue on Friday.",
                },
                {
                    "kind": Step.MEETING,
                    "days": 11,
                    "what_happened": "The comments started again after a week.",
                    "who_was_affected": (
                        f"{first} felt let down; {second} said friends were egging them on."
                    ),
                    "put_right": (
                        f"{second} eats in a different sitting for two weeks; both check in "
                        "with the coordinator on Fridays."
                    ),
                },
                {
                    "kind": Step.AGREEMENT,
                    "days": 11,
                    "actions": [
                        {
                            "action": "Eat in the second lunch sitting for two weeks",
                            "owner": second,
                        },
                        {
                            "action": "Friday check-in with both",
                            "owner": staff.coordinator.full_name,
                        },
                        {
                            "action": f"Ask {first} how lunch is going",
                            "owner": noticed.capitalize(),
                        },
                    ],
                    "follow_up_on": self.ago(4),
                },
                {
                    "kind": Step.FOLLOW_UP,
                    "days": 4,
                    "follow_up": FollowUp.HOLDING,
                    "notes": "Both say things are better. Check again in two weeks.",
                },
            ],
        )
        # Holding well enough for the coordinator to let them be placed together.
        conflict_lift_keep_apart(actor=staff.coordinator, case=case, before_resolved=True)

    def _conflict_just_raised(self) -> None:
        """Raised yesterday; the restorative record is not opened yet."""
        pair = self.pick([s for s in self.pupils if s.year_group == 7] or self.pupils, 2)
        if len(pair) < 2:
            return
        first, second = (first_name(s) for s in pair)
        self.raise_concern(
            actor=self.staff.facilitator,
            kind=ConcernKind.CONFLICT,
            text=(
                f"{first} and {second} argued at the end of lunch about a football game and "
                f"{first} says {second} kicked them. Both calm now; I said someone would "
                "follow it up."
            ),
            students=pair,
            source=Concern.Source.STUDENT,
            raised=self.at(self.ago(1), 13, 25),
        )

    # ------------------------------------------------------------ safeguarding

    def _safeguarding(self) -> None:
        """One record open with the DSL, and one waiting to be acknowledged (written
        last, so it is the newest). The chronology with a correction and an outcome
        is the mentor's worry's (above)."""
        staff = self.staff
        carer = self.pick([s for s in self.pupils if s.year_group >= 8] or self.pupils)
        if carer:
            student = carer[0]
            name = first_name(student)
            record = self.raise_concern(
                actor=staff.facilitator,
                kind=ConcernKind.SAFEGUARDING,
                text=(
                    f"{student.display_name} ({student.year_label}) has been late most "
                    f"mornings this half term and looks exhausted. {name} said they get "
                    "their younger brothers up and ready for school because Mum is unwell."
                ),
                students=carer,
                source=Concern.Source.STUDENT,
            )
            record = safeguarding_acknowledge(actor=staff.dsl, concern=record)
            safeguarding_add_entry(
                actor=staff.dsl,
                concern=record,
                kind=SafeguardingEntry.Kind.ACCOUNT,
                text=(
                    f"{name}'s words: \"Mum has been poorly since September so I do the "
                    "mornings. I don't mind but I'm always tired.\" No other worries raised."
                ),
                students=carer,
                staff=[staff.facilitator],
            )
            safeguarding_add_entry(
                actor=staff.dsl,
                concern=record,
                kind=SafeguardingEntry.Kind.ACTION,
                text=(
                    "Phoned Mum, who agreed to a referral to the young carers' service and to "
                    f"{name} joining breakfast club. Attendance officer told to be flexible "
                    "about late marks for now."
                ),
                students=carer,
            )
        waiting = self.pick([s for s in self.pupils if s.year_group == 7] or self.pupils)
        if waiting:
            student = waiting[0]
            name = first_name(student)
            self.raise_concern(
                actor=staff.coordinator,
                kind=ConcernKind.SAFEGUARDING,
                text=(
                    f"{student.display_name} ({student.year_label}) told me at breakfast club "
                    "that there is often not much to eat at home at weekends, and has come in "
                    f"hungry three Mondays running. {name} has had the same uniform on all "
                    "week and no coat."
                ),
                students=waiting,
                source=Concern.Source.STUDENT,
            )

    # ------------------------------------------------------------ urgent words

    def _check_ins(self) -> None:
        """Two check-in words match the urgent list: one a figure of speech, reviewed
        days ago; one today, waiting for the DSL."""
        staff = self.staff
        chosen = self.pick(self.pupils, 2)
        if len(chosen) < 2:
            return
        since = timezone.now()
        earlier = check_in_record(
            actor=staff.facilitator, student=chosen[0], feeling=2, word="maths is killing me"
        )
        check_in_record(
            actor=staff.facilitator,
            student=chosen[1],
            feeling=1,
            word="everyone is better off without me",
        )
        urgent_scan_check_ins(school=self.school, since=since)
        flag = UrgentFlag.objects.filter(
            school=self.school, source_type="check_in", source_public_id=earlier.public_id
        ).first()
        if flag is None:
            return
        urgent_flag_review(
            actor=staff.dsl,
            flag=flag,
            note=(
                f"About a maths test, not a risk of harm. Spoke with {first_name(chosen[0])}, "
                "told the form tutor and offered a place at homework club."
            ),
        )
        day = self.ago(5)
        CheckIn.objects.filter(pk=earlier.pk).update(created_at=self.at(day, 12, 50))
        UrgentFlag.objects.filter(pk=flag.pk).update(
            created_at=self.at(day, 12, 55), reviewed_at=self.at(day, 14, 10)
        )

    # ------------------------------------------------------------ counts

    def _counts(self) -> ConcernCounts:
        counts = ConcernCounts()
        concerns = Concern.objects.filter(school=self.school)
        for kind, status in concerns.values_list("kind", "status"):
            counts.kinds[kind] = counts.kinds.get(kind, 0) + 1
            counts.still_open += status == Concern.Status.OPEN
        for stage in ConflictCase.objects.filter(school=self.school).values_list(
            "stage", flat=True
        ):
            counts.conflicts[stage] = counts.conflicts.get(stage, 0) + 1
        counts.kept_apart = ConflictCase.keep_apart.through.objects.filter(
            conflictcase__school=self.school, keepapart__ended_at__isnull=True
        ).count()
        records = concerns.filter(kind=ConcernKind.SAFEGUARDING)
        counts.safeguarding_acknowledged = records.filter(acknowledged_at__isnull=False).count()
        counts.safeguarding_waiting = records.filter(acknowledged_at__isnull=True).count()
        counts.chronology_entries = SafeguardingEntry.objects.filter(school=self.school).count()
        flags = UrgentFlag.objects.filter(school=self.school)
        counts.urgent_flags = flags.count()
        counts.urgent_reviewed = flags.filter(reviewed_at__isnull=False).count()
        return counts


def demo_concerns(
    *, school: School, seed: int, today: datetime.date, staff: Staff
) -> ConcernCounts:
    """Build the school's concerns; returns what was made."""
    return DemoConcerns(school=school, seed=seed, today=today, staff=staff).build()


__all__ = ["ConcernCounts", "demo_concerns"]
