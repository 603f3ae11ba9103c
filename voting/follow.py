"""What decisions do when the things they build on change (``common.hooks``), connected in
``VotingConfig.ready``: a new version of a proposal, who is present in a session."""

from __future__ import annotations

from assembly import hooks as assembly_hooks
from proposals import hooks as proposal_hooks
from voting import services
from voting.models import Decision, Method


def show_the_new_version(event: proposal_hooks.VersionCreated) -> None:
    """A decision on the proposal not yet taken shows the text its next round will ask
    about (a ranked decision keeps its alternatives). Rounds keep what they asked."""
    Decision.objects.filter(
        proposal_id=event.proposal, status__in=[Decision.Status.DRAFT, Decision.Status.BETWEEN]
    ).exclude(method=Method.RANKED).update(text=event.text)


def count_those_present(event: assembly_hooks.PresenceChanged) -> None:
    """Open rounds of the session count those present: their tallies are sent again."""
    services.publish_open_tallies(event.session)


def connect() -> None:
    proposal_hooks.version_created.connect(show_the_new_version)
    assembly_hooks.presence_changed.connect(count_those_present)
