"""Closes rounds at their deadline, in every server process.

Each process runs one small loop on its event loop that sleeps until the next
deadline (at most ``POLL_SECONDS``) and then closes what is due. Several
processes may race for the same round: :func:`voting.services.close_due_rounds`
locks it and checks it is still open, so it closes exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from realtime import dbpool

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
_task: asyncio.Task[None] | None = None
_wakeup: asyncio.Event | None = None
_loop: asyncio.AbstractEventLoop | None = None


def ensure_started() -> None:
    """Start the loop on the running event loop, once per process (and per loop)."""
    global _task, _wakeup, _loop
    loop = asyncio.get_running_loop()
    if _task is not None and not _task.done() and _loop is loop:
        return
    _loop = loop
    _wakeup = asyncio.Event()
    _task = loop.create_task(_run(_wakeup))


def wake() -> None:
    """A new deadline was set: look again now (callable from any thread)."""
    loop, event = _loop, _wakeup
    if loop is None or event is None or loop.is_closed():
        return
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(event.set)


def stop() -> None:
    global _task
    if _task is not None:
        _task.cancel()
        _task = None


async def _run(wakeup: asyncio.Event) -> None:
    from voting import services

    while True:
        try:
            await database_sync_to_async(services.close_due_rounds)()
            deadline = await database_sync_to_async(services.next_deadline)()
        except asyncio.CancelledError:
            raise
        except dbpool.TRANSIENT as exc:  # the database is away: the next turn tries again
            log.warning("could not close due rounds for now: %s", exc)
            deadline = None
        except Exception:
            log.exception("closing due rounds failed; trying again")
            deadline = None
        delay = POLL_SECONDS
        if deadline is not None:
            delay = max(0.0, min(POLL_SECONDS, (deadline - timezone.now()).total_seconds()))
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=delay + 0.01)


def with_deadlines(app: Any) -> Any:
    """Wrap the ASGI application: the first connection of a process starts the loop."""

    async def application(scope: Any, receive: Any, send: Any) -> Any:
        if settings.ORTAK_SCHEDULER and scope["type"] in {"http", "websocket"}:
            ensure_started()
        return await app(scope, receive, send)

    return application
