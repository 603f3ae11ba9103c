"""Follow-up of recorded decisions: commitments, who carries them, and their timelines."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from followup import domain


class Status(models.TextChoices):
    PLANNED = domain.Status.PLANNED.value, pgettext_lazy("follow-up", "Planned")
    IN_PROGRESS = domain.Status.IN_PROGRESS.value, pgettext_lazy("follow-up", "In progress")
    DONE = domain.Status.DONE.value, pgettext_lazy("follow-up", "Done")
    BLOCKED = domain.Status.BLOCKED.value, pgettext_lazy("follow-up", "Blocked")
    DROPPED = domain.Status.DROPPED.value, pgettext_lazy("follow-up", "Dropped")


class Commitment(models.Model):
    """A piece of work that carries out an adopted decision ("Üstlenilen iş").

    Public wherever its register entry is. Carried by a working group and/or members who
    volunteered (``carriers``); nobody is added by someone else.
    """

    record = models.ForeignKey(
        "voting.Record", on_delete=models.PROTECT, related_name="commitments"
    )
    assembly = models.ForeignKey(
        "assembly.Assembly", on_delete=models.PROTECT, related_name="commitments"
    )
    title = models.CharField(_("title"), max_length=domain.MAX_TITLE)
    description = models.TextField(_("description"), blank=True, max_length=domain.MAX_DESCRIPTION)
    working_group = models.ForeignKey(
        "assembly.WorkingGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("working group"),
    )
    carriers: models.ManyToManyField[models.Model, Carrier] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Carrier", related_name="+"
    )
    due = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = [models.F("due").asc(nulls_last=True), "id"]
        indexes: ClassVar = [
            models.Index(fields=["assembly", "status", "due"], name="commitment_due_idx")
        ]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return self.title


class Carrier(models.Model):
    """A member who took a commitment on, of their own accord."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["joined_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["commitment", "user"], name="one_carrier_each")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.commitment}"


class Update(models.Model):
    """One dated entry of a commitment's timeline: a note, and the status it left it in.
    Append-only: an update is never edited."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=domain.MAX_NOTE)
    status = models.CharField(max_length=16, choices=Status.choices)
    previous = models.CharField(max_length=16, choices=Status.choices, blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        verbose_name = _("follow-up update")
        verbose_name_plural = _("follow-up updates")

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.at:%Y-%m-%d}: {self.status}"

    @property
    def changed_status(self) -> bool:
        return bool(self.previous) and self.previous != self.status
