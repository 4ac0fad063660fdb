"""The programme health dashboard as spreadsheet rows that may leave the coordinator's
hands (to governors, for instance): no small number is shown, nor can one be worked
out from what is shown.

Pure: it reads a ``Dashboard`` and returns rows of text, so every rule can be tested
without a database. The rules, with ``t`` the small-number threshold:

1. Counts. A count from 1 to t - 1 is written "Fewer than t" (primary suppression);
   0 and counts of t or more are written as they are.
2. Shares (percentages). See ``share_cell``: a share is shown only when its whole is
   at least t and neither its part nor the rest (whole - part) is from 1 to t - 1.
3. Open concerns by age band. See ``concern_cells``: when any band of a kind is
   hidden, its total ("Open") is hidden too, so no band is total minus the others.
4. Programmes against the whole school. See ``column_cells``: in each count column,
   when any programme's cell is hidden, so is the whole school's.
5. Weekly rows. A week whose count is hidden has its rate or mean hidden too (rule 2
   does this for attendance; the feedback mean is hidden with its count).
6. Medians. A median taken from fewer than t values is hidden (the dashboard says
   how many values each is taken from).
7. Training and outcomes: shares like any other (rule 2); where nobody could be
   judged on a measure without reliability figures, the reason instead.

A cell hidden for any reason other than rule 1 says "Hidden"; one note row at the top
of the spreadsheet says what both markers mean."""

from __future__ import annotations

from collections.abc import Sequence

from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.reports.dashboard import (
    ConcernRow,
    Dashboard,
    ProgrammeFigures,
    Share,
)

CSV_COLUMNS = [
    "Programme",
    "Participants",
    "Mentors",
    "New referrals",
    "Waiting",
    "Median wait (days)",
    "Attendance rate",
    "Still taking part after 6 weeks",
    "Still taking part after 12 weeks",
    "At risk",
    "Staff contact in the last month",
    "Supervision due",
    "Mentors with required training in date",
    "Reliably improved (of those with a baseline and a follow-up)",
]

# The count columns of the programme table, checked against the whole school's row.
# New referrals, waiting and at risk add up across programmes. Participants and
# mentors need not (a student may take part in two programmes), but usually do, and
# even then the whole school minus the other programmes is a floor for a hidden
# cell, so they are protected the same way.
COUNT_COLUMNS = ("participants", "mentors", "new_referrals", "waiting", "at_risk")

HIDDEN = "Hidden"


def small_marker(threshold: int) -> str:
    return f"Fewer than {threshold}"


def note(threshold: int) -> str:
    return (
        f"Counts below {threshold} are shown as \u201c{small_marker(threshold)}\u201d."
        f" Cells shown as \u201c{HIDDEN}\u201d are left out so that small numbers cannot"
        " be worked out from them: rates and medians taken from few people, and some"
        " other cells that would let a hidden count be worked out from a total."
    )


def is_small(count: int, threshold: int) -> bool:
    """A count that may not be shown: from 1 to ``threshold - 1`` (0 may be)."""
    return 0 < count < threshold


def count_cell(count: int, threshold: int) -> str:
    """A count as ``reports.dashboard.suppressed`` writes it, for a given threshold."""
    return small_marker(threshold) if is_small(count, threshold) else str(count)


def share_cell(share: Share, threshold: int) -> str:
    """A share as a percentage, shown only when its whole is at least ``threshold``
    and neither the part nor the rest (whole - part) is from 1 to ``threshold - 1``;
    otherwise "Hidden". Below that, the percentage (with the whole, or the whole
    with it) gives away a small count: 1 of 3 is 33%, 9 of 10 is 90% (one did not).

    A share with no whole (nobody to take a share of) stays empty, as on the page:
    it says only that the whole is 0, which is not a small number."""
    if share.whole == 0:
        return ""
    if (
        share.whole < threshold
        or is_small(share.part, threshold)
        or is_small(share.whole - share.part, threshold)
    ):
        return HIDDEN
    return share.percent


def days_cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def median_cell(value: float | None, values: int, threshold: int) -> str:
    """A median in days, hidden when taken from fewer than ``threshold`` values
    (``values``: their number, or a count that is at least their number): a median
    of one or two waits is a child's own wait."""
    if value is None:
        return ""
    return HIDDEN if values < threshold else days_cell(value)


def column_cells(total: int, parts: Sequence[int], threshold: int) -> tuple[str, list[str]]:
    """The whole school's cell and the programmes' cells of one count column.

    Primary suppression first (rule 1). Then, when any programme's cell is hidden,
    the whole school's cell is hidden too ("Hidden"), as the trust view hides a
    total beside a hidden school. Hiding more programme cells instead is not
    enough: a reader who knows that "Fewer than" means 1 to 4 and "Hidden" means 0
    or at least the threshold can often pin the hidden cells down from what the
    total leaves (26 beside "Fewer than 5", "Hidden" and 20 leaves 6: 1 and 5)."""
    small = [is_small(part, threshold) for part in parts]
    total_small = is_small(total, threshold)
    if total_small:
        total_cell = small_marker(threshold)
    elif any(small):
        total_cell = HIDDEN
    else:
        total_cell = str(total)
    return (
        total_cell,
        [
            small_marker(threshold) if off else str(part)
            for part, off in zip(parts, small, strict=True)
        ],
    )


def concern_cells(row: ConcernRow, threshold: int) -> list[str]:
    """A kind's open concerns and its age bands. When any band is hidden, the total is
    hidden too ("Hidden"), rather than another band: a single hidden band would be
    the total minus the others, two the sum of theirs, and hiding the total leaves
    no sum to take. (The spreadsheet has no totals across kinds, so the bands cannot
    be worked out down a column either.)"""
    bands = [count_cell(count, threshold) for count in row.by_age]
    if is_small(row.open, threshold):
        total = small_marker(threshold)
    elif any(is_small(count, threshold) for count in row.by_age):
        total = HIDDEN
    else:
        total = str(row.open)
    return [spreadsheet_safe(row.label), total, *bands]


CANNOT_BE_JUDGED = "Cannot be judged: the measure has no published reliability figures"


def improved_cell(one: ProgrammeFigures, threshold: int) -> str:
    """The share reliably improved, as any share (hidden on a small base); where
    nobody could be judged but some were measured, why there is no figure."""
    if not one.improvement.assessed and one.improvement.not_computable:
        return CANNOT_BE_JUDGED
    return share_cell(one.improved, threshold)


def _programme_rows(dashboard: Dashboard, threshold: int) -> list[list[str]]:
    everyone: list[ProgrammeFigures] = [dashboard.school, *dashboard.programmes]
    counts: dict[str, list[str]] = {}
    for column in COUNT_COLUMNS:
        total, parts = column_cells(
            getattr(dashboard.school, column),
            [getattr(one, column) for one in dashboard.programmes],
            threshold,
        )
        counts[column] = [total, *parts]
    rows = []
    for n, one in enumerate(everyone):
        rows.append(
            [
                spreadsheet_safe(one.name),
                counts["participants"][n],
                counts["mentors"][n],
                counts["new_referrals"][n],
                counts["waiting"][n],
                median_cell(one.median_wait_days, one.waits_counted, threshold),
                share_cell(one.attendance, threshold),
                share_cell(one.retention[6], threshold) if 6 in one.retention else "",
                share_cell(one.retention[12], threshold) if 12 in one.retention else "",
                counts["at_risk"][n],
                share_cell(one.contact, threshold),
                "" if one.supervision_due is None else ("Yes" if one.supervision_due else "No"),
                share_cell(one.training_in_date, threshold),
                improved_cell(one, threshold),
            ]
        )
    return rows


def dashboard_rows(dashboard: Dashboard, *, threshold: int) -> list[list[str]]:
    """Every row of the dashboard's spreadsheet, small numbers suppressed as the
    module's docstring says: a note, the period, then the programmes, attendance by
    week, open concerns, conflicts, feedback by week and referrals out."""
    rows: list[list[str]] = [
        [note(threshold)],
        ["Period", dashboard.starts_on.isoformat(), dashboard.ends_on.isoformat()],
        list(CSV_COLUMNS),
        *_programme_rows(dashboard, threshold),
        [],
        ["Week", "Attendance rate", "Marks"],
    ]
    for week, rate in zip(
        dashboard.weeks, dashboard.attendance_by_week.get(None, []), strict=False
    ):
        # A week with fewer marks than the threshold has its rate hidden by share_cell.
        rate_cell = share_cell(rate.share, threshold)
        rows.append([week.isoformat(), rate_cell, count_cell(rate.marked, threshold)])
    rows += [[], ["Open concerns", "Open", *dashboard.age_bands]]
    rows += [concern_cells(row, threshold) for row in dashboard.concerns]
    rows += [
        [],
        [
            "Conflicts resolved",
            count_cell(dashboard.conflicts_resolved, threshold),
            "Median days",
            # The conflicts resolved are exactly the values behind this median.
            median_cell(dashboard.conflict_median_days, dashboard.conflicts_resolved, threshold),
        ],
        [],
        ["Feedback week", "Feedback given", "Mean score"],
    ]
    for given in dashboard.feedback:
        if given.mean is None:
            mean = ""
        elif is_small(given.count, threshold):
            mean = HIDDEN
        else:
            mean = f"{given.mean:.2f}"
        rows.append([given.week_of.isoformat(), count_cell(given.count, threshold), mean])
    rows += [[], ["Referrals out", "Count"]]
    rows += [
        [spreadsheet_safe(status.label), count_cell(status.count, threshold)]
        for status in dashboard.referrals_out
    ]
    rows.append(
        [
            "Median days to a first answer",
            median_cell(
                dashboard.referral_out_median_days, dashboard.referral_out_answered, threshold
            ),
        ]
    )
    return rows
