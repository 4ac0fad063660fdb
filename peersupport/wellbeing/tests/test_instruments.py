"""The instrument files: the shipped ones load and say what they should, and a
broken file is refused with a message naming the file and the problem."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from peersupport.wellbeing import instruments as instruments_module
from peersupport.wellbeing import scoring as scoring_module
from peersupport.wellbeing.instruments import (
    INSTRUMENTS_DIR,
    Instrument,
    InstrumentError,
    load_instrument_file,
    load_instruments,
)

# The shipped instruments ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, Instrument]:
    return load_instruments()


def test_the_shipped_instruments_all_load(shipped: dict[str, Instrument]) -> None:
    assert set(shipped) == {
        "scwbs",
        "gbo",
        "session_feedback",
        "mentor_experience",
        "sdq_self",
        "swemwbs",
    }
    assert {path.stem for path in INSTRUMENTS_DIR.glob("*.json")} == set(shipped)


def test_every_shipped_instrument_cites_a_source_and_says_what_was_checked(
    shipped: dict[str, Instrument],
) -> None:
    for instrument in shipped.values():
        assert instrument.sources, instrument.key
        assert all(source.checked for source in instrument.sources)
        assert instrument.licence.text.strip(), instrument.key
        assert instrument.notes.strip(), instrument.key
        for scale in instrument.scales:
            if scale.bands is not None:
                assert scale.bands.source.strip()


def test_scwbs_has_fifteen_items_twelve_scored_and_three_apart(
    shipped: dict[str, Instrument],
) -> None:
    scwbs = shipped["scwbs"]
    assert scwbs.age_range is not None
    assert (scwbs.age_range.min, scwbs.age_range.max) == (8, 15)
    assert [item.id for item in scwbs.items] == [f"q{n}" for n in range(1, 16)]
    assert scwbs.items[0].text == "I think good things will happen in my life"
    assert scwbs.reverse_items == []  # every item is positively worded
    labels = [option.label for option in scwbs.response_sets["frequency"].options]
    assert labels == [
        "Never",
        "Not much of the time",
        "Some of the time",
        "Quite a lot of the time",
        "All of the time",
    ]
    total = scwbs.scale("wellbeing")
    emotional = scwbs.scale("positive_emotional_state")
    outlook = scwbs.scale("positive_outlook")
    desirability = scwbs.scale("social_desirability")
    assert scwbs.headline == "wellbeing"
    assert (total.range.min, total.range.max) == (12, 60)
    assert len(emotional.items or []) == len(outlook.items or []) == 6
    # The two subscales split the 12 scored items between them.
    assert set(emotional.items or []) | set(outlook.items or []) == set(total.items or [])
    assert not set(emotional.items or []) & set(outlook.items or [])
    # The social desirability items are scored apart and never in the total.
    assert desirability.items == ["q2", "q7", "q13"]
    assert not set(desirability.items) & set(total.items or [])
    assert "unaltered" in scwbs.licence.text or "not altered" in scwbs.licence.text
    # Published reliability, but no norm SD found: reliable change cannot be computed.
    assert total.reliable_change is not None
    assert total.reliable_change.reliability == 0.82
    assert total.reliable_change.sd is None
    assert not total.reliable_change.computable
    assert "NOT CONFIRMED" in scwbs.notes


def test_gbo_is_up_to_three_goals_rated_0_to_10_under_cc_by_nc_sa(
    shipped: dict[str, Instrument],
) -> None:
    gbo = shipped["gbo"]
    assert gbo.kind == "goals"
    assert gbo.goals is not None
    assert (gbo.goals.max_goals, gbo.goals.min, gbo.goals.max) == (3, 0, 10)
    assert "BY-NC-SA 4.0" in gbo.licence.name
    assert "Duncan Law" in gbo.licence.text
    assert gbo.items == [] and gbo.scales == []


def test_session_feedback_is_our_four_questions(shipped: dict[str, Instrument]) -> None:
    feedback = shipped["session_feedback"]
    assert [item.id for item in feedback.items] == ["listened", "safe", "helpful", "come_again"]
    assert all(len(item.text.split()) <= 6 for item in feedback.items)


def test_the_mentor_survey_has_six_questions_one_reversed(
    shipped: dict[str, Instrument],
) -> None:
    survey = shipped["mentor_experience"]
    assert len(survey.items) == 6
    assert survey.reverse_items == ["unsure"]
    assert survey.item("unsure").reversed
    assert not survey.item("ready").reversed


def test_scores_only_instruments_hold_no_item_text(shipped: dict[str, Instrument]) -> None:
    for key in ("sdq_self", "swemwbs"):
        instrument = shipped[key]
        assert instrument.kind == "scores_only"
        assert instrument.items == [] and instrument.response_sets == {}
        assert all(scale.items is None for scale in instrument.scales)
        assert "must" in instrument.licence.text and "licence" in instrument.licence.text
    # Nor do the files themselves: no items, response sets or item ids at all.
    for key in ("sdq_self", "swemwbs"):
        raw = json.loads((INSTRUMENTS_DIR / f"{key}.json").read_text(encoding="utf-8"))
        assert not {"items", "response_sets", "reverse_items"} & set(raw)
        assert all("items" not in scale for scale in raw["scales"])


def test_sdq_declares_its_scales_ranges_and_bands(shipped: dict[str, Instrument]) -> None:
    sdq = shipped["sdq_self"]
    total = sdq.scale("total_difficulties")
    assert (total.range.min, total.range.max) == (0, 40)
    assert total.sum_of == ["emotional", "conduct", "hyperactivity", "peer"]
    for key in ("emotional", "conduct", "hyperactivity", "peer", "prosocial"):
        assert (sdq.scale(key).range.min, sdq.scale(key).range.max) == (0, 10)
    assert sdq.scale("prosocial").higher_is_better is True
    assert total.higher_is_better is False
    assert total.bands is not None
    assert [band.label for band in total.bands.bands] == [
        "Close to average",
        "Slightly raised",
        "High",
        "Very high",
    ]
    # The self-report numbers could not be checked against the original: say so.
    assert total.bands.verified is False


def test_swemwbs_is_a_raw_total_from_7_to_35(shipped: dict[str, Instrument]) -> None:
    swemwbs = shipped["swemwbs"]
    assert [scale.key for scale in swemwbs.scales] == ["total"]
    assert (swemwbs.scale("total").range.min, swemwbs.scale("total").range.max) == (7, 35)
    assert swemwbs.scale("total").bands is None


def test_no_shipped_measure_claims_reliable_change_without_both_figures(
    shipped: dict[str, Instrument],
) -> None:
    for instrument in shipped.values():
        for scale in instrument.scales:
            change = scale.reliable_change
            assert change is None or not change.computable or change.source


def test_loading_is_cached_per_folder(tmp_path: Path) -> None:
    write(tmp_path, "mini", mini())
    first = load_instruments(tmp_path)
    # A change to the file is not seen: the folder was read once and kept.
    (tmp_path / "mini.json").write_text("not JSON", encoding="utf-8")
    assert load_instruments(tmp_path) == first
    assert load_instruments(tmp_path) is not first  # callers get their own dict
    assert load_instruments() == load_instruments(INSTRUMENTS_DIR)


def test_a_folder_with_a_broken_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, "mini", mini())
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^broken\.json: not valid JSON"):
        load_instruments(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="the instruments folder does not exist"):
        load_instruments(tmp_path / "nowhere")


# Broken files ----------------------------------------------------------------------------


def mini(**changes: Any) -> dict[str, Any]:
    """A small valid "items" instrument: three items on 1 to 5, q3 reversed."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "key": "mini",
        "name": "Mini",
        "short_name": "Mini",
        "kind": "items",
        "respondent": "student",
        "purpose": "outcome",
        "age_range": {"min": 11, "max": 16},
        "licence": {"name": "Ours", "text": "Ours to use.", "url": None},
        "sources": [{"citation": "Us.", "url": None, "checked": "2026-11-29"}],
        "response_sets": {
            "five": {
                "min": 1,
                "max": 5,
                "options": [{"value": v, "label": f"L{v}"} for v in range(1, 6)],
            }
        },
        "items": [{"id": f"q{n}", "text": f"Item {n}", "response_set": "five"} for n in (1, 2, 3)],
        "reverse_items": ["q3"],
        "headline": "total",
        "scales": [
            {
                "key": "total",
                "name": "Total",
                "items": ["q1", "q2", "q3"],
                "rule": "sum",
                "max_missing": 1,
                "prorate": "mean_times_items",
                "round": "half_up",
                "range": {"min": 3, "max": 15},
                "higher_is_better": True,
                "bands": {
                    "source": "Made up for a test.",
                    "verified": True,
                    "bands": [
                        {"key": "low", "label": "Low", "min": 3, "max": 7},
                        {"key": "high", "label": "High", "min": 8, "max": 15},
                    ],
                },
            },
            {
                "key": "part",
                "name": "Part",
                "items": ["q1", "q2"],
                "rule": "sum",
                "range": {"min": 2, "max": 10},
                "higher_is_better": True,
            },
        ],
    }
    data.update(changes)
    return data


def scores_only(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "key": "paper",
        "name": "Paper",
        "short_name": "Paper",
        "kind": "scores_only",
        "respondent": "staff",
        "purpose": "outcome",
        "age_range": None,
        "licence": {"name": "Theirs", "text": "The school must hold its own licence."},
        "sources": [{"citation": "Them.", "checked": "2026-11-29"}],
        "headline": "total",
        "scales": [
            {
                "key": "total",
                "name": "Total",
                "values": "integer",
                "sum_of": ["a", "b"],
                "range": {"min": 0, "max": 20},
                "higher_is_better": False,
            },
            {
                "key": "a",
                "name": "A",
                "values": "integer",
                "range": {"min": 0, "max": 10},
                "higher_is_better": False,
            },
            {
                "key": "b",
                "name": "B",
                "values": "integer",
                "range": {"min": 0, "max": 10},
                "higher_is_better": False,
            },
        ],
    }
    data.update(changes)
    return data


def goals(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "key": "aims",
        "name": "Aims",
        "short_name": "Aims",
        "kind": "goals",
        "respondent": "student",
        "purpose": "outcome",
        "age_range": None,
        "licence": {"name": "Ours", "text": "Ours to use."},
        "sources": [{"citation": "Us.", "checked": "2026-11-29"}],
        "goals": {"max_goals": 3, "min": 0, "max": 10, "prompt": "How close?"},
    }
    data.update(changes)
    return data


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def refused(folder: Path, data: Any, name: str | None = None) -> str:
    """The message for a file holding ``data``, which must be refused."""
    if name is None:
        name = data["key"] if isinstance(data, dict) and "key" in data else "broken"
    path = write(folder, name, data)
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(path)
    assert caught.value.file == f"{name}.json"
    assert str(caught.value).startswith(f"{name}.json: ")
    return caught.value.problem


def edited(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the value at a dotted path (list indexes as
    numbers) replaced, or removed when ``value`` is ``DELETE``."""
    data = copy.deepcopy(data)
    parts: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for part in parts[:-1]:
        target = target[part]
    if value is DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return data


DELETE = object()


def test_the_valid_examples_load(tmp_path: Path) -> None:
    for data in (mini(), scores_only(), goals()):
        instrument = load_instrument_file(write(tmp_path, data["key"], data))
        assert instrument.key == data["key"]


def test_the_issue_example_message_is_given_word_for_word(tmp_path: Path) -> None:
    data = json.loads((INSTRUMENTS_DIR / "scwbs.json").read_text(encoding="utf-8"))
    data["scales"][2]["items"][0] = "q99"
    problem = refused(tmp_path, data)
    assert problem == "scale 'positive_outlook' names item 'q99', which is not an item"


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text('{"key": "mini",', encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^mini\.json: not valid JSON: .* at line 1"):
        load_instrument_file(path)


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text('{"key": "mini", "key": "other"}', encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^mini\.json: the key 'key' appears twice$"):
        load_instrument_file(path)


def test_a_file_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, [mini()]) == "the file must hold one JSON object (an instrument)"


def test_a_file_not_named_after_its_key_is_refused(tmp_path: Path) -> None:
    problem = refused(tmp_path, mini(), name="other")
    assert problem == "the file must be named after its key: mini.json"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(InstrumentError, match=r"^mini\.json: the file is not UTF-8"):
        load_instrument_file(path)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("licence", DELETE, "licence: Field required"),
        ("kind", "survey", "kind: Input should be 'items', 'goals' or 'scores_only'"),
        ("scales.0.range.min", "3", "scales[0].range.min: Input should be a valid integer"),
        ("scales.0.rule", "median", "scales[0].rule: Input should be 'sum' or 'mean'"),
        ("items.0.colour", "red", "items[0].colour: Extra inputs are not permitted"),
        ("items.0.id", "Q1", "items[0].id: String should match pattern"),
        ("items.0.text", "", "items[0].text: String should have at least 1 character"),
        ("sources", [], "sources: List should have at least 1 item"),
        ("sources.0.checked", "2026-02-30", "sources[0]: checked '2026-02-30' is not a real date"),
        ("age_range", {"min": 16, "max": 11}, "age_range: min 16 is above max 11"),
        ("schema_version", 2, "schema_version: Input should be 1"),
        (
            "scales.0.reliable_change",
            {"reliability": 1.2, "reliability_kind": "test_retest", "sd": 5, "source": "X"},
            "scales[0].reliable_change.reliability: Input should be less than 1",
        ),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_naming_the_field(
    tmp_path: Path, path: str, value: Any, problem: str
) -> None:
    assert refused(tmp_path, edited(mini(), path, value)).startswith(problem)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (
            "scales.1.items",
            ["q1", "q9"],
            "scale 'part' names item 'q9', which is not an item",
        ),
        ("scales.1.items", ["q1", "q1"], "scale 'part' lists item 'q1' twice"),
        ("reverse_items", ["q7"], "reverse_items names 'q7', which is not an item"),
        ("reverse_items", ["q3", "q3"], "reverse_items lists 'q3' twice"),
        (
            "items.1.response_set",
            "seven",
            "item 'q2' uses response set 'seven', which is not defined in response_sets",
        ),
        ("items.2.id", "q1", "item 'q1' is listed more than once"),
        (
            "response_sets.five.options.2.value",
            7,
            "response set 'five': option value 7 is outside its range 1 to 5",
        ),
        (
            "response_sets.five.options.2.value",
            2,
            "response set 'five': option value 2 is listed twice",
        ),
        (
            "response_sets.five.min",
            0,
            "response set 'five': the lowest and highest options must be 0 and 5",
        ),
        (
            "response_sets.five.options",
            [{"value": 5, "label": "Hi"}, {"value": 1, "label": "Lo"}],
            "response set 'five': list the options in ascending order of value",
        ),
        ("response_sets.five.max", 1, "response set 'five': min 1 must be below max 1"),
        (
            "scales.0.max_missing",
            3,
            "scale 'total' allows 3 missing answers but has only 3 items; at most 2 may be missing",
        ),
        (
            "scales.0.prorate",
            "none",
            "scale 'total' allows missing answers, so it needs a prorate rule",
        ),
        (
            "scales.0.prorate",
            "mean_of_answered",
            'scale \'total\': a "sum" scale prorates with "mean_times_items"',
        ),
        (
            "scales.0.range",
            {"min": 3, "max": 12},
            "scale 'total' declares the range 3 to 12, but its items give 3 to 15",
        ),
        ("scales.0.rule", None, 'scale \'total\' needs a rule: "sum" or "mean"'),
        ("scales.0.items", [], "scale 'total' needs a list of items"),
        ("scales.1.key", "total", "scale 'total' is listed more than once"),
        ("headline", "overall", "headline 'overall' is not a scale"),
        ("headline", None, "headline is missing: name the scale that is the main outcome"),
        ("scales.1.decimals", 1, 'scale \'part\': decimals needs "round": "half_up"'),
        (
            "scales.1.values",
            "integer",
            "scale 'part': values is only for scores-only instruments",
        ),
        (
            "goals",
            {"max_goals": 3, "min": 0, "max": 10, "prompt": "?"},
            "only a 'goals' instrument has goals",
        ),
        ("items", [], "an 'items' instrument needs at least one item"),
        ("scales", [], "the instrument needs at least one scale"),
    ],
)
def test_an_items_file_that_does_not_add_up_is_refused(
    tmp_path: Path, path: str, value: Any, problem: str
) -> None:
    assert refused(tmp_path, edited(mini(), path, value)).startswith(problem)


def test_an_unused_response_set_is_refused(tmp_path: Path) -> None:
    data = mini()
    data["response_sets"]["spare"] = copy.deepcopy(data["response_sets"]["five"])
    assert refused(tmp_path, data) == "response set 'spare' is not used by any item"


def test_a_reversed_item_needs_options_that_reverse_onto_options(tmp_path: Path) -> None:
    data = mini()
    data["response_sets"]["five"]["options"] = [{"value": v, "label": f"L{v}"} for v in (1, 2, 5)]
    assert refused(tmp_path, data) == (
        "item 'q3' is reverse-scored, but its option 2 would become 4, which is not an option"
    )


def test_a_mean_scale_prorates_only_by_the_mean_of_the_answered_items(tmp_path: Path) -> None:
    data = edited(mini(), "scales.0.rule", "mean")
    data = edited(data, "scales.0.bands", None)
    data = edited(data, "scales.0.range", {"min": 1, "max": 5})
    assert refused(tmp_path, data).startswith(
        'scale \'total\': a "mean" scale prorates with "mean_of_answered"'
    )


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        (
            [("low", 3, 7), ("high", 9, 15)],
            "scale 'total' bands: there is a gap between 'low' (to 7) and 'high' (from 9)",
        ),
        ([("low", 3, 8), ("high", 8, 15)], "scale 'total' bands: bands 'low' and 'high' overlap"),
        (
            [("low", 4, 7), ("high", 8, 15)],
            "scale 'total' bands: the first band starts at 4, not at the bottom of the range (3)",
        ),
        (
            [("low", 3, 7), ("high", 8, 14)],
            "scale 'total' bands: the last band ends at 14, not at the top of the range (15)",
        ),
        (
            [("low", 3, 7), ("low", 8, 15)],
            "scale 'total' bands: band 'low' is listed more than once",
        ),
        ([("low", 7, 3), ("high", 8, 15)], "scale 'total' bands: band 'low' has min 7 above max 3"),
    ],
)
def test_bands_must_be_contiguous_and_cover_the_range(
    tmp_path: Path, bands: list[tuple[str, int, int]], problem: str
) -> None:
    value = [{"key": k, "label": k.title(), "min": lo, "max": hi} for k, lo, hi in bands]
    assert refused(tmp_path, edited(mini(), "scales.0.bands.bands", value)) == problem


def test_bands_need_whole_number_scores(tmp_path: Path) -> None:
    data = edited(mini(), "scales.0.round", "none")
    assert refused(tmp_path, data).startswith("scale 'total' bands: bands need whole-number scores")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"reliability": 0.8, "reliability_kind": None, "sd": None, "source": "X"},
            "scale 'total' reliable_change: give reliability and reliability_kind together",
        ),
        (
            {"reliability": None, "reliability_kind": None, "sd": 6.1, "source": None},
            "scale 'total' reliable_change: a published reliability or SD needs its source",
        ),
    ],
)
def test_reliable_change_figures_need_their_source(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    assert refused(tmp_path, edited(mini(), "scales.0.reliable_change", change)) == problem


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (
            "items",
            [{"id": "q1", "text": "How often do you...", "response_set": "five"}],
            "a scores-only instrument holds no items, response sets or reverse items",
        ),
        ("scales.1.items", ["q1"], "scale 'a': a scores-only scale has no items"),
        ("scales.1.rule", "sum", "scale 'a': a scores-only scale has no scoring rule"),
        ("scales.1.values", None, 'scale \'a\' needs "values": "integer" or "decimal"'),
        ("scales.0.sum_of", ["a", "c"], "scale 'total': sum_of names 'c', which is not a scale"),
        ("scales.0.sum_of", ["a", "total"], "scale 'total': sum_of cannot name the scale itself"),
        ("scales.0.sum_of", ["a", "a"], "scale 'total': sum_of lists 'a' twice"),
        (
            "scales.0.range",
            {"min": 0, "max": 40},
            "scale 'total' declares the range 0 to 40, but the scales it sums give 0 to 20",
        ),
        ("scales.1.range", {"min": 5, "max": 5}, "scale 'a': range min 5 must be below max 5"),
        ("headline", None, "headline is missing"),
    ],
)
def test_a_scores_only_file_that_does_not_add_up_is_refused(
    tmp_path: Path, path: str, value: Any, problem: str
) -> None:
    assert refused(tmp_path, edited(scores_only(), path, value)).startswith(problem)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("goals", None, 'a "goals" instrument needs "goals"'),
        ("headline", "total", "a goals instrument has no scales or headline"),
        (
            "items",
            [{"id": "q1", "text": "My goal", "response_set": "x"}],
            "a goals instrument holds no items",
        ),
        ("goals.min", 10, "goals: min 10 must be below max 10"),
        (
            "goals.anchors",
            [{"value": 11, "label": "Past the top"}],
            "goals: anchor 11 is outside the rating range 0 to 10",
        ),
        ("goals.max_goals", 0, "goals.max_goals: Input should be greater than or equal to 1"),
    ],
)
def test_a_goals_file_that_does_not_add_up_is_refused(
    tmp_path: Path, path: str, value: Any, problem: str
) -> None:
    assert refused(tmp_path, edited(goals(), path, value)).startswith(problem)


# No Django -------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [instruments_module, scoring_module])
def test_the_module_imports_no_django(module: Any) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported  # the walk found the imports, so an empty answer below means something
    assert not [name for name in imported if name.split(".")[0] == "django"]


def test_loading_and_scoring_run_without_django_loaded() -> None:
    # A fresh interpreter: import both modules, load and score, then look at what
    # was imported along the way (peersupport's own __init__ files included).
    program = (
        "import sys\n"
        "from peersupport.wellbeing.instruments import load_instruments\n"
        "from peersupport.wellbeing.scoring import score\n"
        "scwbs = load_instruments()['scwbs']\n"
        "score(scwbs, {'q1': 3})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.stdout.strip() == "[]"
