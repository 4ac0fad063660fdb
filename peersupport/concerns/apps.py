"""Concerns: worries raised by anyone, safeguarding records for DSLs, restorative
handling of conflicts, and the urgent-words safety net."""

from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "peersupport.concerns"
    label = "concerns"
    verbose_name = "Concerns and safeguarding"
