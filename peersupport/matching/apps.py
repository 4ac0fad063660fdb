"""Matching: optimal, explained pairing of mentors and mentees, and group formation."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "peersupport.matching"
    label = "matching"
    verbose_name = "Matching"
