"""The forms of the students' own pages: one question of a questionnaire, a goal
and its rating, and feedback on a session. Each answer is checked against the
instrument's own options; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms

from peersupport.wellbeing.instruments import Instrument

PICK_ONE = "Choose one of the answers, or choose “Skip this question”."
NOT_AN_OPTION = "Choose one of the answers given."
RATINGS = [(str(number), str(number)) for number in range(0, 11)]


def options_of(instrument: Instrument, item_id: str) -> list[tuple[str, str]]:
    """The answers to one question as (value, label) pairs, in the file's order."""
    for item in instrument.items:
        if item.id == item_id:
            return [
                (str(option.value), option.label)
                for option in instrument.response_sets[item.response_set].options
            ]
    raise KeyError(item_id)


class AnswerForm(forms.Form):
    """One question's answer. Empty is allowed here (the view decides whether the
    student pressed Next without choosing); a value not on the list is refused."""

    answer = forms.ChoiceField(
        required=False, widget=forms.RadioSelect, error_messages={"invalid_choice": NOT_AN_OPTION}
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        answer.choices = choices

    def value(self) -> int | None:
        chosen = self.cleaned_data.get("answer")
        return int(chosen) if chosen else None


class GoalForm(forms.Form):
    text = forms.CharField(
        label="My goal, in my own words",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write your goal in your own words.",
            "max_length": "Keep your goal short: 300 letters or fewer.",
        },
    )
    rating = forms.TypedChoiceField(
        label="Where are you now?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a number from 0 to 10.",
            "invalid_choice": NOT_AN_OPTION,
        },
    )


class GoalRateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Where are you now?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a number from 0 to 10.",
            "invalid_choice": NOT_AN_OPTION,
        },
    )


class FeedbackForm(forms.Form):
    """The session feedback questions (each may be left out), a comment, and whether
    to send it with their name."""

    NAMED = "named"
    ANONYMOUS = "anonymous"

    comment = forms.CharField(
        label="Anything else you want to tell us? (you can leave this empty)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep it to 1000 letters or fewer."},
    )
    send_as = forms.ChoiceField(
        label="Send it with your name?",
        choices=[(NAMED, "Send with my name"), (ANONYMOUS, "Send without my name")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose “Send with my name” or “Send without my name”.",
            "invalid_choice": NOT_AN_OPTION,
        },
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        questions = {
            item.id: forms.ChoiceField(
                label=item.text,
                required=False,
                choices=options_of(instrument, item.id),
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": NOT_AN_OPTION},
            )
            for item in instrument.items
        }
        # The questions come first, then the comment and the name choice.
        self.fields = {**questions, **self.fields}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[item.id] for item in self.instrument.items]

    def answers(self) -> dict[str, int | None]:
        return {
            item.id: int(self.cleaned_data[item.id]) if self.cleaned_data.get(item.id) else None
            for item in self.instrument.items
        }
