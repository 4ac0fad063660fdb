"""Who may read the access log: the school's DSLs only."""

from __future__ import annotations

import uuid  # impact
from typing import Any  # representation

from django.core.exceptions import PermissionDenied  # dashboard
from django.db.models import Q, QuerySet
from django.http import (
    Http404,  # representation
    HttpRequest,  # dashboard
)

from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.models import AuditEvent
from peersupport.audit.services import audit_record  # dashboard
from peersupport.programmes.models import Programme  # dashboard
from peersupport.reports.models import (
    ImpactReport,  # impact
    OutreachTarget,  # representation
)
from peersupport.schools.models import School


def audit_events_visible_to(user: User, school: School) -> QuerySet[AuditEvent]:
    if role_in(user, school) != Role.DSL:
        return AuditEvent.objects.none()
    # Events of this school, and sign-in events of its members (which belong to no
    # school because a user signs in before choosing one).
    member_ids = Membership.objects.filter(school=school).values("user_id")
    return AuditEvent.objects.filter(
        Q(school=school) | Q(school__isnull=True, actor_id__in=member_ids)
    ).select_related("actor")


# ---------------------------------------------------------------- dashboard (helper: dashboard)

DASHBOARD_READERS = (Role.COORDINATOR, Role.DSL)


def dashboard_programmes_visible_to(user: User, school: School) -> QuerySet[Programme]:
    """The programmes whose health ``user`` may see: all of the school's, for its
    coordinators and DSLs; none for anyone else."""
    if role_in(user, school) not in DASHBOARD_READERS:
        return Programme.objects.none()
    return Programme.objects.filter(school=school)


def dashboard_shows_safeguarding(user: User, school: School) -> bool:
    """Only a DSL sees how many safeguarding concerns are open."""
    return role_in(user, school) == Role.DSL


def dashboard_export_for(user: User, school: School, *, request: HttpRequest | None = None) -> None:
    """The dashboard's figures leaving as a file: the page's access, audited."""
    if role_in(user, school) not in DASHBOARD_READERS:
        raise PermissionDenied
    audit_record(
        action="reports.dashboard_exported",
        actor=user,
        school=school,
        object_type="school",
        object_public_id=school.public_id,
        request=request,
    )


# -------------------------------- representation (helper: representation)

REPRESENTATION_READERS = (Role.COORDINATOR, Role.DSL, Role.VIEWER)
REPRESENTATION_MANAGERS = (Role.COORDINATOR, Role.DSL)


def representation_readable_by(user: User, school: School) -> bool:
    """Coordinators, DSLs and viewers read the representation page: counts only,
    small ones hidden, no names."""
    return role_in(user, school) in REPRESENTATION_READERS


def outreach_targets_visible_to(user: User, school: School) -> QuerySet[OutreachTarget]:
    """The school's active outreach targets, for those who read the page."""
    if role_in(user, school) not in REPRESENTATION_READERS:
        return OutreachTarget.objects.none()
    return OutreachTarget.objects.filter(school=school, active=True)


def outreach_target_for(user: User, school: School, public_id: Any) -> OutreachTarget:
    """An active target a coordinator or DSL may remove; 404 otherwise."""
    if role_in(user, school) not in REPRESENTATION_MANAGERS:
        raise Http404
    target = OutreachTarget.objects.filter(school=school, active=True, public_id=public_id).first()
    if target is None:
        raise Http404
    return target


def representation_export_for(
    user: User, school: School, *, request: HttpRequest | None = None
) -> None:
    """The representation figures leaving as a file: the page's access, audited."""
    if role_in(user, school) not in REPRESENTATION_READERS:
        raise PermissionDenied
    audit_record(
        action="reports.representation_exported",
        actor=user,
        school=school,
        object_type="school",
        object_public_id=school.public_id,
        request=request,
    )


# -------------------------------- impact reports and trust view (helper: impact)

IMPACT_MANAGERS = (Role.COORDINATOR, Role.DSL)
TRUST_READERS = (Role.COORDINATOR, Role.DSL, Role.VIEWER)


def impact_reports_visible_to(user: User, school: School) -> QuerySet[ImpactReport]:
    """Coordinators and DSLs see every impact report of the school, drafts too;
    viewers the issued ones only; everyone else none."""
    from peersupport.reports.models import ImpactReport

    role = role_in(user, school)
    if role in IMPACT_MANAGERS:
        return ImpactReport.objects.filter(school=school)
    if role == Role.VIEWER:
        return ImpactReport.objects.filter(school=school, status=ImpactReport.Status.ISSUED)
    return ImpactReport.objects.none()


def impact_report_for(
    user: User, school: School, public_id: uuid.UUID, *, action: str = "read"
) -> ImpactReport:
    """One impact report ``user`` may read (``action="read"``) or write
    (``action="write"``: coordinators and DSLs only); 404 otherwise."""
    from django.http import Http404

    from peersupport.reports.models import ImpactReport

    reports = impact_reports_visible_to(user, school)
    if action == "write" and role_in(user, school) not in IMPACT_MANAGERS:
        reports = reports.none()
    try:
        return reports.select_related("school", "created_by", "issued_by").get(public_id=public_id)
    except ImpactReport.DoesNotExist:
        raise Http404("No such impact report.") from None


def impact_report_export_for(
    user: User,
    school: School,
    public_id: uuid.UUID,
    *,
    export: str,
    request: HttpRequest | None = None,
) -> ImpactReport:
    """The impact report leaving the school as a file (PDF or CSV): the same rule as
    the page, and audited."""
    from peersupport.audit.services import audit_record

    report = impact_report_for(user, school, public_id)
    audit_record(
        action="reports.impact_exported",
        actor=user,
        school=school,
        object_type="impact_report",
        object_public_id=report.public_id,
        request=request,
        detail=export,
    )
    return report


def trust_schools_for(user: User) -> list[School]:
    """The schools whose headline figures ``user`` may see side by side: those where
    they are an active viewer, coordinator or DSL."""
    return [
        membership.school
        for membership in Membership.objects.filter(
            user=user, is_active=True, role__in=TRUST_READERS
        )
        .select_related("school")
        .order_by("school__name")
    ]
