"""The staff pages of wellbeing: a student's measures (trajectories with bands, a
chart and goals), entering the scores of a paper measure, a programme's outcomes in
a term (and their CSV), feedback trends, and "You said, we did".

Charts are drawn on the server as SVG from a small template (no script, nothing
from the internet), each with the same numbers in a table beside it."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.programmes.access import programmes_visible_to
from peersupport.programmes.models import Programme
from peersupport.schools.models import Term
from peersupport.wellbeing import outcomes, services
from peersupport.wellbeing.access import (
    feedback_comments_shown_to,
    feedback_visible_to,
    programme_feedback_for,
    programme_outcomes_export_for,
    programme_outcomes_for,
    student_for_scores_entry,
    student_measures_for,
    you_said_we_did_visible_to,
)
from peersupport.wellbeing.forms_staff import ScoresEntryForm, TermForm, YouSaidWeDidForm
from peersupport.wellbeing.instruments import Instrument, load_instruments
from peersupport.wellbeing.selectors import (
    ProgrammeOutcomes,
    Trajectory,
    current_term,
    feedback_trends,
    goals_of,
    programme_outcomes,
    terms_of,
    trajectories_of,
)

MANAGERS = (Role.COORDINATOR, Role.DSL)
MEASURE_READERS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
OUTCOME_READERS = (Role.COORDINATOR, Role.DSL, Role.VIEWER)

# ---------------------------------------------------------------- charts


CHART_WIDTH = 560
CHART_HEIGHT = 220
CHART_LEFT = 48
CHART_RIGHT = 16
CHART_TOP = 16
CHART_BOTTOM = 40


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class ChartTick:
    y: float
    value: float


@dataclass(frozen=True)
class Chart:
    """A line chart's geometry, for the SVG template to draw."""

    title: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    ticks: list[ChartTick]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def label_y(self) -> int:
        return self.height - self.bottom + 18


def line_chart(title: str, values: list[tuple[str, float]], low: float, high: float) -> Chart:
    """Points spaced evenly across, from ``low`` at the bottom to ``high`` at the top."""
    inner_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    inner_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    span = (high - low) or 1

    def y_of(value: float) -> float:
        return CHART_TOP + inner_height * (1 - (value - low) / span)

    count = len(values)
    points = [
        ChartPoint(
            x=CHART_LEFT + (inner_width * (index + 0.5) / count if count else 0),
            y=y_of(value),
            value=value,
            label=label,
        )
        for index, (label, value) in enumerate(values)
    ]
    ticks = [ChartTick(y_of(low + span * step / 4), low + span * step / 4) for step in range(5)]
    return Chart(
        title=title,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=CHART_LEFT,
        right=CHART_RIGHT,
        top=CHART_TOP,
        bottom=CHART_BOTTOM,
        points=points,
        ticks=ticks,
    )


def trajectory_chart(trajectory: Trajectory) -> Chart | None:
    headline = trajectory.headline
    if headline is None:
        return None
    values = [
        (f"{row.taken_on:%d/%m/%Y}", float(row.total.value))
        for row in trajectory.rows
        if row.total is not None and row.total.value is not None
    ]
    if not values:
        return None
    return line_chart(
        f"{trajectory.instrument.short_name}: {headline.name}",
        values,
        headline.range.min,
        headline.range.max,
    )


# ---------------------------------------------------------------- a student's measures


@role_required(*MEASURE_READERS)
def student_measures(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A student's trajectory on each measure, with bands and a chart, and goals."""
    student = student_measures_for(request.user, request.school, public_id, request=request)
    trajectories = trajectories_of(student)
    goals = goals_of(student)
    goal_charts = [
        (
            goal,
            f"goal-{index}",
            line_chart(
                f"Goal set on {goal.set_on:%d/%m/%Y}",
                [(f"{r.rated_on:%d/%m/%Y}", float(r.rating)) for r in goal.ratings.all()],
                0,
                10,
            ),
        )
        for index, goal in enumerate(goals, start=1)
    ]
    return render(
        request,
        "wellbeing/staff/student_measures.html",
        {
            "student": student,
            "measures": [(t, trajectory_chart(t)) for t in trajectories],
            "goal_charts": goal_charts,
            "can_enter_scores": request.membership.role in MANAGERS,
            "paper_instruments": _paper_instruments(),
        },
    )


def _paper_instruments() -> list[Instrument]:
    return sorted(
        (i for i in load_instruments().values() if i.kind == "scores_only"),
        key=lambda instrument: instrument.name,
    )


@role_required(*MANAGERS)
def scores_enter(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Enter the scores of a paper measure (SDQ, SWEMWBS...) for a student."""
    student = student_for_scores_entry(request.user, request.school, public_id)
    paper = {instrument.key: instrument for instrument in _paper_instruments()}
    key = request.POST.get("measure") or request.GET.get("measure") or next(iter(paper), "")
    instrument = paper.get(key)
    if instrument is None:
        messages.error(request, "Choose a measure the school runs on paper.")
        return redirect("wellbeing:staff_student_measures", public_id=student.public_id)
    programmes = Programme.objects.filter(
        school=request.school, enrolments__student=student
    ).distinct()
    form = ScoresEntryForm(request.POST or None, instrument=instrument, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_record_paper(
                actor=request.user,
                student=student,
                instrument=instrument.key,
                occasion=form.cleaned_data["occasion"],
                taken_on=form.cleaned_data["taken_on"],
                totals=form.totals(),
                programme=form.cleaned_data["programme"],
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"{instrument.short_name} scores saved.")
            return redirect("wellbeing:staff_student_measures", public_id=student.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "wellbeing/staff/scores_enter.html",
        {"student": student, "instrument": instrument, "paper": paper.values(), "form": form},
        status=status,
    )


# ---------------------------------------------------------------- programme outcomes


def _chosen_term(request: SchoolRequest) -> tuple[TermForm, Term | None]:
    terms = terms_of(request.school)
    form = TermForm(request.GET or None, terms=terms)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["term"]
    term = current_term(terms, timezone.localdate())
    form = TermForm(initial={"term": term}, terms=terms)
    return form, term


@role_required(*OUTCOME_READERS)
def programme_outcomes_view(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """How students' scores changed in a term, how sure we can be, and for whom."""
    programme = programme_outcomes_for(request.user, request.school, public_id)
    form, term = _chosen_term(request)
    figures = (
        programme_outcomes(programme, term, hide_small_totals=_hides_small_totals(request))
        if term is not None
        else None
    )
    return render(
        request,
        "wellbeing/staff/outcomes.html",
        {
            "programme": programme,
            "form": form,
            "term": term,
            "figures": figures,
            "effect_size_label": outcomes.EFFECT_SIZE_LABEL,
        },
    )


def _number(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


SUMMARY_COLUMNS = [
    "Section",
    "Grouping",
    "Group",
    "Students",
    "With both scores",
    "Missing follow-up",
    "Missing baseline",
    "Missing both",
    "Mean baseline",
    "Mean follow-up",
    "Mean change",
    "95% CI low",
    "95% CI high",
    "Effect size",
    "Effect size CI low",
    "Effect size CI high",
    "Reliably improved",
    "No reliable change",
    "Reliably deteriorated",
    "Note",
]


def _summary_cells(summary: outcomes.ChangeSummary, *, goals: bool = False) -> list[str]:
    """One row's figures. For goals (each student's mean rating) reliable change is
    counted per goal on the page, so it is not given here."""
    reliable_reason = None if goals else summary.reliable_change_reason
    notes = [note for note in (summary.interval_reason, reliable_reason) if note]
    return [
        str(summary.n_students),
        str(summary.n_paired),
        str(summary.n_missing_follow_up),
        str(summary.n_missing_baseline),
        str(summary.n_missing_both),
        _number(summary.mean_baseline),
        _number(summary.mean_follow_up),
        _number(summary.mean_change),
        _number(summary.mean_change_ci_low),
        _number(summary.mean_change_ci_high),
        _number(summary.effect_size),
        _number(summary.effect_size_ci_low),
        _number(summary.effect_size_ci_high),
        _share(summary.share_reliably_improved),
        _share(summary.share_no_reliable_change),
        _share(summary.share_reliably_deteriorated),
        spreadsheet_safe(" ".join(notes)),
    ]


def _hides_small_totals(request: SchoolRequest) -> bool:
    """Viewers may not read a student's scores, so a programme too small to hide
    them in is not shown to them whole; coordinators and DSLs may."""
    return request.membership.role not in (Role.COORDINATOR, Role.DSL)


def _write_outcomes(writer: Any, figures: ProgrammeOutcomes) -> None:
    writer.writerow(SUMMARY_COLUMNS)
    measure = spreadsheet_safe(figures.instrument.short_name)
    blank = [""] * (len(SUMMARY_COLUMNS) - 3)
    if figures.summary_hidden is not None:
        writer.writerow(
            [measure, "Everyone", "All", *blank[:-1], spreadsheet_safe(figures.summary_hidden)]
        )
    if figures.summary is not None:
        writer.writerow([measure, "Everyone", "All", *_summary_cells(figures.summary)])
        for table in figures.subgroups:
            for row in table.rows:
                if row.suppressed or row.result is None:
                    cells = [*blank[:-1], spreadsheet_safe(row.suppression_reason or "")]
                else:
                    cells = _summary_cells(row.result)
                writer.writerow(
                    [measure, spreadsheet_safe(table.heading), spreadsheet_safe(row.label), *cells]
                )
    goals = figures.goals
    if figures.goals_hidden is not None:
        writer.writerow(
            ["Goals", "Everyone", "All", *blank[:-1], spreadsheet_safe(figures.goals_hidden)]
        )
        return
    writer.writerow(["Goals", "Everyone", "All", *_summary_cells(goals.per_student, goals=True)])
    for goal_table in figures.goal_subgroups:
        for goal_row in goal_table.rows:
            if goal_row.suppressed or goal_row.result is None:
                cells = [*blank[:-1], spreadsheet_safe(goal_row.suppression_reason or "")]
            else:
                cells = _summary_cells(goal_row.result.per_student, goals=True)
            writer.writerow(
                [
                    "Goals",
                    spreadsheet_safe(goal_table.heading),
                    spreadsheet_safe(goal_row.label),
                    *cells,
                ]
            )


@role_required(*OUTCOME_READERS)
def programme_outcomes_csv(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The outcome page's figures as a spreadsheet, suppressed the same way."""
    programme = programme_outcomes_export_for(
        request.user, request.school, public_id, request=request
    )
    _, term = _chosen_term(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="outcomes-{programme.public_id}'
        f'{"-" + term.starts_on.isoformat() if term else ""}.csv"'
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    if term is None:
        writer.writerow(["No terms are set up for this school yet."])
        return response
    _write_outcomes(
        writer,
        programme_outcomes(programme, term, hide_small_totals=_hides_small_totals(request)),
    )
    return response


# ---------------------------------------------------------------- feedback trends


@role_required(*MEASURE_READERS)
def feedback_trends_view(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Session feedback of a programme by week: per group, and per mentor (named
    feedback only). Comments for coordinators and DSLs, never a name for anonymous
    feedback (none is stored)."""
    programme = programme_feedback_for(request.user, request.school, public_id)
    with_comments = feedback_comments_shown_to(request.user, request.school)
    trends = feedback_trends(
        feedback_visible_to(request.user, request.school).filter(programme=programme),
        with_comments=with_comments,
    )
    return render(
        request,
        "wellbeing/staff/feedback_trends.html",
        {"programme": programme, "trends": trends, "with_comments": with_comments},
    )


# ---------------------------------------------------------------- you said, we did


@role_required(*MANAGERS)
def you_said_we_did(request: SchoolRequest) -> HttpResponse:
    """What changed because of what students said: the list, and a new entry."""
    programmes = programmes_visible_to(request.user, request.school).order_by("name")
    form = YouSaidWeDidForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            services.you_said_we_did_post(
                actor=request.user,
                school=request.school,
                you_said=form.cleaned_data["you_said"],
                we_did=form.cleaned_data["we_did"],
                programme=form.cleaned_data["programme"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Posted. Students will see it on their home page.")
            return redirect(reverse("wellbeing:staff_you_said_we_did"))
    entries = (
        you_said_we_did_visible_to(request.user, request.school)
        .select_related("programme", "posted_by")
        .order_by("-posted_on", "-pk")[:100]
    )
    return render(
        request,
        "wellbeing/staff/you_said_we_did.html",
        {"form": form, "entries": entries},
        status=400 if request.method == "POST" else 200,
    )
