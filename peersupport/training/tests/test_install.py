"""Installing the starter curriculum into a school."""

from __future__ import annotations

from django.core.management import call_command

from peersupport.schools.models import School
from peersupport.training.models import TrainingModule


def test_the_curriculum_installs_once_and_keeps_a_schools_edits(
    school_a: School, school_b: School, capsys
) -> None:  # type: ignore[no-untyped-def]
    call_command("install_curriculum", "--school", school_a.urn)
    modules = TrainingModule.objects.filter(school=school_a)
    assert modules.count() == 10
    assert sum(m.minutes for m in modules if m.core and m.audience == "mentor") >= 120
    listening = modules.get(key="active-listening")
    listening.title = "Listening, our way"
    listening.save()
    call_command("install_curriculum", "--school", school_a.urn)
    assert "0 modules added, 10 kept" in capsys.readouterr().out
    assert (
        TrainingModule.objects.get(school=school_a, key="active-listening").title
        == "Listening, our way"
    )
    assert not TrainingModule.objects.filter(school=school_b).exists()
