"""Date controls: written so the browser keeps them."""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path

from django import forms
from django.utils import translation

from peersupport.schools.widgets import DateInput

PACKAGE = Path(__file__).resolve().parents[2]


def test_a_date_is_written_as_the_browser_reads_it_whatever_the_language() -> None:
    with translation.override("en-gb"):
        html = DateInput().render("on", datetime.date(2026, 11, 30))
    assert 'type="date"' in html
    assert 'value="2026-11-30"' in html


def _form_classes() -> set[type[forms.BaseForm]]:
    for path in sorted(PACKAGE.glob("*/forms*.py")) + sorted(PACKAGE.glob("*/views*.py")):
        importlib.import_module(f"peersupport.{path.parent.name}.{path.stem}")
    found: set[type[forms.BaseForm]] = set()
    waiting: list[type[forms.BaseForm]] = [forms.BaseForm]
    while waiting:
        cls = waiting.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                waiting.append(sub)
    return {cls for cls in found if cls.__module__.startswith("peersupport.")}


def test_every_date_control_in_every_form_writes_its_date_so() -> None:
    classes = _form_classes()
    date_fields = [
        (cls.__name__, name)
        for cls in classes
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
    ]
    assert len(date_fields) > 10  # the forms were found
    wrong = [
        (cls.__name__, name)
        for cls in classes
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput)
    ]
    assert wrong == []
