"""Charts are drawn by Matplotlib as SVG with their text as text, a title for screen
readers, the same markup on every run, and no figure invented where there is none."""

from __future__ import annotations

import re

from peersupport.reports.charts import PALETTE, Series, bar_chart, line_chart


def test_a_line_chart_is_svg_with_a_title_and_its_words_as_text() -> None:
    svg = line_chart(
        title="Attendance by week",
        labels=["Week 1", "Week 2", "Week 3"],
        series=[Series("Lunch group", [0.8, 0.75, 0.9]), Series("Buddies", [0.6, None, 0.7])],
        y_label="Share attended",
    )
    assert svg.startswith('<svg role="img" aria-label="Attendance by week"')
    assert "<title>Attendance by week</title>" in svg
    # Text is kept as <text>, so it prints sharply and can be found and read.
    assert re.search(r"<text[^>]*>Week 2</text>", svg)
    assert "Lunch group" in svg and "Buddies" in svg
    # Two series: two colours of the palette.
    assert PALETTE[0].lower() in svg.lower() and PALETTE[1].lower() in svg.lower()
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org", "").replace(
        "http://purl.org", ""
    ).replace("http://creativecommons.org", "")


def test_the_same_figures_give_the_same_markup() -> None:
    def draw() -> str:
        return bar_chart(
            title="Referrals by status",
            labels=["Sent", "Seen"],
            series=[Series("Referrals", [3, 5])],
        )

    assert draw() == draw()


def test_a_missing_value_draws_no_bar() -> None:
    with_gap = bar_chart(title="Counts", labels=["A", "B"], series=[Series("Count", [4, None])])
    without = bar_chart(title="Counts", labels=["A", "B"], series=[Series("Count", [4, 0])])
    # A hidden bar is left out of the drawing; a zero is still drawn (flat).
    assert with_gap != without
