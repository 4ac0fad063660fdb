"""Forms for training: editing a module, and arranging and marking a training
session."""

from __future__ import annotations

from typing import Any

from django import forms

from peersupport.accounts.models import User
from peersupport.schools.widgets import DateInput
from peersupport.students.models import Student
from peersupport.training import question_text
from peersupport.training.models import TrainingModule
from peersupport.training.services import MODULE_FIELDS

QUESTIONS_HELP = (
    "One question after another, with a blank line between them. Write the question "
    "on its first line, then each answer on its own line: start a wrong answer with "
    "[ ] and the one right answer with [x]. Straight after an answer you can add a "
    "line starting > with the feedback a mentor sees when they choose it. Every "
    "question needs at least two answers and exactly one right one. Leave the box "
    "empty for a module with no knowledge check (completed at a training session)."
)


class ModuleForm(forms.Form):
    title = forms.CharField(label="Title", max_length=120)
    summary = forms.CharField(
        label="Summary",
        help_text="One or two sentences shown in the list of modules.",
        max_length=300,
        required=False,
    )
    content = forms.CharField(
        label="Content",
        help_text=(
            "Written in Markdown: # before a heading, **bold**, - at the start of a list "
            "item, [words](https://address) for a link. HTML is shown as plain text and "
            "nothing in the content can run."
        ),
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
    )
    minutes = forms.IntegerField(
        label="About how many minutes it takes", min_value=1, max_value=600, initial=20
    )
    core = forms.BooleanField(
        label="Core: everyone it is for must complete it", required=False, initial=True
    )
    audience = forms.ChoiceField(
        label="Who it is for",
        choices=TrainingModule.Audience.choices,
        widget=forms.RadioSelect,
        initial=TrainingModule.Audience.MENTOR,
    )
    delivered_by = forms.ChoiceField(
        label="Who delivers it",
        choices=TrainingModule.DeliveredBy.choices,
        widget=forms.RadioSelect,
        initial=TrainingModule.DeliveredBy.SCHOOL,
    )
    refresh_months = forms.IntegerField(
        label="Refresh after this many months",
        help_text=(
            "Leave empty if a completion lasts for good. A change applies to completions "
            "recorded from now on: completions already recorded keep the date they run out."
        ),
        min_value=1,
        max_value=120,
        required=False,
    )
    pass_mark = forms.IntegerField(
        label="Pass mark for the knowledge check (percent)", min_value=1, max_value=100, initial=80
    )
    questions_text = forms.CharField(
        label="Knowledge check questions",
        help_text=QUESTIONS_HELP,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        required=False,
    )

    @classmethod
    def initial_for(cls, module: TrainingModule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(module, name) for name in MODULE_FIELDS if name != "questions"
        }
        initial["questions_text"] = question_text.format_text(module.questions)
        return initial

    def clean_questions_text(self) -> str:
        text: str = self.cleaned_data["questions_text"]
        try:
            self.cleaned_data["questions"] = question_text.parse(text)
        except question_text.QuestionTextError as error:
            raise forms.ValidationError(error.messages) from error
        return text

    def module_fields(self) -> dict[str, Any]:
        """The cleaned values, as ``module_create`` and ``module_update`` take them."""
        data = dict(self.cleaned_data)
        data.pop("questions_text")
        return data


class MentorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Student) -> str:
        status = getattr(obj, "mentor_status", "")
        status_label = {"in_training": "in training", "active": "active"}.get(status, status)
        return f"{obj.display_name} ({obj.year_label}, {status_label})"


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class StaffMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class InviteForm(forms.Form):
    """Who is invited to a training session: peer mentors and staff."""

    mentors = MentorChoiceField(
        label="Peer mentors (in training or active)",
        queryset=Student.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = StaffChoiceField(
        label="Staff",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, mentors: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentors"].queryset = mentors  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        has_errors = "mentors" in self.errors or "staff" in self.errors
        if not has_errors and not cleaned.get("mentors") and not cleaned.get("staff"):
            self.add_error(None, "Choose at least one person to invite.")
        return cleaned


class EventForm(InviteForm):
    """A training session: a module delivered in person on a day."""

    field_order = ["module", "held_on", "trainer", "trainer_name", "place", "mentors", "staff"]

    module = forms.ModelChoiceField(
        label="Module", queryset=TrainingModule.objects.none(), empty_label="Choose a module"
    )
    held_on = forms.DateField(
        label="Date",
        help_text="It can be in the past, to record a session that has happened.",
        widget=DateInput(),
    )
    trainer = StaffMemberField(
        label="Trainer from our staff",
        queryset=User.objects.none(),
        required=False,
        empty_label="Someone from outside (name them below)",
    )
    trainer_name = forms.CharField(
        label="Trainer from outside",
        help_text="Their name and organisation, if the trainer is not on the school's staff.",
        max_length=150,
        required=False,
    )
    place = forms.CharField(label="Where", max_length=120, required=False)

    def __init__(self, *args: Any, modules: Any, mentors: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, mentors=mentors, staff=staff, **kwargs)
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]
        self.fields["trainer"].queryset = staff  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        trainer, name = cleaned.get("trainer"), (cleaned.get("trainer_name") or "").strip()
        if "trainer" in cleaned and not trainer and not name:
            self.add_error(
                "trainer", "Choose the member of staff who runs it, or name a trainer from outside."
            )
        if trainer and name:
            self.add_error(
                "trainer_name", "Choose a member of staff or name an outside trainer, not both."
            )
        return cleaned

    def event_fields(self) -> dict[str, Any]:
        """The cleaned values, as ``event_create`` takes them."""
        data = self.cleaned_data
        return {
            "module": data["module"],
            "held_on": data["held_on"],
            "trainer": data["trainer"],
            "trainer_name": data["trainer_name"],
            "place": data["place"],
            "students": data["mentors"],
            "users": data["staff"],
        }


class ProtocolVersionForm(forms.Form):
    """New words for a protocol, published as its next version."""

    content = forms.CharField(
        label="The words of the protocol",
        help_text=(
            "Written in Markdown: ## before a heading, **bold**, - at the start of a list "
            "item, 1. for a numbered step. HTML is shown as plain text and nothing in it "
            "can run. Keep sentences short: peer mentors may be 11 years old."
        ),
        widget=forms.Textarea(attrs={"rows": 20}),
        strip=False,
    )
    change_note = forms.CharField(
        label="What changed",
        help_text=(
            "Readers see this first when they read it again. For example: "
            "\u201cWho to tell when the named member of staff is away.\u201d"
        ),
        max_length=300,
    )


class ProtocolAcknowledgeForm(forms.Form):
    """The version a reader read, so that a version published while they were
    reading is not acknowledged unseen."""

    version = forms.UUIDField(widget=forms.HiddenInput)
