from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from assembly.models import (
    AgendaItem,
    Assembly,
    Invitation,
    Membership,
    Session,
    SessionTask,
    User,
    WorkingGroup,
    WorkingGroupMembership,
)


@admin.register(User)
class OrtakUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Ortak", {"fields": ("display_name", "language")}))  # type: ignore[misc]
    list_display = ("username", "display_name", "email", "language", "is_staff")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Assembly)
class AssemblyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_public")
    prepopulated_fields = {"slug": ("name",)}  # noqa: RUF012
    inlines = (MembershipInline,)


class WorkingGroupMembershipInline(admin.TabularInline):
    model = WorkingGroupMembership
    extra = 0


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "assembly")
    inlines = (WorkingGroupMembershipInline,)


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ("position", "title", "minutes_budget", "status")


class TaskInline(admin.TabularInline):
    model = SessionTask
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("title", "assembly", "starts_at", "status", "visibility")
    list_filter = ("status", "visibility", "assembly")
    inlines = (AgendaInline, TaskInline)
    readonly_fields = ("seq",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("assembly", "role", "created_by", "expires_at", "uses", "max_uses")
