"""Pure rules of follow-up: the states of a commitment, which moves are allowed, when one
is overdue. Standard library only.

A recorded, adopted decision gets commitments ("Üstlenilen iş"): someone or a working
group carries each, by their own choice. Its states and moves (``MOVES``)::

    planned, in_progress, blocked  ──▶  any other state
    done                           ──▶  in_progress  (reopened)
    dropped                        ──▶  planned      (revived)

- Every state but ``done`` and ``dropped`` is open: it may become overdue.
- ``dropped`` and ``blocked`` need a reason: the assembly must know why.
- ``done`` may be reopened (back to ``in_progress``), ``dropped`` revived (back to
  ``planned``); nothing is ever removed, every move is an update on the timeline.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from common.states import InvalidTransition, Machine

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_NOTE = 2000


class Status(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


#: Where each state may go. Staying in the same state is an update with a note only;
#: ``InvalidMove`` (common.states.InvalidTransition) refuses the rest.
MOVES: dict[Status, frozenset[Status]] = {
    Status.PLANNED: frozenset({Status.IN_PROGRESS, Status.DONE, Status.BLOCKED, Status.DROPPED}),
    Status.IN_PROGRESS: frozenset({Status.PLANNED, Status.DONE, Status.BLOCKED, Status.DROPPED}),
    Status.BLOCKED: frozenset({Status.PLANNED, Status.IN_PROGRESS, Status.DONE, Status.DROPPED}),
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.DROPPED: frozenset({Status.PLANNED}),
}

#: States in which the work is still to be done.
OPEN: frozenset[Status] = frozenset({Status.PLANNED, Status.IN_PROGRESS, Status.BLOCKED})

#: States that must say why.
NEEDS_REASON: frozenset[Status] = frozenset({Status.BLOCKED, Status.DROPPED})


#: A move that is not in ``MOVES``.
InvalidMove = InvalidTransition

#: The moves as a state machine whose actions are the states moved to.
MACHINE = Machine(
    "commitment",
    Status,
    Status,
    {(here, to): to for here, targets in MOVES.items() for to in (*targets, here)},
)
#: The state after an update from ``status`` to ``to``; raises :class:`InvalidMove`.
move = MACHINE.transition


def needs_reason(status: str, to: str) -> bool:
    """A move into ``blocked`` or ``dropped`` must carry a note that says why."""
    return Status(to) in NEEDS_REASON and Status(to) != Status(status)


def is_open(status: str) -> bool:
    return Status(status) in OPEN


def is_overdue(due: date | None, status: str, today: date) -> bool:
    """Past its due date and not done or dropped. ``today`` is passed in, never read."""
    return due is not None and due < today and is_open(status)


def can_take_on(status: str) -> bool:
    """Members may volunteer to carry a commitment that is still open."""
    return is_open(status)
