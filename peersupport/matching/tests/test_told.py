"""After publishing, each mentor is told: their own page says they have a new match
(first name only), until staff start the mentorship."""

from __future__ import annotations

import datetime

import pytest

from conftest import Persona
from peersupport.matching.services import run_open, run_publish, run_solve
from peersupport.matching.tests.conftest import Cohort
from peersupport.meetings.selectors import my_page
from peersupport.programmes.services import mentorship_start

pytestmark = pytest.mark.django_db


def test_the_mentor_page_shows_a_new_match_until_it_starts(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    created = run_publish(actor=coordinator, run=run, solve=solve).mentorships
    zara = cohort.mentors["zara"].student
    today = datetime.date.today()
    assert my_page(student=zara, today=today).new_matches == [cohort.mentees["ana"]]
    assert my_page(student=cohort.mentees["ana"], today=today).new_matches == []
    (zaras,) = [m for m in created if m.mentor.student_id == zara.pk]
    mentorship_start(actor=coordinator, mentorship=zaras)
    page = my_page(student=zara, today=today)
    assert page.new_matches == [] and page.mentees == [cohort.mentees["ana"]]
