"""Configuration from the environment: strict readers fail loudly on bad values."""

from __future__ import annotations

import pytest

from peersupport.lib.env import ConfigurationError, read_bool, read_int, read_list


@pytest.mark.parametrize(
    "raw,expected",
    [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", True)],
)
def test_yes_no_values(raw: str, expected: bool) -> None:
    assert read_bool("FLAG", True, environ={"FLAG": raw}) is expected


def test_a_misspelt_yes_no_value_is_an_error_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="DEBUG='ture'"):
        read_bool("DEBUG", False, environ={"DEBUG": "ture"})


def test_lists_and_their_empty_items() -> None:
    assert read_list("HOSTS", ["a"], environ={}) == ["a"]
    assert read_list("HOSTS", [], environ={"HOSTS": "x.org, y.org"}) == ["x.org", "y.org"]
    with pytest.raises(ConfigurationError, match="empty item"):
        read_list("HOSTS", [], environ={"HOSTS": "x.org,,y.org"})


def test_whole_numbers() -> None:
    assert read_int("N", 5, environ={"N": "7"}) == 7
    with pytest.raises(ConfigurationError, match="not a whole number"):
        read_int("N", 5, environ={"N": "seven"})
    with pytest.raises(ConfigurationError, match="at least 1"):
        read_int("N", 5, minimum=1, environ={"N": "0"})
