"""Charts for reports, drawn on the server by Matplotlib as SVG: no script, nothing
from the internet, text kept as text (so it prints sharply, can be searched and is
read by screen readers), and the same colours everywhere (the Okabe-Ito palette,
told apart by people with colour-blindness; lines also differ by marker).

Every chart goes on a page with its numbers in a table beside it: the chart is a
picture of the table, never the only place a figure is. ``chart_svg`` returns the
SVG markup with a <title> and role="img", to be marked safe in the template."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# Okabe, M. and Ito, K. (2008) Color Universal Design: blue, orange, bluish green,
# vermilion, reddish purple, sky blue, yellow; black for a single series.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
# Text as text; ids the same on every run (so a saved report does not change).
SVG_SETTINGS: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "peersupport",
    "font.size": 10,
}


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its name (shown in the legend) and its values, one
    per label; None where there is no figure (a gap, never a zero)."""

    name: str
    values: Sequence[float | None]


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=96)
    figure.set_layout_engine("constrained")
    return figure


def _svg(figure: Figure, title: str) -> str:
    """The figure as SVG markup: text as text, no date stamp, ids stable between
    runs, and a <title> with role="img" for screen readers."""
    with rc_context(SVG_SETTINGS):  # type: ignore[arg-type]
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    label = escape(title)
    return re.sub(
        r"<svg ",
        f'<svg role="img" aria-label="{label}" focusable="false" ',
        svg,
        count=1,
    ).replace(">", f"><title>{label}</title>", 1)


def _style(axes: object, y_label: str, y_max: float | None) -> None:
    axes.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]
    axes.set_ylabel(y_label)  # type: ignore[attr-defined]
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)  # type: ignore[attr-defined]
    axes.set_axisbelow(True)  # type: ignore[attr-defined]
    if y_max is not None:
        axes.set_ylim(0, y_max)  # type: ignore[attr-defined]
    else:
        axes.set_ylim(bottom=0)  # type: ignore[attr-defined]


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    y_max: float | None = None,
    width: float = 7.0,
    height: float = 3.0,
) -> str:
    """Lines over time (weeks, terms): one per series, each its own colour and
    marker; gaps where a value is None."""
    figure = _figure(width, height)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    for n, one in enumerate(series):
        values = [float("nan") if v is None else float(v) for v in one.values]
        axes.plot(
            positions,
            values,
            label=one.name,
            color=PALETTE[n % len(PALETTE)] if len(series) > 1 else "#000000",
            marker=MARKERS[n % len(MARKERS)],
            markersize=4,
            linewidth=1.8,
        )
    _ticks(axes, labels)
    _style(axes, y_label, y_max)
    if len(series) > 1:
        axes.legend(frameon=False, loc="best")
    return _svg(figure, title)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    y_max: float | None = None,
    width: float = 7.0,
    height: float = 3.0,
) -> str:
    """Bars side by side per label, one colour per series; nothing drawn for None."""
    figure = _figure(width, height)
    axes = figure.add_subplot()
    count = max(len(series), 1)
    bar_width = 0.8 / count
    for n, one in enumerate(series):
        positions = [i - 0.4 + bar_width * (n + 0.5) for i in range(len(labels))]
        heights = [0.0 if v is None else float(v) for v in one.values]
        bars = axes.bar(
            positions,
            heights,
            width=bar_width,
            label=one.name,
            color=PALETTE[n % len(PALETTE)],
        )
        for bar, value in zip(bars, one.values, strict=True):
            if value is None:
                bar.set_visible(False)
    _ticks(axes, labels)
    _style(axes, y_label, y_max)
    if len(series) > 1:
        axes.legend(frameon=False, loc="best")
    return _svg(figure, title)


def _ticks(axes: object, labels: Sequence[str]) -> None:
    """Every label when there are few; otherwise about twelve, evenly spaced."""
    step = max(1, len(labels) // 12 + (1 if len(labels) % 12 else 0)) if len(labels) > 12 else 1
    shown = list(range(0, len(labels), step))
    axes.set_xticks(shown, [labels[i] for i in shown])  # type: ignore[attr-defined]
    if len(labels) > 6:
        axes.tick_params(axis="x", labelrotation=45)  # type: ignore[attr-defined]
