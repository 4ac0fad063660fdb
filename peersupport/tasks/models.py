"""A task on a member of staff's desk. It names its subject generically (a kind of
record and its public id) and carries the link to it, so that tasks need to know
nothing of the apps that open them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from peersupport.schools.models import SchoolOwned


class TaskKind(models.TextChoices):
    AT_RISK = "at_risk", "Follow up a student at risk of dropping out"
    REMATCH = "rematch", "Consider a new match"
    CONTACT_DUE = "contact_due", "Check in with a mentor or mentee"
    NEEDS_HELP = "needs_help", "A mentor or facilitator asked for help"
    CLOSING = "closing", "Hold a closing conversation"
    SUPERVISION_DUE = "supervision_due", "Supervise a peer mentor"
    TRAINING_EXPIRING = "training_expiring", "Renew a mentor's training"
    PROTOCOL_TO_READ = "protocol_to_read", "Read a new version of a protocol"
    INTRODUCE = "introduce", "Introduce a newly matched mentor and mentee"
    CONCERN_NEW = "concern_new", "Read a new concern"
    SAFEGUARDING_ACK = "safeguarding_ack", "Acknowledge a safeguarding concern (urgent)"
    NO_DSL = "no_dsl", "Give a member of staff the DSL role"
    URGENT_REVIEW = "urgent_review", "Review words that may mean a child is at risk"
    CONFLICT_OVERDUE = "conflict_overdue", "Move an overdue conflict forward"
    MEASURE_DUE = "measure_due", "Help a student complete a wellbeing measure"
    AGREEMENT_REVIEW = "agreement_review", "Review a data sharing agreement"
    REFERRAL_CHASE = "referral_chase", "Chase a referral with no answer"
    PARTNER_NOTE = "partner_note", "Read a partner's update on a referral"


class Task(SchoolOwned):
    """One piece of work for one member of staff. The title never holds sensitive
    details: it says what to do, the linked page says why."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    title = models.CharField(max_length=200)
    subject_type = models.CharField(max_length=40)
    subject_public_id = models.UUIDField()
    link = models.CharField(max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "created_at"]
        constraints = [
            # Opening the same task twice (a daily job run twice) gives one task.
            models.UniqueConstraint(
                fields=["kind", "subject_public_id", "assigned_to"],
                condition=models.Q(status="open"),
                name="one_open_task_per_kind_subject_and_person",
            )
        ]
        indexes = [models.Index(fields=["school", "assigned_to", "status"])]

    def __str__(self) -> str:
        return self.title
