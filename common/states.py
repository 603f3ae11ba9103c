"""A state machine from a table, for the pure domains: ``(state, action) → state``, anything
not in the table refused. Standard library only, like the domains that use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class InvalidTransition(Exception):
    def __init__(self, thing: str, state: str, action: str) -> None:
        super().__init__(f"cannot {action} a {thing} that is {state}")
        self.state = state
        self.action = action


@dataclass(frozen=True)
class Machine(Generic[S, A]):
    """The life of one kind of thing (``thing`` names it in errors)."""

    thing: str
    states: type[S]
    actions: type[A]
    table: Mapping[tuple[S, A], S]

    def transition(self, state: str, action: str) -> S:
        """The state after ``action``, or :class:`InvalidTransition`."""
        try:
            key = (self.states(state), self.actions(action))
        except ValueError:
            raise InvalidTransition(self.thing, state, action) from None
        try:
            return self.table[key]
        except KeyError:
            raise InvalidTransition(self.thing, state, action) from None

    def allowed(self, state: str) -> list[A]:
        """The actions that may be taken in ``state``, in the table's order."""
        return [action for (source, action) in self.table if source == state]
