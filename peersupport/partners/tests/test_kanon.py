"""k-anonymity by generalising and suppressing (partners.kanon): for any rows and
any k, what is released is k-anonymous and nothing is lost track of; and a small
example worked by hand."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peersupport.partners.kanon import (
    ANY,
    QUASI_IDENTIFIERS,
    k_anonymise,
    key_stage,
    sen_any,
    smallest_class,
)

YEARS = [str(year) for year in range(0, 14)]
GENDERS = ["F", "M", "X"]
GROUPS = ["White", "Mixed", "Asian", "Black", "Chinese", "Any other ethnic group", "Unclassified"]
SEN = ["N", "K", "E"]
PP = ["Yes", "No"]

a_row = st.fixed_dictionaries(
    {
        "year_group": st.sampled_from(YEARS),
        "gender": st.sampled_from(GENDERS),
        "ethnicity_group": st.sampled_from(GROUPS),
        "sen_status": st.sampled_from(SEN),
        "pupil_premium": st.sampled_from(PP),
        "sessions": st.integers(0, 30),
    }
)


def combinations(rows: list[dict[str, object]]) -> Counter[tuple[object, ...]]:
    return Counter(tuple(row[name] for name in QUASI_IDENTIFIERS) for row in rows)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(a_row, max_size=120),
    k=st.integers(1, 12),
    share=st.sampled_from([0.0, 0.02, 0.05, 0.1, 0.3]),
)
def test_what_is_released_is_k_anonymous_for_any_rows_and_k(
    rows: list[dict[str, object]], k: int, share: float
) -> None:
    result = k_anonymise(rows, k=k, suppression_share=share)
    assert all(size >= k for size in combinations(result.rows).values())
    assert result.rows == [] or smallest_class(result.rows, QUASI_IDENTIFIERS) >= k


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(a_row, max_size=120), k=st.integers(1, 12))
def test_released_and_suppressed_add_up_to_the_rows_given(
    rows: list[dict[str, object]], k: int
) -> None:
    result = k_anonymise(rows, k=k)
    assert len(result.rows) + result.suppressed == len(rows)
    # Suppression stays within the budget unless nothing could be generalised more.
    at_top = result.level_names == dict.fromkeys(QUASI_IDENTIFIERS, "any")
    assert at_top or result.suppressed <= int(0.05 * len(rows))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(a_row, min_size=1, max_size=80), k=st.integers(1, 8))
def test_each_released_row_is_a_generalisation_of_a_row_given(
    rows: list[dict[str, object]], k: int
) -> None:
    result = k_anonymise(rows, k=k)
    given_sessions = Counter(row["sessions"] for row in rows)
    released_sessions = Counter(row["sessions"] for row in result.rows)
    assert released_sessions <= given_sessions
    for row in result.rows:
        assert row["year_group"] in {*YEARS, "KS2", "KS3", "KS4", "KS5", "Other", ANY}
        assert row["sen_status"] in {*SEN, "SEN (K or E)", ANY}


def test_k_of_one_changes_nothing() -> None:
    rows = [
        {"year_group": "7", "gender": "F", "ethnicity_group": "White", "sen_status": "E",
         "pupil_premium": "Yes"},
    ]  # fmt: skip
    result = k_anonymise(rows, k=1)
    assert result.rows == rows
    assert result.levels == dict.fromkeys(QUASI_IDENTIFIERS, 0)
    assert result.suppressed == 0


def test_a_small_example_worked_by_hand() -> None:
    """Six Year 7 and 8 girls and boys, k = 3, no suppression budget.

    Level 0: the year group has 2 distinct values, gender 2, the rest 1: classes
    (7, F) x2, (8, F) x1, (7, M) x2, (8, M) x1, all below 3. The year group comes
    first among the most varied, so it rises to the key stage: (KS3, F) x3 and
    (KS3, M) x3. Nothing is suppressed."""

    def row(year: str, gender: str) -> dict[str, object]:
        return {
            "year_group": year,
            "gender": gender,
            "ethnicity_group": "White",
            "sen_status": "N",
            "pupil_premium": "No",
        }

    rows = [row("7", "F"), row("7", "F"), row("8", "F"), row("7", "M"), row("7", "M")]
    rows.append(row("8", "M"))
    result = k_anonymise(rows, k=3, suppression_share=0)
    assert result.level_names == {
        "year_group": "key stage",
        "gender": "exact",
        "ethnicity_group": "exact",
        "sen_status": "exact",
        "pupil_premium": "exact",
    }
    assert result.suppressed == 0
    assert [(r["year_group"], r["gender"]) for r in result.rows] == [
        ("KS3", "F"),
        ("KS3", "F"),
        ("KS3", "F"),
        ("KS3", "M"),
        ("KS3", "M"),
        ("KS3", "M"),
    ]


def test_an_outlier_within_the_budget_is_suppressed_rather_than_generalising() -> None:
    """Twenty Year 7 students and one in Year 12, k = 5 and a 5% budget (one row):
    the Year 12 student is left out and the rest keep their exact year."""
    common = {"gender": "F", "ethnicity_group": "White", "sen_status": "N", "pupil_premium": "No"}
    rows = [{"year_group": "7", **common} for _ in range(20)]
    rows.append({"year_group": "12", **common})
    result = k_anonymise(rows, k=5)
    assert result.suppressed == 1
    assert {r["year_group"] for r in result.rows} == {"7"}
    assert result.levels["year_group"] == 0


def test_too_few_rows_for_k_releases_nothing() -> None:
    rows = [
        {"year_group": "9", "gender": "M", "ethnicity_group": "Black", "sen_status": "K",
         "pupil_premium": "Yes"},
    ] * 4  # fmt: skip
    result = k_anonymise(rows, k=5)
    assert result.rows == []
    assert result.suppressed == 4


def test_the_hierarchies_read_as_the_school_would() -> None:
    assert [key_stage(y) for y in ("2", "3", "6", "7", "9", "10", "11", "12", "13", "0")] == [
        "Other", "KS2", "KS2", "KS3", "KS3", "KS4", "KS4", "KS5", "KS5", "Other",
    ]  # fmt: skip
    assert [sen_any(s) for s in SEN] == ["N", "SEN (K or E)", "SEN (K or E)"]


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        k_anonymise([], k=0)


def test_a_quasi_identifier_named_twice_is_refused_with_a_clear_message() -> None:
    rows = [{"year_group": "7", "gender": "F"}]
    with pytest.raises(ValueError, match="named more than once: year_group"):
        k_anonymise(rows, k=1, quasi_identifiers=["year_group", "gender", "year_group"])
