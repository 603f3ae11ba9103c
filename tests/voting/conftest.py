"""Decisions to act on: a live one in ``live_session`` and asynchronous ones.

``present`` checks the facilitator, the member and member2 in to the live session
(members must be checked in to take part in a live decision).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from assembly.models import Assembly, Attendance, Session, User
from tests.realtime.conftest import db_seq, personas, sockets  # noqa: F401  (fixtures)
from voting import services
from voting.models import Decision

TEXT = "Mahalle bostanına yağmur suyu deposu kurulsun."


def check_in(session: Session, *users: User) -> None:
    for user in users:
        Attendance.objects.get_or_create(
            session=session, member=user, defaults={"checked_in_at": timezone.now()}
        )


def new_decision(
    actor: User,
    *,
    assembly: Assembly | None = None,
    session: Session | None = None,
    method: str = "consent",
    policy: dict[str, Any] | None = None,
    title: str = "Yağmur suyu deposu",
    text: str = TEXT,
    alternatives: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
    **extra: Any,
) -> Decision:
    if assembly is None:
        assert session is not None
        assembly = session.assembly
    return services.create_decision(
        actor,
        assembly=assembly,
        session=session,
        title=title,
        method=method,
        text=text,
        policy=policy,
        alternatives=alternatives,
        **extra,
    )


@pytest.fixture
def present(live_session: Session, facilitator: User, member: User, member2: User) -> Session:
    check_in(live_session, facilitator, member, member2)
    return live_session


@pytest.fixture
def live_decision(present: Session, facilitator: User) -> Decision:
    """A consent decision in the live session, all three members checked in; no round yet."""
    return new_decision(facilitator, session=present)


@pytest.fixture
def live_round(live_decision: Decision, facilitator: User) -> Decision:
    """``live_decision`` with round 1 open, no deadline."""
    services.open_round(facilitator, live_decision.pk)
    return live_decision


@pytest.fixture
def async_decision(assembly: Assembly, member: User) -> Decision:
    """An asynchronous consent decision put forward by the member (who may run it)."""
    return new_decision(member, assembly=assembly)


@pytest.fixture
def async_round(async_decision: Decision, member: User) -> Decision:
    """``async_decision`` with round 1 open for a day."""
    services.open_round(member, async_decision.pk, seconds=24 * 3600)
    return async_decision
