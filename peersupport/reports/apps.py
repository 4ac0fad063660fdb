"""Seeing the whole: the programme health dashboard, inclusion and representation,
impact reports, the trust view, and the DSL's access log. Reads across every app;
writes only outreach targets and impact reports."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "peersupport.reports"
    label = "reports"
    verbose_name = "Reports"
