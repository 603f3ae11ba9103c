"""Events that decisions emit in a live session (see docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class RoundOpened:
    name: ClassVar[str] = "decision.round_opened"
    decision: int
    round: int
    closes_at: str | None
    options: list[str]
    text: str
    #: what each role may do now (voting.permissions.decision_actions)
    actions: dict[str, list[str]]


@dataclass(frozen=True)
class RoundClosed:
    name: ClassVar[str] = "decision.round_closed"
    decision: int
    round: int
    outcome: str
    tally: dict[str, Any]
    fallback_used: bool
    #: the decision's status now: ``between`` rounds, or ``concluded`` once adopted
    status: str
    actions: dict[str, list[str]]
    winner: str | None = None
    order: list[list[str]] | None = None
    pairwise: dict[str, dict[str, int]] | None = None
    tie_break: str | None = None


@dataclass(frozen=True)
class Recorded:
    name: ClassVar[str] = "decision.recorded"
    decision: int
    ref: str
    url: str
    actions: dict[str, list[str]]


@dataclass(frozen=True)
class DecisionAdded:
    name: ClassVar[str] = "decision.added"
    decision: dict[str, Any]


@dataclass(frozen=True)
class TallyChanged:
    name: ClassVar[str] = "decision.tally_changed"
    decision: int
    round: int
    responded: int
    eligible: int
    present: int
    counts: dict[str, int] | None
