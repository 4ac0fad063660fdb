"""Forms of matching: a mentee's preferences, a programme's weights, the
choices on a match run's page, and forming a group programme's groups."""

from __future__ import annotations

from collections.abc import Sequence
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


class PublishForm(forms.Form):
    # The result the coordinator looked at: publishing refuses any other.
    solve = forms.UUIDField()


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


class FormationForm(forms.Form):
    """How to form a group programme's groups: sizes, how many, who leads them and
    how many each can lead, and whether each group gets a peer mentor."""

    min_size = forms.IntegerField(
        label="Smallest group size", initial=6, min_value=2, max_value=100
    )
    max_size = forms.IntegerField(label="Largest group size", initial=8, min_value=2, max_value=100)
    groups = forms.IntegerField(
        label="Number of groups (optional)",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Leave it empty to let the engine choose: groups as near the middle size "
        "as it can.",
    )
    leaders = forms.MultipleChoiceField(
        label="Who leads the groups",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each group has one of them as its facilitator.",
    )
    mentor_per_group = forms.BooleanField(label="Each group gets a peer mentor", required=False)

    def __init__(self, *args: Any, staff: Sequence[Any], mentors: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(user.public_id): user for user in staff}
        self.fields["leaders"].choices = [  # type: ignore[attr-defined]
            (key, user.full_name) for key, user in self.staff.items()
        ]
        # How many groups each can lead, after the checkboxes, in the same order.
        for key, user in self.staff.items():
            self.fields[f"groups_{key}"] = forms.IntegerField(
                label=f"How many groups {user.full_name} can lead",
                initial=1,
                min_value=1,
                max_value=100,
                required=False,
                help_text="Used only if they are ticked above.",
            )
        mentor_field = self.fields.pop("mentor_per_group")
        mentor_field.help_text = (
            f"{mentors} mentor{' is' if mentors == 1 else 's are'} active and "
            f"{'holds' if mentors == 1 else 'hold'} the training this programme requires. "
            "Each group needs one of them."
        )
        self.fields["mentor_per_group"] = mentor_field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        leaders = []
        for key in data.get("leaders") or []:
            count = data.get(f"groups_{key}")
            if f"groups_{key}" in self.errors:
                continue
            leaders.append((self.staff[key], count or 1))
        if not data.get("leaders"):
            self.add_error("leaders", "Choose at least one member of staff to lead the groups.")
        data["chosen_leaders"] = leaders
        return data


class GroupNamesForm(forms.Form):
    name_stem = forms.CharField(
        label="Name the groups (optional)",
        max_length=100,
        required=False,
    )

    def __init__(self, *args: Any, programme_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name_stem"].help_text = (
            f"Left empty, they are called “{programme_name} group 1”, “{programme_name} "
            "group 2” and so on. With a name such as “Tuesday lunch group”, they are called "
            "“Tuesday lunch group 1”, “Tuesday lunch group 2” and so on."
        )
