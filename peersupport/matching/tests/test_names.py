"""The engine names people by id; the run page shows staff their names instead."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import Persona
from peersupport.matching.services import run_open, run_solve
from peersupport.matching.tests.conftest import Cohort
from peersupport.programmes.models import Referral

pytestmark = pytest.mark.django_db


def test_reasons_name_the_mentor_asked_for(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    ana, yusuf = cohort.mentees["ana"], cohort.mentors["yusuf"]
    # Ana asked for Yusuf; he has room for one, and Ben can only meet him, so
    # matching the most mentees gives Ana Zara instead.
    Referral.objects.filter(student=ana).update(preferred_mentor=yusuf)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    (anas,) = [p for p in solve.result["pairs"] if p["mentee"] == str(ana.public_id)]
    assert any(str(yusuf.public_id) in reason for reason in anas["reasons"])
    page = login(coordinator).get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "asked for Yusuf Mentor" in page
    reasons = re.findall(r'<ul class="compact">(.*?)</ul>', page, flags=re.S)
    assert reasons and not any(str(yusuf.public_id) in r for r in reasons)
