"""The dashboard's spreadsheet leaves the coordinator's hands: no small number in it,
none that can be worked out from totals or from a rate beside it, and big numbers as
they are. Dashboards are built by hand (no database) except in the last test, which
goes through the view."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Sequence

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.programmes.models import Programme
from peersupport.programmes.selectors import RequiredTraining
from peersupport.reports.dashboard import (
    ConcernRow,
    Dashboard,
    FeedbackWeek,
    ProgrammeFigures,
    Share,
    StatusCount,
    WeekRate,
)
from peersupport.reports.dashboard_export import (
    CANNOT_BE_JUDGED,
    CSV_COLUMNS,
    HIDDEN,
    column_cells,
    dashboard_rows,
    share_cell,
)
from peersupport.reports.tests.test_dashboard_page import (  # noqa: F401 (a fixture)
    PERIOD,
    setting,
)
from peersupport.wellbeing.selectors import Improvement

Login = Callable[[Persona], Client]
T = 5
SMALL = "Fewer than 5"
MONDAY = datetime.date(2025, 1, 6)
NO_RETENTION = {6: Share(0, 0), 12: Share(0, 0)}


def one(name: str | None, **fields: object) -> ProgrammeFigures:
    figures = ProgrammeFigures(Programme(name=name) if name is not None else None)
    figures.retention = dict(NO_RETENTION)
    for key, value in fields.items():
        setattr(figures, key, value)
    return figures


def board(
    *,
    school: ProgrammeFigures | None = None,
    programmes: Sequence[ProgrammeFigures] = (),
    weeks: Sequence[WeekRate] = (),
    concerns: Sequence[ConcernRow] = (),
    conflicts: tuple[int, float | None] = (0, None),
    feedback: Sequence[FeedbackWeek] = (),
    referrals_out: Sequence[StatusCount] = (),
    referral_out_median_days: float | None = None,
    referral_out_answered: int = 0,
) -> Dashboard:
    return Dashboard(
        starts_on=MONDAY,
        ends_on=MONDAY + datetime.timedelta(weeks=12),
        today=MONDAY + datetime.timedelta(weeks=12),
        school=school or one(None),
        programmes=list(programmes),
        weeks=[week.week_of for week in weeks],
        attendance_by_week={None: list(weeks)},
        concerns=list(concerns),
        with_safeguarding=False,
        conflicts_resolved=conflicts[0],
        conflict_median_days=conflicts[1],
        feedback=list(feedback),
        referrals_out=list(referrals_out),
        referral_out_median_days=referral_out_median_days,
        referral_out_answered=referral_out_answered,
    )


def cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row]


def row_of(rows: list[list[str]], first: str) -> list[str]:
    (found,) = [row for row in rows if row and row[0] == first]
    return found


def column(rows: list[list[str]], heading: str, names: Sequence[str]) -> list[str]:
    index = CSV_COLUMNS.index(heading)
    return [row_of(rows, name)[index] for name in names]


def worked_out(total: str, parts: Sequence[str]) -> int | None:
    """What a reader can work out of the hidden parts: the total less the parts shown,
    when the total is shown and exactly one part is not."""
    hidden = [part for part in parts if not part.isdigit()]
    if not total.isdigit() or len(hidden) != 1:
        return None
    return int(total) - sum(int(part) for part in parts if part.isdigit())


def test_the_spreadsheet_starts_with_a_note_and_keeps_its_sections_and_headings() -> None:
    rows = dashboard_rows(board(), threshold=T)
    assert rows[0] == [
        "Counts below 5 are shown as \u201cFewer than 5\u201d. Cells shown as \u201cHidden\u201d"
        " are left out so that small numbers cannot be worked out from them: rates and"
        " medians taken from few people, and some other cells that would let a hidden"
        " count be worked out from a total."
    ]
    assert rows[1] == ["Period", "2025-01-06", "2025-03-31"]
    assert rows[2] == CSV_COLUMNS
    for heading in (
        ["Week", "Attendance rate", "Marks"],
        ["Open concerns", "Open", "Under 7 days", "7 to 28 days", "Over 28 days"],
        ["Feedback week", "Feedback given", "Mean score"],
        ["Referrals out", "Count"],
    ):
        assert heading in rows


def test_a_weeks_rate_is_hidden_when_its_marks_are_hidden_and_shown_when_both_are_big() -> None:
    rows = dashboard_rows(
        board(
            weeks=[
                WeekRate(MONDAY, attended=1, marked=3),
                WeekRate(MONDAY + datetime.timedelta(weeks=1), attended=20, marked=40),
            ]
        ),
        threshold=T,
    )
    assert row_of(rows, "2025-01-06") == ["2025-01-06", HIDDEN, SMALL]
    assert row_of(rows, "2025-01-13") == ["2025-01-13", "50%", "40"]
    # 33% beside "fewer than 5" marks would give away 1 of 3.
    assert "33%" not in cells(rows) and "3" not in cells(rows) and "1" not in cells(rows)


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (Share(3, 4), HIDDEN),  # a small whole
        (Share(1, 10), HIDDEN),  # a small part: 10% of 10 is one child
        (Share(9, 10), HIDDEN),  # a small rest: 90% of 10 says one did not
        (Share(4, 40), HIDDEN),  # a small part on a big whole
        (Share(5, 10), "50%"),
        (Share(0, 8), "0%"),
        (Share(8, 8), "100%"),
        (Share(0, 0), ""),  # nobody to take a share of, as on the page
    ],
)
def test_a_share_is_shown_only_on_a_big_whole_with_no_small_part_or_rest(
    share: Share, shown: str
) -> None:
    assert share_cell(share, T) == shown


def test_a_programmes_shares_on_small_numbers_are_hidden_and_big_ones_shown() -> None:
    small = one(
        "Buddies",
        attendance=Share(2, 3),
        retention={6: Share(3, 4), 12: Share(9, 10)},
        contact=Share(1, 12),
    )
    big = one(
        "Mentoring",
        attendance=Share(30, 40),
        retention={6: Share(10, 20), 12: Share(15, 20)},
        contact=Share(12, 12),
    )
    rows = dashboard_rows(board(programmes=[small, big]), threshold=T)
    shares = [
        "Attendance rate",
        "Still taking part after 6 weeks",
        "Still taking part after 12 weeks",
        "Staff contact in the last month",
    ]
    assert [column(rows, heading, ["Buddies"])[0] for heading in shares] == [HIDDEN] * 4
    assert [column(rows, heading, ["Mentoring"])[0] for heading in shares] == [
        "75%",
        "50%",
        "75%",
        "100%",
    ]
    for revealing in ("67%", "75%", "90%", "8%"):
        assert revealing not in row_of(rows, "Buddies")


def test_a_hidden_age_band_cannot_be_worked_out_from_its_kinds_total() -> None:
    rows = dashboard_rows(
        board(
            concerns=[
                ConcernRow("wellbeing", "Wellbeing", open=12, by_age=[2, 10, 0]),
                ConcernRow("conflict", "Conflict", open=12, by_age=[5, 7, 0]),
                ConcernRow("boundary", "Boundary", open=3, by_age=[0, 3, 0]),
            ]
        ),
        threshold=T,
    )
    wellbeing = row_of(rows, "Wellbeing")
    assert wellbeing == ["Wellbeing", HIDDEN, SMALL, "10", "0"]
    assert worked_out(wellbeing[1], wellbeing[2:]) is None
    assert "12" not in wellbeing and "2" not in wellbeing
    assert row_of(rows, "Conflict") == ["Conflict", "12", "5", "7", "0"]
    assert row_of(rows, "Boundary") == ["Boundary", SMALL, "0", SMALL, "0"]


def test_a_hidden_programme_cannot_be_worked_out_from_the_whole_school() -> None:
    names = ["Whole school", "Buddies", "Lunch club", "Mentoring"]
    rows = dashboard_rows(
        board(
            school=one(None, waiting=25, at_risk=11, new_referrals=30),
            programmes=[
                one("Buddies", waiting=3, at_risk=3, new_referrals=10),
                one("Lunch club", waiting=10, at_risk=0, new_referrals=8),
                one("Mentoring", waiting=12, at_risk=8, new_referrals=12),
            ],
        ),
        threshold=T,
    )
    waiting = column(rows, "Waiting", names)
    # The whole school is hidden beside the small programme: nothing to subtract from.
    assert waiting == [HIDDEN, SMALL, "10", "12"]
    assert worked_out(waiting[0], waiting[1:]) is None
    assert "3" not in waiting and "25" not in waiting
    at_risk = column(rows, "At risk", names)
    assert at_risk == [HIDDEN, SMALL, "0", "8"]
    assert worked_out(at_risk[0], at_risk[1:]) is None
    # Nothing small: every cell as it is.
    assert column(rows, "New referrals", names) == ["30", "10", "8", "12"]


def test_two_hidden_programmes_that_come_to_a_small_number_are_not_left_to_be_worked_out() -> None:
    assert column_cells(13, [1, 2, 10], T) == (HIDDEN, [SMALL, SMALL, "10"])


def test_no_mix_of_markers_pins_a_small_programme_down() -> None:
    """Found in review: with the programmes' cells hidden in turn while the whole
    school stayed, "Fewer than 5" (1 to 4) and "Hidden" (0 or 5 and more) beside
    the total left only one possibility. With the total hidden nothing is left."""
    assert column_cells(26, [1, 5, 20], T) == (HIDDEN, [SMALL, "5", "20"])
    assert column_cells(38, [4, 4, 30], T) == (HIDDEN, [SMALL, SMALL, "30"])
    assert column_cells(6, [1, 5, 0], T) == (HIDDEN, [SMALL, "5", "0"])
    assert column_cells(40, [10, 30], T) == ("40", ["10", "30"])


def test_with_no_other_programme_to_hide_the_whole_school_is_hidden() -> None:
    # Participants may overlap, so a whole school above the threshold beside one small
    # programme and zeros is possible in principle.
    assert column_cells(7, [3, 0], T) == (HIDDEN, [SMALL, "0"])
    assert column_cells(3, [3], T) == (SMALL, [SMALL])


def test_a_weeks_mean_feedback_is_hidden_with_its_small_count() -> None:
    rows = dashboard_rows(
        board(
            feedback=[
                FeedbackWeek(MONDAY, count=3, mean=4.666),
                FeedbackWeek(MONDAY + datetime.timedelta(weeks=1), count=12, mean=3.5),
                FeedbackWeek(MONDAY + datetime.timedelta(weeks=2), count=0, mean=None),
            ]
        ),
        threshold=T,
    )
    assert row_of(rows, "2025-01-06") == ["2025-01-06", SMALL, HIDDEN]
    assert "4.67" not in cells(rows)
    assert row_of(rows, "2025-01-13") == ["2025-01-13", "12", "3.50"]
    assert row_of(rows, "2025-01-20") == ["2025-01-20", "0", ""]


def test_medians_from_few_values_are_hidden_and_those_from_many_shown() -> None:
    few = dashboard_rows(
        board(
            school=one(
                None, participants=30, new_referrals=30, median_wait_days=6.0, waits_counted=4
            ),
            conflicts=(3, 2.5),
            referrals_out=[
                StatusCount("sent", "Sent", 10),
                StatusCount("acknowledged", "Acknowledged", 2),
            ],
            referral_out_median_days=9.0,
            referral_out_answered=2,
        ),
        threshold=T,
    )
    # Many participants and referrals, but the median is taken from four waits.
    assert column(few, "Median wait (days)", ["Whole school"]) == [HIDDEN]
    assert row_of(few, "Conflicts resolved") == ["Conflicts resolved", SMALL, "Median days", HIDDEN]
    assert row_of(few, "Median days to a first answer") == [
        "Median days to a first answer",
        HIDDEN,
    ]
    assert not {"6", "2.5", "9"} & set(cells(few))

    many = dashboard_rows(
        board(
            school=one(
                None, participants=20, new_referrals=10, median_wait_days=6.0, waits_counted=5
            ),
            conflicts=(6, 2.5),
            referrals_out=[
                StatusCount("sent", "Sent", 10),
                StatusCount("acknowledged", "Acknowledged", 2),
                StatusCount("closed", "Closed", 4),
            ],
            referral_out_median_days=9.0,
            referral_out_answered=5,
        ),
        threshold=T,
    )
    assert column(many, "Median wait (days)", ["Whole school"]) == ["6"]
    assert row_of(many, "Conflicts resolved") == ["Conflicts resolved", "6", "Median days", "2.5"]
    assert row_of(many, "Median days to a first answer") == ["Median days to a first answer", "9"]


def test_training_and_outcome_shares_are_hidden_on_small_bases_or_say_why_there_is_none() -> None:
    rows = dashboard_rows(
        board(
            school=one(
                None,
                training=RequiredTraining(required_modules=2, serving=12, in_date=9),
                improvement=Improvement(assessed=20, improved=8),
            ),
            programmes=[
                one(
                    "Small",
                    training=RequiredTraining(required_modules=1, serving=3, in_date=2),
                    improvement=Improvement(not_computable=7),
                )
            ],
        ),
        threshold=T,
    )
    training = "Mentors with required training in date"
    improved = "Reliably improved (of those with a baseline and a follow-up)"
    # 9 of 12 leaves 3 without: hidden; 8 of 20 (12 not): shown.
    assert column(rows, training, ["Whole school", "Small"]) == [HIDDEN, HIDDEN]
    assert column(rows, improved, ["Whole school"]) == ["40%"]
    assert column(rows, improved, ["Small"]) == [CANNOT_BE_JUDGED]


def test_text_from_people_is_made_safe_for_a_spreadsheet() -> None:
    rows = dashboard_rows(
        board(
            programmes=[one("=HYPERLINK(1)")],
            concerns=[ConcernRow("wellbeing", "+Wellbeing", open=0, by_age=[0, 0, 0])],
            referrals_out=[StatusCount("sent", "@Sent", 0)],
        ),
        threshold=T,
    )
    firsts = {row[0] for row in rows if row}
    assert {"'=HYPERLINK(1)", "'+Wellbeing", "'@Sent"} <= firsts
    assert not {"=HYPERLINK(1)", "+Wellbeing", "@Sent"} & firsts


@pytest.mark.usefixtures("setting")
def test_the_spreadsheet_through_the_view_hides_small_numbers_and_is_audited(
    login: Login, personas: dict[str, Persona]
) -> None:
    response = login(personas["coordinator"]).get(reverse("reports:dashboard_csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="programme-health-2025-01-06-2025-03-28.csv"' in (response["Content-Disposition"])
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("Counts below 5 are shown as")
    whole = row_of(rows, "Whole school")
    # Four participants, one waiting, a median of four waits, 5 of 8 marks attended
    # (3 did not), 3 of 4 still there after 6 weeks: none of it as a number.
    assert whole[1:6] == [SMALL, "0", SMALL, SMALL, HIDDEN]
    assert whole[6] == HIDDEN
    # Four marks a week: the weeks' rates (75%, 50%) are hidden with them.
    assert row_of(rows, "2025-01-06") == ["2025-01-06", HIDDEN, SMALL]
    assert not [cell for cell in cells(rows) if cell.endswith("%")]
    event = AuditEvent.objects.get(action="reports.dashboard_exported")
    assert event.actor == personas["coordinator"].user
