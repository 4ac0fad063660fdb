"""Append-only audit events: who did what, to which record, from where.

Nothing in the application changes or deletes an event: the model and its queryset
refuse it, and a database trigger (see the migrations) refuses it again below the
ORM.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditEventIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AuditEventIsAppendOnly("Audit events cannot be changed or deleted.")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse
    _raw_delete = _refuse


class AuditEvent(models.Model):
    """One audited action. The detail is short and never holds a sensitive value."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    role = models.CharField(max_length=20, blank=True)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_public_id = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # Django's related-object and deletion machinery uses the base manager; make
        # it the refusing one too.
        base_manager_name = "objects"
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or 'anonymous'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()
