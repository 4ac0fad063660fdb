"""The form a coordinator or DSL uses to add or correct a help page entry (a school
contact or a local service). The service checks everything again."""

from __future__ import annotations

from django import forms

from peersupport.partners.models import SignpostEntry


class SignpostEntryForm(forms.ModelForm):
    """One school contact or local service, in the words students will read."""

    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text="Starts with https://",
        error_messages={"invalid": "Write the full website address, starting with https://"},
    )

    class Meta:
        model = SignpostEntry
        fields = ["kind", "name", "what_for", "phone", "text", "website", "hours", "where"]
        labels = {
            "kind": "Where is it?",
            "name": "Name",
            "what_for": "What they help with",
            "phone": "Phone number",
            "text": "Text line",
            "hours": "When they are open",
            "where": "Where to find them",
        }
        help_texts = {
            "what_for": "Plain words an 11-year-old understands, such as "
            "“Talk to someone when you feel worried.”",
            "phone": "Digits and spaces only, such as 0800 1111.",
            "text": "For example: Text HELLO to 07700 900123.",
            "where": "For example: Room 12, next to the library.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "what_for": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "kind": {"required": "Choose whether it is in school or a local service."},
            "name": {"required": "Write the name of the person or service."},
            "what_for": {"required": "Say what they help with, in plain words."},
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = SignpostEntry.Kind.choices
