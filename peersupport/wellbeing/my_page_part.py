"""What wellbeing adds to a student's own page (see meetings/my_page_parts.py): the
questionnaires waiting for them, the sessions of the last week they can still tell
us about, a link to their goals, and the school's newest "You said, we did"."""

from __future__ import annotations

import datetime

from peersupport.accounts.models import User
from peersupport.meetings.my_page_parts import MyPagePart
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.access import (
    questionnaires_due_for_respondent,
    sessions_for_feedback,
    you_said_we_did_for_students,
)
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.views_student import HEADINGS


def wellbeing_part(
    user: User, school: School, student: Student, today: datetime.date
) -> MyPagePart | None:
    instruments = load_instruments()
    due = [
        (questionnaire, HEADINGS.get(instruments[questionnaire.instrument].purpose, "Questions"))
        for questionnaire in questionnaires_due_for_respondent(user, school, today)
    ]
    return MyPagePart(
        template="wellbeing/student/_my_page_part.html",
        context={
            "due": due,
            "sessions": list(sessions_for_feedback(user, school, today)),
            "you_said_we_did": you_said_we_did_for_students(school, student),
        },
    )
