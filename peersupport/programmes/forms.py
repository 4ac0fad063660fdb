"""Forms for programmes, referrals and mentorships."""

from __future__ import annotations

from django import forms

from peersupport.programmes.models import Mentorship, NeedArea, Programme


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind", choices=Programme.Kind.choices)
    aims = forms.CharField(label="Aims", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=2000)
    consent_required = forms.BooleanField(label="Parental consent needed to join", required=False)


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
