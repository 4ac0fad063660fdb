"""Student records from the MIS, consent and the MIS import."""

from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "peersupport.students"
    label = "students"
    verbose_name = "Students"
