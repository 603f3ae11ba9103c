"""The audit log: one append-only entry per state change.

An entry is never changed or removed: ``save`` refuses to update, ``delete`` refuses, the
queryset refuses ``update`` and ``delete``, and on PostgreSQL a trigger refuses ``UPDATE``
and ``DELETE`` of its rows whatever the client (migration ``0002``).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry."""


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise AppendOnly("The audit log is append-only.")


class EntryQuerySet(models.QuerySet["Entry"]):
    def update(self, **kwargs: Any) -> int:
        _refuse()

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse()

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        _refuse()


class Entry(models.Model):
    """Who did what to which object of which assembly, when; before and after hold only
    the fields that changed. ``actor`` is empty when the system acted (a deadline)."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    assembly = models.ForeignKey(
        "assembly.Assembly", on_delete=models.PROTECT, related_name="+", verbose_name=_("assembly")
    )
    action = models.CharField(_("what"), max_length=48)
    object_type = models.CharField(max_length=24)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["assembly", "-at"], name="audit_assembly_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()
