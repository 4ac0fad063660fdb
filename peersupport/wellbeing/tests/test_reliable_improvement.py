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
from peersupport.programmes.services import programme_create, referral_accept, referral_create
from peersupport.schools.models import Term
from peersupport.wellbeing import instruments as instruments_module
from peersupport.wellbeing.models import MeasureSettings
from peersupport.wellbeing.selectors import Improvement, programme_outcomes, reliable_improvement
from peersupport.wellbeing.services import questionnaire_record_paper
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
    found = reliable_improvement(taking_part(setting), TERM_START, TERM_END).by_programme
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
    early = reliable_improvement(taking_part(setting), TERM_START, before_reviews)
    assert early.by_programme == {} and early.by_student == {}
    # Someone not taking part in the programme is not counted, scores or not.
    found = reliable_improvement(taking_part(setting)[1:], TERM_START, TERM_END)
    assert found.by_programme == {setting.programme.pk: Improvement(assessed=4, improved=1)}


def test_without_published_figures_nothing_is_claimed(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    record(setting, personas["coordinator"])
    found = reliable_improvement(taking_part(setting), TERM_START, TERM_END)
    assert found.by_programme == {setting.programme.pk: Improvement(not_computable=5)}
    assert sum(found.by_student.values(), Improvement()) == Improvement(not_computable=5)


def test_a_baseline_taken_after_the_follow_up_is_not_measured_against(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,
) -> None:
    """A student who starts again has a new baseline after their last review: the
    review is still measured against the baseline before it, here and on the
    outcomes page."""
    coordinator = personas["coordinator"]
    student = enrol(setting, coordinator)
    paper(coordinator, setting, student, "baseline", 15, BASELINE_DAY)
    paper(coordinator, setting, student, "review", 25, REVIEW_DAY)  # +10: improved
    paper(coordinator, setting, student, "baseline", 30, REVIEW_DAY + datetime.timedelta(days=7))
    found = reliable_improvement(taking_part(setting), TERM_START, TERM_END)
    assert found.by_programme == {setting.programme.pk: Improvement(assessed=1, improved=1)}
    summary = programme_outcomes(
        setting.programme, Term.objects.get(school=setting.school), hide_small_totals=False
    ).summary
    assert summary is not None
    assert (summary.n_paired, summary.n_reliably_improved) == (1, 1)
    assert summary.mean_change == 10


def test_across_programmes_each_student_counts_once(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,
) -> None:
    """Measured in two programmes, a student is one person in figures across them:
    counted on the programme with the later follow-up."""
    coordinator = personas["coordinator"]
    other = programme_create(
        actor=coordinator.user, school=setting.school, name="Second", kind="group", capacity=20
    )
    MeasureSettings.objects.create(school=setting.school, programme=other, instrument="swemwbs")
    student = enrol(setting, coordinator)
    paper(coordinator, setting, student, "baseline", 15, BASELINE_DAY)
    paper(coordinator, setting, student, "review", 25, REVIEW_DAY)  # improved
    referral_accept(
        actor=coordinator.user,
        referral=referral_create(
            actor=coordinator.user,
            programme=other,
            student=student,
            source="staff",
            need_areas=["anxiety"],
        ),
        started_on=BASELINE_DAY,
    )
    for occasion, total, day in (
        ("baseline", 20, BASELINE_DAY),
        ("review", 20, REVIEW_DAY + datetime.timedelta(days=14)),  # later, no change
    ):
        questionnaire_record_paper(
            actor=coordinator.user,
            student=student,
            instrument="swemwbs",
            occasion=occasion,
            taken_on=day,
            totals={"total": total},
            programme=other,
        )
    pairs = list(
        Enrolment.objects.filter(student=student).values_list("programme_id", "student_id")
    )
    found = reliable_improvement(pairs, TERM_START, TERM_END)
    assert found.by_programme == {
        setting.programme.pk: Improvement(assessed=1, improved=1),
        other.pk: Improvement(assessed=1, improved=0),
    }
    assert found.by_student == {student.pk: Improvement(assessed=1, improved=0)}
