"""Programmes, referrals and enrolment, mentors, groups, mentorships, keeping apart."""

from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "peersupport.programmes"
    label = "programmes"
    verbose_name = "Programmes"
