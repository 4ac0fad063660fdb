"""The generated demo school: seed_demo builds it through every app's services."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "peersupport.demo"
    label = "demo"
    verbose_name = "Demo school"
