"""Every write about outside services: the directory and agreements, referrals out
with consent and status, partners' updates, signposting, research exports."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import require_manager, role_in
from peersupport.audit.services import audit_record
from peersupport.partners.models import (
    Agreement,
    Contact,
    DeliveredTraining,
    Organisation,
    PartnerSettings,
    ReferralConsent,
    ReferralNote,
    ReferralOut,
    ReferralStatus,
    ReferralStep,
    Service,
    Urgency,
)
from peersupport.partners.selectors import (
    CONSENT_SUPERSEDED_ACTION,
    WRITTEN_SUMMARY_KEY,
    WRITTEN_SUMMARY_LABEL,
    referral_consents_in_force,
    referral_dsl_restricted,
    referral_send_blocked_because,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.sharing import share_item
from peersupport.tasks.models import TaskKind
from peersupport.tasks.services import task_open, tasks_close_for
from peersupport.training.models import TrainingEvent, TrainingModule

# ---------------------------------------------------------------- directory (helper: directory)

ORGANISATION_FIELDS = ("name", "kind", "about", "website", "phone", "email", "address", "active")
SERVICE_FIELDS = (
    "name",
    "description",
    "eligibility",
    "referral_route",
    "parent_consent_needed",
    "active",
)
CONTACT_FIELDS = ("name", "job_title", "email", "phone", "user")
# The limits of each referral setting, inclusive, and what it is called to a person.
PARTNER_SETTING_LIMITS = {
    "reminder_days": (1, 90, "The days before a reminder"),
    "parent_consent_under": (0, 18, "The age under which a parent's consent is needed"),
    "research_k": (2, 50, "The smallest group in a research export"),
}


def _fields_set(record: Any, allowed: tuple[str, ...], fields: dict[str, Any]) -> list[str]:
    """Copy the allowed fields onto the record (strings trimmed); refuse any other.
    Returns the names of the fields that changed."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    changed = []
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _directory_audit(
    action: str, actor: User, record: Any, request: HttpRequest | None, detail: str = ""
) -> None:
    audit_record(
        action=f"partners.{action}",
        actor=actor,
        school=record.school,
        object_type=record._meta.model_name,
        object_public_id=record.public_id,
        request=request,
        detail=detail,
    )


@transaction.atomic
def organisation_create(
    *,
    actor: User,
    school: School,
    name: str,
    kind: str,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Organisation:
    """A coordinator or DSL adds an outside organisation to the school's directory."""
    require_manager(actor, school)
    organisation = Organisation(school=school)
    _fields_set(organisation, ORGANISATION_FIELDS, {"name": name, "kind": kind, **fields})
    organisation.full_clean()
    organisation.save()
    _directory_audit("organisation_created", actor, organisation, request, organisation.kind)
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, request: HttpRequest | None = None, **fields: Any
) -> Organisation:
    """A coordinator or DSL changes an organisation's details (or marks it no longer
    active: it stays, with its history, for the referrals made to it)."""
    require_manager(actor, organisation.school)
    changed = _fields_set(organisation, ORGANISATION_FIELDS, fields)
    if not changed:
        return organisation
    organisation.full_clean()
    organisation.save(update_fields=changed)
    _directory_audit(
        "organisation_updated", actor, organisation, request, ", ".join(sorted(changed))
    )
    return organisation


@transaction.atomic
def service_add(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Service:
    """A coordinator or DSL records a service an organisation offers: who is eligible
    and how to refer."""
    require_manager(actor, organisation.school)
    service = Service(school=organisation.school, organisation=organisation)
    _fields_set(service, SERVICE_FIELDS, {"name": name, **fields})
    service.full_clean()
    service.save()
    _directory_audit("service_added", actor, service, request)
    return service


@transaction.atomic
def service_update(
    *, actor: User, service: Service, request: HttpRequest | None = None, **fields: Any
) -> Service:
    """A coordinator or DSL changes what is recorded about a service."""
    require_manager(actor, service.school)
    changed = _fields_set(service, SERVICE_FIELDS, fields)
    if not changed:
        return service
    service.full_clean()
    service.save(update_fields=changed)
    _directory_audit("service_updated", actor, service, request, ", ".join(sorted(changed)))
    return service


def _require_partner_user(user: User | None, school: School) -> None:
    """A contact's account must hold the partner role in the school: that link is
    what lets them see their organisation's referrals, so no other role may have it."""
    if user is not None and role_in(user, school) != Role.PARTNER:
        raise ValidationError(
            {"user": "That account does not hold the partner role in this school."}
        )


@transaction.atomic
def contact_add(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    user: User | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Contact:
    """A coordinator or DSL records a person at an organisation, optionally linked to
    their partner account in the school."""
    require_manager(actor, organisation.school)
    _require_partner_user(user, organisation.school)
    contact = Contact(school=organisation.school, organisation=organisation)
    _fields_set(contact, CONTACT_FIELDS, {"name": name, "user": user, **fields})
    contact.full_clean()
    contact.save()
    _directory_audit("contact_added", actor, contact, request, "linked" if user else "")
    return contact


@transaction.atomic
def contact_update(
    *, actor: User, contact: Contact, request: HttpRequest | None = None, **fields: Any
) -> Contact:
    """A coordinator or DSL changes a contact's details or the account linked to it."""
    require_manager(actor, contact.school)
    if "user" in fields:
        _require_partner_user(fields["user"], contact.school)
    changed = _fields_set(contact, CONTACT_FIELDS, fields)
    if not changed:
        return contact
    contact.full_clean()
    contact.save(update_fields=changed)
    _directory_audit("contact_updated", actor, contact, request, ", ".join(sorted(changed)))
    return contact


@transaction.atomic
def agreement_record(
    *,
    actor: User,
    organisation: Organisation,
    signed_on: datetime.date,
    review_on: datetime.date,
    scope: str,
    covers_research: bool = False,
    request: HttpRequest | None = None,
) -> Agreement:
    """A coordinator or DSL records a data sharing agreement signed with an
    organisation. The review tasks of the agreements it replaces are closed."""
    require_manager(actor, organisation.school)
    if signed_on is not None and review_on is not None and review_on <= signed_on:
        raise ValidationError({"review_on": "The review date must be after the date signed."})
    agreement = Agreement(
        school=organisation.school,
        organisation=organisation,
        signed_on=signed_on,
        review_on=review_on,
        scope=(scope or "").strip(),
        covers_research=covers_research,
        recorded_by=actor,
    )
    agreement.full_clean()
    agreement.save()
    older = Agreement.objects.filter(organisation=organisation, review_on__lt=review_on)
    tasks_close_for(
        actor=actor,
        school=organisation.school,
        kind=TaskKind.AGREEMENT_REVIEW,
        subject_public_ids=list(older.values_list("public_id", flat=True)),
        why="a newer agreement was recorded",
    )
    _directory_audit(
        "agreement_recorded",
        actor,
        agreement,
        request,
        f"review on {review_on:%Y-%m-%d}" + ("; covers research" if covers_research else ""),
    )
    return agreement


@transaction.atomic
def partner_settings_set(
    *, actor: User, school: School, request: HttpRequest | None = None, **values: int
) -> PartnerSettings:
    """A coordinator or DSL changes the school's referral settings (each within its
    limits)."""
    require_manager(actor, school)
    errors = {}
    for name, value in values.items():
        if name not in PARTNER_SETTING_LIMITS:
            raise ValidationError(f"There is no referral setting called {name!r}.")
        low, high, label = PARTNER_SETTING_LIMITS[name]
        if value is None or not low <= value <= high:
            errors[name] = f"{label} must be from {low} to {high}."
    if errors:
        raise ValidationError(errors)
    found = PartnerSettings.objects.select_for_update().filter(school=school).first()
    settings_ = found if found is not None else PartnerSettings(school=school)
    for name, value in values.items():
        setattr(settings_, name, value)
    settings_.full_clean()
    settings_.save()
    _directory_audit(
        "settings_saved",
        actor,
        settings_,
        request,
        ", ".join(f"{k}={v}" for k, v in values.items()),
    )
    return settings_


@transaction.atomic
def training_delivered_record(
    *,
    actor: User,
    organisation: Organisation,
    module: TrainingModule | None = None,
    event: TrainingEvent | None = None,
    request: HttpRequest | None = None,
) -> DeliveredTraining:
    """A coordinator or DSL records that an organisation delivered a training module,
    or one training event, of the same school."""
    require_manager(actor, organisation.school)
    if (module is None) == (event is None):
        raise ValidationError("Choose a training module or a training event, not both.")
    chosen: TrainingModule | TrainingEvent = module if module is not None else event  # type: ignore[assignment]
    if chosen.school_id != organisation.school_id:
        raise ValidationError(
            {"module" if module is not None else "event": "That training is not in this school."}
        )
    delivered = DeliveredTraining(
        school=organisation.school,
        organisation=organisation,
        module=module,
        event=event,
        recorded_by=actor,
    )
    delivered.full_clean()
    delivered.save()
    _directory_audit(
        "training_recorded", actor, delivered, request, "module" if module is not None else "event"
    )
    return delivered


# ---------------------------------------------------------------- referrals (helper: referrals)

REFERRAL_MAKERS = (Role.COORDINATOR, Role.DSL)
# Where a referral may go next. Declined and closed are the end.
REFERRAL_NEXT: dict[str, frozenset[str]] = {
    ReferralStatus.SENT: frozenset(
        {
            ReferralStatus.ACKNOWLEDGED,
            ReferralStatus.ACCEPTED,
            ReferralStatus.WAITLISTED,
            ReferralStatus.DECLINED,
            ReferralStatus.CLOSED,
        }
    ),
    ReferralStatus.ACKNOWLEDGED: frozenset(
        {
            ReferralStatus.ACCEPTED,
            ReferralStatus.WAITLISTED,
            ReferralStatus.DECLINED,
            ReferralStatus.CLOSED,
        }
    ),
    ReferralStatus.WAITLISTED: frozenset(
        {
            ReferralStatus.ACCEPTED,
            ReferralStatus.DECLINED,
            ReferralStatus.SEEN,
            ReferralStatus.CLOSED,
        }
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.SEEN, ReferralStatus.CLOSED}),
    ReferralStatus.SEEN: frozenset({ReferralStatus.CLOSED}),
}
# An answer from the organisation: what stops the clock for "time to first response"
# (the school closing a referral itself is not an answer).
REFERRAL_ANSWERS = frozenset(
    {
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.WAITLISTED,
        ReferralStatus.DECLINED,
        ReferralStatus.SEEN,
    }
)
PARTNER_NOTE_TASK_TITLE = "Read a partner's update on a referral"


def _referral_maker_check(actor: User, school: School) -> None:
    if role_in(actor, school) not in REFERRAL_MAKERS:
        raise PermissionDenied("Only a coordinator or DSL can make referrals to outside services.")


def _referral_items_check(actor: User, school: School, items: list[str]) -> list[str]:
    """The ticked items, checked: known keys only, and a DSL-only item for a DSL of
    the school alone (PermissionDenied otherwise)."""
    cleaned: list[str] = []
    is_dsl = role_in(actor, school) == Role.DSL
    for key in items:
        if key in cleaned:
            continue
        if key == WRITTEN_SUMMARY_KEY:
            cleaned.append(key)
            continue
        item = share_item(key)
        if item is None:
            raise ValidationError({"shared_items": f"There is nothing called {key!r} to share."})
        if item.dsl_only and not is_dsl:
            raise PermissionDenied(f"Only a DSL can share the {item.label.lower()}.")
        cleaned.append(key)
    return cleaned


def _referral_parts_check(
    school: School, student: Student, organisation: Organisation, service: Service | None
) -> None:
    if student.school_id != school.pk or organisation.school_id != school.pk:
        raise ValidationError("The student and the organisation must both be of this school.")
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError({"service": f"That service is not one of {organisation.name}'s."})


def _referral_draft_check(referral: ReferralOut) -> None:
    if referral.status != ReferralStatus.DRAFT:
        raise ValidationError("This referral has been sent: it can no longer be changed.")


@transaction.atomic
def referral_create(
    *,
    actor: User,
    student: Student,
    organisation: Organisation,
    reason: str,
    service: Service | None = None,
    urgency: str = Urgency.ROUTINE,
    shared_items: list[str] | None = None,
    written_summary: str = "",
    request: HttpRequest | None = None,
) -> ReferralOut:
    """Start a referral of a student to an outside organisation, as a draft: nothing
    is shared until it is sent. Coordinators and DSLs only; an item only a DSL may
    share (the safeguarding summary) is refused to anyone else."""
    school = student.school
    _referral_maker_check(actor, school)
    _referral_parts_check(school, student, organisation, service)
    items = _referral_items_check(actor, school, list(shared_items or []))
    referral = ReferralOut(
        school=school,
        student=student,
        organisation=organisation,
        service=service,
        reason=reason.strip(),
        urgency=urgency,
        shared_items=items,
        written_summary=written_summary.strip(),
        made_by=actor,
        made_by_dsl=role_in(actor, school) == Role.DSL,
    )
    referral.full_clean()
    referral.save()
    audit_record(
        action="partners.referral_created",
        actor=actor,
        school=school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
        detail=f"to {organisation.name}",
    )
    return referral


@transaction.atomic
def referral_update_draft(
    *,
    actor: User,
    referral: ReferralOut,
    reason: str,
    service: Service | None = None,
    urgency: str = Urgency.ROUTINE,
    shared_items: list[str] | None = None,
    written_summary: str = "",
    request: HttpRequest | None = None,
) -> ReferralOut:
    """Change a draft referral: what it says and what it will share.

    A DSL's draft that shares from safeguarding records is changed by a DSL only
    (PermissionDenied otherwise). Consent is consent to what the referral shares:
    when the change touches the items, the service or the written summary and
    consent has been recorded, a ``partners.consent_superseded`` audit event is
    written, and from then on only consent recorded after that event counts for
    sending (see ``referral_consents_in_force``). Nothing is deleted: the earlier
    consents stay on the record, shown as given for what the draft shared before."""
    referral = ReferralOut.objects.select_for_update().get(pk=referral.pk)
    school = referral.school
    _referral_maker_check(actor, school)
    _referral_draft_check(referral)
    if referral_dsl_restricted(referral) and role_in(actor, school) != Role.DSL:
        raise PermissionDenied("Only a DSL can change a DSL's referral that shares safeguarding.")
    _referral_parts_check(school, referral.student, referral.organisation, service)
    items = _referral_items_check(actor, school, list(shared_items or []))
    summary = written_summary.strip()
    shared_changed = (
        items != list(referral.shared_items)
        or (service.pk if service is not None else None) != referral.service_id
        or summary != referral.written_summary
    )
    referral.shared_items = items
    referral.reason = reason.strip()
    referral.service = service
    referral.urgency = urgency
    referral.written_summary = summary
    referral.full_clean()
    referral.save()
    if shared_changed and referral_consents_in_force(referral):
        audit_record(
            action=CONSENT_SUPERSEDED_ACTION,
            actor=actor,
            school=school,
            object_type="referral_out",
            object_public_id=referral.public_id,
            request=request,
            detail="what the draft shares changed: consent must be recorded again",
        )
    audit_record(
        action="partners.referral_changed",
        actor=actor,
        school=school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


@transaction.atomic
def referral_consent_record(
    *,
    actor: User,
    referral: ReferralOut,
    who: str,
    given_by: str,
    method: str,
    given_on: datetime.date,
    relationship: str = "",
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> ReferralConsent:
    """Record the student's own consent, or a parent's or carer's, to a draft
    referral."""
    today = today or timezone.localdate()
    _referral_maker_check(actor, referral.school)
    _referral_draft_check(referral)
    if given_on > today:
        raise ValidationError({"given_on": "The date of consent cannot be in the future."})
    if who == ReferralConsent.Who.PARENT and not relationship.strip():
        raise ValidationError(
            {"relationship": "Say how the person is related to the student (mother, carer)."}
        )
    consent = ReferralConsent(
        school=referral.school,
        referral=referral,
        who=who,
        given_by=given_by.strip(),
        relationship=relationship.strip(),
        method=method,
        given_on=given_on,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_record(
        action="partners.consent_recorded",
        actor=actor,
        school=referral.school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
        detail=f"{who} consent",
    )
    return consent


@transaction.atomic
def referral_consent_override(
    *,
    actor: User,
    referral: ReferralOut,
    reason: str,
    request: HttpRequest | None = None,
) -> ReferralOut:
    """A DSL's decision to refer without the consent otherwise needed (a child at risk
    of significant harm), with the reason. Only a DSL of the school; audited."""
    referral = ReferralOut.objects.select_for_update().get(pk=referral.pk)
    if role_in(actor, referral.school) != Role.DSL:
        raise PermissionDenied("Only a DSL can decide to refer without consent.")
    _referral_draft_check(referral)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral goes without consent."})
    referral.consent_override_reason = reason.strip()
    referral.consent_override_by = actor
    referral.save(update_fields=["consent_override_reason", "consent_override_by"])
    audit_record(
        action="partners.consent_overridden",
        actor=actor,
        role=Role.DSL,
        school=referral.school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


def _referral_snapshot(referral: ReferralOut, today: datetime.date, actor: User) -> str:
    """What the referral shares, read now: {key: {"label", "lines", "dsl_only"}} as
    JSON (``dsl_only``: school staff other than a DSL are not shown it)."""
    snapshot: dict[str, dict[str, object]] = {}
    for key in referral.shared_items:
        if key == WRITTEN_SUMMARY_KEY:
            lines = [line for line in referral.written_summary.splitlines() if line.strip()]
            snapshot[key] = {"label": WRITTEN_SUMMARY_LABEL, "lines": lines, "dsl_only": False}
            continue
        item = share_item(key)
        if item is None:
            raise ValidationError(f"There is nothing called {key!r} to share.")
        snapshot[key] = {
            "label": item.label,
            "lines": item.read(referral.student, today, actor),
            "dsl_only": item.dsl_only,
        }
    return json.dumps(snapshot)


@transaction.atomic
def referral_send(
    *,
    actor: User,
    referral: ReferralOut,
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> ReferralOut:
    """Send a draft referral: refused, with the reason and nothing changed, while
    there is no data sharing agreement in force or the consent needed is missing
    (unless a DSL decided to refer without it). Takes the snapshot of what is
    shared, which is all the partner will read."""
    today = today or timezone.localdate()
    referral = (
        ReferralOut.objects.select_for_update(of=("self",))
        .select_related("student", "organisation", "service", "school")
        .get(pk=referral.pk)
    )
    _referral_maker_check(actor, referral.school)
    # A DSL's draft that shares from safeguarding records is sent by a DSL.
    _referral_items_check(actor, referral.school, list(referral.shared_items))
    blocked = referral_send_blocked_because(referral, today)
    if blocked is not None:
        raise ValidationError(blocked)
    referral.shared_snapshot = _referral_snapshot(referral, today, actor)
    referral.status = ReferralStatus.SENT
    referral.sent_on = today
    referral.status_changed_on = today
    referral.save(update_fields=["shared_snapshot", "status", "sent_on", "status_changed_on"])
    ReferralStep.objects.create(
        school=referral.school, referral=referral, status=ReferralStatus.SENT, on=today, by=actor
    )
    audit_record(
        action="partners.referral_sent",
        actor=actor,
        school=referral.school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
        detail="shares: " + (", ".join(referral.shared_items) or "nothing beyond the reason"),
    )
    return referral


def _status_words(status: str) -> str:
    """A status in words, for a message (the raw value when it is not a status)."""
    if status in ReferralStatus.values:
        return str(ReferralStatus(status).label).lower()
    return repr(status)


def _referral_may_act(actor: User, referral: ReferralOut, today: datetime.date) -> bool:
    """Whether ``actor`` may change the referral's status or add a note: the school's
    coordinators and DSLs, or a partner user who may read it today."""
    from peersupport.partners.access import partner_referrals_visible_to

    school = referral.school
    if role_in(actor, school) in REFERRAL_MAKERS:
        return True
    return partner_referrals_visible_to(actor, school, today).filter(pk=referral.pk).exists()


@transaction.atomic
def referral_status_set(
    *,
    actor: User,
    referral: ReferralOut,
    status: str,
    on: datetime.date,
    reason: str = "",
    outcome: str = "",
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> ReferralOut:
    """Move a sent referral on (acknowledged, accepted, on the waiting list, declined,
    seen, closed), by school staff or the partner. Steps out of order, dates before
    the last step or in the future, a decline without a reason and a close without
    an outcome are refused with nothing changed."""
    today = today or timezone.localdate()
    referral = (
        ReferralOut.objects.select_for_update(of=("self",))
        .select_related("school", "organisation")
        .get(pk=referral.pk)
    )
    if not _referral_may_act(actor, referral, today):
        raise PermissionDenied("You cannot change this referral.")
    allowed = REFERRAL_NEXT.get(referral.status, frozenset())
    if status not in allowed:
        raise ValidationError(
            {
                "status": f"A referral that is {referral.get_status_display().lower()} cannot "
                f"become {_status_words(status)}."
            }
        )
    if on > today:
        raise ValidationError({"on": "The date cannot be in the future."})
    if referral.status_changed_on is not None and on < referral.status_changed_on:
        raise ValidationError(
            {
                "on": "The date cannot be before the last step "
                f"({referral.status_changed_on:%d/%m/%Y})."
            }
        )
    if status == ReferralStatus.DECLINED and not reason.strip():
        raise ValidationError({"reason": "Say why the referral was declined."})
    if status == ReferralStatus.CLOSED and not outcome.strip():
        raise ValidationError({"outcome": "Say what the outcome was."})
    was_waiting = referral.status == ReferralStatus.SENT
    fields = ["status", "status_changed_on"]
    referral.status = status
    referral.status_changed_on = on
    if referral.first_response_on is None and status in REFERRAL_ANSWERS:
        referral.first_response_on = on
        fields.append("first_response_on")
    if status == ReferralStatus.SEEN:
        referral.seen_on = on
        fields.append("seen_on")
    if status == ReferralStatus.DECLINED:
        referral.decline_reason = reason.strip()
        fields.append("decline_reason")
    if status == ReferralStatus.CLOSED:
        referral.closed_on = on
        referral.outcome = outcome.strip()
        fields += ["closed_on", "outcome"]
    referral.save(update_fields=fields)
    ReferralStep.objects.create(
        school=referral.school, referral=referral, status=status, on=on, by=actor
    )
    if was_waiting:
        tasks_close_for(
            actor=None,
            school=referral.school,
            kind=TaskKind.REFERRAL_CHASE,
            subject_public_ids=[referral.public_id],
            why="the referral was answered",
        )
    audit_record(
        action="partners.referral_status_changed",
        actor=actor,
        school=referral.school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
        detail=status,
    )
    return referral


@transaction.atomic
def referral_note_add(
    *,
    actor: User,
    referral: ReferralOut,
    text: str,
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> ReferralNote:
    """A note on a referral by school staff or the partner; both sides read it. A
    partner's note puts a task on the desk of whoever made the referral."""
    today = today or timezone.localdate()
    if not _referral_may_act(actor, referral, today):
        raise PermissionDenied("You cannot add a note to this referral.")
    if referral.status == ReferralStatus.DRAFT:
        raise ValidationError("Notes are for referrals that have been sent.")
    by_partner = role_in(actor, referral.school) == Role.PARTNER
    note = ReferralNote(
        school=referral.school,
        referral=referral,
        text=text.strip(),
        author=actor,
        by_partner=by_partner,
    )
    note.full_clean()
    note.save()
    if by_partner:
        task_open(
            school=referral.school,
            kind=TaskKind.PARTNER_NOTE,
            title=PARTNER_NOTE_TASK_TITLE,
            subject_type="referral_out",
            subject_public_id=referral.public_id,
            assigned_to=referral.made_by,
            link=reverse("partners:referral", kwargs={"public_id": referral.public_id}),
            due_on=today,
        )
    audit_record(
        action="partners.note_added",
        actor=actor,
        school=referral.school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
        detail="by the partner" if by_partner else "by the school",
    )
    return note


# ---------------------------------------------------------------- signposting (helper: signposting)

import re  # noqa: E402

from peersupport.partners.models import SignpostEntry  # noqa: E402

SIGNPOST_FIELDS = ("kind", "name", "what_for", "phone", "text", "website", "hours", "where")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]*[0-9]$")


def _signpost_clean(values: dict[str, Any]) -> dict[str, Any]:
    """The entry's words with spaces tidied, or ValidationError naming each problem:
    a phone number of digits and spaces, and some way to reach the service."""
    cleaned = {name: " ".join(str(values.get(name) or "").split()) for name in SIGNPOST_FIELDS}
    errors: dict[str, str] = {}
    if cleaned["kind"] not in SignpostEntry.Kind.values:
        errors["kind"] = "Choose whether it is in school or a local service."
    if cleaned["phone"] and not _PHONE.match(cleaned["phone"]):
        errors["phone"] = "Write the phone number with digits and spaces only, like 0800 1111."
    if not any(cleaned[name] for name in ("phone", "text", "website", "where")):
        errors["where"] = (
            "Give at least one way to reach them: a phone number, a text line, "
            "a website or where to find them."
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def signpost_entry_add(
    *, actor: User, school: School, position: int = 0, **values: Any
) -> SignpostEntry:
    """A coordinator or DSL adds a school contact or a local service to the help
    page. Adding it counts as checking it today."""
    role = require_manager(actor, school)
    entry = SignpostEntry(
        school=school,
        position=position,
        last_checked_on=timezone.localdate(),
        checked_by=actor,
        **_signpost_clean(values),
    )
    entry.full_clean()
    entry.save()
    audit_record(
        action="signpost_entry.added",
        actor=actor,
        school=school,
        role=role,
        object_type="signpost_entry",
        object_public_id=entry.public_id,
    )
    return entry


@transaction.atomic
def signpost_entry_update(
    *, actor: User, entry: SignpostEntry, position: int | None = None, **values: Any
) -> SignpostEntry:
    """A coordinator or DSL corrects an entry. Editing it does not count as checking
    it: that is its own step (``signpost_entry_checked``)."""
    role = require_manager(actor, entry.school)
    for name, value in _signpost_clean(values).items():
        setattr(entry, name, value)
    if position is not None:
        entry.position = position
    entry.full_clean()
    entry.save()
    audit_record(
        action="signpost_entry.updated",
        actor=actor,
        school=entry.school,
        role=role,
        object_type="signpost_entry",
        object_public_id=entry.public_id,
    )
    return entry


@transaction.atomic
def signpost_entry_checked(*, actor: User, entry: SignpostEntry) -> SignpostEntry:
    """A coordinator or DSL says the entry's details are still right: checked today,
    by them."""
    role = require_manager(actor, entry.school)
    entry.last_checked_on = timezone.localdate()
    entry.checked_by = actor
    entry.save(update_fields=["last_checked_on", "checked_by"])
    audit_record(
        action="signpost_entry.checked",
        actor=actor,
        school=entry.school,
        role=role,
        object_type="signpost_entry",
        object_public_id=entry.public_id,
    )
    return entry


@transaction.atomic
def signpost_entry_remove(*, actor: User, entry: SignpostEntry) -> None:
    """A coordinator or DSL takes an entry off the help page. It holds only public
    contact details, so it is deleted; the audit event keeps that it was."""
    role = require_manager(actor, entry.school)
    public_id = entry.public_id
    school = entry.school
    entry.delete()
    audit_record(
        action="signpost_entry.removed",
        actor=actor,
        school=school,
        role=role,
        object_type="signpost_entry",
        object_public_id=public_id,
    )


# ---------------------------------------------------------------- research (helper: research)

import hashlib  # noqa: E402

from peersupport.partners import research  # noqa: E402
from peersupport.partners.models import ResearchExport  # noqa: E402
from peersupport.partners.selectors import (  # noqa: E402
    partner_settings_of,
    research_agreement_in_force,
    research_export_blocked_because,
)


@transaction.atomic
def research_export_make(
    *,
    actor: User,
    organisation: Organisation,
    period_from: datetime.date,
    period_to: datetime.date,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> tuple[ResearchExport, str]:
    """A coordinator or DSL makes a pseudonymous, k-anonymous research export of the
    students in peer support during the period, for an organisation whose data
    sharing agreement in force today covers research. The file is not kept: the
    record says what was shared (columns, levels of generalisation, rows, its
    SHA-256), with whom, when, by whom and under which agreement. Returns the record
    and the CSV text."""
    school = organisation.school
    role = require_manager(actor, school)
    today = today or timezone.localdate()
    if period_to < period_from:
        raise ValidationError({"period_to": "The end of the period must not be before its start."})
    blocked = research_export_blocked_because(organisation, today)
    agreement = research_agreement_in_force(organisation, today)
    if blocked is not None or agreement is None:
        raise ValidationError(blocked or "There is no agreement covering research exports.")
    k = partner_settings_of(school).research_k
    data = research.research_data_make(school, period_from, period_to, k=k)
    export = ResearchExport(
        school=school,
        organisation=organisation,
        agreement=agreement,
        made_by=actor,
        period_from=period_from,
        period_to=period_to,
        k=k,
        columns=data.columns,
        generalised=data.levels,
        rows=len(data.rows),
        suppressed=data.suppressed,
        sha256=hashlib.sha256(data.csv_text.encode()).hexdigest(),
    )
    export.full_clean()
    export.save()
    audit_record(
        action="partners.research_exported",
        actor=actor,
        school=school,
        role=role,
        object_type="research_export",
        object_public_id=export.public_id,
        request=request,
        detail=(
            f"{len(data.rows)} rows, {data.suppressed} suppressed, k={k}, "
            f"{period_from:%Y-%m-%d} to {period_to:%Y-%m-%d}"
        ),
    )
    return export, data.csv_text
