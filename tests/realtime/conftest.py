"""Live sockets for consumer tests: ``WebsocketCommunicator`` with a logged-in cookie.

Frames are buffered per socket and picked by what they are, never by the order
they arrive in: with Redis, a broadcast can overtake or trail a reply.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from itertools import count
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from config.asgi import application
from realtime import dbpool

#: How long to wait for a frame that must come (a bound, not an expectation).
WAIT = 5.0
ORIGIN = b"http://localhost"

_ids = count(1)


def login_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Socket:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.buffer: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}

    async def _next(self, timeout: float = WAIT) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> dict[str, Any]:
        """The first frame (buffered or arriving) that matches; others stay buffered."""
        for index, frame in enumerate(self.buffer):
            if predicate(frame):
                return self.buffer.pop(index)
        while True:
            frame = await self._next(timeout)
            if predicate(frame):
                return frame
            self.buffer.append(frame)

    async def event(self, name: str, seq: Any = ...) -> dict[str, Any]:
        return await self.wait_for(lambda f: f["event"] == name and (seq is ... or f["seq"] == seq))

    async def send_raw(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def send(self, type_: str, data: dict[str, Any] | None = None) -> str:
        frame_id = f"c-{next(_ids)}"
        await self.send_raw(json.dumps({"type": type_, "id": frame_id, "data": data or {}}))
        return frame_id

    async def reply(self, frame_id: str | None) -> dict[str, Any]:
        return await self.wait_for(lambda f: f["event"] == "reply" and f["in_response"] == frame_id)

    async def command(self, type_: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command and return its reply."""
        return await self.reply(await self.send(type_, data))

    async def ok(self, type_: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = await self.command(type_, data)
        assert reply["ok"] is True, reply
        return reply["data"]

    async def error(self, type_: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = await self.command(type_, data)
        assert reply["ok"] is False, reply
        assert set(reply["error"]) == {"code", "message", "fields"}
        assert reply["error"]["message"]
        return reply["error"]


Opener = Callable[..., Awaitable[tuple[bool, Socket]]]


@pytest_asyncio.fixture
async def sockets() -> AsyncIterator[Opener]:
    """``await open_socket(session, user, origin=..., path=..., cookie=...) -> (accepted,
    Socket)``; ``cookie``: a login made beforehand (``login_cookie``), instead of a new one.

    An accepted socket has already received its first frame, kept in ``socket.state``.
    Every socket is disconnected at the end of the test.
    """
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        session: Any = None,
        user: Any = None,
        *,
        origin: bytes | None = ORIGIN,
        path: str | None = None,
        cookie: str | None = None,
    ) -> tuple[bool, Socket]:
        headers = []
        if cookie is None and user is not None and user.is_authenticated:
            cookie = await sync_to_async(login_cookie)(user)
        if cookie is not None:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        if origin is not None:
            headers.append((b"origin", origin))
        communicator = WebsocketCommunicator(
            application, path or f"/ws/sessions/{session.pk}/", headers=headers
        )
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=WAIT)
        socket = Socket(communicator)
        if accepted:
            first = await socket._next()
            assert first["event"] == "session.state", first
            socket.state = first
        return accepted, socket

    yield open_socket
    # Disconnect every socket even when one fails to close, so that one broken test
    # does not leave consumers (and their database work) running into the next.
    failures: list[BaseException] = []
    for communicator in opened:
        try:
            await communicator.disconnect(timeout=WAIT)
        except (Exception, asyncio.CancelledError) as exc:
            failures.append(exc)
    # The consumers' database work ran in asgiref's worker thread: close its connection
    # (PostgreSQL keeps it for CONN_MAX_AGE and then cannot drop the test database).
    await sync_to_async(connections.close_all)()
    await sync_to_async(dbpool.close_connections)()
    if failures:
        raise failures[0]


@pytest.fixture
def db_seq() -> Callable[[Any], Awaitable[int]]:
    from assembly.models import Session

    @sync_to_async
    def seq(session: Any) -> int:
        return Session.objects.values_list("seq", flat=True).get(pk=session.pk)

    return seq


@pytest.fixture
def personas(facilitator, member, member2, observer, outsider, anonymous) -> dict[str, Any]:
    """Every persona by name (async tests cannot create fixtures on demand)."""
    return {
        "facilitator": facilitator,
        "member": member,
        "member2": member2,
        "observer": observer,
        "outsider": outsider,
        "anonymous": anonymous,
    }
