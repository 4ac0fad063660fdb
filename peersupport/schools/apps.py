"""Schools (tenants), their terms and holidays, and the plumbing every school-owned model shares."""

from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "peersupport.schools"
    label = "schools"
    verbose_name = "Schools"
