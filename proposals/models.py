"""Proposals, their immutable versions, co-authors, amendments, discussion and co-signatures.

Every write goes through :mod:`proposals.services`; rules live in :mod:`proposals.domain`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proposals import domain


class State(models.TextChoices):
    DRAFT = domain.State.DRAFT.value, _("Draft")
    DISCUSSION = domain.State.DISCUSSION.value, _("In discussion")
    DECISION = domain.State.DECISION.value, _("Being decided")
    ADOPTED = domain.State.ADOPTED.value, _("Adopted")
    NOT_ADOPTED = domain.State.NOT_ADOPTED.value, _("Not adopted")
    WITHDRAWN = domain.State.WITHDRAWN.value, _("Withdrawn")


class ProposalManager(models.Manager["Proposal"]):
    def create(self, **kwargs: Any) -> Proposal:
        """A proposal with its version 1 (from ``text``), its creator its first co-author.

        Code that made proposals before versions existed (``Proposal.objects.create(
        assembly=..., title=..., text=..., created_by=...)``) keeps working and gets a
        complete proposal. Such a proposal is in discussion unless ``state`` says otherwise;
        the drafting flow (:func:`proposals.services.create_proposal`) starts as a draft.
        """
        proposal: Proposal = super().create(**kwargs)
        Version.objects.create(
            proposal=proposal, number=1, text=proposal.text, author_id=proposal.created_by_id
        )
        if proposal.created_by_id is not None:
            CoAuthor.objects.create(
                proposal=proposal,
                user_id=proposal.created_by_id,
                status=CoAuthor.Status.ACCEPTED,
                invited_by_id=proposal.created_by_id,
            )
        return proposal


class Proposal(models.Model):
    """A text put to an assembly, owned by a working group or by a set of co-authors.

    ``text`` is the text of the current (latest) version, kept in step by the services
    for search and for code that only needs the current text; versions are the record.
    """

    assembly = models.ForeignKey(
        "assembly.Assembly", on_delete=models.CASCADE, related_name="proposals"
    )
    working_group = models.ForeignKey(
        "assembly.WorkingGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text=_("When set, the group's members are its co-authors."),
    )
    title = models.CharField(_("title"), max_length=domain.MAX_TITLE)
    text = models.TextField(_("text"), blank=True, max_length=domain.MAX_TEXT)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DISCUSSION
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(
        _("ready for the agenda"),
        null=True,
        blank=True,
        help_text=_("When enough members co-signed it."),
    )
    adopted_version = models.ForeignKey(
        "Version",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The version the assembly adopted."),
    )

    objects = ProposalManager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["assembly", "state"])]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title


class CoAuthor(models.Model):
    """An invitation to write a proposal together; accepted, the person is a co-author."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Co-author")
        DECLINED = "declined", _("Declined")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="coauthors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coauthorships"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["invited_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_coauthorship_each")
        ]
        verbose_name = _("co-author")
        verbose_name_plural = _("co-authors")

    def __str__(self) -> str:
        return f"{self.user} @ {self.proposal} ({self.status})"


class Version(models.Model):
    """The text of a proposal at one moment. Immutable: a change is a new version."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=domain.MAX_TEXT)
    note = models.CharField(_("change note"), max_length=domain.MAX_NOTE, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    amendment = models.ForeignKey(
        "Amendment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The amendment this version came from, if any."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["proposal", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_from_1"),
        ]
        verbose_name = _("version")
        verbose_name_plural = _("versions")

    def __str__(self) -> str:
        return f"{self.proposal} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Versions are immutable; make a new one.")
        super().save(*args, **kwargs)


class Amendment(models.Model):
    """A member's proposed change to one version: the whole new text and why."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        PROMOTED = "promoted", _("Competing alternative")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    base_version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField(max_length=domain.MAX_TEXT)
    rationale = models.TextField(_("rationale"), max_length=domain.MAX_RATIONALE)
    paragraph = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The paragraph it is about, counted from 0.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    needs_rebase = models.BooleanField(
        default=False,
        help_text=_("The text changed where this amendment changes it; it must be redone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=domain.MAX_REASON)
    version = models.ForeignKey(
        Version,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The version made when it was accepted."),
    )

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [models.Index(fields=["proposal", "status"])]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.proposal} #{self.pk}"


class CommentKind(models.TextChoices):
    QUESTION = domain.CommentKind.QUESTION.value, _("Question")
    CONCERN = domain.CommentKind.CONCERN.value, _("Concern")
    IDEA = domain.CommentKind.IDEA.value, _("Idea")
    SUPPORT = domain.CommentKind.SUPPORT.value, _("Support")
    PROCESS = domain.CommentKind.PROCESS.value, _("Process")


class Comment(models.Model):
    """A message on a proposal (or on one of its amendments); replies are one level deep."""

    class Moderation(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")
        RESTORE_REQUESTED = "restore_requested", _("Hidden, asked to restore")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=CommentKind.choices)
    body = models.TextField(max_length=domain.MAX_COMMENT)
    anchor_version = models.ForeignKey(
        Version, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    anchor_paragraph = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(
        max_length=24, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    hidden_reason = models.TextField(blank=True, max_length=domain.MAX_REASON)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [models.Index(fields=["proposal", "amendment", "parent"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(anchor_version__isnull=True, anchor_paragraph__isnull=True)
                | Q(anchor_version__isnull=False, anchor_paragraph__isnull=False),
                name="comment_anchor_whole",
            )
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author} @ {self.proposal}: {self.body[:40]}"

    @property
    def is_hidden(self) -> bool:
        return self.moderation != self.Moderation.VISIBLE


class CommentRevision(models.Model):
    """An earlier text of a comment, kept when its author edits it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=16, choices=CommentKind.choices)
    body = models.TextField(max_length=domain.MAX_COMMENT)
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["comment", "replaced_at", "id"]

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.written_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        PLUS_ONE = "+1", _("+1")
        HEART = "heart", _("Heart")
        THINKING = "thinking", _("Thinking about it")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["comment", "member"], name="one_reaction_each")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.comment_id}"


class ModerationEvent(models.Model):
    """One step of moderation, kept for the record: hiding is never silent."""

    class Action(models.TextChoices):
        HIDDEN = "hidden", _("Hidden")
        ANSWERED = "answered", _("Answered by the author")
        EDITED = "edited", _("Edited by the author")
        RESTORE_REQUESTED = "restore_requested", _("Asked to restore")
        RESTORED = "restored", _("Restored")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderation_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    note = models.TextField(blank=True, max_length=domain.MAX_REASON)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.comment_id}: {self.action}"


class CoSignature(models.Model):
    """A member's support for putting a proposal on the agenda."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cosignatures")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "member"], name="one_cosignature_each")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.proposal}"
