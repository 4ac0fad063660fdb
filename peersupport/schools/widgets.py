"""Form widgets shared by every app's forms. Lives in ``schools``, the lowest Django app,
so that every app may use it (``lib`` holds no Django)."""

from __future__ import annotations

from typing import Any

from django import forms

# The one way a date may be written in a date control's value (the HTML standard's).
ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is written as the HTML standard asks
    (2026-11-30), whatever the site's language: a date written the British way
    (30/11/2026) is thrown away by the browser, so a form opened with a date in it
    would show the field empty and, sent back, lose the date or ask for it again."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)
