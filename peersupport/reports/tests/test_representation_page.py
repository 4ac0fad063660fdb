"""The representation page, its spreadsheet and outreach targets: real data in the
database, hidden small numbers, no names, a fixed number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.services import concern_raise
from peersupport.programmes.models import Enrolment, MentorProfile, Programme
from peersupport.reports.models import OutreachTarget
from peersupport.reports.representation_data import representation_in, targets_progress
from peersupport.reports.services import outreach_target_remove, outreach_target_set
from peersupport.schools.models import School, Term
from peersupport.schools.services import term_add
from peersupport.students.models import Student

SURNAME = "Quillfeather"
TODAY = timezone.localdate()


def this_term(school: School) -> Term:
    return term_add(
        school=school,
        name="This term",
        starts_on=TODAY - datetime.timedelta(days=30),
        ends_on=TODAY + datetime.timedelta(days=30),
    )


def last_term(school: School) -> Term:
    return term_add(
        school=school,
        name="Last term",
        starts_on=TODAY - datetime.timedelta(days=120),
        ends_on=TODAY - datetime.timedelta(days=40),
    )


def bulk_students(school: School, count: int, **fields: Any) -> list[Student]:
    """Many students at once (a factory: the roll of a big school)."""
    start = Student.objects.count()
    rows = [
        Student(
            school=school,
            upn=f"Z{start + i:012d}",
            legal_forename=f"Pupil{start + i}",
            legal_surname=SURNAME,
            date_of_birth=datetime.date(2012, 1, 1),
            year_group=fields.get("year_group", 8),
            gender=fields.get("gender", "F" if i % 2 else "M"),
            ethnicity=fields.get("ethnicity", "WBRI"),
            pupil_premium=fields.get("pupil_premium", False),
            fsm=fields.get("fsm", False),
            eal=fields.get("eal", False),
            sen_status=fields.get("sen_status", "N"),
        )
        for i in range(count)
    ]
    return Student.objects.bulk_create(rows)


def enrol(school: School, students: list[Student], started_on: datetime.date) -> None:
    programme = Programme.objects.filter(school=school).first() or Programme.objects.create(
        school=school, name="Mentoring", kind="one_to_one", capacity=10_000
    )
    Enrolment.objects.bulk_create(
        Enrolment(school=school, programme=programme, student=s, started_on=started_on)
        for s in students
    )


def make_mentors(school: School, students: list[Student]) -> None:
    MentorProfile.objects.bulk_create(
        MentorProfile(school=school, student=s, status="active", approved_at=timezone.now())
        for s in students
    )


def build_school(school: School, scale: int) -> None:
    """A roll of 100 x scale: 30% pupil premium, and some taking part."""
    pp = bulk_students(school, 30 * scale, pupil_premium=True, fsm=True)
    other = bulk_students(school, 60 * scale, eal=True, ethnicity="BAFR")
    ehc = bulk_students(school, 10 * scale, sen_status="E")
    enrol(school, pp[: 10 * scale] + other[: 10 * scale], TODAY - datetime.timedelta(days=10))
    make_mentors(school, pp[-5 * scale :] + other[-10 * scale :] + ehc[: 5 * scale])


@pytest.fixture
def term(school_a: School) -> Term:
    return this_term(school_a)


def rows_of(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_viewer_reads_the_page_and_sees_no_student_name(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    response = login(personas["viewer"]).get(reverse("reports:representation"))
    assert response.status_code == 200
    content = response.content.decode()
    assert SURNAME not in content
    assert "Pupil1" not in content
    assert "Students supported" in content and "Peer mentors" in content
    # A viewer cannot set targets.
    assert reverse("reports:representation_target_add") not in content
    assert (
        login(personas["viewer"])
        .post(
            reverse("reports:representation_target_add"),
            {"side": "mentors", "group": "pp:yes", "at_least_percent": "20"},
        )
        .status_code
        == 403
    )


def test_a_group_of_three_shows_no_count_share_difference_or_flag_in_the_page_or_the_csv(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    # 40 supported: 3 with an EHC plan (of 20 on the roll), 7 with SEN support, 30 none.
    ehc = bulk_students(school_a, 20, sen_status="E")
    support = bulk_students(school_a, 40, sen_status="K")
    none = bulk_students(school_a, 200, sen_status="N")
    enrol(school_a, ehc[:3] + support[:7] + none[:30], TODAY)
    client = login(personas["coordinator"])
    content = client.get(reverse("reports:representation")).content.decode()
    ehc_row = content.split('<th scope="row">EHC plan</th>')[1].split("</tr>")[0]
    assert "Fewer than 5" in ehc_row
    assert "%" not in ehc_row and "3" not in ehc_row and "represented" not in ehc_row
    # Only one would be hidden, so the next smallest (SEN support, 7) is hidden too.
    support_row = content.split('<th scope="row">SEN support</th>')[1].split("</tr>")[0]
    assert "worked out" in support_row and "7" not in support_row
    rows = rows_of(client.get(reverse("reports:representation_csv")))
    sen = {r[3]: r for r in rows if r[1] == "Students supported" and r[2] == "SEN status"}
    for label in ("EHC plan", "SEN support"):
        assert sen[label][5:15] == [""] * 10, sen[label]
    assert sen["No special educational need"][5] == "30"


def test_a_group_with_nobody_taking_part_is_shown_as_zero_and_flagged(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    bulk_students(school_a, 100, ethnicity="BAFR")
    white = bulk_students(school_a, 200, ethnicity="WBRI")
    enrol(school_a, white[:60], TODAY)
    figures = representation_in(school_a, term.starts_on, term.ends_on)
    ethnicity = next(c for c in figures.mentees.characteristics if c.key == "ethnicity")
    black = next(g for g in ethnicity.groups if g.key == "Black")
    assert (black.taking_part, black.on_roll, black.share) == (0, 100, 0.0)
    assert black.flag == "under"
    content = login(personas["viewer"]).get(reverse("reports:representation")).content.decode()
    black_row = content.split('<th scope="row">Black</th>')[1].split("</tr>")[0]
    assert "<td>0</td>" in black_row and "Under-represented" in black_row


def test_detailed_ethnicity_codes_are_shown_when_asked(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    client = login(personas["coordinator"])
    content = client.get(
        reverse("reports:representation"), {"term": term.public_id, "detailed": "on"}
    ).content.decode()
    assert "Black - African" in content


def test_the_page_runs_the_same_number_of_queries_for_a_school_ten_times_bigger(
    personas: dict[str, Persona],
    login: Callable[..., Client],
    school_a: School,
    term: Term,
) -> None:
    client = login(personas["coordinator"])
    outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentors",
        characteristic="pp",
        group="yes",
        at_least_percent=20,
    )
    last_term(school_a)
    build_school(school_a, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("reports:representation")).status_code == 200
    build_school(school_a, 10)
    with CaptureQueriesContext(connection) as big:
        assert client.get(reverse("reports:representation")).status_code == 200
    assert len(small) == len(big)
    # Session, user, memberships and terms; the roll, those supported and mentors;
    # targets and their progress; incidents (two); the latest match (two).
    assert len(big) == 18, [q["sql"] for q in big.captured_queries]


def test_the_csv_follows_the_page_and_is_audited(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    response = login(personas["viewer"]).get(reverse("reports:representation_csv"))
    assert response.status_code == 200
    assert SURNAME not in response.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(
        action="reports.representation_exported", school=school_a
    ).exists()
    assert (
        login(personas["facilitator"]).get(reverse("reports:representation_csv")).status_code == 403
    )


def test_a_target_is_validated_audited_and_its_progress_shown_by_term(
    personas: dict[str, Persona], school_a: School, term: Term
) -> None:
    coordinator = personas["coordinator"].user
    with pytest.raises(ValidationError):
        outreach_target_set(
            actor=coordinator,
            school=school_a,
            side="mentors",
            characteristic="pp",
            group="maybe",
            at_least_percent=20,
        )
    with pytest.raises(ValidationError):
        outreach_target_set(
            actor=coordinator,
            school=school_a,
            side="mentors",
            characteristic="pp",
            group="yes",
            at_least_percent=120,
        )
    with pytest.raises(PermissionDenied):
        outreach_target_set(
            actor=personas["viewer"].user,
            school=school_a,
            side="mentors",
            characteristic="pp",
            group="yes",
            at_least_percent=20,
        )
    target = outreach_target_set(
        actor=coordinator,
        school=school_a,
        side="mentees",
        characteristic="pp",
        group="yes",
        at_least_percent=Decimal("30"),
    )
    assert AuditEvent.objects.filter(
        action="reports.outreach_target_set", object_public_id=target.public_id
    ).exists()
    earlier = last_term(school_a)
    pp = bulk_students(school_a, 20, pupil_premium=True)
    other = bulk_students(school_a, 40)
    # Last term: 5 of 25 pupil premium (20%); this term: 10 of 20 (50%).
    enrol(school_a, pp[:5] + other[:20], earlier.starts_on)
    Enrolment.objects.filter(school=school_a).update(ended_on=earlier.ends_on)
    enrol(school_a, pp[5:15] + other[20:30], term.starts_on)
    [progress] = targets_progress(school_a, [target], [earlier, term])
    assert [round(t.percent or 0, 1) for t in progress.terms] == [20.0, 50.0]
    assert [t.met for t in progress.terms] == [False, True]
    outreach_target_remove(actor=coordinator, target=target)
    target.refresh_from_db()
    assert not target.active
    assert AuditEvent.objects.filter(action="reports.outreach_target_removed").exists()


def test_a_share_that_would_reveal_a_small_count_is_hidden_in_progress(
    personas: dict[str, Persona], school_a: School, term: Term
) -> None:
    target = outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentees",
        characteristic="pp",
        group="yes",
        at_least_percent=10,
    )
    enrol(
        school_a,
        bulk_students(school_a, 2, pupil_premium=True) + bulk_students(school_a, 30),
        TODAY,
    )
    [progress] = targets_progress(school_a, [target], [term])
    assert progress.terms[0].percent is None and progress.terms[0].met is None


def test_a_coordinator_sets_and_removes_a_target_on_the_page(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    client = login(personas["coordinator"])
    response = client.post(
        reverse("reports:representation_target_add"),
        {"side": "mentors", "group": "pp:yes", "at_least_percent": "20"},
    )
    assert response.status_code == 302
    target = OutreachTarget.objects.get(school=school_a, active=True)
    assert (target.side, target.characteristic, target.group) == ("mentors", "pp", "yes")
    assert (
        "at least 20.0% Pupil premium"
        in client.get(reverse("reports:representation")).content.decode()
    )
    client.post(reverse("reports:representation_target_remove"), {"target": target.public_id})
    assert not OutreachTarget.objects.filter(school=school_a, active=True).exists()


def test_the_other_schools_coordinator_cannot_remove_a_target(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School
) -> None:
    target = outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentors",
        characteristic="pp",
        group="yes",
        at_least_percent=20,
    )
    response = login(personas["outsider"]).post(
        reverse("reports:representation_target_remove"), {"target": target.public_id}
    )
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.active


def test_discrimination_incidents_are_counted_by_term_and_small_counts_hidden(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    named = [make_student(school_a, legal_surname=SURNAME, pupil_premium=True) for _ in range(6)]
    for student in named:
        concern_raise(
            actor=personas["coordinator"].user,
            school=school_a,
            kind="discrimination",
            text="Left out of the group at lunch",
            students=[student],
            characteristic="race",
        )
    concern_raise(
        actor=personas["coordinator"].user,
        school=school_a,
        kind="discrimination",
        text="Called names",
        students=[named[0]],
        characteristic="disability",
    )
    content = login(personas["viewer"]).get(reverse("reports:representation")).content.decode()
    involved = content.split("<caption>Incidents: characteristic involved")[1].split("</table>")[0]
    row = involved.split('<th scope="row">This term</th>')[1].split("</tr>")[0]
    # Disability (1) is hidden; alone it could be worked out from the number of
    # incidents, so race (6), the next smallest, is hidden too, and says why: it is
    # not fewer than 5.
    assert row.count("Fewer than 5") == 1
    assert row.count("Hidden so that a smaller group cannot be worked out") == 1
    assert "<td>1</td>" not in row and "<td>6</td>" not in row
    by_pp = content.split("<caption>Incidents: students named, by pupil premium")[1].split(
        "</table>"
    )[0]
    assert "<td>7</td>" in by_pp
    assert SURNAME not in content


def test_the_latest_match_fairness_figures_are_shown_with_small_groups_hidden(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    from peersupport.matching.models import MatchRun, MatchSolve

    pp = bulk_students(school_a, 20, pupil_premium=True)
    eal = bulk_students(school_a, 3, eal=True)
    rest = bulk_students(school_a, 27)
    waiting = pp + eal + rest
    matched = pp[:12] + eal + rest[:22]
    programme = Programme.objects.create(
        school=school_a, name="Mentoring", kind="one_to_one", capacity=100
    )
    run = MatchRun.objects.create(
        school=school_a, programme=programme, opened_by=personas["coordinator"].user
    )
    MatchSolve.objects.create(
        school=school_a,
        run=run,
        number=1,
        solved_by=personas["coordinator"].user,
        problem={"mentees": [{"id": str(s.public_id)} for s in waiting]},
        result={"pairs": [{"mentee": str(s.public_id), "score": 50} for s in matched]},
        matched_count=len(matched),
        total_score=50 * len(matched),
        optimal=True,
        seconds=0.1,
    )
    content = login(personas["viewer"]).get(reverse("reports:representation")).content.decode()
    by_pp = content.split("<caption>Matching by pupil premium")[1].split("</table>")[0]
    pp_row = by_pp.split('<th scope="row">Pupil premium</th>')[1].split("</tr>")[0]
    assert "<td>20</td><td>12</td>" in pp_row
    by_eal = content.split("<caption>Matching by english as an additional language")[1].split(
        "</table>"
    )[0]
    # 3 EAL students waiting: hidden, and "Not EAL" too, or 3 = 50 - 47; each says why.
    assert by_eal.count("Fewer than 5: hidden") == 1
    assert by_eal.count("Hidden so that a smaller group cannot be worked out") == 1
    assert "<td>3</td>" not in by_eal and "<td>47</td>" not in by_eal


def test_a_detailed_code_cannot_be_worked_out_from_its_major_group(
    school_a: School, term: Term
) -> None:
    # Black: 3 Black African and 20 Black Caribbean taking part; the major-group view
    # shows Black 23, so showing 20 would give away the 3.
    african = bulk_students(school_a, 50, ethnicity="BAFR")
    caribbean = bulk_students(school_a, 50, ethnicity="BCRB")
    british = bulk_students(school_a, 200, ethnicity="WBRI")
    other = bulk_students(school_a, 100, ethnicity="WOTH")
    enrol(school_a, african[:3] + caribbean[:20] + british[:40] + other[:6], TODAY)
    major = representation_in(school_a, term.starts_on, term.ends_on)
    black = next(
        g
        for c in major.mentees.characteristics
        if c.key == "ethnicity"
        for g in c.groups
        if g.key == "Black"
    )
    assert black.taking_part == 23
    detailed = representation_in(school_a, term.starts_on, term.ends_on, detailed=True)
    codes = {
        g.key: g
        for c in detailed.mentees.characteristics
        if c.key == "ethnicity_detail"
        for g in c.groups
    }
    assert codes["BAFR"].hidden and codes["BCRB"].hidden
    assert codes["BCRB"].taking_part is None


def test_target_progress_is_hidden_where_the_page_hides_the_group(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    # The page hides SEN support (7 of 40) so that EHC plan (3) cannot be worked out:
    # the target's 17.5% would give the 7 away, and with it the 3.
    ehc = bulk_students(school_a, 20, sen_status="E")
    support = bulk_students(school_a, 40, sen_status="K")
    none = bulk_students(school_a, 200, sen_status="N")
    enrol(school_a, ehc[:3] + support[:7] + none[:30], TODAY)
    target = outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentees",
        characteristic="sen",
        group="K",
        at_least_percent=10,
    )
    [progress] = targets_progress(school_a, [target], [term])
    assert progress.terms[0].percent is None and progress.terms[0].met is None
    content = login(personas["coordinator"]).get(reverse("reports:representation")).content
    assert b"17.5%" not in content


def test_an_invalid_term_gives_400_not_another_period_and_the_csv_is_not_audited(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    client = login(personas["coordinator"])
    page = client.get(reverse("reports:representation"), {"term": "not-a-term"})
    assert page.status_code == 400
    content = page.content.decode()
    assert "field-error" in content and "Students supported by" not in content
    csv_response = client.get(reverse("reports:representation_csv"), {"term": "not-a-term"})
    assert csv_response.status_code == 400
    assert b"not valid" in csv_response.content
    assert not AuditEvent.objects.filter(action="reports.representation_exported").exists()


def test_the_csv_puts_a_target_under_its_own_columns(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentors",
        characteristic="pp",
        group="yes",
        at_least_percent=20,
    )
    rows = rows_of(login(personas["coordinator"]).get(reverse("reports:representation_csv")))
    header = rows[0]
    assert all(len(row) == len(header) for row in rows[1:])
    [target] = [dict(zip(header, row, strict=True)) for row in rows if row[0] == "Outreach target"]
    assert target["Target at least (%)"] == "20.0"
    assert target["Target met"] in ("Met", "Not met")
    assert target["Share on roll (%)"] == "" and target["Share taking part (%)"] != ""


def test_an_invalid_target_gives_400_with_the_page_and_its_errors(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    client = login(personas["coordinator"])
    response = client.post(
        reverse("reports:representation_target_add"),
        {"side": "mentors", "group": "pp:yes", "at_least_percent": "120"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "The target was not set" in content and "Who takes part" in content
    assert not OutreachTarget.objects.filter(school=school_a).exists()


def test_a_target_table_is_labelled_by_its_caption_and_the_method_is_explained(
    personas: dict[str, Persona], login: Callable[..., Client], school_a: School, term: Term
) -> None:
    build_school(school_a, 1)
    outreach_target_set(
        actor=personas["coordinator"].user,
        school=school_a,
        side="mentors",
        characteristic="pp",
        group="yes",
        at_least_percent=20,
    )
    content = login(personas["viewer"]).get(reverse("reports:representation")).content.decode()
    assert 'aria-label="Target 1"' not in content
    assert 'aria-label="Peer mentors: at least 20.0% Pupil premium"' in content
    assert "without replacement" in content and "conservative" in content


def test_the_chart_never_borrows_a_roll_share_hidden_on_the_supported_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from peersupport.reports import views_representation
    from peersupport.reports.representation import (
        CharacteristicComparison,
        GroupComparison,
        SideComparison,
    )
    from peersupport.reports.representation_data import Representation

    def side(group: GroupComparison) -> SideComparison:
        return SideComparison(10, 100, [CharacteristicComparison("pp", "Pupil premium", [group])])

    hidden = GroupComparison("yes", "PP", None, None, hidden=True)
    shown = GroupComparison("yes", "PP", 5, 50, share=0.5, roll_share=0.5)
    drawn: dict[str, Any] = {}
    monkeypatch.setattr(
        views_representation, "bar_chart", lambda **kwargs: drawn.update(kwargs) or ""
    )
    views_representation._charts(Representation(side(hidden), side(shown), 5, False))
    roll = next(s for s in drawn["series"] if s.name == "On roll")
    assert list(roll.values) == [None]
