"""Who may reach which outside-services records. Each ``*_for`` returns the record
or raises Http404; each ``*_visible_to`` returns a queryset limited to what the user
may see.

Coordinators and DSLs manage the directory, agreements and referrals out (only a
DSL's referral may share from safeguarding records). A partner user sees only the
referrals made to their own organisation, that have been sent and are not yet
closed or declined, while the organisation's data sharing agreement is in force,
and of each only the items it shares; every partner read is audited. Students,
mentors and every member of staff read the signposting page."""

from __future__ import annotations

import datetime
import uuid

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.partners.models import (
    Agreement,
    Contact,
    Organisation,
    ReferralOut,
    ReferralStatus,
    Service,
)
from peersupport.schools.models import School
from peersupport.students.access import students_visible_to
from peersupport.students.models import Student

# ---------------------------------------------------------------- directory (helper: directory)

DIRECTORY_MANAGERS = (Role.COORDINATOR, Role.DSL)


def organisations_visible_to(user: User, school: School) -> QuerySet[Organisation]:
    """The school's directory of outside organisations: coordinators and DSLs see all
    of it; nobody else sees any (a partner user reaches their own organisation's
    referrals through their contact record, not through the directory)."""
    if role_in(user, school) not in DIRECTORY_MANAGERS:
        return Organisation.objects.none()
    return Organisation.objects.filter(school=school)


def organisation_for(user: User, school: School, public_id: uuid.UUID) -> Organisation:
    """One organisation of the directory, or 404 (not there, or not theirs)."""
    try:
        return organisations_visible_to(user, school).get(public_id=public_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


def service_for(user: User, school: School, public_id: uuid.UUID) -> Service:
    """One service of an organisation in the directory, or 404."""
    try:
        return (
            Service.objects.filter(organisation__in=organisations_visible_to(user, school))
            .select_related("organisation")
            .get(public_id=public_id)
        )
    except Service.DoesNotExist:
        raise Http404("No such service.") from None


def contact_for(user: User, school: School, public_id: uuid.UUID) -> Contact:
    """One contact at an organisation in the directory, or 404."""
    try:
        return (
            Contact.objects.filter(organisation__in=organisations_visible_to(user, school))
            .select_related("organisation", "user")
            .get(public_id=public_id)
        )
    except Contact.DoesNotExist:
        raise Http404("No such contact.") from None


# -------------------------------- referrals and partner users (helper: referrals)

REFERRAL_MANAGERS = (Role.COORDINATOR, Role.DSL)
# What a partner no longer sees: not sent yet, or finished with.
PARTNER_HIDDEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.CLOSED, ReferralStatus.DECLINED)
# How many referral ids one audit event of a partner's list names (its detail field
# holds 300 characters; a public id takes 36).
LIST_IDS_PER_EVENT = 6


def referrals_visible_to(user: User, school: School) -> QuerySet[ReferralOut]:
    """Referrals out that school staff may read and act on: coordinators and DSLs all
    of the school's; everyone else none (a partner reads through
    ``partner_referrals_visible_to``)."""
    if role_in(user, school) not in REFERRAL_MANAGERS:
        return ReferralOut.objects.none()
    return ReferralOut.objects.filter(school=school)


def referral_for_change(user: User, school: School, public_id: uuid.UUID) -> ReferralOut:
    """A referral out school staff act on (consent, sending, a status, a note): the
    same rule as reading it, not audited as a read (the service that acts audits
    it). 404 for anyone else and for a referral that does not exist."""
    try:
        return (
            referrals_visible_to(user, school)
            .select_related("student", "organisation", "service", "made_by", "consent_override_by")
            .get(public_id=public_id)
        )
    except ReferralOut.DoesNotExist:
        raise Http404("No such referral.") from None


def referral_for(
    user: User, school: School, public_id: uuid.UUID, request: HttpRequest | None = None
) -> ReferralOut:
    """One referral out, for the school's coordinators and DSLs, its reading audited
    (it names a child and why they were referred); 404 for anyone else and for a
    referral that does not exist."""
    referral = referral_for_change(user, school, public_id)
    audit_record(
        action="partners.referral_viewed",
        actor=user,
        school=school,
        object_type="referral_out",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


def referral_student_for(user: User, school: School, public_id: uuid.UUID) -> Student:
    """A student a coordinator or DSL may refer to an outside service; 404 otherwise."""
    if role_in(user, school) not in REFERRAL_MANAGERS:
        raise Http404("No such student.")
    try:
        return students_visible_to(user, school).get(public_id=public_id)
    except Student.DoesNotExist:
        raise Http404("No such student.") from None


def partner_referrals_visible_to(
    user: User, school: School, today: datetime.date
) -> QuerySet[ReferralOut]:
    """The referrals a partner user may read today: made to an organisation they are a
    contact of, sent and not closed or declined, while that organisation's data
    sharing agreement is in force. Access ends by itself when the referral closes or
    the agreement lapses. Nobody but a partner gets any."""
    if role_in(user, school) != Role.PARTNER:
        return ReferralOut.objects.none()
    own_organisations = Contact.objects.filter(school=school, user=user).values("organisation_id")
    in_force = Agreement.objects.filter(
        organisation=OuterRef("organisation"), signed_on__lte=today, review_on__gte=today
    )
    return (
        ReferralOut.objects.filter(school=school, organisation_id__in=own_organisations)
        .exclude(status__in=PARTNER_HIDDEN_STATUSES)
        .filter(Exists(in_force))
    )


def partner_referrals_list_for(
    user: User, school: School, today: datetime.date, request: HttpRequest | None = None
) -> list[ReferralOut]:
    """A partner's list of their open referrals, its reading audited (it names
    children)."""
    referrals = list(
        partner_referrals_visible_to(user, school, today)
        .select_related("student", "organisation", "service")
        .order_by("-sent_on", "pk")
    )
    # The detail names what was shown, by public id (never names). The field holds
    # 300 characters, so a long list is written as several events of a few ids each.
    ids = [str(referral.public_id) for referral in referrals]
    chunks = [
        ids[start : start + LIST_IDS_PER_EVENT] for start in range(0, len(ids), LIST_IDS_PER_EVENT)
    ] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        part = f" (part {number} of {len(chunks)})" if len(chunks) > 1 else ""
        audit_record(
            action="partners.partner_viewed",
            actor=user,
            role=Role.PARTNER,
            school=school,
            object_type="referral_list",
            request=request,
            detail=f"{len(referrals)} referral(s) listed{part}"
            + (": " + ", ".join(chunk) if chunk else ""),
        )
    return referrals


def partner_referral_for_change(
    user: User, school: School, public_id: uuid.UUID, today: datetime.date
) -> ReferralOut:
    """A referral a partner user acts on (a new status, a note): the same rule as
    reading it; the service that acts audits it. 404 otherwise."""
    try:
        return partner_referrals_visible_to(user, school, today).get(public_id=public_id)
    except ReferralOut.DoesNotExist:
        raise Http404("No such referral.") from None


def partner_referral_for(
    user: User,
    school: School,
    public_id: uuid.UUID,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> ReferralOut:
    """One referral for a partner user, its reading audited; 404 when it is not
    theirs, is closed or declined, or the agreement is not in force."""
    try:
        referral = (
            partner_referrals_visible_to(user, school, today)
            .select_related("student", "organisation", "service")
            .get(public_id=public_id)
        )
    except ReferralOut.DoesNotExist:
        raise Http404("No such referral.") from None
    audit_record(
        action="partners.partner_viewed",
        actor=user,
        role=Role.PARTNER,
        school=school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


# ---------------------------------------------------------------- signposting (helper: signposting)

from peersupport.partners.models import SignpostEntry  # noqa: E402

SIGNPOST_MANAGERS = frozenset({Role.COORDINATOR, Role.DSL})


def signpost_entries_visible_to(user: User, school: School) -> QuerySet[SignpostEntry]:
    """The school's help page entries: every member of the school reads them (they
    are public contact details); nobody else."""
    if not role_in(user, school):
        return SignpostEntry.objects.none()
    return SignpostEntry.objects.filter(school=school)


def signpost_entries_managed_by(user: User, school: School) -> QuerySet[SignpostEntry]:
    """The entries a coordinator or DSL of the school may change; none for others."""
    if role_in(user, school) not in SIGNPOST_MANAGERS:
        return SignpostEntry.objects.none()
    return SignpostEntry.objects.filter(school=school).select_related("checked_by")


def signpost_entry_for(user: User, school: School, public_id: uuid.UUID) -> SignpostEntry:
    """One entry the user may change, or Http404 (also when it is another school's)."""
    try:
        return signpost_entries_managed_by(user, school).get(public_id=public_id)
    except SignpostEntry.DoesNotExist:
        raise Http404("No such help page entry.") from None


# ---------------------------------------------------------------- research (helper: research)

from peersupport.partners.models import ResearchExport  # noqa: E402

RESEARCH_EXPORTERS = (Role.COORDINATOR, Role.DSL)


def research_organisations_visible_to(
    user: User, school: School, today: datetime.date
) -> QuerySet[Organisation]:
    """The organisations a research export may go to: for a coordinator or DSL, the
    school's active organisations with a data sharing agreement in force today that
    covers research; for anyone else, none."""
    if role_in(user, school) not in RESEARCH_EXPORTERS:
        return Organisation.objects.none()
    covering = Agreement.objects.filter(
        organisation=OuterRef("pk"),
        covers_research=True,
        signed_on__lte=today,
        review_on__gte=today,
    )
    return Organisation.objects.filter(school=school, active=True).filter(Exists(covering))


def research_exports_visible_to(user: User, school: School) -> QuerySet[ResearchExport]:
    """The record of research exports made (what, with whom, when, under which
    agreement): coordinators and DSLs of the school."""
    if role_in(user, school) not in RESEARCH_EXPORTERS:
        return ResearchExport.objects.none()
    return ResearchExport.objects.filter(school=school)
