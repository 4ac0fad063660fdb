"""Forms of matching: a mentee's preferences, a programme's weights, and the
choices on a match run's page."""

from __future__ import annotations

from typing import Any

from django import forms

from peersupport.matching.models import MatchPin, MatchSettings
from peersupport.schools.models import TimetableSlot


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class PreferencesForm(forms.Form):
    interests = forms.CharField(
        label="What they like doing, separated by commas",
        help_text="For example: football, drawing, gaming",
        max_length=300,
        required=False,
    )
    languages = forms.CharField(
        label="Languages they speak at home, separated by commas",
        help_text="English is not counted as a shared language.",
        max_length=200,
        required=False,
    )
    availability = forms.ModelMultipleChoiceField(
        label="When they are free",
        queryset=TimetableSlot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A mentee can only be matched with a mentor who is free at one of these times.",
    )
    same_gender = forms.BooleanField(
        label="They would like a mentor of the same gender", required=False
    )

    def __init__(self, *args: Any, slots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["availability"].queryset = slots  # type: ignore[attr-defined]

    def clean_interests(self) -> list[str]:
        return _split(self.cleaned_data["interests"])

    def clean_languages(self) -> list[str]:
        return _split(self.cleaned_data["languages"])


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MatchSettings
        fields = ["min_year_gap", "w_interests", "w_availability", "w_language", "w_preference"]


class PinForm(forms.Form):
    mentee = forms.UUIDField()
    mentor = forms.UUIDField()
    kind = forms.ChoiceField(choices=MatchPin.Kind.choices)


class SwapForm(forms.Form):
    first = forms.ChoiceField(label="Give this mentee's mentor")
    second = forms.ChoiceField(label="to this mentee, and the other way round")

    def __init__(self, *args: Any, mentees: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a mentee"), *mentees]
        self.fields["first"].choices = choices  # type: ignore[attr-defined]
        self.fields["second"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("first") == data.get("second"):
            raise forms.ValidationError("Choose two different mentees.")
        return data
