"""People, assemblies, working groups, live sessions, agenda, queue, attendance."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assembly.domain import HandKind as DomainHandKind
from assembly.domain import SessionStatus as DomainSessionStatus


class User(AbstractUser):
    """A person. ``display_name`` is how others see them; ids are used everywhere else."""

    class Language(models.TextChoices):
        TURKISH = "tr", _("Turkish")
        ENGLISH = "en", _("English")

    class FontSize(models.TextChoices):
        SMALL = "s", _("Small")
        MEDIUM = "m", _("Medium")
        LARGE = "l", _("Large")
        EXTRA_LARGE = "xl", _("Extra large")

    class Contrast(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    # Empty until the person chooses: then the browser's cookie (or the default) applies.
    font_size = models.CharField(
        _("font size"), max_length=2, choices=FontSize.choices, blank=True, default=""
    )
    contrast = models.CharField(
        _("contrast"), max_length=8, choices=Contrast.choices, blank=True, default=""
    )

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.TURKISH
    )
    left_at = models.DateTimeField(_("left on"), null=True, blank=True)
    pseudonymised = models.BooleanField(
        _("name replaced"),
        default=False,
        help_text=_("They left and asked to be shown as a former member, without their name."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    #: The columns :meth:`name_from` needs, for reads that skip model instances.
    NAME_FIELDS = ("id", "pseudonymised", "display_name", "first_name", "last_name", "username")

    @property
    def public_name(self) -> str:
        return self.name_from(
            self.pk,
            self.pseudonymised,
            self.display_name,
            self.first_name,
            self.last_name,
            self.username,
        )

    @staticmethod
    def name_from(
        pk: int,
        pseudonymised: bool,
        display_name: str,
        first_name: str,
        last_name: str,
        username: str,
    ) -> str:
        """The name shown to others: a pseudonym for someone who left and asked for one,
        else the display name, else the full name, else the login."""
        if pseudonymised:
            return pseudonym(pk)
        return display_name or f"{first_name} {last_name}".strip() or username


def pseudonym(user_id: int) -> str:
    """How someone who left and asked for it is shown: "Eski üye 17"."""
    return _("Former member %(number)s") % {"number": user_id}


class Assembly(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Anyone can see it without logging in.")
    )
    default_speaking_seconds = models.PositiveIntegerField(
        _("speaking time (seconds)"), default=180
    )
    cosign_threshold = models.PositiveIntegerField(
        _("co-signatures for the agenda"),
        default=3,
        help_text=_("How many members must co-sign a proposal before it is ready for the agenda."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class Membership(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assembly", "user"], name="one_membership_per_assembly")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.assembly}"


class WorkingGroup(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=100, allow_unicode=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    members: models.ManyToManyField[User, WorkingGroupMembership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="WorkingGroupMembership", related_name="working_groups"
    )

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assembly", "slug"], name="working_group_slug_unique")
        ]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return self.name


class WorkingGroupMembership(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group}"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=20)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.assembly} ({self.get_role_display()})"


class SessionStatus(models.TextChoices):
    SCHEDULED = DomainSessionStatus.SCHEDULED.value, _("Scheduled")
    LIVE = DomainSessionStatus.LIVE.value, _("Live")
    ADJOURNED = DomainSessionStatus.ADJOURNED.value, _("Adjourned")
    CLOSED = DomainSessionStatus.CLOSED.value, _("Closed")


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Members only")
    PUBLIC = "public", _("Public")


class Session(models.Model):
    """A live sitting of an assembly. ``seq`` counts its persistent changes."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    video_url = models.URLField(_("video meeting link"), blank=True, max_length=500)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    seq = models.PositiveBigIntegerField(default=0)
    speaking_seconds = models.PositiveIntegerField(_("speaking time (seconds)"), default=180)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.title


class Task(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    NOTE_TAKER = "note_taker", _("Note-taker")


class SessionTask(models.Model):
    """Facilitation and note-taking are tasks of one session, not ranks."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="tasks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_tasks"
    )
    task = models.CharField(max_length=16, choices=Task.choices)
    volunteered = models.BooleanField(default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "user", "task"], name="one_task_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_task_display()}"


class AgendaStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    OPEN = "open", _("Now on the agenda")
    DONE = "done", _("Done")


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    minutes_budget = models.PositiveIntegerField(_("time budget (minutes)"), default=15)
    status = models.CharField(
        max_length=16, choices=AgendaStatus.choices, default=AgendaStatus.PENDING
    )
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    commitment = models.ForeignKey(
        "followup.Commitment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        help_text=_("A follow-up the assembly reviews under this item."),
    )
    record = models.ForeignKey(
        "voting.Record",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        help_text=_("A decision whose review date has come, reviewed under this item."),
    )
    minutes = models.TextField(_("minutes"), blank=True, max_length=100_000)
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    minutes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class HandKind(models.TextChoices):
    SPEAK = DomainHandKind.SPEAK.value, _("I'd like to speak")
    QUESTION = DomainHandKind.QUESTION.value, _("I have a clarifying question")
    PROCESS = DomainHandKind.PROCESS.value, _("Process point")
    RESPONSE = DomainHandKind.RESPONSE.value, _("Direct response")


class Hand(models.Model):
    """One raised hand. At most one waiting hand per member and session."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        TAKEN = "taken", _("Taken")
        LOWERED = "lowered", _("Lowered")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="hands")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=HandKind.choices)
    raised_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    pinned = models.PositiveIntegerField(null=True, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(state="waiting"),
                name="one_waiting_hand_per_member",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["session", "state"])]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_kind_display()}"


class QueueMove(models.Model):
    """A facilitator's manual move of a queue entry, kept for the record."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="queue_moves")
    hand = models.ForeignKey(Hand, on_delete=models.CASCADE, related_name="moves")
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_position = models.PositiveIntegerField()
    to_position = models.PositiveIntegerField()
    moved_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.from_position} → {self.to_position}"


class SpeakingTurn(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="turns")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=HandKind.choices)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["started_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(ended_at__isnull=True),
                name="one_current_speaker_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.started_at:%H:%M}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    checked_in_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "member"], name="one_check_in_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.session}"
