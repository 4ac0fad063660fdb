"""What wellbeing registers with students/free_text.py: how a flagged session
feedback comment or goal is read back, for the DSL reviewing the flag. The DSL
reading them is audited by the flag's page; these only fetch the words."""

from __future__ import annotations

import uuid

from peersupport.schools.models import School
from peersupport.wellbeing.models import Feedback, Goal

FEEDBACK_SOURCE = "session_feedback"
GOAL_SOURCE = "goal"


def feedback_comment_read(school: School, public_id: uuid.UUID) -> str | None:
    feedback = Feedback.objects.filter(school=school, id=public_id).first()
    return feedback.comment if feedback is not None else None


def goal_text_read(school: School, public_id: uuid.UUID) -> str | None:
    goal = Goal.objects.filter(school=school, public_id=public_id).first()
    return goal.text if goal is not None else None
