"""What every proposal service shares: cleaning input, locking, the state rules."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from common.errors import Conflict, Invalid, NotFound
from proposals import domain, permissions, selectors
from proposals.models import (
    Proposal,
    State,
)

ADOPTED_OUTCOMES = frozenset(selectors.ADOPTED_OUTCOMES)


# --- Helpers ------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields are not valid."), {field: message})


def _too_long(limit: int, count: int) -> str:
    return _("At most %(limit)s characters (you wrote %(count)s).") % {
        "limit": limit,
        "count": count,
    }


def _clean(field: str, value: Any, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise _invalid(field, _("Enter text."))
    value = domain.normalise(value)
    if len(value) > limit:
        raise _invalid(field, _too_long(limit, len(value)))
    if required and not value.strip():
        raise _invalid(field, _("This field is required."))
    return value


def _clean_text(value: Any, field: str = "text") -> str:
    return _clean(field, value, domain.MAX_TEXT).rstrip()


def _lock(proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("assembly")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound(_("There is no such proposal."))
    return proposal


def lock_proposal(proposal_id: int) -> Proposal:
    """The proposal, locked for the rest of the transaction (decisions open on it)."""
    return _lock(proposal_id)


def current_text(proposal: Proposal) -> str:
    return selectors.current_version(proposal).text


def _readable_locked(actor: Any, proposal_id: int) -> Proposal:
    """The proposal, if ``actor`` may read it, locked for the rest of the transaction."""
    permissions.get_proposal_for_user(actor, proposal_id)
    return _lock(proposal_id)


def _set_state(proposal: Proposal, action: domain.Action, actor: Any = None) -> None:
    """Move ``proposal`` by ``action`` (raises :class:`domain.InvalidTransition`).
    No ``actor`` when the state follows a decision."""
    before = proposal.state
    proposal.state = domain.transition(proposal.state, action)
    audit.record(
        actor,
        "proposal.state_changed",
        proposal,
        assembly_id=proposal.assembly_id,
        before={"state": before},
        after={"state": proposal.state},
    )
    proposal.state_changed_at = timezone.now()
    proposal.save(update_fields=["state", "state_changed_at"])


def _state_conflict(proposal: Proposal) -> Conflict:
    return Conflict(
        _("This cannot be done while the proposal is: %(state)s.")
        % {"state": State(proposal.state).label}
    )


def _require(proposal: Proposal, work: domain.Work) -> None:
    """The proposal's state allows ``work`` (:data:`domain.WORK_STATES`); work on the text
    also waits for an open round to close."""
    if not domain.allows(work, proposal.state):
        if work is domain.Work.COMMENT:
            raise Conflict(_("The discussion of this proposal is closed."))
        raise _state_conflict(proposal)
    if work in domain.WAITS_FOR_ROUND and selectors.has_open_round(proposal):
        raise Conflict(_("A round of the decision on this proposal is open."))
