"""Pure rules of live sessions: state transitions, the speaker queue, rotation.

Standard library only. Time is passed in, never read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from common.states import InvalidTransition as InvalidTransition
from common.states import Machine

# --- Session states --------------------------------------------------------------


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ADJOURNED = "adjourned"
    CLOSED = "closed"


class SessionAction(StrEnum):
    START = "start"
    ADJOURN = "adjourn"
    RESUME = "resume"
    CLOSE = "close"


#: The whole life of a session. Anything not listed is refused.
TRANSITIONS: dict[tuple[SessionStatus, SessionAction], SessionStatus] = {
    (SessionStatus.SCHEDULED, SessionAction.START): SessionStatus.LIVE,
    (SessionStatus.SCHEDULED, SessionAction.CLOSE): SessionStatus.CLOSED,
    (SessionStatus.LIVE, SessionAction.ADJOURN): SessionStatus.ADJOURNED,
    (SessionStatus.ADJOURNED, SessionAction.RESUME): SessionStatus.LIVE,
    (SessionStatus.ADJOURNED, SessionAction.CLOSE): SessionStatus.CLOSED,
}


MACHINE = Machine("session", SessionStatus, SessionAction, TRANSITIONS)
transition = MACHINE.transition
allowed_actions = MACHINE.allowed


# --- Speaker queue ---------------------------------------------------------------


class HandKind(StrEnum):
    PROCESS = "process"
    RESPONSE = "response"
    QUESTION = "question"
    SPEAK = "speak"


#: Rank of each kind: lower speaks earlier.
KIND_RANK: dict[HandKind, int] = {
    HandKind.PROCESS: 0,
    HandKind.RESPONSE: 1,
    HandKind.QUESTION: 2,
    HandKind.SPEAK: 3,
}


@dataclass(frozen=True)
class Hand:
    """A raised hand waiting in the queue.

    ``pinned`` is a position the facilitator moved the entry to (0 = head),
    ``pinned_at`` orders several moves: a later move wins a contested slot.
    """

    member: int
    kind: HandKind
    raised_at: datetime
    pinned: int | None = None
    pinned_at: datetime | None = None


def natural_key(hand: Hand, has_spoken: frozenset[int]) -> tuple[int, int, datetime, int]:
    rank = KIND_RANK[hand.kind]
    # Progressive order applies to plain speakers only.
    spoken = 1 if hand.kind is HandKind.SPEAK and hand.member in has_spoken else 0
    return (rank, spoken, hand.raised_at, hand.member)


def order_queue(hands: Iterable[Hand], has_spoken: Iterable[int]) -> list[Hand]:
    """Order the speaker queue.

    Process points first, then direct responses, then clarifying questions,
    then speakers: those who have not yet spoken in this session before those
    who have; within each rank by time raised (member id breaks exact ties).
    Entries the facilitator moved are then put at their pinned positions,
    earliest move first, so that a later move takes precedence in a clash.
    """
    spoken = frozenset(has_spoken)
    hands = list(hands)
    free = sorted((h for h in hands if h.pinned is None), key=lambda h: natural_key(h, spoken))
    pinned = sorted(
        (h for h in hands if h.pinned is not None),
        key=lambda h: (h.pinned_at or h.raised_at, h.member),
    )
    result = free
    for hand in pinned:
        position = max(0, min(hand.pinned or 0, len(result)))
        result.insert(position, hand)
    return result


def _pin_order(hand: Hand) -> tuple[datetime, int]:
    return (hand.pinned_at or hand.raised_at, hand.member)


def with_pins(order: Sequence[Hand]) -> list[Hand]:
    """``order`` with the pins of its moved hands set so that :func:`order_queue` gives it back.

    The hands that are not pinned must be in their natural order. A pin is an
    index at the moment of insertion (earliest move first), so a hand pinned
    before others that land ahead of it is pinned that much lower.
    """
    insertion = sorted(
        ((i, h) for i, h in enumerate(order) if h.pinned is not None),
        key=lambda pair: _pin_order(pair[1]),
    )
    result = list(order)
    for rank, (index, hand) in enumerate(insertion):
        landing_ahead_later = sum(1 for j, _h in insertion[rank + 1 :] if j < index)
        result[index] = replace(hand, pinned=index - landing_ahead_later)
    return result


def requeue(
    previous: Sequence[Hand], current: Iterable[Hand], has_spoken: Iterable[int]
) -> list[Hand]:
    """The waiting hands after some joined or left, in speaking order, pins adjusted.

    ``previous`` is the speaking order before the change. Hands still waiting keep
    their order relative to each other (a moved entry is not overtaken when the
    head takes the floor or someone leaves); a new hand takes its place by the rule
    among the entries nobody moved. New hands must not be pinned.
    """
    spoken = frozenset(has_spoken)
    by_member = {h.member: h for h in current}
    kept = [
        by_member[h.member]
        for h in previous
        if h.member in by_member
        and by_member[h.member].raised_at == h.raised_at
        and by_member[h.member].kind == h.kind
    ]
    kept_ids = {h.member for h in kept}
    arriving = sorted(
        (h for h in by_member.values() if h.member not in kept_ids),
        key=lambda h: natural_key(h, spoken),
    )
    order = kept
    for hand in arriving:
        key = natural_key(hand, spoken)
        index = next(
            (i for i, h in enumerate(order) if h.pinned is None and natural_key(h, spoken) > key),
            len(order),
        )
        order.insert(index, hand)
    return with_pins(order)


def move(order: Sequence[Hand], member: int, position: int, at: datetime) -> list[Hand]:
    """The queue after a facilitator moves ``member`` to ``position`` (clamped), pins set."""
    order = list(order)
    index = next(i for i, h in enumerate(order) if h.member == member)
    hand = order.pop(index)
    position = max(0, min(position, len(order)))
    order.insert(position, replace(hand, pinned=position, pinned_at=at))
    return with_pins(order)


# --- Facilitation rotation ---------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    member: int
    name: str
    last_facilitated: datetime | None
    times: int = 0


def suggest_facilitators(candidates: Sequence[Candidate], count: int = 3) -> list[Candidate]:
    """Those who never facilitated come first, then who facilitated least recently."""

    def tie(c: Candidate) -> tuple[int, str, int]:
        return (c.times, c.name.casefold(), c.member)

    # Compare the datetimes themselves: ISO strings with different UTC offsets misorder.
    never = sorted((c for c in candidates if c.last_facilitated is None), key=tie)
    before = sorted(
        (c for c in candidates if c.last_facilitated is not None),
        key=lambda c: (c.last_facilitated, *tie(c)),
    )
    return [*never, *before][: max(0, count)]


# --- Speaking time -----------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    member: int
    started_at: datetime
    ended_at: datetime | None


def speaking_totals(turns: Iterable[Turn], now: datetime) -> dict[int, int]:
    """Whole seconds each member has spoken; an open turn counts up to ``now``."""
    totals: dict[int, float] = {}
    for turn in turns:
        end = turn.ended_at or now
        seconds = max(0.0, (end - turn.started_at).total_seconds())
        totals[turn.member] = totals.get(turn.member, 0.0) + seconds
    return {member: int(seconds) for member, seconds in totals.items()}
