"""The demo school's matching: what each one-to-one mentee would like in a mentor,
and an open match run, already solved, on the mentoring programme, so a
coordinator can see proposals, reasons and the fairness panel at once.

Built after the programmes and the training (the run must see the training the
programmes require), through the services only, from ``random.Random`` seeded
with the seeder's seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from peersupport.demo.programmes import INTERESTS, LANGUAGES, Staff
from peersupport.matching.services import preferences_save, run_open, run_solve
from peersupport.programmes.models import Enrolment, Programme
from peersupport.schools.models import School, TimetableSlot


@dataclass
class MatchingCounts:
    preferences: int = 0
    waiting: int = 0
    proposed: int = 0

    def summary(self) -> list[str]:
        return [
            f"Matching: {self.preferences} mentees' preferences; an open match run proposes "
            f"{self.proposed} pairs for {self.waiting} waiting mentees"
        ]


def demo_matching(*, school: School, seed: int, staff: Staff) -> MatchingCounts:
    rng = random.Random(seed * 7919 + 5)
    counts = MatchingCounts()
    slots = list(TimetableSlot.objects.filter(school=school))
    # Lunch is when most students are free; after school the fewest.
    weights = [
        {"before": 1, "break": 2, "lunch": 5, "after": 1}.get(slot.part, 1) for slot in slots
    ]
    enrolments = (
        Enrolment.objects.filter(
            school=school,
            ended_on__isnull=True,
            programme__kind=Programme.Kind.ONE_TO_ONE,
        )
        .select_related("student")
        .order_by("pk")
    )
    seen: set[int] = set()
    for enrolment in enrolments:
        student = enrolment.student
        if student.pk in seen:
            continue
        seen.add(student.pk)
        free: set[TimetableSlot] = set()
        wanted = rng.randint(2, 4)
        while len(free) < wanted:
            free.add(rng.choices(slots, weights=weights)[0])
        preferences_save(
            actor=staff.coordinator,
            student=student,
            interests=rng.sample(INTERESTS, rng.randint(1, 3)),
            languages=[rng.choice(LANGUAGES)] if student.eal and rng.random() < 0.7 else [],
            availability=sorted(free, key=lambda s: (s.weekday, s.position)),
            same_gender=rng.random() < 0.2,
        )
        counts.preferences += 1
    mentoring = Programme.objects.filter(school=school, name="1:1 peer mentoring").first()
    if mentoring is not None:
        run = run_open(actor=staff.coordinator, programme=mentoring)
        solve = run_solve(actor=staff.coordinator, run=run)
        counts.waiting = len(solve.problem["mentees"])
        counts.proposed = solve.matched_count
    return counts


__all__ = ["MatchingCounts", "demo_matching"]
