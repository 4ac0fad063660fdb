"""Wellbeing and impact: validated measures, goals, session feedback, "You said, we
did", and honest outcome statistics."""

from django.apps import AppConfig


class WellbeingConfig(AppConfig):
    name = "peersupport.wellbeing"
    label = "wellbeing"
    verbose_name = "Wellbeing and impact"
