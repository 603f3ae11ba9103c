"""A proposal follows the decisions taken on it (:mod:`voting.hooks`)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from proposals import domain, selectors
from proposals.models import (
    Amendment,
    Proposal,
    State,
    Version,
)
from proposals.services.amendments import _mark_accepted
from proposals.services.base import ADOPTED_OUTCOMES, _lock, _set_state
from proposals.services.drafting import _new_version
from voting import hooks as voting_hooks

log = logging.getLogger(__name__)


# --- Following the decisions ----------------------------------------------------------------


def _follow(proposal: Proposal, action: domain.Action) -> bool:
    try:
        _set_state(proposal, action)
    except domain.InvalidTransition:
        log.debug("proposal %s stays %s (%s)", proposal.pk, proposal.state, action)
        return False
    return True


def decision_round_opened(event: voting_hooks.RoundOpened) -> None:
    """A round of a decision on a proposal opened: the proposal is being decided (a
    temperature check is not a decision and does not move it)."""
    if event.proposal is None or event.method == "temperature":
        return
    proposal = _lock(event.proposal)
    if proposal.state == State.DISCUSSION:
        _follow(proposal, domain.Action.PUT_TO_DECISION)


def decision_round_closed(event: voting_hooks.RoundClosed) -> None:
    """A round closed adopted: the proposal is adopted at the version the round asked
    about. For a ranked decision won by a promoted amendment, that amendment's text becomes
    the last version first, and the adopted one."""
    if event.proposal is None or event.outcome not in ADOPTED_OUTCOMES:
        return
    proposal = _lock(event.proposal)
    if proposal.state != State.DECISION:
        return
    adopted = Version.objects.filter(pk=event.version).first() if event.version else None
    if event.method == "ranked" and event.winner_text and event.winner_text != proposal.text:
        amendment = (
            Amendment.objects.filter(
                proposal=proposal, status=Amendment.Status.PROMOTED, text=event.winner_text
            )
            .order_by("id")
            .first()
        )
        if amendment is not None:
            version = _new_version(
                proposal,
                amendment.text,
                _("Amendment #%(id)s adopted by ranked choice.") % {"id": amendment.pk},
                amendment.author,
                amendment,
            )
            _mark_accepted(None, amendment, proposal, version)
            adopted = version
    if _follow(proposal, domain.Action.ADOPT):
        # The version the assembly adopted: what the round asked about (or the amendment
        # that won a ranked choice); the register entry cites it.
        proposal.adopted_version = adopted or selectors.current_version(proposal)
        proposal.save(update_fields=["adopted_version"])


def decision_recorded(event: voting_hooks.Recorded) -> None:
    """A decision on the proposal entered the register without adopting it: the proposal
    is not adopted (or, for ``needs_discussion``, back in discussion)."""
    if (
        event.proposal is None
        or event.outcome in ADOPTED_OUTCOMES
        or event.method == "temperature"
        or event.outcome == "informational"
    ):
        return
    proposal = _lock(event.proposal)
    if proposal.state != State.DECISION or selectors.has_open_round(proposal):
        return
    _follow(
        proposal,
        domain.Action.RETURN_TO_DISCUSSION
        if event.outcome == "needs_discussion"
        else domain.Action.NOT_ADOPT,
    )
