"""The staff pages of wellbeing on the real database: a student's trajectory with
bands, who may reach it, entering paper scores, a programme's outcomes (the same
figures as wellbeing.outcomes, suppressed alike on the page and in the CSV),
feedback trends that never name anonymous feedback, and "You said, we did"."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.meetings.services import session_create
from peersupport.programmes.models import Group, Programme
from peersupport.programmes.services import (
    group_add_member,
    group_create,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.schools.models import School
from peersupport.schools.services import term_add
from peersupport.students.models import Student
from peersupport.wellbeing import outcomes
from peersupport.wellbeing.models import MeasureSettings, Questionnaire, YouSaidWeDid
from peersupport.wellbeing.services import (
    feedback_give,
    questionnaire_answer,
    questionnaire_complete,
    questionnaire_record_paper,
)

Login = Callable[[Persona], Client]
TERM_START = datetime.date(2026, 9, 1)
TERM_END = datetime.date(2026, 12, 18)
BASELINE_DAY = datetime.date(2026, 9, 7)
REVIEW_DAY = datetime.date(2026, 10, 19)


@dataclass
class Setting:
    school: School
    programme: Programme
    group: Group


@pytest.fixture
def setting(personas: dict[str, Persona], school_a: School) -> Setting:
    coordinator = personas["coordinator"].user
    term_add(school=school_a, name="Autumn 2026", starts_on=TERM_START, ends_on=TERM_END)
    programme = programme_create(
        actor=coordinator, school=school_a, name="Peer support", kind="group", capacity=200
    )
    # The programme's measure is SWEMWBS, which the school runs on paper.
    MeasureSettings.objects.create(school=school_a, programme=programme, instrument="swemwbs")
    group = group_create(
        actor=coordinator,
        programme=programme,
        name="Lunch group",
        facilitators=[personas["facilitator"].user],
    )
    return Setting(school_a, programme, group)


def enrol(setting: Setting, coordinator: Persona, **fields: object) -> Student:
    student = make_student(setting.school, **fields)
    referral_accept(
        actor=coordinator.user,
        referral=referral_create(
            actor=coordinator.user,
            programme=setting.programme,
            student=student,
            source="staff",
            need_areas=["anxiety"],
        ),
        started_on=BASELINE_DAY,
    )
    return student


def paper(
    coordinator: Persona,
    setting: Setting,
    student: Student,
    occasion: str,
    total: int,
    on: datetime.date,
) -> None:
    questionnaire_record_paper(
        actor=coordinator.user,
        student=student,
        instrument="swemwbs",
        occasion=occasion,
        taken_on=on,
        totals={"total": total},
        programme=setting.programme,
    )


def text_of(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def shows_nan(page: str) -> bool:
    """A NaN or an infinity written out as a word anywhere on the page."""
    return re.search(r"\b(nan|-?inf|infinity)\b", page, re.IGNORECASE) is not None


def outcomes_url(setting: Setting) -> str:
    return reverse("wellbeing:staff_outcomes", kwargs={"public_id": setting.programme.public_id})


def csv_rows(response: HttpResponse) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# ---------------------------------------------------------------- a student's trajectory


def test_the_trajectory_shows_each_score_with_its_band_or_says_bands_are_not_checked(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    student = enrol(setting, coordinator, legal_forename="Dara")
    questionnaire_record_paper(
        actor=coordinator.user,
        student=student,
        instrument="sdq_self",
        occasion="baseline",
        taken_on=BASELINE_DAY,
        totals={"emotional": 7, "conduct": 2, "hyperactivity": 4, "peer": 3, "prosocial": 8},
    )
    questionnaire_record_paper(
        actor=coordinator.user,
        student=student,
        instrument="sdq_self",
        occasion="review",
        taken_on=REVIEW_DAY,
        totals={"emotional": 3, "conduct": 1, "hyperactivity": 4, "peer": 2, "prosocial": 9},
    )
    paper(coordinator, setting, student, "baseline", 19, BASELINE_DAY)

    response = login(coordinator).get(
        reverse("wellbeing:staff_student_measures", kwargs={"public_id": student.public_id})
    )

    assert response.status_code == 200
    page = response.content.decode()
    # SDQ totals: 7+2+4+3 = 16 then 3+1+4+2 = 10; its bands are not verified.
    assert ">16 <" in page or ">16<" in page or "16 <span" in page
    assert "10 <span" in page
    assert "bands not yet checked" in page
    assert "Close to average" not in page
    assert "19" in page  # SWEMWBS, which has no bands
    assert "<svg" in page and "<table" in page
    assert not shows_nan(page)
    assert AuditEvent.objects.filter(
        action="wellbeing.viewed", object_public_id=student.public_id
    ).exists()


def test_a_verified_band_set_shows_the_band_label(
    login: Login, personas: dict[str, Persona], setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the SDQ's bands marked checked, each score shows its band."""
    from peersupport.wellbeing import selectors
    from peersupport.wellbeing.instruments import load_instruments

    sdq = load_instruments()["sdq_self"]
    scales = []
    for scale in sdq.scales:
        bands = scale.bands.model_copy(update={"verified": True}) if scale.bands else None
        scales.append(scale.model_copy(update={"bands": bands}))
    checked = {**load_instruments(), "sdq_self": sdq.model_copy(update={"scales": scales})}
    monkeypatch.setattr(selectors, "load_instruments", lambda: checked)
    coordinator = personas["coordinator"]
    student = enrol(setting, coordinator)
    questionnaire_record_paper(
        actor=coordinator.user,
        student=student,
        instrument="sdq_self",
        occasion="baseline",
        taken_on=BASELINE_DAY,
        totals={"emotional": 7, "conduct": 2, "hyperactivity": 4, "peer": 3, "prosocial": 8},
    )
    page = (
        login(coordinator)
        .get(reverse("wellbeing:staff_student_measures", kwargs={"public_id": student.public_id}))
        .content.decode()
    )
    total_band = sdq.scale("total_difficulties").bands
    assert total_band is not None
    slightly_raised = next(b.label for b in total_band.bands if b.key == "slightly_raised")
    assert slightly_raised in page  # 16 is slightly raised
    assert "bands not yet checked" not in page


def test_a_facilitator_sees_only_the_students_of_their_own_groups(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    in_group = enrol(setting, coordinator)
    elsewhere = enrol(setting, coordinator)
    group_add_member(actor=coordinator.user, group=setting.group, student=in_group)
    client = login(personas["facilitator"])

    def measures(student: Student) -> int:
        url = reverse("wellbeing:staff_student_measures", kwargs={"public_id": student.public_id})
        return client.get(url).status_code

    assert measures(in_group) == 200
    assert measures(elsewhere) == 404


@pytest.mark.parametrize("who", ["mentor", "student", "partner"])
def test_mentors_students_and_partners_cannot_reach_the_staff_pages(
    who: str, login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    student = enrol(setting, personas["coordinator"])
    client = login(personas[who])
    urls = [
        reverse("wellbeing:staff_student_measures", kwargs={"public_id": student.public_id}),
        reverse("wellbeing:staff_scores_enter", kwargs={"public_id": student.public_id}),
        outcomes_url(setting),
        reverse("wellbeing:staff_outcomes_csv", kwargs={"public_id": setting.programme.public_id}),
        reverse(
            "wellbeing:staff_feedback_trends", kwargs={"public_id": setting.programme.public_id}
        ),
        reverse("wellbeing:staff_you_said_we_did"),
    ]
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)


# ---------------------------------------------------------------- entering paper scores


def test_a_score_out_of_range_is_refused_with_a_message_and_nothing_is_saved(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    student = enrol(setting, personas["coordinator"])
    url = reverse("wellbeing:staff_scores_enter", kwargs={"public_id": student.public_id})
    client = login(personas["coordinator"])

    response = client.post(
        url,
        {
            "measure": "swemwbs",
            "occasion": "baseline",
            "taken_on": "2026-09-07",
            "programme": str(setting.programme.public_id),
            "scale_total": "36",
        },
    )

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 35." in response.content.decode()
    assert not Questionnaire.objects.filter(student=student, status="done").exists()


def test_the_sdq_parts_that_do_not_add_up_are_refused_and_nothing_is_saved(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    student = enrol(setting, personas["coordinator"])
    url = reverse("wellbeing:staff_scores_enter", kwargs={"public_id": student.public_id})
    count_before = Questionnaire.objects.count()

    response = login(personas["coordinator"]).post(
        url,
        {
            "measure": "sdq_self",
            "occasion": "other",
            "taken_on": "2026-09-07",
            "scale_total_difficulties": "30",
            "scale_emotional": "1",
            "scale_conduct": "1",
            "scale_hyperactivity": "1",
            "scale_peer": "1",
        },
    )

    assert response.status_code == 400
    assert "come to 4" in response.content.decode()
    assert Questionnaire.objects.count() == count_before


def test_paper_scores_are_saved_into_a_new_questionnaire(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    student = enrol(setting, personas["coordinator"])
    url = reverse("wellbeing:staff_scores_enter", kwargs={"public_id": student.public_id})

    response = login(personas["coordinator"]).post(
        url,
        {
            "measure": "swemwbs",
            "occasion": "review",
            "taken_on": "2026-10-19",
            "programme": str(setting.programme.public_id),
            "scale_total": "24",
        },
    )

    assert response.status_code == 302
    done = Questionnaire.objects.get(student=student, instrument="swemwbs", occasion="review")
    assert (done.status, done.total, done.due_on) == ("done", 24, REVIEW_DAY)
    assert done.entered_by == personas["coordinator"].user


# ---------------------------------------------------------------- programme outcomes


BASELINES = [15, 18, 20, 22, 17, 19]
REVIEWS = [19, 18, 25, 21, 22, 24]


def test_the_outcome_page_shows_the_figures_of_change_summary(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    students = [enrol(setting, coordinator, pupil_premium=False) for _ in BASELINES]
    for student, before, after in zip(students, BASELINES, REVIEWS, strict=True):
        paper(coordinator, setting, student, "baseline", before, BASELINE_DAY)
        paper(coordinator, setting, student, "review", after, REVIEW_DAY)
    no_follow_up = enrol(setting, coordinator)
    paper(coordinator, setting, no_follow_up, "baseline", 20, BASELINE_DAY)
    enrol(setting, coordinator)  # nothing at all

    expected = outcomes.change_summary(
        [
            *[(i, b, a) for i, (b, a) in enumerate(zip(BASELINES, REVIEWS, strict=True))],
            ("x", 20, None),
            ("y", None, None),
        ],
        higher_is_better=True,
    )
    page = text_of(login(coordinator).get(outcomes_url(setting)))

    assert expected.n_paired == 6 and expected.mean_change is not None
    assert f"{expected.mean_change:.2f}" in page
    assert f"({expected.mean_change_ci_low:.2f} to {expected.mean_change_ci_high:.2f})" in page
    assert f"{expected.effect_size:.2f}" in page
    assert f"({expected.effect_size_ci_low:.2f} to {expected.effect_size_ci_high:.2f})" in page
    assert outcomes.EFFECT_SIZE_LABEL in page
    assert "Missing a follow-up</th><td>1<" in page
    assert "Missing both</th><td>1<" in page
    assert outcomes.NO_RELIABILITY_REASON in page  # SWEMWBS's file gives no SD
    assert not shows_nan(page)


def test_a_questionnaire_the_students_answered_themselves_counts(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    """SCWBS, answered item by item by the student through the services."""
    coordinator = personas["coordinator"]
    MeasureSettings.objects.filter(programme=setting.programme).update(instrument="scwbs")
    student = enrol(setting, coordinator)
    student.user = personas["student"].user
    student.save()
    from peersupport.wellbeing.instruments import load_instruments

    items = [spec.id for spec in load_instruments()["scwbs"].item_specs()]
    for occasion, due_on, value in (("baseline", BASELINE_DAY, 2), ("review", REVIEW_DAY, 4)):
        questionnaire, _ = Questionnaire.objects.get_or_create(
            school=setting.school,
            student=student,
            instrument="scwbs",
            occasion=occasion,
            programme=setting.programme,
            due_on=due_on,
        )
        for item in items:
            questionnaire_answer(
                actor=personas["student"].user, questionnaire=questionnaire, item=item, value=value
            )
        questionnaire_complete(actor=personas["student"].user, questionnaire=questionnaire)

    page = text_of(login(coordinator).get(outcomes_url(setting)))

    assert "With both a baseline and a follow-up</th><td>1<" in page
    assert outcomes.ONE_PAIR_REASON in page
    assert not shows_nan(page)


def test_fewer_than_two_students_and_zero_variance_give_the_reason_and_no_nan(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    one = enrol(setting, coordinator)
    paper(coordinator, setting, one, "baseline", 20, BASELINE_DAY)
    paper(coordinator, setting, one, "review", 23, REVIEW_DAY)

    page = text_of(client.get(outcomes_url(setting)))
    assert outcomes.ONE_PAIR_REASON in page
    assert not shows_nan(page)

    two = enrol(setting, coordinator)
    paper(coordinator, setting, two, "baseline", 25, BASELINE_DAY)
    paper(coordinator, setting, two, "review", 28, REVIEW_DAY)  # the same change, +3

    page = text_of(client.get(outcomes_url(setting)))
    assert outcomes.SAME_CHANGE_REASON in page
    assert not shows_nan(page)


def test_a_viewer_sees_no_figures_of_a_programme_too_small_to_hide_a_student_in(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    """Viewers may not read students' scores: with two students, the programme's
    mean would be theirs. Coordinators, who may read each score, see the figures."""
    coordinator = personas["coordinator"]
    for baseline, review in ((20, 23), (25, 30)):
        student = enrol(setting, coordinator)
        paper(coordinator, setting, student, "baseline", baseline, BASELINE_DAY)
        paper(coordinator, setting, student, "review", review, REVIEW_DAY)
    csv_url = reverse(
        "wellbeing:staff_outcomes_csv", kwargs={"public_id": setting.programme.public_id}
    )
    viewer = login(personas["viewer"])
    page = text_of(viewer.get(outcomes_url(setting)))
    assert "4.00" not in page  # the mean change of +3 and +5
    assert "Fewer than" in page
    exported = viewer.get(csv_url).content.decode()
    assert "4.00" not in exported and "22.50" not in exported
    coordinator_page = text_of(login(coordinator).get(outcomes_url(setting)))
    assert "4.00" in coordinator_page


def test_a_small_subgroup_shows_no_count_on_the_page_or_in_the_csv(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    pupil_premium = [enrol(setting, coordinator, pupil_premium=True) for _ in range(2)]
    others = [enrol(setting, coordinator, pupil_premium=False) for _ in range(8)]
    for index, student in enumerate([*pupil_premium, *others]):
        paper(coordinator, setting, student, "baseline", 15 + index, BASELINE_DAY)
        paper(coordinator, setting, student, "review", 17 + index % 3 + index, REVIEW_DAY)
    client = login(personas["viewer"])

    page = text_of(client.get(outcomes_url(setting)))
    response = client.get(
        reverse("wellbeing:staff_outcomes_csv", kwargs={"public_id": setting.programme.public_id})
    )

    hidden = outcomes.SMALL_GROUP_REASON.format(threshold=5)
    row = page.split('<th scope="row">Pupil premium</th>')[1].split("</tr>")[0]
    assert hidden in row
    assert "2" not in row  # not the count of two, nor any other figure
    assert response.status_code == 200
    rows = csv_rows(response)
    header = rows[0]
    pp = next(r for r in rows if r[1] == "Pupil premium" and r[2] == "Pupil premium")
    assert pp[header.index("Students")] == ""
    assert pp[header.index("With both scores")] == ""
    assert all(cell == "" for cell in pp[3:-1])
    assert pp[-1] == hidden
    # The others are hidden too, or the total would give the small group away.
    not_pp = next(r for r in rows if r[1] == "Pupil premium" and r[2] == "Not pupil premium")
    assert not_pp[header.index("Students")] == ""
    everyone = next(r for r in rows if r[1] == "Everyone" and r[0] != "Goals")
    assert everyone[header.index("Students")] == "10"


def test_the_outcome_page_runs_the_same_number_of_queries_for_more_students(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = personas["coordinator"]
    client = login(coordinator)

    def add(how_many: int) -> None:
        for n in range(how_many):
            student = enrol(setting, coordinator, pupil_premium=n % 2 == 0)
            paper(coordinator, setting, student, "baseline", 15 + n % 7, BASELINE_DAY)
            paper(coordinator, setting, student, "review", 17 + n % 5, REVIEW_DAY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(outcomes_url(setting)).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(12)
    assert queries() == few


def test_the_outcomes_export_is_audited(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    response = login(personas["coordinator"]).get(
        reverse("wellbeing:staff_outcomes_csv", kwargs={"public_id": setting.programme.public_id})
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    event = AuditEvent.objects.get(action="wellbeing.outcomes_exported")
    assert event.object_public_id == setting.programme.public_id
    assert event.actor == personas["coordinator"].user


def test_a_csv_cell_that_looks_like_a_formula_is_made_safe() -> None:
    from peersupport.wellbeing.views_staff import _summary_cells

    summary = outcomes.change_summary([("a", 10, 9), ("b", 10, 8)], higher_is_better=True)
    cells = _summary_cells(summary)
    assert cells[7] == "-1.50"  # a number stays a number
    assert all(not cell.startswith(("=", "+", "@")) for cell in cells)


# ---------------------------------------------------------------- feedback trends


def test_the_feedback_trends_never_name_the_author_of_anonymous_feedback(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    named = make_student(setting.school, legal_forename="Namedperson")
    hidden = make_student(setting.school, legal_forename="Secretperson")
    named.user = personas["student"].user
    named.save()
    hidden.user = personas["mentor"].user
    hidden.save()
    for student in (named, hidden):
        group_add_member(actor=coordinator.user, group=setting.group, student=student)
    session = session_create(
        actor=coordinator.user,
        group=setting.group,
        date=datetime.date.today(),
        start_time=datetime.time(12, 30),
    )
    feedback_give(
        actor=personas["student"].user,
        session=session,
        answers={"listened": 3, "safe": 3, "helpful": 2, "come_again": None},
        comment="Good session.",
    )
    feedback_give(
        actor=personas["mentor"].user,
        session=session,
        answers={"listened": 1, "safe": 2, "helpful": 1, "come_again": 1},
        comment="It was too loud.",
        anonymous=True,
    )
    url = reverse(
        "wellbeing:staff_feedback_trends", kwargs={"public_id": setting.programme.public_id}
    )

    for who in ("coordinator", "dsl", "facilitator"):
        page = login(personas[who]).get(url).content.decode()
        assert "Secretperson" not in page
        assert "Fewer than 5" in page  # two pieces of feedback in the week: suppressed
    coordinator_page = login(coordinator).get(url).content.decode()
    assert "It was too loud." in coordinator_page
    # Two replies that week, fewer than the threshold: who was there would narrow
    # down who wrote it, so the anonymous comment keeps its words only.
    assert "Anonymous, group and week not shown, too few replies" in coordinator_page
    assert "Anonymous, Lunch group" not in coordinator_page
    assert "Namedperson" in coordinator_page  # named feedback keeps its name
    facilitator_page = login(personas["facilitator"]).get(url).content.decode()
    assert "It was too loud." not in facilitator_page  # comments: coordinators and DSLs


# ---------------------------------------------------------------- you said, we did


def test_a_coordinator_posts_a_you_said_we_did(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    client = login(personas["coordinator"])
    url = reverse("wellbeing:staff_you_said_we_did")

    response = client.post(
        url,
        {
            "programme": str(setting.programme.public_id),
            "you_said": "Sessions were too noisy.",
            "we_did": "We moved to the library.",
        },
    )

    assert response.status_code == 302
    entry = YouSaidWeDid.objects.get()
    assert (entry.programme, entry.we_did) == (setting.programme, "We moved to the library.")
    assert "We moved to the library." in client.get(url).content.decode()
    empty = client.post(url, {"you_said": "", "we_did": ""})
    assert empty.status_code == 400
    assert YouSaidWeDid.objects.count() == 1


def test_the_feedback_trends_run_the_same_number_of_queries_for_more_feedback(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_user
    from peersupport.accounts.models import Role

    coordinator = personas["coordinator"]
    client = login(coordinator)
    url = reverse(
        "wellbeing:staff_feedback_trends", kwargs={"public_id": setting.programme.public_id}
    )
    session = session_create(
        actor=coordinator.user,
        group=setting.group,
        date=datetime.date.today(),
        start_time=datetime.time(12, 30),
    )

    def add(how_many: int) -> None:
        for _ in range(how_many):
            student = make_student(setting.school)
            student.user = make_user(
                f"{student.public_id}@northgate.example",
                "A student",
                setting.school,
                Role.STUDENT,
                mfa=False,
            ).user
            student.save()
            group_add_member(actor=coordinator.user, group=setting.group, student=student)
            feedback_give(
                actor=student.user,
                session=session,
                answers={"listened": 3, "safe": 2, "helpful": 2, "come_again": 3},
                comment="Fine.",
                anonymous=len(student.legal_surname) % 2 == 0,
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(5)  # the group holds 8
    assert queries() == few
