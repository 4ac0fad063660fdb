"""Append-only audit events and the one helper that writes them."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "peersupport.audit"
    label = "audit"
    verbose_name = "Audit"
