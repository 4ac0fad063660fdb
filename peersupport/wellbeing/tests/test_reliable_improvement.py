"""The share reliably improved, as the dashboard and the impact report count it,
on the real database: the same students and the same verdicts as the outcomes page
gives for a term, and nothing claimed for a measure without published reliability
figures (none of the shipped measures has both, so a copy of SWEMWBS's file with
figures written in stands in for one that has)."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from conftest import Persona
from peersupport.programmes.models import Enrolment
from peersupport.schools.models import Term
from peersupport.wellbeing import instruments as instruments_module
from peersupport.wellbeing.selectors import Improvement, programme_outcomes, reliable_improvement
from peersupport.wellbeing.tests.test_staff_pages import (  # noqa: F401  (setting is a fixture)
    BASELINE_DAY,
    REVIEW_DAY,
    TERM_END,
    TERM_START,
    Setting,
    enrol,
    paper,
    setting,
)

# Baseline and review totals (SWEMWBS, 7 to 35, higher is better). With the
# figures below a change of 1.96 * sqrt(2) * 4 * sqrt(1 - 0.89) = 3.68 points or
# more is reliable: +5 and +4 improved, +2 and -1 no reliable change, -5 worse.
CHANGES = [(15, 20), (20, 22), (25, 20), (18, 22), (21, 20)]


def taking_part(one: Setting) -> list[tuple[int, int]]:
    return list(
        Enrolment.objects.filter(programme=one.programme).values_list("programme_id", "student_id")
    )


def record(one: Setting, coordinator: Persona) -> None:
    for before, after in CHANGES:
        student = enrol(one, coordinator)
        paper(coordinator, one, student, "baseline", before, BASELINE_DAY)
        paper(coordinator, one, student, "review", after, REVIEW_DAY)
    only_baseline = enrol(one, coordinator)
    paper(coordinator, one, only_baseline, "baseline", 10, BASELINE_DAY)


@pytest.fixture
def with_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped instruments, SWEMWBS with reliability figures written in."""
    folder = tmp_path / "instruments"
    shutil.copytree(instruments_module.INSTRUMENTS_DIR, folder)
    path = folder / "swemwbs.json"
    data = json.loads(path.read_text())
    data["scales"][0]["reliable_change"] = {
        "reliability": 0.89,
        "reliability_kind": "cronbach_alpha",
        "sd": 4.0,
        "source": "Figures made up for this test.",
    }
    path.write_text(json.dumps(data))
    monkeypatch.setattr(instruments_module, "INSTRUMENTS_DIR", folder)


def test_the_counts_match_the_outcomes_page_for_the_term(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,
) -> None:
    record(setting, personas["coordinator"])
    found = reliable_improvement(taking_part(setting), TERM_START, TERM_END)
    assert found == {setting.programme.pk: Improvement(assessed=5, improved=2)}

    term = Term.objects.get(school=setting.school)
    summary = programme_outcomes(setting.programme, term).summary
    assert summary is not None
    assert summary.n_paired == found[setting.programme.pk].assessed
    assert summary.n_reliably_improved == found[setting.programme.pk].improved


def test_a_period_without_the_follow_ups_counts_nobody(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,
) -> None:
    record(setting, personas["coordinator"])
    before_reviews = REVIEW_DAY - datetime.timedelta(days=1)
    assert reliable_improvement(taking_part(setting), TERM_START, before_reviews) == {}
    # Someone not taking part in the programme is not counted, scores or not.
    assert reliable_improvement(taking_part(setting)[1:], TERM_START, TERM_END) == {
        setting.programme.pk: Improvement(assessed=4, improved=1)
    }


def test_without_published_figures_nothing_is_claimed(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    record(setting, personas["coordinator"])
    found = reliable_improvement(taking_part(setting), TERM_START, TERM_END)
    assert found == {setting.programme.pk: Improvement(not_computable=5)}
