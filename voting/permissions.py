"""Who may take part in, run and record decisions. The only access gates of voting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.lookups import IsNull
from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import Attendance, Membership, Role, Task, WorkingGroupMembership
from realtime.errors import Forbidden, NotFound
from voting.models import Decision, Record


def eligible_memberships(assembly_id: Any, working_group_id: Any) -> QuerySet[Membership]:
    """Memberships whose users may take part: the assembly's members, and of those only
    the working group's when the decision has one.

    The ids are values, or :class:`OuterRef` to a decision of an enclosing query (then a
    decision without a group counts every member), so that one rule serves a single
    decision and counts over many decisions in one query.
    """
    members = Membership.objects.filter(assembly_id=assembly_id, role=Role.MEMBER)
    if working_group_id is None:
        return members
    # The group's rows are one query deeper than the membership's.
    group: Any = (
        OuterRef(working_group_id) if isinstance(working_group_id, OuterRef) else working_group_id
    )
    in_group = Exists(
        WorkingGroupMembership.objects.filter(group_id=group, user_id=OuterRef("user_id"))
    )
    if isinstance(working_group_id, OuterRef):
        return members.filter(Q(IsNull(working_group_id, True)) | Q(in_group))
    return members.filter(in_group)


def eligible_ids(decision: Decision) -> QuerySet[Any, int]:
    """Members who may take part: the working group's, or else the assembly's members."""
    return eligible_memberships(decision.assembly_id, decision.working_group_id).values_list(
        "user_id", flat=True
    )


def is_eligible(user: Any, decision: Decision) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return eligible_ids(decision).filter(user_id=user.pk).exists()


def is_present(user: Any, decision: Decision) -> bool:
    if decision.session_id is None:
        return False
    return Attendance.objects.filter(session_id=decision.session_id, member_id=user.pk).exists()


@dataclass(frozen=True)
class Standing:
    """What the gates of a stance need to know of its caster, read together with the
    decision in one query (``voting.services.cast_stance``): the caster's role in the
    assembly (None without a membership), whether they are in the decision's working
    group (True when it has none), and whether they are checked in to its session."""

    role: str | None
    in_group: bool
    present: bool


def can_view_decision(user: Any, decision: Decision) -> bool:
    if decision.session is not None:
        return assembly_permissions.can_view_session(user, decision.session)
    return assembly_permissions.can_view_assembly(user, decision.assembly)


def can_view_decision_as(user: Any, decision: Decision, standing: Standing) -> bool:
    """``can_view_decision``, given the caster's standing: any membership of the assembly
    sees its sessions and decisions, so only people without one need a further look."""
    return standing.role is not None or can_view_decision(user, decision)


def get_decision_for_user(user: Any, decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_related("assembly", "session", "working_group")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or not can_view_decision(user, decision):
        raise NotFound(_("There is no such decision."))
    return decision


def can_run_decision(user: Any, decision: Decision) -> bool:
    """Open and close rounds: the session's facilitators, or for an asynchronous
    decision the person who put it forward and the owning working group's members."""
    if decision.session is not None:
        return assembly_permissions.is_facilitator(user, decision.session)
    if not is_eligible(user, decision):
        return False
    if decision.created_by_id == user.pk:
        return True
    return decision.working_group_id is not None


def can_record_decision(user: Any, decision: Decision) -> bool:
    if decision.session is not None:
        return assembly_permissions.is_facilitator(user, decision.session) or (
            assembly_permissions.has_task(user, decision.session, Task.NOTE_TAKER)
            and assembly_permissions.is_member(user, decision.assembly_id)
        )
    return can_run_decision(user, decision)


def can_create_decision(user: Any, assembly_id: int) -> bool:
    return assembly_permissions.is_member(user, assembly_id)


def can_view_record(user: Any, record: Record) -> bool:
    return (
        record.assembly.is_public
        or assembly_permissions.membership_role(user, record.assembly_id) is not None
    )


def require_eligible(user: Any, decision: Decision, standing: Standing | None = None) -> None:
    """Only eligible members take part, and in a live decision only once checked in.

    With ``standing`` (read with the decision) it asks the database nothing more; the
    rule is :func:`eligible_memberships`'s: a member's role, and the group if any.
    """
    if standing is None:
        eligible = is_eligible(user, decision)
    else:
        eligible = standing.role == Role.MEMBER and standing.in_group
    if not eligible:
        raise Forbidden(_("Only the members this decision belongs to can take part."))
    if decision.session_id is None:
        return
    present = is_present(user, decision) if standing is None else standing.present
    if not present:
        raise Forbidden(_('Check in first: press "I\'m here".'))


def require_run(user: Any, decision: Decision) -> None:
    if not can_run_decision(user, decision):
        raise Forbidden(_("Only facilitators can do this."))


def require_record(user: Any, decision: Decision) -> None:
    if not can_record_decision(user, decision):
        raise Forbidden(_("Only the facilitators and the note-taker can record a decision."))
