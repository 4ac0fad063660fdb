"""Forms for raising a concern (in plain words for students and mentors), staff's
response, safeguarding entries, conflicts and urgent words."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from peersupport.accounts.models import User
from peersupport.concerns.models import (
    Characteristic,
    ConcernKind,
    ConflictStep,
    SafeguardingEntry,
    SafeguardingOutcome,
)
from peersupport.programmes.models import Group, Mentorship
from peersupport.schools.widgets import DateInput
from peersupport.students.models import Student

# ---------------------------------------------------------------- raising a concern

NOT_SURE = "not_sure"
# The kinds a peer mentor or a student chooses from, in their words.
MENTOR_KINDS = [
    (ConcernKind.WELLBEING.value, "I am worried about how someone feels"),
    (ConcernKind.SAFEGUARDING.value, "Someone may be getting hurt, or may not be safe"),
    (ConcernKind.CONFLICT.value, "People are falling out or fighting"),
    (ConcernKind.DISCRIMINATION.value, "Someone is being bullied or left out"),
    (ConcernKind.BOUNDARY.value, "Someone contacted me in a way we did not agree, like online"),
    (NOT_SURE, "I am not sure"),
]
STUDENT_KINDS = [
    (ConcernKind.WELLBEING.value, "I am worried about how I feel, or how someone feels"),
    (ConcernKind.SAFEGUARDING.value, "Someone may be getting hurt, or may not be safe"),
    (ConcernKind.CONFLICT.value, "People are falling out or fighting"),
    (ConcernKind.DISCRIMINATION.value, "Someone is being bullied or left out"),
    (ConcernKind.BOUNDARY.value, "Someone contacted me in a way that did not feel right"),
    (NOT_SURE, "I am not sure"),
]
ME = "me"
SOMEONE_ELSE = "someone_else"


def first_name(student: Student) -> str:
    return student.preferred_forename or student.legal_forename


class WorryForm(forms.Form):
    """A worry in plain words, for a peer mentor or a student. A mentor may say it is
    about one of their mentees (by first name); nobody has to say who."""

    kind = forms.ChoiceField(
        label="What is it about?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what it is about. If you are not sure, say so."},
    )
    text = forms.CharField(
        label="What happened? Tell us in your own words.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        help_text="Write what you saw or heard. If you can, write what they said.",
        error_messages={"required": "Please write what happened."},
    )
    about = forms.ChoiceField(
        label="Who is it about?",
        widget=forms.RadioSelect,
        required=False,
        help_text="You do not have to say.",
    )
    anonymous_to_students = forms.BooleanField(
        label="Do not tell other students it was me",
        required=False,
        help_text="We never tell other students who told us. Tick this and we will make sure.",
    )
    fully_anonymous = forms.BooleanField(
        label="Do not tell staff it was me",
        required=False,
        help_text="Staff will not know it was you, so they cannot come back to you about it.",
    )

    def __init__(
        self,
        *args: Any,
        is_mentor: bool,
        mentees: list[Student],
        allow_fully_anonymous: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mentees = {mentee.public_id.hex: mentee for mentee in mentees}
        kind, about = self.fields["kind"], self.fields["about"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(about, forms.ChoiceField)
        kind.choices = MENTOR_KINDS if is_mentor else STUDENT_KINDS
        about.choices = [
            (ME, "Me"),
            *((key, first_name(mentee)) for key, mentee in self.mentees.items()),
            (SOMEONE_ELSE, "Someone else"),
        ]
        if is_mentor:
            # A mentor's name stays with the staff who read it anyway.
            del self.fields["anonymous_to_students"]
        if is_mentor or not allow_fully_anonymous:
            del self.fields["fully_anonymous"]

    def service_arguments(self) -> dict[str, Any]:
        """What the form says, as concern_raise takes it."""
        data = self.cleaned_data
        about = data.get("about") or ""
        kind = data["kind"]
        return {
            "kind": ConcernKind.WELLBEING.value if kind == NOT_SURE else kind,
            "text": data["text"],
            "about_themself": about == ME,
            "students": [self.mentees[about]] if about in self.mentees else [],
            "anonymous_to_students": bool(data.get("anonymous_to_students")),
            "fully_anonymous": bool(data.get("fully_anonymous")),
        }


class StudentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.year_label}{', ' + obj.form if obj.form else ''})"


class StaffConcernForm(forms.Form):
    """A concern raised by a member of staff: any kind, the students it is about
    and, for discrimination, the characteristic involved."""

    kind = forms.ChoiceField(
        label="Kind of concern",
        choices=ConcernKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of concern."},
    )
    text = forms.CharField(
        label="What happened or what was said",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        help_text="In the child's own words where you can. Facts first, then your view.",
        error_messages={"required": "Write what happened or what was said."},
    )
    students = StudentChoice(
        label="Students it is about",
        queryset=Student.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Optional. Hold Ctrl (Cmd on a Mac) to choose more than one.",
    )
    characteristic = forms.ChoiceField(
        label="Characteristic involved",
        choices=[("", "None, or not relevant"), *Characteristic.choices],
        required=False,
        help_text="Only for discrimination, bullying or exclusion.",
    )

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["students"]
        assert isinstance(field, StudentChoice)
        field.queryset = students.order_by("legal_surname", "legal_forename", "pk")

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "students": list(data["students"]),
            "characteristic": data["characteristic"],
        }


class ConcernCloseForm(forms.Form):
    response = forms.CharField(
        label="How staff responded",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Say how staff responded."},
    )
    support_given = forms.CharField(
        label="Support given to the person harmed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text="Needed for discrimination, bullying or exclusion.",
    )


# ---------------------------------------------------------------- safeguarding


class SafeguardingEntryForm(forms.Form):
    """A new entry in a safeguarding record's chronology. Choices are sent as public
    ids, never integer ids."""

    kind = forms.ChoiceField(
        label="What kind of entry is this?", choices=SafeguardingEntry.Kind.choices
    )
    text = forms.CharField(
        label="What was seen or said, done or decided",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text="Use the child's own words where you can. For no further action, say why.",
    )
    outcome = forms.ChoiceField(
        label="Outcome (for an outcome entry)",
        choices=[("", "No outcome"), *SafeguardingOutcome.choices],
        required=False,
    )
    corrects = forms.ModelChoiceField(
        label="The entry it corrects (for a correction)",
        queryset=SafeguardingEntry.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="Not a correction",
    )
    students = forms.ModelMultipleChoiceField(
        label="Students linked",
        queryset=Student.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
    )
    staff = forms.ModelMultipleChoiceField(
        label="Staff involved",
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
    )

    def __init__(
        self,
        *args: Any,
        entries: QuerySet[SafeguardingEntry],
        entry_numbers: dict[int, int],
        students: QuerySet[Student],
        staff: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        corrects: Any = self.fields["corrects"]
        corrects.queryset = entries
        corrects.label_from_instance = lambda entry: (
            f"Entry {entry_numbers.get(entry.pk, '?')}: {entry.get_kind_display()}"
        )
        chosen_students: Any = self.fields["students"]
        chosen_students.queryset = students
        chosen_students.label_from_instance = lambda student: (
            f"{student.display_name} ({student.year_label})"
        )
        chosen_staff: Any = self.fields["staff"]
        chosen_staff.queryset = staff
        chosen_staff.label_from_instance = lambda person: person.full_name or person.email


class SafeguardingTransferForm(forms.Form):
    recipient_school = forms.CharField(label="Receiving school", max_length=200)
    recipient_name = forms.CharField(label="Receiving school's DSL", max_length=150)
    recipient_email = forms.EmailField(
        label="Their e-mail address (if known)", max_length=254, required=False
    )
    sent_on = forms.DateField(
        label="Date sent",
        widget=DateInput(),
        initial=datetime.date.today,
    )


class SafeguardingReceiptForm(forms.Form):
    on = forms.DateField(
        label="Date the receiving school confirmed it had the file",
        widget=DateInput(),
        initial=datetime.date.today,
    )


# ---------------------------------------------------------------- conflicts

AGREEMENT_ROWS = 4


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def _text_field(label: str, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=5000,
        required=required,
    )


class _StudentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class _StudentsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class _MentorshipChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.mentor.student.display_name} mentoring {obj.mentee.display_name}"


class ConflictOpenForm(forms.Form):
    students = _StudentsChoice(
        label="The students involved",
        queryset=Student.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_upns = forms.CharField(
        label="Anyone else involved: their UPNs, separated by commas",
        max_length=500,
        required=False,
    )
    group = forms.ModelChoiceField(
        label="The group it happened in",
        queryset=Group.objects.none(),
        required=False,
        empty_label="Not in a group",
    )
    mentorship = _MentorshipChoice(
        label="The mentorship it happened in",
        queryset=Mentorship.objects.none(),
        required=False,
        empty_label="Not in a mentorship",
    )

    def __init__(
        self,
        *args: Any,
        students: QuerySet[Student],
        groups: QuerySet[Group],
        mentorships: QuerySet[Mentorship] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = students  # type: ignore[attr-defined]
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        if mentorships is None:
            # Facilitators: their own groups' students only, and no mentorships.
            del self.fields["mentorship"]
            del self.fields["other_upns"]
        else:
            self.fields["mentorship"].queryset = mentorships  # type: ignore[attr-defined]

    def upns(self) -> list[str]:
        raw = self.cleaned_data.get("other_upns") or ""
        return [part.strip().upper() for part in raw.split(",") if part.strip()]


class ConflictAccountForm(forms.Form):
    student = _StudentChoice(label="Whose account", queryset=Student.objects.none())
    account = _text_field("What happened, in their own words", rows=5)

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students  # type: ignore[attr-defined]


class ConflictStepForm(forms.Form):
    """The fields every step has; each kind adds its own."""

    kind_value = ""
    kind = forms.CharField(widget=forms.HiddenInput)
    held_on = _date_field("Date it happened")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["kind"] = self.kind_value
        super().__init__(*args, **kwargs)
        # Notes come last, after the fields each kind adds.
        self.order_fields([name for name in self.fields if name != "notes"] + ["notes"])

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["kind"] = self.kind_value
        return data


class ConflictPreparationForm(ConflictStepForm):
    kind_value = ConflictStep.Kind.PREPARATION.value
    student = _StudentChoice(label="Who the conversation was with", queryset=Student.objects.none())
    notes = _text_field("Notes (optional)", required=False)

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students  # type: ignore[attr-defined]


class ConflictMeetingForm(ConflictStepForm):
    kind_value = ConflictStep.Kind.MEETING.value
    what_happened = _text_field("What happened?")
    who_was_affected = _text_field("Who has been affected, and how?")
    put_right = _text_field("What needs to happen to put things right?")
    notes = _text_field("Notes (optional)", required=False)


class ConflictAgreementForm(ConflictStepForm):
    kind_value = ConflictStep.Kind.AGREEMENT.value
    follow_up_on = _date_field("Check how it is going on")
    notes = _text_field("Notes (optional)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, AGREEMENT_ROWS + 1):
            self.fields[f"action_{number}"] = forms.CharField(
                label=f"Action {number}", max_length=300, required=False
            )
            self.fields[f"owner_{number}"] = forms.CharField(
                label=f"Who will do action {number}", max_length=150, required=False
            )
        self.order_fields(
            ["kind", "held_on"]
            + [f"{name}_{n}" for n in range(1, AGREEMENT_ROWS + 1) for name in ("action", "owner")]
            + ["follow_up_on", "notes"]
        )

    def service_arguments(self) -> dict[str, Any]:
        data = super().service_arguments()
        data["actions"] = [
            {"action": data.pop(f"action_{n}", ""), "owner": data.pop(f"owner_{n}", "")}
            for n in range(1, AGREEMENT_ROWS + 1)
        ]
        return data


class ConflictFollowUpForm(ConflictStepForm):
    kind_value = ConflictStep.Kind.FOLLOW_UP.value
    follow_up = forms.ChoiceField(
        label="How is the agreement going?",
        choices=ConflictStep.FollowUp.choices,
        widget=forms.RadioSelect,
        help_text="Broken: the students need a new restorative meeting. Resolved: the "
        "conflict is over.",
    )
    notes = _text_field("Notes (optional)", required=False)


STEP_FORMS: dict[str, type[ConflictStepForm]] = {
    form.kind_value: form
    for form in (
        ConflictPreparationForm,
        ConflictMeetingForm,
        ConflictAgreementForm,
        ConflictFollowUpForm,
    )
}


class ConflictLiftForm(forms.Form):
    before_resolved = forms.BooleanField(
        label="Lift it before the conflict is resolved: the students may be placed together again",
        required=False,
    )


# ---------------------------------------------------------------- urgent words


class UrgentPhraseForm(forms.Form):
    phrase = forms.CharField(
        label="Add a phrase",
        max_length=120,
        help_text="A few words, as a child might write them. End a word with * to match "
        "any word that starts with it (cut* matches cuts and cutting).",
    )


class UrgentFlagReviewForm(forms.Form):
    note = forms.CharField(
        label="What you did, or why no action is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


# ---------------------------------------------------------------- settings


class SafeguardingSettingsForm(forms.Form):
    """The DSLs' rules: how soon a safeguarding concern must be acknowledged, counted
    in school hours, and whom it escalates to if nobody does."""

    acknowledge_within_minutes = forms.IntegerField(
        label="A DSL must acknowledge a safeguarding concern within (minutes)",
        min_value=5,
        max_value=24 * 60,
        help_text="Counted in school hours only: evenings and weekends do not count.",
    )
    escalate_to = forms.ModelChoiceField(
        label="If nobody acknowledges it in time, also tell",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody named: tell every DSL again",
        help_text="A deputy DSL or the head teacher. They must hold the DSL role here, so "
        "that the link in the e-mail lets them in.",
    )
    school_day_starts = forms.TimeField(
        label="School day starts", widget=forms.TimeInput(attrs={"type": "time"})
    )
    school_day_ends = forms.TimeField(
        label="School day ends", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, leads: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["escalate_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = leads
        field.label_from_instance = lambda user: user.full_name  # type: ignore[method-assign,assignment]


class ReportingSettingsForm(forms.Form):
    """The rules coordinators and DSLs share: fully anonymous reports, and when an
    unresolved conflict comes back to the coordinator."""

    fully_anonymous_reporting = forms.BooleanField(
        label="Let students report fully anonymously",
        required=False,
        help_text="Staff will not know who raised such a report, so nobody can follow it "
        "up with them or check that they are safe. Students can always report without "
        "other students knowing, with this turned off.",
    )
    conflict_resolve_within_days = forms.IntegerField(
        label="A conflict still unresolved after this many days goes to the coordinator",
        min_value=1,
        max_value=90,
    )
