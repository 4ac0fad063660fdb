"""Forms for check-ins and fit checks, in plain words."""

from __future__ import annotations

from typing import Any

from django import forms

from peersupport.meetings.models import Supervision, SupervisionAttendance
from peersupport.programmes.models import MentorProfile
from peersupport.schools.widgets import DateInput

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


class MoveForm(forms.Form):
    to = forms.DateField(label="New date", widget=DateInput())


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=200)


TOPICS = [
    ("friendships", "Friendships"),
    ("school_work", "School work"),
    ("feelings", "Feelings"),
    ("home", "Home"),
    ("interests", "Hobbies and interests"),
    ("goals", "Goals"),
    ("other", "Something else"),
]


class SessionLogForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label="What did you talk about?",
        choices=TOPICS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    how_it_went = forms.ChoiceField(
        label="How did it go?",
        choices=[("well", "It went well"), ("ok", "It was OK"), ("hard", "It was hard")],
        widget=forms.RadioSelect,
    )
    needs_help = forms.BooleanField(label="I need help from staff", required=False)


class SupervisionForm(forms.Form):
    """A supervision: when, what kind, which of the programme's mentors came and
    how each is doing, the notes and the actions agreed."""

    held_on = forms.DateField(label="Date", widget=DateInput())
    kind = forms.ChoiceField(
        label="Kind of supervision",
        choices=Supervision.Kind.choices,
        initial=Supervision.Kind.GROUP,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
        help_text="Seen only by coordinators, DSLs and you.",
    )
    actions = forms.CharField(
        label="Actions agreed",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Seen only by coordinators, DSLs and you.",
    )

    def __init__(self, *args: Any, mentors: list[MentorProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mentors = mentors
        for mentor in mentors:
            key = mentor.public_id.hex
            self.fields[f"came_{key}"] = forms.BooleanField(
                label=f"{mentor.student.display_name} came", required=False
            )
            self.fields[f"feeling_{key}"] = forms.TypedChoiceField(
                label="How are you doing?",
                choices=[("", "Not asked"), *SupervisionAttendance.Feeling.choices],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label="Anything they want to add (optional)", required=False, max_length=1000
            )

    def mentor_rows(self) -> list[tuple[MentorProfile, Any, Any, Any]]:
        """Each mentor with their three fields, for the template."""
        return [
            (
                mentor,
                self[f"came_{mentor.public_id.hex}"],
                self[f"feeling_{mentor.public_id.hex}"],
                self[f"note_{mentor.public_id.hex}"],
            )
            for mentor in self.mentors
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        anyone = False
        for mentor in self.mentors:
            key = mentor.public_id.hex
            if data.get(f"came_{key}"):
                anyone = True
            elif data.get(f"feeling_{key}") is not None or data.get(f"note_{key}"):
                self.add_error(f"came_{key}", "Tick that they came, or clear their answer.")
        if not anyone:
            raise forms.ValidationError("Tick each mentor who came.")
        return data

    def came(self) -> list[tuple[MentorProfile, int | None, str]]:
        """The mentors who came, with their answer and note."""
        data = self.cleaned_data
        return [
            (
                mentor,
                data.get(f"feeling_{mentor.public_id.hex}"),
                data.get(f"note_{mentor.public_id.hex}", ""),
            )
            for mentor in self.mentors
            if data.get(f"came_{mentor.public_id.hex}")
        ]


class SupervisionCadenceForm(forms.Form):
    every_weeks = forms.IntegerField(
        label="Supervision for each mentor every (weeks)", min_value=1, max_value=12
    )
