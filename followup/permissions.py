"""Who may read, add, carry and update commitments. The only access gates of follow-up.

- A commitment is public wherever its register entry is (``voting.permissions``).
- Members of the assembly add commitments to an adopted decision and volunteer to carry
  them; nobody is made to carry one by someone else.
- Those who carry it (the members who volunteered, and the members of the working group
  that carries it) write its updates; while nobody carries it, so does whoever added it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import WorkingGroupMembership
from common.errors import Conflict, Forbidden, NotFound
from followup import domain
from followup.models import Carrier, Commitment
from voting import permissions as voting_permissions
from voting import selectors as voting_selectors
from voting.models import Record


def _uid(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def can_view_commitment(user: Any, commitment: Commitment) -> bool:
    return voting_permissions.can_view_record(user, commitment.record)


def get_commitment_for_user(user: Any, commitment_id: int) -> Commitment:
    commitment = (
        Commitment.objects.select_related("record__assembly", "assembly", "working_group")
        .filter(pk=commitment_id)
        .first()
    )
    if commitment is None or not can_view_commitment(user, commitment):
        raise NotFound(_("There is no such commitment."))
    return commitment


def is_carrier(user: Any, commitment: Commitment) -> bool:
    uid = _uid(user)
    return uid is not None and Carrier.objects.filter(commitment=commitment, user_id=uid).exists()


def _in_group(user: Any, commitment: Commitment) -> bool:
    uid = _uid(user)
    return (
        uid is not None
        and commitment.working_group_id is not None
        and WorkingGroupMembership.objects.filter(
            group_id=commitment.working_group_id, user_id=uid
        ).exists()
    )


def can_add_commitment(user: Any, record: Record) -> bool:
    """Members add commitments to a decision that was adopted."""
    return record.outcome in voting_selectors.ADOPTED and assembly_permissions.is_member(
        user, record.assembly_id
    )


def can_carry(user: Any, commitment: Commitment) -> bool:
    """Take a commitment on: a member, while the work is still open."""
    return (
        domain.can_take_on(commitment.status)
        and assembly_permissions.is_member(user, commitment.assembly_id)
        and not is_carrier(user, commitment)
    )


def can_step_back(user: Any, commitment: Commitment) -> bool:
    return is_carrier(user, commitment)


def can_update(user: Any, commitment: Commitment) -> bool:
    """Write an update (a note, a new status): those who carry it; while nobody does, the
    member who added it."""
    if not assembly_permissions.is_member(user, commitment.assembly_id):
        return False
    if is_carrier(user, commitment) or _in_group(user, commitment):
        return True
    carried = commitment.working_group_id is not None or commitment.carrier_set.exists()
    return not carried and commitment.created_by_id == _uid(user)


def can_name_group(user: Any, group_id: int) -> bool:
    """A working group carries a commitment only when one of its members says so."""
    uid = _uid(user)
    return (
        uid is not None
        and WorkingGroupMembership.objects.filter(group_id=group_id, user_id=uid).exists()
    )


def _refuse(user: Any, commitment: Commitment, reason: str) -> NoReturn:
    if not can_view_commitment(user, commitment):
        raise NotFound(_("There is no such commitment."))
    raise Forbidden(reason)


def require_add(user: Any, record: Record) -> None:
    if not voting_permissions.can_view_record(user, record):
        raise NotFound(_("There is no such decision."))
    if record.outcome not in voting_selectors.ADOPTED:
        raise Conflict(_("Only an adopted decision gets commitments."))
    if not can_add_commitment(user, record):
        raise Forbidden(_("Only members of this assembly can add commitments."))


def require_carry(user: Any, commitment: Commitment) -> None:
    if not assembly_permissions.is_member(user, commitment.assembly_id):
        _refuse(user, commitment, _("Only members of this assembly can take it on."))
    if not domain.can_take_on(commitment.status):
        raise Conflict(_("This commitment is done or dropped."))


def require_update(user: Any, commitment: Commitment) -> None:
    if not can_update(user, commitment):
        _refuse(user, commitment, _("Only those who carry it can write its updates."))
