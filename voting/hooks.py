"""What decisions tell the apps that follow them (``common.hooks``): a round opened or
closed, a decision recorded. Proposals follow the decisions taken on them this way."""

from __future__ import annotations

from dataclasses import dataclass

from common.hooks import Hook


@dataclass(frozen=True)
class RoundOpened:
    decision: int
    proposal: int | None
    method: str
    round: int


@dataclass(frozen=True)
class RoundClosed:
    decision: int
    proposal: int | None
    method: str
    round: int
    outcome: str
    #: the proposal version the round asked about (its id), if any
    version: int | None
    #: for a ranked decision: the text of the winning alternative
    winner_text: str | None


@dataclass(frozen=True)
class Recorded:
    decision: int
    proposal: int | None
    method: str
    outcome: str


round_opened: Hook[RoundOpened] = Hook("decision.round_opened")
round_closed: Hook[RoundClosed] = Hook("decision.round_closed")
recorded: Hook[Recorded] = Hook("decision.recorded")
