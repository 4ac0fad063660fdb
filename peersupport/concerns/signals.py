"""Keep the links of a safeguarding record append-only in the ORM: the students and
staff a safeguarding entry names, and the students a safeguarding concern names.

Removing or clearing such links is always refused. Adding them is allowed only to
the very instance just written, and only while the atomic block that wrote it is
still open (safeguarding_add_entry and concern_raise set the links right after
saving, in the same transaction); once that block ends, what the record says is
fixed, and a later change is a correction entry. The database refuses the same
below the ORM (migration 0003).

These are guards, not side effects, which is why they are receivers: the
relation managers (``entry.students.remove(...)``) have no other hook. Connected
by ConcernsConfig.ready(). Not covered here: writing to the auto-created link
models directly (``SafeguardingEntry.students.through.objects``), which sends no
signal at all (Django sends no pre_delete for auto-created models either); there,
the database is the guard.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_save

from peersupport.concerns.models import (
    Concern,
    ConcernKind,
    SafeguardingEntry,
    SafeguardingEntryIsAppendOnly,
    SafeguardingRecordIsAppendOnly,
)

# Kept in the instance's __dict__, not a field: the savepoints open when it was
# written, while its links may still be added.
_WRITTEN_IN = "_safeguarding_links_written_in"


def _entry_links() -> tuple[type[models.Model], ...]:
    return (SafeguardingEntry.students.through, SafeguardingEntry.staff_involved.through)


def _concern_links() -> type[models.Model]:
    return Concern.students.through


def _refuse(sender: type[models.Model]) -> NoReturn:
    if sender in _entry_links():
        raise SafeguardingEntryIsAppendOnly(
            "Safeguarding records are append-only: the students and staff an entry "
            "names cannot be changed once it is written. Add a correction entry instead."
        )
    raise SafeguardingRecordIsAppendOnly(
        "Safeguarding records are append-only: the students a safeguarding concern "
        "names cannot be changed once it is raised. Add a correction entry instead."
    )


def open_links_while_written(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any
) -> None:
    """post_save: a new concern or entry may have its links set until the atomic
    block that wrote it ends (or, outside Django's test transaction, commits)."""
    if not created or raw:
        return
    using = kwargs.get("using") or instance._state.db
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return  # autocommit: the row is already committed, so its links are fixed
    instance.__dict__[_WRITTEN_IN] = list(connection.savepoint_ids)
    transaction.on_commit(lambda: instance.__dict__.pop(_WRITTEN_IN, None), using=using)


def links_still_being_written(instance: models.Model, using: str | None = None) -> bool:
    written_in = instance.__dict__.get(_WRITTEN_IN)
    if written_in is None:
        return False
    connection = transaction.get_connection(using or instance._state.db)
    # Savepoint names are unique per connection, so the same names still open means
    # the same block is still running.
    open_now = list(connection.savepoint_ids[: len(written_in)])
    return connection.in_atomic_block and open_now == written_in


def _safeguarding_concerns(pks: Any) -> bool:
    return Concern._base_manager.filter(pk__in=pks, kind=ConcernKind.SAFEGUARDING).exists()


def refuse_changing_links(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """m2m_changed on the three link tables."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if action == "pre_add" and not pk_set:
        return  # every link asked for is already there: nothing changes
    if not reverse:
        if action == "pre_add" and links_still_being_written(instance, kwargs.get("using")):
            return
        if isinstance(instance, Concern) and not instance.is_safeguarding_record():
            return
        _refuse(sender)
    # From the student's or member of staff's side. The fields have no reverse
    # accessor (related_name "+"), but a later one must not become a way round.
    if sender is _concern_links():
        if pk_set is not None:
            concern_pks: Any = pk_set
        else:
            concern_pks = Concern._base_manager.filter(students=instance.pk).values("pk")
        if not _safeguarding_concerns(concern_pks):
            return
    _refuse(sender)


def connect() -> None:
    for model in (Concern, SafeguardingEntry):
        post_save.connect(
            open_links_while_written,
            sender=model,
            dispatch_uid=f"concerns.open_links_while_written.{model.__name__}",
        )
    for through in (*_entry_links(), _concern_links()):
        m2m_changed.connect(
            refuse_changing_links,
            sender=through,
            dispatch_uid=f"concerns.refuse_changing_links.{through.__name__}",
        )
