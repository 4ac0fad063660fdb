"""When a student leaves: the safeguarding file goes to the receiving school's DSL
as a PDF (real text, every record and its chronology), the transfer is recorded
with date, recipient and confirmation of receipt, and all of it is audited and
kept apart from every other export."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import SafeguardingTransfer
from peersupport.concerns.safeguarding_pdf import FileRecord, safeguarding_file_pdf
from peersupport.concerns.selectors import safeguarding_chronology
from peersupport.concerns.services import (
    safeguarding_acknowledge,
    safeguarding_add_entry,
    safeguarding_transfer_confirm_receipt,
    safeguarding_transfer_record,
)
from peersupport.concerns.tests.safeguarding_setup import FIRST_ACCOUNT, raise_safeguarding

Login = Callable[[Persona], Client]
TODAY = timezone.localdate


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def file_of_ada(personas: dict[str, Persona], student_a: Any) -> Any:
    dsl = personas["dsl"].user
    first = safeguarding_acknowledge(
        actor=dsl, concern=raise_safeguarding(personas["mentor"], [student_a])
    )
    action = safeguarding_add_entry(
        actor=dsl, concern=first, kind="action", text="Referred to Zoë Łukasiewicz at MASH."
    )
    safeguarding_add_entry(
        actor=dsl,
        concern=first,
        kind="correction",
        text="The referral went on Tuesday, not Monday.",
        corrects=action,
    )
    # A second record names Ada only in an entry, not in the concern.
    second = safeguarding_acknowledge(
        actor=dsl,
        concern=raise_safeguarding(personas["coordinator"], text="Bruise seen in PE."),
    )
    safeguarding_add_entry(
        actor=dsl,
        concern=second,
        kind="outcome",
        outcome="monitoring",
        text="Monitoring weekly with her form tutor.",
        students=[student_a],
    )
    # A record about somebody else stays out of Ada's file.
    raise_safeguarding(
        personas["facilitator"], [make_student(student_a.school)], text="About Ben only."
    )
    return student_a


def test_the_file_downloads_as_a_pdf_of_real_text_with_every_record(
    personas: dict[str, Persona], file_of_ada: Any, login: Login
) -> None:
    url = reverse("concerns:safeguarding_export", kwargs={"public_id": file_of_ada.public_id})
    response = login(personas["dsl"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    text = one_line(pdf_text(response.content))
    assert "CONFIDENTIAL: safeguarding file" in text
    assert "Ada Lovelace" in text
    assert file_of_ada.upn in text
    assert one_line(FIRST_ACCOUNT) in text
    assert "Zoë Łukasiewicz" in text  # the whole alphabet, not only Latin-1
    assert "This corrects entry 1." in text
    assert "Corrected by entry 2." in text
    assert "Bruise seen in PE." in text
    assert "Outcome: Monitoring in school" in text
    assert "Records in this file: 2" in text
    assert "About Ben only." not in text


def test_the_export_is_audited_for_the_student_and_for_each_record(
    personas: dict[str, Persona], file_of_ada: Any, login: Login
) -> None:
    login(personas["dsl"]).get(
        reverse("concerns:safeguarding_export", kwargs={"public_id": file_of_ada.public_id}),
        REMOTE_ADDR="10.9.8.7",
    )
    exported = AuditEvent.objects.get(action="safeguarding.file_exported")
    assert (exported.actor, exported.role, exported.object_public_id, exported.ip_address) == (
        personas["dsl"].user,
        "dsl",
        file_of_ada.public_id,
        "10.9.8.7",
    )
    assert AuditEvent.objects.filter(action="safeguarding.exported").count() == 2


@pytest.mark.parametrize("who", ["coordinator", "outsider"])
def test_nobody_but_a_dsl_can_export_or_see_the_file(
    who: str, personas: dict[str, Persona], file_of_ada: Any, login: Login
) -> None:
    client = login(personas[who])
    for name in ("safeguarding_export", "safeguarding_student"):
        response = client.get(
            reverse(f"concerns:{name}", kwargs={"public_id": file_of_ada.public_id})
        )
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="safeguarding.file").exists()


def test_without_the_full_font_the_pdf_still_holds_real_text_and_says_so(
    personas: dict[str, Persona], file_of_ada: Any
) -> None:
    from peersupport.concerns.selectors import safeguarding_records_of

    content = safeguarding_file_pdf(
        school_name="Northgate Academy",
        student=file_of_ada,
        records=[
            FileRecord(concern, safeguarding_chronology(concern))
            for concern in safeguarding_records_of(file_of_ada)
        ],
        transfers=[],
        exported_by=personas["dsl"].user,
        exported_at=timezone.now(),
        font_folder=None,
    )
    text = one_line(pdf_text(content))
    assert "Bruise seen in PE." in text
    assert "Zoë ?ukasiewicz" in text
    assert 'shown as "?"' in text


def test_recording_a_transfer_and_its_receipt(
    personas: dict[str, Persona], file_of_ada: Any, login: Login
) -> None:
    client = login(personas["dsl"])
    sent_on = TODAY() - datetime.timedelta(days=3)
    response = client.post(
        reverse("concerns:safeguarding_transfer", kwargs={"public_id": file_of_ada.public_id}),
        {
            "recipient_school": "Hillside High",
            "recipient_name": "Ms Rivers",
            "recipient_email": "dsl@hillside.example",
            "sent_on": sent_on.isoformat(),
        },
    )
    assert response.status_code == 302
    transfer = SafeguardingTransfer.objects.get()
    assert (transfer.recipient_school, transfer.sent_on, transfer.sent_by) == (
        "Hillside High",
        sent_on,
        personas["dsl"].user,
    )
    page = client.get(
        reverse("concerns:safeguarding_student", kwargs={"public_id": file_of_ada.public_id})
    ).content.decode()
    assert "Ms Rivers, Hillside High" in page
    assert "Record receipt" in page

    prefix = f"receipt-{transfer.public_id}"
    response = client.post(
        reverse("concerns:safeguarding_transfer_receipt", kwargs={"public_id": transfer.public_id}),
        {f"{prefix}-on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.receipt_confirmed_on == TODAY()
    assert transfer.receipt_recorded_by == personas["dsl"].user
    assert list(
        AuditEvent.objects.filter(action__startswith="safeguarding.transfer")
        .order_by("at", "id")
        .values_list("action", flat=True)
    ) == ["safeguarding.transferred", "safeguarding.transfer_received"]
    # The next export lists the transfer.
    text = one_line(
        pdf_text(
            client.get(
                reverse("concerns:safeguarding_export", kwargs={"public_id": file_of_ada.public_id})
            ).content
        )
    )
    assert "to Ms Rivers, Hillside High" in text
    assert "receipt confirmed" in text


def test_a_transfer_with_missing_details_is_refused_with_messages_and_saves_nothing(
    personas: dict[str, Persona], file_of_ada: Any, login: Login
) -> None:
    response = login(personas["dsl"]).post(
        reverse("concerns:safeguarding_transfer", kwargs={"public_id": file_of_ada.public_id}),
        {"recipient_school": "", "recipient_name": "", "sent_on": "soon"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Enter a valid date." in page
    assert not SafeguardingTransfer.objects.exists()


def test_transfer_rules(personas: dict[str, Persona], file_of_ada: Any, student_a: Any) -> None:
    dsl = personas["dsl"].user
    details = {"recipient_school": "Hillside", "recipient_name": "Ms Rivers"}
    with pytest.raises(ValidationError) as refused:
        safeguarding_transfer_record(
            actor=dsl, student=file_of_ada, sent_on=TODAY() + datetime.timedelta(days=1), **details
        )
    assert "future" in refused.value.message_dict["sent_on"][0]
    nobody = make_student(student_a.school)
    with pytest.raises(ValidationError, match="no safeguarding record"):
        safeguarding_transfer_record(actor=dsl, student=nobody, sent_on=TODAY(), **details)
    with pytest.raises(PermissionDenied):
        safeguarding_transfer_record(
            actor=personas["coordinator"].user, student=file_of_ada, sent_on=TODAY(), **details
        )
    assert not SafeguardingTransfer.objects.exists()

    transfer = safeguarding_transfer_record(
        actor=dsl, student=file_of_ada, sent_on=TODAY(), **details
    )
    with pytest.raises(ValidationError) as refused:
        safeguarding_transfer_confirm_receipt(
            actor=dsl, transfer=transfer, on=TODAY() - datetime.timedelta(days=1)
        )
    assert "before it was sent" in refused.value.message_dict["on"][0]
    with pytest.raises(PermissionDenied):
        safeguarding_transfer_confirm_receipt(
            actor=personas["coordinator"].user, transfer=transfer, on=TODAY()
        )
    safeguarding_transfer_confirm_receipt(actor=dsl, transfer=transfer, on=TODAY())
    with pytest.raises(ValidationError, match="already been recorded"):
        safeguarding_transfer_confirm_receipt(actor=dsl, transfer=transfer, on=TODAY())
