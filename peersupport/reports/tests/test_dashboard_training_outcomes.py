"""The dashboard's training compliance and outcome figures, against a school built
by hand: mentors serving a programme who hold its required modules in date, and
students who reliably improved on its measure (or, on a measure without published
reliability figures, the plain statement that it cannot be judged)."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student
from peersupport.programmes.models import Programme
from peersupport.programmes.services import (
    mentorship_propose,
    programme_create,
    programme_set_training,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.reports.dashboard import Dashboard, dashboard_figures
from peersupport.schools.models import School, Term
from peersupport.training.services import completion_record, module_create
from peersupport.wellbeing.tests.test_reliable_improvement import (  # noqa: F401  (fixtures)
    CHANGES,
    record,
    with_figures,
)
from peersupport.wellbeing.tests.test_staff_pages import (  # noqa: F401  (setting is a fixture)
    TERM_END,
    TERM_START,
    Setting,
    setting,
)

Login = Callable[[Persona], Client]


def figures(school: School, starts_on: datetime.date, ends_on: datetime.date) -> Dashboard:
    return dashboard_figures(
        school=school,
        programmes=list(Programme.objects.filter(school=school).order_by("name")),
        starts_on=starts_on,
        ends_on=ends_on,
        today=timezone.localdate(),
        with_safeguarding=False,
    )


def term_page(login: Login, persona: Persona) -> str:
    """The dashboard's text for the term of the wellbeing setting."""
    response = login(persona).get(
        reverse("reports:dashboard"),
        {"starts_on": TERM_START.isoformat(), "ends_on": TERM_END.isoformat()},
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_mentors_count_as_trained_only_with_every_required_module_in_date(
    personas: dict[str, Persona], school_a: School, login: Login
) -> None:
    coordinator = personas["coordinator"]
    today = timezone.localdate()
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="Buddies", kind="one_to_one", capacity=20
    )
    module = module_create(
        actor=coordinator.user, school=school_a, title="Listening well", refresh_months=12
    )
    trained, untrained, lapsed = (make_active_mentor(coordinator, school_a) for _ in range(3))
    # Paired before the programme required anything.
    for mentor in (trained, untrained, lapsed):
        mentorship_propose(
            actor=coordinator.user,
            programme=programme,
            mentor=mentor,
            mentee=make_student(school_a),
        )
    completion_record(
        actor=coordinator.user,
        module=module,
        completed_on=today - datetime.timedelta(days=30),
        how="recorded",
        student=trained.student,
    )
    completion_record(
        actor=coordinator.user,
        module=module,
        completed_on=today - datetime.timedelta(days=500),  # ran out after 12 months
        how="recorded",
        student=lapsed.student,
    )
    # A mentor with no pairing in this programme is not serving it.
    make_active_mentor(coordinator, school_a)

    before = figures(school_a, today - datetime.timedelta(weeks=4), today)
    assert before.programmes[0].training.serving == 3
    assert before.programmes[0].training.required_modules == 0  # nothing required yet

    programme_set_training(
        actor=coordinator.user, programme=programme, required_modules=[module], at_expiry="warn"
    )
    after = figures(school_a, today - datetime.timedelta(weeks=4), today)
    one = after.programmes[0]
    assert (one.training.required_modules, one.training.serving, one.training.in_date) == (1, 3, 1)
    assert (after.school.training.serving, after.school.training.in_date) == (3, 1)

    page = html.unescape(login(coordinator).get(reverse("reports:dashboard")).content.decode())
    assert f"?programme={programme.public_id}" in page
    assert "1 (33%)" in page


def test_the_share_reliably_improved_is_the_outcome_pages(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,  # noqa: F811
    login: Login,
) -> None:
    record(setting, personas["coordinator"])
    dashboard = figures(setting.school, TERM_START, TERM_END)
    improvement = dashboard.programmes[0].improvement
    # Two of the five with both scores changed by a reliable amount for the better.
    assert (improvement.assessed, improvement.improved) == (len(CHANGES), 2)
    assert dashboard.school.improved.percent == "40%"

    page = term_page(login, personas["coordinator"])
    assert "2 (40%)" in page
    # The period is the term: the outcomes page is opened on it.
    term = Term.objects.get(school=setting.school)
    outcomes_url = reverse("wellbeing:staff_outcomes", args=[setting.programme.public_id])
    assert f"{outcomes_url}?term={term.public_id}" in page


def test_a_measure_without_reliability_figures_is_not_judged(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    login: Login,
) -> None:
    record(setting, personas["coordinator"])
    dashboard = figures(setting.school, TERM_START, TERM_END)
    assert dashboard.programmes[0].improvement.not_computable == len(CHANGES)
    assert dashboard.school.improved.percent == ""
    page = term_page(login, personas["coordinator"])
    assert "Cannot be judged: the measure has no published reliability figures" in page
