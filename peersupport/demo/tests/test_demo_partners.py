"""The demo school's outside services: six organisations of the kinds the issue
names, agreements (one due for review within 30 days, one lapsed), referrals out in
every status with consent, the demo partner user at CAMHS seeing only its own open
referrals, partner-led training with its attendance, and signposting entries."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from peersupport.accounts.models import User
from peersupport.demo.tests.test_seed_demo import NOW, TODAY, seed_small
from peersupport.partners.access import partner_referrals_visible_to
from peersupport.partners.models import (
    Contact,
    DeliveredTraining,
    Organisation,
    ReferralConsent,
    ReferralOut,
    ReferralStatus,
    SignpostEntry,
)
from peersupport.partners.selectors import agreement_in_force, sharing_blocked_because
from peersupport.schools.models import School
from peersupport.training.models import TrainingAttendance


def test_the_demo_school_works_with_outside_services(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main, second = School.objects.order_by("urn")
    assert not Organisation.objects.filter(school=second).exists()
    organisations = {o.kind: o for o in Organisation.objects.filter(school=main)}
    assert set(organisations) == {"camhs", "mhst", "ep", "charity", "university"}
    assert Organisation.objects.filter(school=main, kind="charity").count() == 2

    # One agreement due for review within the month, one lapsed (sharing blocked).
    in_force = {kind: agreement_in_force(o, TODAY) for kind, o in organisations.items()}
    assert in_force["ep"] is None
    assert "review date" in (sharing_blocked_because(organisations["ep"], TODAY) or "")
    mhst_agreement = in_force["mhst"]
    assert mhst_agreement is not None
    assert mhst_agreement.review_on - TODAY <= datetime.timedelta(days=30)
    university = in_force["university"]
    assert university is not None and university.covers_research

    # Referrals out in every status; every sent one has the student's consent.
    statuses = set(ReferralOut.objects.filter(school=main).values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    for referral in ReferralOut.objects.filter(school=main).exclude(status="draft"):
        assert referral.consents.filter(who=ReferralConsent.Who.STUDENT).exists()
        assert referral.sent_on is not None and referral.shared_snapshot
    # The draft is to the service whose agreement lapsed.
    assert ReferralOut.objects.get(school=main, status="draft").organisation.kind == "ep"

    # The demo partner user is a CAMHS contact and sees only CAMHS's open referrals.
    partner = User.objects.get(email="partner@northgate.example")
    assert Contact.objects.get(user=partner).organisation == organisations["camhs"]
    with time_machine.travel(NOW):
        visible = list(partner_referrals_visible_to(partner, main, TODAY))
    assert visible
    assert {r.organisation for r in visible} == {organisations["camhs"]}
    assert all(r.status not in ("draft", "closed", "declined") for r in visible)

    # Partner-led training, with who attended.
    delivered = DeliveredTraining.objects.filter(organisation=organisations["mhst"])
    assert delivered.filter(module__isnull=False).exists()
    events = [d.event for d in delivered if d.event is not None]
    assert events
    assert TrainingAttendance.objects.filter(event__in=events, attended=True).exists()

    assert SignpostEntry.objects.filter(school=main, kind="school").count() >= 2
    assert SignpostEntry.objects.filter(school=main, kind="local").exists()
