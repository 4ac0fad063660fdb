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


class MoveForm(forms.Form):
    to = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}))


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
