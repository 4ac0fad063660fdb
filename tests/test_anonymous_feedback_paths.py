"""Anonymous feedback cannot be traced back to its author anywhere: not in the
database row, not in the audit trail, and not on any page or export of the
application (every GET URL of the authorization matrix, as every signed-in role).
There is no API yet (the issue that builds it must extend this test to its
endpoints); every way out of the application today is one of these URLs."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.meetings.models import Session
from peersupport.wellbeing.models import Feedback
from peersupport.wellbeing.services import feedback_give
from tests.test_authorization_matrix import MATRIX, WHO, objects  # noqa: F401 (fixture)

COMMENT = "The beanbags squeak too much"


def author_marks(personas: dict[str, Persona], session: Session) -> list[str]:
    """Whatever on a page would point at the author: their names (made distinctive
    first, so that a match means them), e-mail, public id, and the session they
    gave feedback on."""
    user = personas["student"].user
    student = user.student_record
    student.legal_forename, student.legal_surname = "Quillon", "Vasterby"
    student.preferred_forename, student.preferred_surname = "Quill", ""
    student.save()
    user.full_name = "Quillon Vasterby"
    user.save()
    marks = [
        student.legal_forename,
        student.legal_surname,
        personas["student"].user.email,
        str(student.public_id),
        str(session.public_id),
        personas["student"].user.full_name,
        student.preferred_forename,
        student.preferred_surname,
    ]
    return [mark for mark in marks if mark]


def test_no_page_or_export_leads_from_an_anonymous_comment_to_its_author(
    personas: dict[str, Persona],
    objects: dict[str, dict[str, Any]],  # noqa: F811
) -> None:
    session = Session.objects.get(public_id=objects["feedback_session"]["public_id"])
    Session.objects.filter(pk=session.pk).update(
        date=datetime.date.today() - datetime.timedelta(days=1)
    )
    session.refresh_from_db()
    events_before = set(AuditEvent.objects.values_list("pk", flat=True))

    feedback = feedback_give(
        actor=personas["student"].user,
        session=session,
        answers={"listened": 1, "safe": 2, "helpful": 1, "come_again": None},
        comment=COMMENT,
        anonymous=True,
    )

    # The database: the row names nobody and nothing refers to it.
    row = Feedback.objects.filter(pk=feedback.pk).values().get()
    assert (row["student_id"], row["session_id"], row["mentor_id"]) == (None, None, None)
    assert [
        relation.name
        for relation in Feedback._meta.get_fields()
        if relation.is_relation and relation.auto_created
    ] == []
    # The audit trail: nothing new was written about it.
    assert not AuditEvent.objects.exclude(pk__in=events_before).exists()

    # Every page and export, as every role that signs in.
    marks = author_marks(personas, session)
    seen_on = []
    leaks = []
    for name, rule in sorted(MATRIX.items()):
        if rule.method != "get":
            continue
        url = reverse(name, kwargs=objects[rule.kwargs] if rule.kwargs else None)
        for who in WHO:
            if who == "anonymous" or rule.expected[who] != 200:
                continue
            with transaction.atomic():
                client = Client()
                client.force_login(
                    personas[who].user,
                    backend="allauth.account.auth_backends.AuthenticationBackend",
                )
                response = client.get(url)
                transaction.set_rollback(True)
            if response.status_code != 200 or response.streaming:
                continue
            text = response.content.decode(errors="replace")
            if COMMENT not in text:
                continue
            seen_on.append(f"{who} {name}")
            leaks.extend(f"{who} {name}: {mark!r}" for mark in marks if mark in text)

    # The comment is read by the staff who should read it, with no trace of its author.
    assert "coordinator wellbeing:staff_feedback_trends" in seen_on
    assert leaks == []


def test_the_check_above_would_see_a_name_next_to_the_comment(
    personas: dict[str, Persona],
    objects: dict[str, dict[str, Any]],  # noqa: F811
) -> None:
    """The same walk finds the author when the feedback is given with their name, so
    the check can fail."""
    session = Session.objects.get(public_id=objects["feedback_session"]["public_id"])
    Session.objects.filter(pk=session.pk).update(
        date=datetime.date.today() - datetime.timedelta(days=1)
    )
    session.refresh_from_db()
    marks = author_marks(personas, session)
    feedback_give(
        actor=personas["student"].user,
        session=session,
        answers={"listened": 1, "safe": 2, "helpful": 1, "come_again": None},
        comment=COMMENT,
    )
    client = Client()
    client.force_login(
        personas["coordinator"].user, backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    rule = MATRIX["wellbeing:staff_feedback_trends"]
    text = client.get(reverse("wellbeing:staff_feedback_trends", kwargs=objects[rule.kwargs]))
    page = text.content.decode()
    assert COMMENT in page
    assert any(mark in page for mark in marks)
