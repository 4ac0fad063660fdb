"""Forms for programmes, referrals and mentorships."""

from __future__ import annotations

from django import forms

from peersupport.accounts.models import User
from peersupport.programmes.models import MentorProfile, Mentorship, NeedArea, Programme
from peersupport.schools.models import TimetableSlot
from peersupport.schools.widgets import DateInput
from peersupport.students.models import Student
from peersupport.training.models import TrainingModule


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind", choices=Programme.Kind.choices)
    aims = forms.CharField(label="Aims", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=2000)
    consent_required = forms.BooleanField(label="Parental consent needed to join", required=False)
    supervision_every_weeks = forms.IntegerField(
        label="Supervision for each mentor every (weeks)",
        min_value=1,
        max_value=12,
        initial=2,
        help_text="How often each peer mentor should have supervision with a member of staff.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("waitlist", "Waiting list"), ("decline", "Decline")]
    )
    reason = forms.CharField(label="Reason (told to the referrer)", max_length=300, required=False)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label="Why is it closing?", choices=Mentorship.CloseReason.choices)
    planned = forms.TypedChoiceField(
        label="Was this planned?",
        choices=[("yes", "Planned"), ("no", "Early")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class SelfReferralForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="What would you like to join?", queryset=Programme.objects.none(), empty_label=None
    )
    need_areas = forms.MultipleChoiceField(
        label="What would you like help with? Pick any.",
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    details = forms.CharField(
        label="Anything else you want to tell us? (You do not have to.)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    mentor_wishes = forms.CharField(
        label="What kind of mentor would you like? (You do not have to say.)",
        help_text="For example: someone in Year 10, someone who likes music, a girl, a boy.",
        required=False,
        max_length=300,
    )

    def __init__(self, *args: object, programmes: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if programmes is not None:
            self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class StaffReferralForm(forms.Form):
    programme = forms.ModelChoiceField(label="Programme", queryset=Programme.objects.none())
    source = forms.ChoiceField(
        label="Who asked for it",
        choices=[("staff", "A member of staff"), ("parent", "A parent or carer")],
    )
    parent_name = forms.CharField(label="Parent or carer's name", max_length=150, required=False)
    need_areas = forms.MultipleChoiceField(
        label="Reasons", choices=NeedArea.choices, widget=forms.CheckboxSelectMultiple
    )
    details = forms.CharField(
        label="Details (kept encrypted; seen by the coordinator and DSL)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    mentor_wishes = forms.CharField(label="Mentor wishes", max_length=300, required=False)

    def __init__(self, *args: object, programmes: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


class GroupForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    max_size = forms.IntegerField(label="Most members", min_value=2, max_value=30, initial=8)
    slot = forms.ModelChoiceField(
        label="Regular time", queryset=TimetableSlot.objects.none(), required=False
    )
    room = forms.CharField(label="Room", max_length=60, required=False)
    facilitators = forms.ModelMultipleChoiceField(
        label="Staff who run it",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, slots: object, staff: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["slot"].queryset = slots  # type: ignore[attr-defined]
        self.fields["facilitators"].queryset = staff  # type: ignore[attr-defined]


class StudentByUpnForm(forms.Form):
    upn = forms.CharField(label="Student's UPN", max_length=13)


class MentorshipForm(forms.Form):
    mentor = forms.ModelChoiceField(label="Mentor", queryset=MentorProfile.objects.none())
    mentee = forms.ModelChoiceField(label="Mentee", queryset=Student.objects.none())

    def __init__(self, *args: object, mentors: object, mentees: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]
        self.fields["mentee"].queryset = mentees  # type: ignore[attr-defined]


class KeepApartForm(forms.Form):
    first_upn = forms.CharField(label="First student's UPN", max_length=13)
    second_upn = forms.CharField(label="Second student's UPN", max_length=13)
    reason = forms.CharField(
        label="Reason (only the coordinator and DSL see it)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class MentorApplicationForm(forms.Form):
    why = forms.CharField(
        label="Why would you like to be a peer mentor?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    interests = forms.CharField(
        label="What do you like doing? Separate them with commas.",
        help_text="For example: football, drawing, gaming",
        max_length=300,
        required=False,
    )
    languages = forms.CharField(
        label="Which languages do you speak? Separate them with commas.",
        max_length=200,
        required=False,
    )
    availability = forms.ModelMultipleChoiceField(
        label="When are you free?",
        queryset=TimetableSlot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.TypedChoiceField(
        label="How many younger students could you help?",
        choices=[(1, "1"), (2, "2"), (3, "3")],
        coerce=int,
    )

    def __init__(self, *args: object, slots: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["availability"].queryset = slots  # type: ignore[attr-defined]

    def clean_interests(self) -> list[str]:
        return _split(self.cleaned_data["interests"])

    def clean_languages(self) -> list[str]:
        return _split(self.cleaned_data["languages"])


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label="Reference", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class MentorStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[])

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


# Used on programme pages; the scheduling itself is done by meetings.
class SeriesForm(forms.Form):
    first_date = forms.DateField(label="First session", widget=DateInput())
    until_date = forms.DateField(label="Last possible date", widget=DateInput())
    start_time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    every_weeks = forms.TypedChoiceField(
        label="How often", choices=[(1, "Every week"), (2, "Every two weeks")], coerce=int
    )
    duration_minutes = forms.IntegerField(label="Minutes", min_value=5, max_value=180, initial=30)
    room = forms.CharField(label="Room", max_length=60, required=False)


class ContactForm(forms.Form):
    who = forms.ChoiceField(
        label="Who", choices=[("mentee", "The mentee"), ("mentor", "The mentor")]
    )
    contacted_on = forms.DateField(label="Date", widget=DateInput())
    how = forms.ChoiceField(
        label="How", choices=[("in_person", "In person"), ("phone", "Phone"), ("online", "Online")]
    )


class AgreementForm(forms.Form):
    text = forms.CharField(
        label="Ground rules",
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=6000,
        error_messages={
            "required": "Write the ground rules: they cannot be empty.",
            "max_length": "Keep the ground rules under 6000 characters: short rules are "
            "easier to keep.",
        },
        help_text=(
            "Write them with the group, in words everyone understands. Use a line starting "
            "with ### for a heading and - for each rule. Saving makes a new version, and "
            "every member is asked to agree again."
        ),
    )


class ProgrammeTrainingForm(forms.Form):
    required_modules = forms.ModelMultipleChoiceField(
        label="Training every mentor in this programme must hold",
        queryset=TrainingModule.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A mentor cannot become active or be placed in this programme without them.",
    )
    at_expiry = forms.ChoiceField(
        label="When a mentor's training runs out",
        choices=[
            ("warn", "Tell the programme's leads, and let the mentor carry on"),
            ("pause", "Tell the programme's leads, and pause the mentor until they renew it"),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, modules: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["required_modules"].queryset = modules  # type: ignore[attr-defined]


class ComplianceFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="All programmes",
    )
    status = forms.ChoiceField(
        label="Showing people with training that is",
        required=False,
        choices=[
            ("", "Any status"),
            ("missing", "Missing"),
            ("expired", "Expired"),
            ("expiring", "Expiring within 30 days"),
            ("complete", "Complete"),
        ],
    )

    def __init__(self, *args: object, programmes: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
