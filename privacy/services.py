"""Leaving Ortak: memberships end, the login is disabled, the record stays.

Decisions, stances, proposals, comments and the register are the assemblies' shared
record and are kept. The person may ask that their name disappear from it: they are
then shown everywhere as "Eski üye 17" ("Former member 17"), including in the register
entries that name them in their dissent.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from assembly import services as assembly_services
from assembly.models import (
    Hand,
    Membership,
    SessionStatus,
    SessionTask,
    User,
    WorkingGroupMembership,
    pseudonym,
)
from audit import services as audit
from privacy import permissions, selectors
from voting.models import Record


def _rename(dissent: list[dict[str, Any]], user_id: int, name: str) -> list[dict[str, Any]]:
    return [{**d, "name": name} if d.get("member") == user_id else d for d in dissent]


def _pseudonymise_register(user: User) -> int:
    """Replace the person's name in the register's dissent (kept as written at the time)
    by their pseudonym, in Turkish, the register's language. Nothing else changes."""
    with translation.override("tr"):
        name = pseudonym(user.pk)
    records = selectors.records_naming(user)
    for record in records:
        Record.objects.filter(pk=record.pk).update(
            dissent=_rename(record.dissent, user.pk, name),
            rounds=[
                {**r, "dissent": _rename(r.get("dissent", []), user.pk, name)}
                for r in record.rounds
            ],
        )
    return len(records)


@transaction.atomic
def leave(actor: Any, *, pseudonymise: bool) -> User:
    """End every membership, disable the login and, if asked, replace the name."""
    permissions.require_can_leave(actor)
    user = User.objects.select_for_update().get(pk=actor.pk)
    permissions.require_can_leave(user)
    # Live sessions first, while they are still members: their hand goes down and their
    # tasks end, and everyone's screen learns it.
    waiting = Hand.objects.filter(member=user, state=Hand.State.WAITING)
    for session_id in list(waiting.values_list("session_id", flat=True)):
        assembly_services.lower_hand(user, session_id)
    tasks = SessionTask.objects.filter(user=user).exclude(session__status=SessionStatus.CLOSED)
    for session_id, task in list(tasks.values_list("session_id", "task")):
        assembly_services.step_down(user, session_id, task)
    memberships = list(Membership.objects.filter(user=user))
    for membership in memberships:
        audit.record(
            user,
            "people.left",
            membership,
            assembly_id=membership.assembly_id,
            before={"member": user.pk, "role": membership.role},
            after={"pseudonymised": pseudonymise},
        )
    WorkingGroupMembership.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    user.left_at = timezone.now()
    user.is_active = False
    user.set_unusable_password()
    # The address served only to reach a member; nothing needs it once they have left.
    user.email = ""
    fields = ["left_at", "is_active", "password", "email"]
    if pseudonymise:
        user.pseudonymised = True
        user.display_name = ""
        user.first_name = ""
        user.last_name = ""
        # The login name is personal too; a random suffix keeps it unique.
        user.username = f"eski-uye-{user.pk}-{secrets.token_hex(4)}"
        fields += ["pseudonymised", "display_name", "first_name", "last_name", "username"]
        _pseudonymise_register(user)
    user.save(update_fields=fields)
    return user
