"""Reads about outside services that span relations."""

from __future__ import annotations

import datetime
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from peersupport.accounts.models import Role, User
from peersupport.partners.models import (
    Agreement,
    DeliveredTraining,
    Organisation,
    PartnerSettings,
    ReferralConsent,
    ReferralOut,
    ReferralStatus,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.sharing import ShareItem, share_item, share_items
from peersupport.training.models import TrainingAttendance, TrainingEvent, TrainingModule

# ---------------------------------------------------------------- common


def agreement_in_force(organisation: Organisation, today: datetime.date) -> Agreement | None:
    """The data sharing agreement that lets the school share personal data with the
    organisation today: signed on or before today, review date not passed. The
    latest such one, or None (then nothing personal may be shared)."""
    return (
        Agreement.objects.filter(
            organisation=organisation, signed_on__lte=today, review_on__gte=today
        )
        .order_by("-review_on", "-signed_on")
        .first()
    )


def sharing_blocked_because(organisation: Organisation, today: datetime.date) -> str | None:
    """Why personal data cannot be shared with the organisation today, in words a
    coordinator understands; None when it can."""
    if agreement_in_force(organisation, today) is not None:
        return None
    latest = Agreement.objects.filter(organisation=organisation).order_by("-review_on").first()
    if latest is None:
        return f"There is no data sharing agreement with {organisation.name}."
    if latest.signed_on > today:
        return (
            f"The data sharing agreement with {organisation.name} starts on "
            f"{latest.signed_on:%d/%m/%Y}."
        )
    return (
        f"The data sharing agreement with {organisation.name} passed its review date on "
        f"{latest.review_on:%d/%m/%Y}. Renew it before sharing anything about a student."
    )


def partner_settings_of(school: School) -> PartnerSettings:
    """The school's referral settings (defaults when none are saved; not saved)."""
    found = PartnerSettings.objects.filter(school=school).first()
    return found if found is not None else PartnerSettings(school=school)


# ---------------------------------------------------------------- directory (helper: directory)

# An agreement whose review date is this close (or closer) is shown as due for review,
# and its review is put on the coordinators' task lists by the daily job.
REVIEW_DUE_WITHIN_DAYS = 30


@dataclass(frozen=True)
class AgreementStatus:
    """Where an organisation's data sharing agreement stands today. ``state`` is one
    of "in_force", "review_due" (in force, review within 30 days), "not_started",
    "expired" or "missing"; ``agreement`` the one in force or else the latest;
    ``reason`` why nothing personal may be shared (None while one is in force)."""

    state: str
    agreement: Agreement | None
    reason: str | None

    @property
    def blocked(self) -> bool:
        return self.reason is not None

    @property
    def label(self) -> str:
        labels = {
            "in_force": "In force",
            "review_due": "Review due",
            "not_started": "Not yet started",
            "expired": "Expired",
            "missing": "No agreement",
        }
        return labels[self.state]


def agreement_status_from(
    organisation: Organisation, agreements: Sequence[Agreement], today: datetime.date
) -> AgreementStatus:
    """The status from the organisation's agreements, already read (so a list of
    organisations costs no query per row). The rules, and the reasons' words, are
    those of agreement_in_force and sharing_blocked_because (a test holds them
    together)."""
    in_force = [a for a in agreements if a.signed_on <= today <= a.review_on]
    if in_force:
        current = max(in_force, key=lambda a: (a.review_on, a.signed_on))
        due = (current.review_on - today).days <= REVIEW_DUE_WITHIN_DAYS
        return AgreementStatus("review_due" if due else "in_force", current, None)
    if not agreements:
        return AgreementStatus(
            "missing", None, f"There is no data sharing agreement with {organisation.name}."
        )
    latest = max(agreements, key=lambda a: a.review_on)
    if latest.signed_on > today:
        return AgreementStatus(
            "not_started",
            latest,
            f"The data sharing agreement with {organisation.name} starts on "
            f"{latest.signed_on:%d/%m/%Y}.",
        )
    return AgreementStatus(
        "expired",
        latest,
        f"The data sharing agreement with {organisation.name} passed its review date on "
        f"{latest.review_on:%d/%m/%Y}. Renew it before sharing anything about a student.",
    )


def agreement_status(organisation: Organisation, today: datetime.date) -> AgreementStatus:
    """Where the organisation's data sharing agreement stands today."""
    return agreement_status_from(organisation, list(organisation.agreements.all()), today)


@dataclass(frozen=True)
class DirectoryRow:
    """One organisation on the directory page, with its agreement's status."""

    organisation: Organisation
    status: AgreementStatus


def directory_rows(
    organisations: Iterable[Organisation], today: datetime.date
) -> list[DirectoryRow]:
    """The organisations (active first, then by name) with their agreements' status;
    two queries however many there are."""
    found = (
        Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        .prefetch_related("agreements")
        .order_by("-active", "name")
    )
    return [
        DirectoryRow(
            organisation,
            agreement_status_from(organisation, list(organisation.agreements.all()), today),
        )
        for organisation in found
    ]


@dataclass(frozen=True)
class TrainingDelivered:
    """A module, or one event, an organisation delivered; for an event, who came."""

    record: DeliveredTraining
    attended: list[str]

    @property
    def title(self) -> str:
        if self.record.event is not None:
            return str(self.record.event)
        return str(self.record.module)


def training_delivered_by(organisation: Organisation) -> list[TrainingDelivered]:
    """The training the organisation delivered, modules first, each event with the
    names of those marked as having attended (staff by full name, students by the
    name the school shows)."""
    records = list(
        DeliveredTraining.objects.filter(organisation=organisation).select_related(
            "module", "event__module"
        )
    )
    came: dict[int, list[str]] = {}
    for place in TrainingAttendance.objects.filter(
        event_id__in=[r.event_id for r in records if r.event_id is not None], attended=True
    ).select_related("user", "student"):
        if place.user is not None:
            name = place.user.full_name or place.user.email
        elif place.student is not None:
            name = place.student.display_name
        else:
            continue
        came.setdefault(place.event_id, []).append(name)
    # Modules first, by title; then events, latest first.
    records.sort(
        key=lambda r: (
            r.event is not None,
            -r.event.held_on.toordinal() if r.event is not None else 0,
            str(r.module or ""),
        )
    )
    return [
        TrainingDelivered(record, sorted(came.get(record.event_id, [])) if record.event_id else [])
        for record in records
    ]


def partner_accounts_of(school: School) -> QuerySet[User]:
    """The accounts that hold the partner role in the school: those a contact may be
    linked to."""
    return User.objects.filter(
        memberships__school=school, memberships__role=Role.PARTNER, memberships__is_active=True
    ).order_by("full_name", "email")


def training_modules_of(school: School) -> QuerySet[TrainingModule]:
    """The school's training modules, those marked as delivered by a partner first."""
    return TrainingModule.objects.filter(school=school).order_by("-delivered_by", "title")


def training_events_of(school: School) -> QuerySet[TrainingEvent]:
    """The school's training events, latest first."""
    return TrainingEvent.objects.filter(school=school).select_related("module").order_by("-held_on")


# ---------------------------------------------------------------- referrals (helper: referrals)

ATTENDANCE_KEY = "attendance"
ATTENDANCE_WEEKS = 12


def attendance_period(school: School, today: datetime.date) -> tuple[datetime.date, str]:
    """Where the attendance summary starts, and how to name that period: the start of
    the current term, or 12 weeks back when the school is between terms (or has no
    calendar)."""
    from peersupport.schools.models import Term

    term = Term.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()
    if term is not None:
        return term.starts_on, f"this term (since {term.starts_on:%d/%m/%Y})"
    since = today - datetime.timedelta(weeks=ATTENDANCE_WEEKS)
    return since, f"the last {ATTENDANCE_WEEKS} weeks (since {since:%d/%m/%Y})"


def attendance_read(student: Student, today: datetime.date, actor: User) -> list[str]:
    """The student's attendance at peer support sessions over the period: sessions
    attended (present or late) and missed (with and without a reason)."""
    from peersupport.meetings.models import ATTENDED, Attendance, Mark, Session

    since, period = attendance_period(student.school, today)
    marks = list(
        Attendance.objects.filter(
            school=student.school,
            student=student,
            session__date__gte=since,
            session__date__lte=today,
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .values_list("mark", flat=True)
    )
    attended = sum(1 for mark in marks if mark in ATTENDED)
    with_reason = sum(1 for mark in marks if mark == Mark.ABSENT_REASON)
    without_reason = sum(1 for mark in marks if mark == Mark.ABSENT)
    if not marks:
        return [f"No peer support sessions marked in {period}."]
    return [
        f"Peer support sessions in {period}: {len(marks)} marked.",
        f"Attended: {attended}.",
        f"Missed: {with_reason + without_reason} "
        f"({with_reason} with a reason given, {without_reason} without).",
    ]


ATTENDANCE_ITEM = ShareItem(
    key=ATTENDANCE_KEY,
    label="Attendance at peer support sessions",
    read=attendance_read,
)

WRITTEN_SUMMARY_KEY = "written_summary"
WRITTEN_SUMMARY_LABEL = "Summary written by the referrer"


def shareable_items(*, dsl: bool) -> list[tuple[str, str]]:
    """(key, label) of what a referrer may tick: the registered items (the DSL-only
    ones for a DSL alone) and the referral's own written summary."""
    return [(item.key, item.label) for item in share_items(dsl=dsl)] + [
        (WRITTEN_SUMMARY_KEY, WRITTEN_SUMMARY_LABEL)
    ]


WITHHELD_FOR_DSL = "Withheld: for the DSL only"


def share_item_is_dsl_only(key: str) -> bool:
    """Whether an item of a referral is for a DSL's eyes only (looked up in the
    registry). The written summary is not; an item the registry no longer knows is
    treated as DSL-only (fail closed)."""
    if key == WRITTEN_SUMMARY_KEY:
        return False
    item = share_item(key)
    return item is None or item.dsl_only


def referral_dsl_restricted(referral: ReferralOut) -> bool:
    """Whether the referral is a DSL's that shares from safeguarding records (a
    DSL-only item): then only a DSL of the school may read its written summary,
    change it or send it."""
    return referral.made_by_dsl and any(
        share_item_is_dsl_only(key) for key in referral.shared_items
    )


def referral_snapshot_items(
    referral: ReferralOut, *, show_dsl_only: bool
) -> list[tuple[str, list[str]]]:
    """What the referral shared, as it was when sent: (label, lines) in the order of
    the snapshot. Nothing for a referral not sent.

    Unless ``show_dsl_only`` (a DSL of the school, or the partner it went to), an
    item marked DSL-only in the snapshot (or, for a snapshot stored without the
    mark, in the registry) is withheld: its label stays (the referral's list of what
    it shares names it anyway) and its lines are replaced by "Withheld: for the DSL
    only". So is the written summary of a DSL's referral that shares such an item."""
    if not referral.shared_snapshot:
        return []
    snapshot = json.loads(referral.shared_snapshot)
    restricted = not show_dsl_only and referral_dsl_restricted(referral)
    items: list[tuple[str, list[str]]] = []
    for key, entry in snapshot.items():
        dsl_only = entry.get("dsl_only")
        if dsl_only is None:
            dsl_only = share_item_is_dsl_only(key)
        withheld = not show_dsl_only and (dsl_only or (restricted and key == WRITTEN_SUMMARY_KEY))
        lines = [WITHHELD_FOR_DSL] if withheld else list(entry["lines"])
        items.append((entry["label"], lines))
    return items


def median_days(spans: Sequence[int]) -> float | None:
    """The median of a list of day counts, or None for none. Pure, so that tests can
    check a worked example by hand."""
    if not spans:
        return None
    return float(statistics.median(spans))


@dataclass(frozen=True)
class WaitingTimes:
    """How long an organisation takes to answer and to see a student referred."""

    organisation: Organisation
    sent: int
    answered: int
    seen: int
    median_to_answer: float | None
    median_to_seen: float | None
    waiting: int = 0
    longest_wait: int | None = None


def waiting_times_from(
    rows: Iterable[tuple[datetime.date, datetime.date | None, datetime.date | None]],
) -> tuple[int, int, int, float | None, float | None]:
    """From (sent on, first response on, seen on) rows: how many were sent, answered
    and seen, and the median days from sending to the first answer and to being
    seen. Pure."""
    to_answer = []
    to_seen = []
    sent = 0
    for sent_on, answered_on, seen_on in rows:
        sent += 1
        if answered_on is not None:
            to_answer.append((answered_on - sent_on).days)
        if seen_on is not None:
            to_seen.append((seen_on - sent_on).days)
    return sent, len(to_answer), len(to_seen), median_days(to_answer), median_days(to_seen)


def still_waiting_from(
    rows: Iterable[tuple[datetime.date, datetime.date | None, datetime.date | None]],
    today: datetime.date,
) -> tuple[int, int | None]:
    """From (sent on, first response on, closed on) rows: how many are still waiting
    for a first answer (no answer, and not closed by the school), and the longest of
    those waits in days up to ``today`` (None when none waits). Pure."""
    waits = [
        (today - sent_on).days
        for sent_on, answered_on, closed_on in rows
        if answered_on is None and closed_on is None
    ]
    return len(waits), (max(waits) if waits else None)


def waiting_times(school: School, today: datetime.date | None = None) -> list[WaitingTimes]:
    """Per organisation the school has sent referrals to: counts and median waits
    over the answered ones, and how many still wait for a first answer and the
    longest of those waits today. One query."""
    from django.utils import timezone

    today = today or timezone.localdate()
    rows: dict[int, list[tuple[datetime.date, datetime.date | None, datetime.date | None]]] = {}
    open_rows: dict[
        int, list[tuple[datetime.date, datetime.date | None, datetime.date | None]]
    ] = {}
    organisations: dict[int, Organisation] = {}
    sent = (
        ReferralOut.objects.filter(school=school, sent_on__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    for referral in sent:
        assert referral.sent_on is not None
        organisations[referral.organisation_id] = referral.organisation
        rows.setdefault(referral.organisation_id, []).append(
            (referral.sent_on, referral.first_response_on, referral.seen_on)
        )
        open_rows.setdefault(referral.organisation_id, []).append(
            (referral.sent_on, referral.first_response_on, referral.closed_on)
        )
    result = []
    for organisation_id, organisation_rows in rows.items():
        count, answered, seen, to_answer, to_seen = waiting_times_from(organisation_rows)
        waiting, longest = still_waiting_from(open_rows[organisation_id], today)
        result.append(
            WaitingTimes(
                organisation=organisations[organisation_id],
                sent=count,
                answered=answered,
                seen=seen,
                median_to_answer=to_answer,
                median_to_seen=to_seen,
                waiting=waiting,
                longest_wait=longest,
            )
        )
    return result


def student_age_on(student: Student, day: datetime.date) -> int:
    """The student's age in whole years on ``day``."""
    born = student.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parent_consent_needed(referral: ReferralOut, today: datetime.date) -> bool:
    """Whether the referral needs a parent's or carer's consent: the service always
    asks for it, or the student is under the school's consent age today."""
    if referral.service is not None and referral.service.parent_consent_needed:
        return True
    under = partner_settings_of(referral.school).parent_consent_under
    return student_age_on(referral.student, today) < under


CONSENT_SUPERSEDED_ACTION = "partners.consent_superseded"


def referral_consents_superseded_at(referral: ReferralOut) -> datetime.datetime | None:
    """When the draft last changed what it shares (the items, the service, the written
    summary) after consent had been recorded: consent recorded before then was given
    for something else and no longer counts. Kept in the audit log (the event
    ``referral_update_draft`` writes); None when it never happened."""
    from peersupport.audit.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            action=CONSENT_SUPERSEDED_ACTION,
            object_type="referral_out",
            object_public_id=referral.public_id,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def referral_consents_in_force(referral: ReferralOut) -> list[ReferralConsent]:
    """The consents that cover what the draft shares now: those recorded after its
    last change of what it shares (all of them when it never changed)."""
    consents = referral.consents.select_related("recorded_by")
    since = referral_consents_superseded_at(referral)
    if since is not None:
        consents = consents.filter(recorded_at__gt=since)
    return list(consents)


def share_outside_refused_because(student: Student) -> str | None:
    """Why the student's own consent record forbids sharing with outside services:
    the latest record of that kind was refused, or has been withdrawn. None when
    there is none or it is in force."""
    from peersupport.students.models import ConsentKind, ConsentRecord

    latest = (
        ConsentRecord.objects.filter(
            school=student.school, student=student, kind=ConsentKind.SHARE_OUTSIDE
        )
        .order_by("-given_on", "-recorded_at")
        .first()
    )
    if latest is None or latest.is_in_force:
        return None
    if not latest.given:
        return (
            "Consent to share with outside services was refused on "
            f"{latest.given_on:%d/%m/%Y} (see the student's consent records)."
        )
    assert latest.withdrawn_on is not None
    return (
        "Consent to share with outside services was withdrawn on "
        f"{latest.withdrawn_on:%d/%m/%Y} (see the student's consent records)."
    )


def referral_send_blocked_because(referral: ReferralOut, today: datetime.date) -> str | None:
    """Why the referral cannot be sent today, in plain words; None when it can: the
    organisation is marked inactive, there is no data sharing agreement in force, the
    student's consent record refuses sharing with outside services, or the consent
    the referral needs is missing (recorded consent counts only if it was recorded
    after the last change of what the draft shares). A DSL's decision to refer
    without consent stands in for the missing or refused consent (a child at risk of
    significant harm), never for the agreement."""
    if referral.status != ReferralStatus.DRAFT:
        return "This referral has already been sent."
    if not referral.organisation.active:
        return (
            f"{referral.organisation.name} is marked inactive in the directory: "
            "referrals cannot be sent to it."
        )
    blocked = sharing_blocked_because(referral.organisation, today)
    if blocked is not None:
        return blocked
    overridden = bool(referral.consent_override_reason)
    refused = share_outside_refused_because(referral.student)
    if refused is not None and not overridden:
        return refused
    consents = {consent.who for consent in referral_consents_in_force(referral)}
    if ReferralConsent.Who.STUDENT not in consents and not overridden:
        return "Record the student's own consent before sending the referral."
    if (
        ReferralConsent.Who.PARENT not in consents
        and not overridden
        and parent_consent_needed(referral, today)
    ):
        return (
            "Record a parent's or carer's consent before sending the referral: "
            "the student is under the school's consent age, or the service asks for it."
        )
    return None


# ---------------------------------------------------------------- research (helper: research)


def research_agreement_in_force(
    organisation: Organisation, today: datetime.date
) -> Agreement | None:
    """The data sharing agreement in force today that covers research exports (the
    latest such one), or None: then no research export may go to the organisation."""
    return (
        Agreement.objects.filter(
            organisation=organisation,
            covers_research=True,
            signed_on__lte=today,
            review_on__gte=today,
        )
        .order_by("-review_on", "-signed_on")
        .first()
    )


def research_export_blocked_because(organisation: Organisation, today: datetime.date) -> str | None:
    """Why no research export may go to the organisation today, in words a
    coordinator understands; None when one may."""
    if research_agreement_in_force(organisation, today) is not None:
        return None
    no_sharing = sharing_blocked_because(organisation, today)
    if no_sharing is not None:
        return no_sharing
    return (
        f"The data sharing agreement with {organisation.name} does not cover research "
        "exports. Record one that does before exporting anything."
    )
