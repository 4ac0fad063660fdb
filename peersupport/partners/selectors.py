"""Reads about outside services that span relations."""

from __future__ import annotations

import datetime

from peersupport.partners.models import Agreement, Organisation, PartnerSettings
from peersupport.schools.models import School

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

# ---------------------------------------------------------------- referrals (helper: referrals)

# ---------------------------------------------------------------- research (helper: research)
