"""Events that live sessions emit. Fields are JSON primitives (see docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class SessionStarted:
    name: ClassVar[str] = "session.started"
    status: str
    #: what each role may now do in the session, to each agenda item and decision
    actions: dict[str, list[str]]
    agenda: list[dict[str, Any]]
    decision_actions: dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class SessionAdjourned:
    name: ClassVar[str] = "session.adjourned"
    status: str
    #: what each role may now do in the session, to each agenda item and decision
    actions: dict[str, list[str]]
    agenda: list[dict[str, Any]]
    decision_actions: dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class SessionClosed:
    name: ClassVar[str] = "session.closed"
    status: str
    #: what each role may now do in the session, to each agenda item and decision
    actions: dict[str, list[str]]
    agenda: list[dict[str, Any]]
    decision_actions: dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class AgendaItemOpened:
    name: ClassVar[str] = "agenda.item_opened"
    item: int
    agenda: list[dict[str, Any]]


@dataclass(frozen=True)
class AgendaChanged:
    name: ClassVar[str] = "agenda.changed"
    agenda: list[dict[str, Any]]
    current_item: int | None


@dataclass(frozen=True)
class MinutesChanged:
    name: ClassVar[str] = "agenda.minutes_changed"
    item: int
    minutes: str
    updated_at: str
    by: int
    #: what each role may do to the item now (an item with minutes cannot be removed)
    actions: dict[str, list[str]]


@dataclass(frozen=True)
class QueueChanged:
    name: ClassVar[str] = "queue.changed"
    queue: list[dict[str, Any]]
    speaker: dict[str, Any] | None
    timer: dict[str, Any]
    totals: dict[str, int]


@dataclass(frozen=True)
class TasksChanged:
    name: ClassVar[str] = "session.tasks_changed"
    facilitators: list[int]
    note_takers: list[int]
    #: each task holder's role in the session (by user id): a screen's new role
    roles: dict[str, str]


@dataclass(frozen=True)
class PresenceChanged:
    name: ClassVar[str] = "presence.changed"
    present: list[int]
    arrived: dict[str, str]
