"""Who may read the access log: the school's DSLs only."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.models import AuditEvent
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

# -------------------------------- representation (helper: representation)

# -------------------------------- impact reports and trust view (helper: impact)
