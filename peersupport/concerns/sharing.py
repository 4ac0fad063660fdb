"""What concerns offers to share in a referral out (see students/sharing.py): a short
factual list of the student's safeguarding records (the date each was raised,
whether it is open or closed, and the kind of its latest outcome: early help,
children's social care...). Never the narratives: what happened is told
by the DSL to the partner in their own words, not copied from the file.

The item is for DSLs alone (``dsl_only``): the referral service refuses it to anyone
else. Reading it is a read of each record, audited as the record page audits one,
so each record's "who has looked" list shows that it was shared."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.concerns.access import _safeguarding_read
from peersupport.concerns.selectors import safeguarding_records_of
from peersupport.students.models import Student
from peersupport.students.sharing import ShareItem

SAFEGUARDING_SUMMARY_KEY = "safeguarding_summary"


def safeguarding_summary_read(student: Student, today: datetime.date, actor: User) -> list[str]:
    """One line per safeguarding record naming the student, raised on or before
    ``today``, oldest first, for a DSL (anyone else is refused here too, whatever
    the caller checked). Each record read is audited against the record, naming the
    DSL who shared it."""
    if role_in(actor, student.school) != Role.DSL:
        raise PermissionDenied("Only a DSL can share from safeguarding records.")
    lines = []
    for concern in safeguarding_records_of(student):
        raised = concern.created_at.date()
        if raised > today:
            continue
        _safeguarding_read(
            actor,
            student.school,
            concern.public_id,
            None,
            "summarised for a referral to an outside service",
        )
        line = f"{raised:%d/%m/%Y}: safeguarding record, {concern.get_status_display().lower()}"
        outcome = concern.entries.exclude(outcome="").order_by("-written_at", "-pk").first()
        if outcome is not None:
            line += f"; outcome: {outcome.get_outcome_display()}"
        lines.append(line)
    return lines


SAFEGUARDING_SUMMARY = ShareItem(
    key=SAFEGUARDING_SUMMARY_KEY,
    label="Safeguarding summary (dates, kinds and status only)",
    read=safeguarding_summary_read,
    dsl_only=True,
)
