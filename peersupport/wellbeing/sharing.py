"""What wellbeing offers to share in a referral out (see students/sharing.py): the
student's completed questionnaire totals, with the measure's name and the date.
Never the answers to single questions: a total is what a clinician asks for, and
the answers are the child's own words on a page."""

from __future__ import annotations

import datetime

from peersupport.accounts.models import User
from peersupport.students.models import Student
from peersupport.students.sharing import ShareItem
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.models import Questionnaire

WELLBEING_SCORES_KEY = "wellbeing_scores"


def wellbeing_scores_read(student: Student, today: datetime.date, actor: User) -> list[str]:
    """One line per completed questionnaire, oldest first: "<measure>: total <n>
    (<date>)". Questionnaires completed after ``today`` are left out."""
    instruments = load_instruments()
    done = Questionnaire.objects.filter(
        school=student.school,
        student=student,
        status=Questionnaire.Status.DONE,
        total__isnull=False,
    ).order_by("completed_at", "due_on", "pk")
    lines = []
    for questionnaire in done:
        finished = (
            questionnaire.completed_at.date()
            if questionnaire.completed_at is not None
            else questionnaire.due_on
        )
        if finished > today:
            continue
        found = instruments.get(questionnaire.instrument)
        name = found.name if found is not None else questionnaire.instrument
        total = questionnaire.total
        shown = f"{total:g}" if total is not None else "–"
        lines.append(f"{name}: total {shown} ({finished:%d/%m/%Y})")
    return lines


WELLBEING_SCORES = ShareItem(
    key=WELLBEING_SCORES_KEY,
    label="Wellbeing measure scores",
    read=wellbeing_scores_read,
)
