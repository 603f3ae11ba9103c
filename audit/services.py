"""Writing to the audit log: one call per state change, in the caller's transaction.

Each call is a single ``INSERT`` (no reads), so it is cheap enough for the live
session's frequent commands (hands, the timer). Values are stored as JSON; dates and
times become ISO 8601 text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from audit.models import Entry


def _actor_id(actor: Any) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return int(actor.pk)


def values(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row, foreign keys by id (``proposal`` → its ``proposal_id``)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = getattr(obj, attname)
    return out


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields whose value changed; a missing field counts as None."""
    before = dict(before or {})
    after = dict(after or {})
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return (
        {k: before[k] for k in keys if k in before},
        {k: after[k] for k in keys if k in after},
    )


def record(
    actor: Any,
    action: str,
    obj: models.Model | tuple[str, int | None],
    *,
    assembly_id: int,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Entry:
    """Append one entry. ``obj`` is a row or an ``(object type, id)`` pair. ``at`` is now
    unless given: a secret ballot, if ever recorded, is dated at its round's opening."""
    if isinstance(obj, models.Model):
        object_type, object_id = obj._meta.model_name or "", obj.pk
    else:
        object_type, object_id = obj
    old, new = diff(before, after)
    return Entry.objects.create(
        at=at or timezone.now(),
        actor_id=_actor_id(actor),
        assembly_id=assembly_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=old,
        after=new,
    )
