"""A small registry through which an app follows another's changes without importing its
services: the app that changes something fires a hook with a typed payload, and the apps
that follow it connect handlers when they load (``AppConfig.ready``).

Handlers run at once, in the order they were connected, inside the transaction of the
service that fired the hook: what they write commits or rolls back with it. A hook knows
nothing of who listens, so the dependency runs one way only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(eq=False)
class Hook(Generic[T]):
    """A named point where an app tells others that something happened."""

    name: str
    _handlers: list[Callable[[T], None]] = field(default_factory=list, repr=False)

    def connect(self, handler: Callable[[T], None]) -> Callable[[T], None]:
        """Connect ``handler`` (usable as a decorator); connecting it twice has no effect."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def fire(self, payload: T) -> None:
        for handler in list(self._handlers):
            handler(payload)

    @property
    def handlers(self) -> tuple[Callable[[T], None], ...]:
        return tuple(self._handlers)
