"""Sessions, attendance, check-ins, session logs and engagement signals."""

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "peersupport.meetings"
    label = "meetings"
    verbose_name = "Meetings"
