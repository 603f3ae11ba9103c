"""Decisions, their rounds and stances, and the public register."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from voting import domain


class Method(models.TextChoices):
    CONSENT = domain.Method.CONSENT.value, _("Consent")
    CONSENSUS = domain.Method.CONSENSUS.value, _("Consensus")
    GRADIENTS = domain.Method.GRADIENTS.value, _("Gradients of agreement (1–8)")
    TEMPERATURE = domain.Method.TEMPERATURE.value, _("Temperature check (0–5)")
    RANKED = domain.Method.RANKED.value, _("Ranked choice")


class Outcome(models.TextChoices):
    ADOPTED = domain.Outcome.ADOPTED.value, _("Adopted")
    ADOPTED_BY_FALLBACK = domain.Outcome.ADOPTED_BY_FALLBACK.value, _("Adopted by fallback")
    NOT_ADOPTED = domain.Outcome.NOT_ADOPTED.value, _("Not adopted")
    BLOCKED = domain.Outcome.BLOCKED.value, _("Blocked")
    NEEDS_DISCUSSION = domain.Outcome.NEEDS_DISCUSSION.value, _("Needs discussion")
    NO_QUORUM = domain.Outcome.NO_QUORUM.value, _("No quorum")
    INFORMATIONAL = domain.Outcome.INFORMATIONAL.value, _("Informational")


class Decision(models.Model):
    """A question put to an assembly (or to one of its working groups), decided in rounds.

    With a ``session`` it is decided live (quorum counted against those present);
    without one it stays open for days with a deadline (quorum against all eligible).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not opened yet")
        OPEN = "open", _("Round open")
        BETWEEN = "between", _("Between rounds")
        CONCLUDED = "concluded", _("Concluded")
        RECORDED = "recorded", _("Recorded")

    assembly = models.ForeignKey(
        "assembly.Assembly", on_delete=models.CASCADE, related_name="decisions"
    )
    working_group = models.ForeignKey(
        "assembly.WorkingGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        help_text=_("Only this group's members take part, when set."),
    )
    session = models.ForeignKey(
        "assembly.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True, max_length=100_000)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    policy = models.JSONField(_("policy"), default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.session_id is not None


class Alternative(models.Model):
    """One alternative of a ranked decision; ``status_quo`` is always one of them."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="alternatives")
    key = models.SlugField(max_length=40)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True, max_length=100_000)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["decision", "key"], name="alternative_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Round(models.Model):
    """One round of a decision. ``text`` is what it asks about; for a decision on a proposal
    ``version`` is the proposal's version that was current when it opened (versions cannot
    change while a round is open), and ``text`` is that version's text."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True, max_length=100_000)
    version = models.ForeignKey(
        "proposals.Version",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rounds",
    )
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    result = models.JSONField(default=dict, blank=True)
    fallback_used = models.BooleanField(default=False)
    eligible = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["decision", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["decision", "number"], name="round_number_unique"),
            models.UniqueConstraint(
                fields=["decision"],
                condition=Q(closed_at__isnull=True),
                name="one_open_round_per_decision",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["closes_at"],
                condition=Q(closed_at__isnull=True),
                name="round_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Stance(models.Model):
    """One member's stance in one round.

    ``member`` is null for a secret decision: the ballot keeps no link to the
    person, and :class:`Participation` records only that they took part.
    """

    class Resolution(models.TextChoices):
        OPEN = "open", _("Stands")
        INTEGRATED = "integrated", _("Integrated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stances")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stances",
    )
    option = models.CharField(max_length=40, blank=True)
    ranking = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    cast_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolution = models.CharField(
        max_length=16, choices=Resolution.choices, default=Resolution.OPEN
    )
    resolution_note = models.TextField(blank=True, max_length=2000)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    integrated_version = models.ForeignKey(
        "proposals.Version",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="integrated_objections",
        help_text=_("The proposal version this objection was integrated into."),
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["round", "member"],
                condition=Q(member__isnull=False),
                name="one_stance_per_member_and_round",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["round", "option"])]

    def __str__(self) -> str:
        return f"{self.round}: {self.option or '>'.join(self.ranking)}"


class StanceChange(models.Model):
    """An earlier stance, kept when a member changes theirs while the round is open."""

    stance = models.ForeignKey(Stance, on_delete=models.CASCADE, related_name="changes")
    option = models.CharField(max_length=40, blank=True)
    ranking = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    cast_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.stance} ({self.cast_at:%H:%M})"


class Participation(models.Model):
    """That a member took part in a secret round, and nothing about how.

    Its key is random and it keeps no time, so that neither its order nor its time
    can be matched with the ballot's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "member"], name="one_secret_ballot_each")
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.round}"


class Record(models.Model):
    """An entry of the public register. Append-only: later decisions supersede, never edit."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        UNDER_REVIEW = "under_review", _("Under review")
        SUPERSEDED = "superseded", _("Superseded")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="record")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "proposals.Version",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        help_text=_("The proposal version adopted, or else the one last asked about."),
    )
    assembly = models.ForeignKey(
        "assembly.Assembly", on_delete=models.PROTECT, related_name="records"
    )
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    statement = models.TextField(max_length=10_000)
    text = models.TextField(blank=True, max_length=100_000)
    search_text = models.TextField(blank=True, editable=False)
    method = models.CharField(max_length=16, choices=Method.choices)
    policy = models.JSONField(default=dict)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    result = models.JSONField(default=dict)
    dissent = models.JSONField(default=list)
    rounds = models.JSONField(default=list)
    decided_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    review_at = models.DateField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-decided_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assembly", "year", "number"], name="record_ref_unique")
        ]
        verbose_name = _("register entry")
        verbose_name_plural = _("decision register")

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def ref(self) -> str:
        return f"{self.year}/{self.number}"
