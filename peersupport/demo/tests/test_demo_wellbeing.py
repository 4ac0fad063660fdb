"""The demo school's wellbeing: paper measures with a baseline and later scores that
mostly rise a little, sometimes a lot and sometimes fall; goals rated over time;
session feedback, named and anonymous; and "You said, we did". Same seed, same
records."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction

from peersupport.demo.tests.test_seed_demo import NOW, TODAY, seed_small
from peersupport.schools.models import School
from peersupport.wellbeing.models import (
    Feedback,
    FeedbackGiven,
    Goal,
    GoalRating,
    MeasureSettings,
    Occasion,
    Questionnaire,
    YouSaidWeDid,
)


def changes(school: School) -> list[float]:
    """Each student's latest score minus their baseline, per programme."""
    done = Questionnaire.objects.filter(
        school=school, status=Questionnaire.Status.DONE, mentorship=None, total__isnull=False
    ).order_by("due_on")
    scores: dict[tuple[int, int | None], dict[str, float]] = defaultdict(dict)
    for q in done:
        scores[(q.student_id, q.programme_id)][q.occasion] = q.total  # type: ignore[assignment]
        if q.occasion != Occasion.BASELINE:
            scores[(q.student_id, q.programme_id)]["latest"] = q.total  # type: ignore[assignment]
    return [
        found["latest"] - found[Occasion.BASELINE]
        for found in scores.values()
        if Occasion.BASELINE in found and "latest" in found
    ]


def test_the_demo_school_has_measures_goals_feedback_and_you_said_we_did(
    db: None, settings: Any
) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main, second = School.objects.order_by("urn")
    assert MeasureSettings.objects.filter(school=main).count() == 3
    assert not Questionnaire.objects.filter(school=second).exists()

    # Baseline and follow-up pairs, mostly better, some a lot, some worse.
    moved = changes(main)
    assert len(moved) >= 6
    assert sum(moved) / len(moved) > 0
    assert sum(change > 0 for change in moved) > sum(change < 0 for change in moved)
    assert any(change >= 4 for change in moved)
    assert any(change < 0 for change in moved)
    # Some paper measures were never returned: still due, or missed once overtaken
    # (counted as missing, not dropped).
    assert (
        Questionnaire.objects.filter(school=main, instrument="swemwbs", due_on__lt=TODAY)
        .exclude(status=Questionnaire.Status.DONE)
        .exists()
    )
    # Nothing is dated after today.
    done = Questionnaire.objects.filter(school=main, status=Questionnaire.Status.DONE)
    assert all(q.completed_at is not None and q.completed_at <= NOW for q in done)
    assert all(q.completed_at.date() >= q.due_on for q in done)  # type: ignore[union-attr]
    # The demo student answered their pulse surveys themself.
    pulses = done.filter(occasion=Occasion.PULSE)
    assert pulses.exists() and all(q.answers and q.entered_by is None for q in pulses)

    # Goals with several ratings each over time, most moving up.
    goals = list(Goal.objects.filter(school=main))
    assert len(goals) >= 5
    ratings = {
        goal.pk: list(GoalRating.objects.filter(goal=goal).values_list("rating", flat=True))
        for goal in goals
    }
    assert sum(len(r) >= 3 for r in ratings.values()) >= len(goals) / 2
    assert sum(r[-1] > r[0] for r in ratings.values()) > len(goals) / 2, ratings
    assert all(rating.rated_on <= TODAY for rating in GoalRating.objects.filter(school=main))

    # Session feedback, named and anonymous: anonymous rows name nobody.
    feedback = Feedback.objects.filter(school=main)
    named = feedback.filter(anonymous=False)
    anonymous = feedback.filter(anonymous=True)
    assert named.exists() and anonymous.exists()
    assert all(f.student_id and f.session_id for f in named)
    assert all(f.student_id is None and f.session_id is None for f in anonymous)
    assert all(f.mentor_id is None for f in anonymous)
    assert feedback.exclude(comment="").exists()
    assert FeedbackGiven.objects.filter(school=main).count() == feedback.count()

    entries = YouSaidWeDid.objects.filter(school=main)
    assert 2 <= entries.count() <= 3
    assert all(e.you_said and e.we_did and e.posted_on <= TODAY for e in entries)


def test_the_same_seed_gives_the_same_wellbeing_records(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True

    def wellbeing(seed: int) -> list[tuple[Any, ...]]:
        with transaction.atomic():
            seed_small(seed)
            records: list[tuple[Any, ...]] = sorted(
                Questionnaire.objects.values_list(
                    "student__upn", "instrument", "occasion", "due_on", "status", "total"
                ),
                key=str,
            )
            records += sorted(
                GoalRating.objects.values_list("goal__student__upn", "rated_on", "rating"),
                key=str,
            )
            records += sorted(
                Feedback.objects.values_list("anonymous", "week_of", "answers", "comment"),
                key=str,
            )
            transaction.set_rollback(True)
        return records

    first = wellbeing(5)
    assert first and first == wellbeing(5)
