"""Forms for check-ins and fit checks, in plain words."""

from __future__ import annotations

from django import forms

FEELINGS = [
    (5, "Really good"),
    (4, "Good"),
    (3, "OK"),
    (2, "Not good"),
    (1, "Really bad"),
]
FACES = {5: "😄", 4: "🙂", 3: "😐", 2: "🙁", 1: "😢"}


class CheckInForm(forms.Form):
    feeling = forms.TypedChoiceField(
        label="How do you feel today?",
        choices=[(value, f"{FACES[value]} {label}") for value, label in FEELINGS],
        coerce=int,
        widget=forms.RadioSelect,
    )
    word = forms.CharField(
        label="One word for how you feel (you do not have to)",
        max_length=60,
        required=False,
    )


class FitCheckForm(forms.Form):
    answer = forms.ChoiceField(
        label="Does it feel like a good fit?",
        choices=[("yes", "Yes"), ("not_sure", "Not sure yet"), ("no", "No")],
        widget=forms.RadioSelect,
    )
