"""Every write of reports (it writes nothing else): outreach targets, and impact
reports with their narrative, issued with their figures frozen."""

from __future__ import annotations

import datetime
from typing import Any

# -------------------------------- representation (helper: representation)

# Imports are inside the functions of this section so that it stands alone in this
# shared file.


def outreach_target_set(
    *,
    actor: Any,
    school: Any,
    side: str,
    characteristic: str,
    group: str,
    at_least_percent: Any,
) -> Any:
    """A coordinator or DSL sets a share of a group to aim for among those taking
    part ("mentors: at least 20% pupil premium"). Setting a target for a group that
    already has one replaces it (the old one is kept, inactive)."""
    from decimal import Decimal, InvalidOperation

    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from peersupport.accounts.selectors import require_manager
    from peersupport.audit.services import audit_record
    from peersupport.reports.models import OutreachTarget
    from peersupport.reports.representation_data import BY_KEY

    with transaction.atomic():
        require_manager(actor, school)
        definition = BY_KEY.get(characteristic)
        if definition is None:
            raise ValidationError({"characteristic": "Choose a characteristic from the list."})
        if group not in dict(definition.groups):
            raise ValidationError({"group": "Choose a group from the list."})
        try:
            percent = Decimal(str(at_least_percent))
        except (InvalidOperation, ValueError) as error:
            raise ValidationError({"at_least_percent": "Enter a percentage."}) from error
        target = OutreachTarget(
            school=school,
            side=side,
            characteristic=characteristic,
            group=group,
            at_least_percent=percent,
            set_by=actor,
            set_on=timezone.localdate(),
        )
        target.full_clean()
        OutreachTarget.objects.filter(
            school=school, side=side, characteristic=characteristic, group=group, active=True
        ).update(active=False)
        target.save()
        audit_record(
            action="reports.outreach_target_set",
            actor=actor,
            school=school,
            object_type="outreach_target",
            object_public_id=target.public_id,
            detail=f"{side} {characteristic}:{group} at least {percent}%",
        )
        return target


def outreach_target_remove(*, actor: Any, target: Any) -> None:
    """A coordinator or DSL stops following a target (kept, inactive, for the record)."""
    from django.db import transaction

    from peersupport.accounts.selectors import require_manager
    from peersupport.audit.services import audit_record

    with transaction.atomic():
        require_manager(actor, target.school)
        target.active = False
        target.save(update_fields=["active"])
        audit_record(
            action="reports.outreach_target_removed",
            actor=actor,
            school=target.school,
            object_type="outreach_target",
            object_public_id=target.public_id,
        )


# -------------------------------- impact reports (helper: impact)

# Imports are inside the functions of this section so that each helper's section
# of this shared file stands alone.


def _impact_manager(actor: Any, school: Any) -> str:
    from peersupport.accounts.selectors import require_manager

    return require_manager(actor, school)


def impact_report_create(
    *,
    actor: Any,
    school: Any,
    title: str,
    period_from: datetime.date,
    period_to: datetime.date,
    audience: str = "",
) -> Any:
    """A coordinator or DSL starts a draft impact report for a period."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from peersupport.audit.services import audit_record
    from peersupport.reports.models import ImpactReport

    with transaction.atomic():
        _impact_manager(actor, school)
        report = ImpactReport(
            school=school,
            title=(title or "").strip(),
            period_from=period_from,
            period_to=period_to,
            audience=(audience or "").strip(),
            created_by=actor,
        )
        from peersupport.reports.headline import period_problem

        problem = period_problem(period_from, period_to) if period_from and period_to else ""
        if problem:
            raise ValidationError({"period_to": problem})
        report.full_clean()
        report.save()
        audit_record(
            action="reports.impact_created",
            actor=actor,
            school=school,
            object_type="impact_report",
            object_public_id=report.public_id,
        )
        return report


def impact_report_update(
    *,
    actor: Any,
    report: Any,
    title: str | None = None,
    audience: str | None = None,
    what_we_did: str = "",
    what_we_learned: str = "",
    what_we_changed: str = "",
) -> Any:
    """The coordinator writes the report's narrative. Drafts only: an issued report
    is never changed again."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from peersupport.audit.services import audit_record
    from peersupport.reports.models import ImpactReport

    with transaction.atomic():
        _impact_manager(actor, report.school)
        report = ImpactReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ImpactReport.Status.DRAFT:
            raise ValidationError("This report has been issued and can no longer be changed.")
        if title is not None:
            report.title = title.strip()
        if audience is not None:
            report.audience = audience.strip()
        report.what_we_did = (what_we_did or "").strip()
        report.what_we_learned = (what_we_learned or "").strip()
        report.what_we_changed = (what_we_changed or "").strip()
        report.full_clean()
        report.save()
        audit_record(
            action="reports.impact_updated",
            actor=actor,
            school=report.school,
            object_type="impact_report",
            object_public_id=report.public_id,
        )
        return report


def impact_report_issue(*, actor: Any, report: Any, today: datetime.date | None = None) -> Any:
    """Issue the report: its headline figures, chart data and the "You said, we did"
    entries of the period are frozen into ``figures`` as they are now, and it is
    never changed again."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from peersupport.audit.services import audit_record
    from peersupport.reports.headline import impact_snapshot
    from peersupport.reports.models import ImpactReport

    with transaction.atomic():
        _impact_manager(actor, report.school)
        report = ImpactReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ImpactReport.Status.DRAFT:
            raise ValidationError("This report has already been issued.")
        report.figures = impact_snapshot(report, today=today)
        report.status = ImpactReport.Status.ISSUED
        report.issued_by = actor
        report.issued_at = timezone.now()
        report.full_clean()
        report.save()
        audit_record(
            action="reports.impact_issued",
            actor=actor,
            school=report.school,
            object_type="impact_report",
            object_public_id=report.public_id,
        )
        return report
