"""Read-only views across the apps: for now the DSL's access log."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "peersupport.reports"
    label = "reports"
    verbose_name = "Reports"
