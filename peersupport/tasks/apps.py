"""Work waiting for staff: follow-ups, rematches, overdue contacts, My tasks."""

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "peersupport.tasks"
    label = "tasks"
    verbose_name = "Tasks"
