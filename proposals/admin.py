"""The site operator's view of proposals. Versions and the moderation log are read-only:
versions are immutable and moderation steps are the record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Version,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = Version
    fields = ("number", "note", "author", "amendment", "created_at")
    readonly_fields = fields


class CoAuthorInline(admin.TabularInline):
    model = CoAuthor
    extra = 0
    fk_name = "proposal"
    fields = ("user", "status", "invited_by", "invited_at", "responded_at")
    readonly_fields = ("invited_by", "invited_at", "responded_at")
    autocomplete_fields = ("user",)


class CoSignatureInline(ReadOnlyInline):
    model = CoSignature
    fields = ("member", "created_at")
    readonly_fields = fields


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("title", "assembly", "working_group", "state", "ready_at", "created_at")
    list_filter = ("state", "assembly")
    search_fields = ("title", "text")
    readonly_fields = ("text", "state", "state_changed_at", "ready_at", "created_at")
    inlines = (CoAuthorInline, VersionInline, CoSignatureInline)


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "proposal", "author", "status", "needs_rebase", "created_at")
    list_filter = ("status", "needs_rebase")
    readonly_fields = ("proposal", "base_version", "version", "created_at", "updated_at")


class RevisionInline(ReadOnlyInline):
    model = CommentRevision
    fields = ("kind", "body", "written_at", "replaced_at")
    readonly_fields = fields


class ModerationInline(ReadOnlyInline):
    model = ModerationEvent
    fields = ("action", "actor", "note", "created_at")
    readonly_fields = fields


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "proposal", "kind", "moderation", "created_at")
    list_filter = ("moderation", "kind")
    search_fields = ("body",)
    readonly_fields = ("proposal", "amendment", "parent", "anchor_version", "created_at")
    inlines = (RevisionInline, ModerationInline)
