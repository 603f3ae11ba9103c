"""Publishing events to live sessions.

``publish_on_commit`` sends a sequenced event once the transaction that made the
change commits; the frame is encoded once and the same text is written to every
socket of the session. ``publish_snapshot`` sends a derived snapshot (``seq``
null), at most one per key per ``ORTAK_COALESCE_SECONDS``: a lone change is sent at
once, and the changes within a window after a send go together at the window's end,
always carrying the latest value.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from realtime import dbpool, hub
from realtime.groups import session_group
from realtime.protocol import event_payload, frame

log = logging.getLogger(__name__)


def message(session_id: int, text: str) -> dict[str, Any]:
    """The channel-layer message that carries one frame to every process's hub."""
    return {"type": "frame", "session": session_id, "text": text}


def send_frame(session_id: int, text: str) -> None:
    """Send one encoded frame to every socket of a session (sync callers)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(session_group(session_id), message(session_id, text))
    except Exception as exc:  # the change is committed: see _unpublished
        _unpublished(session_id, text, exc)
    else:
        _here(session_id, text, lost=False)


def _unpublished(session_id: int, text: str, exc: Exception) -> None:
    """The layer is away. This process's own sockets get the frame all the same; those of
    other processes get a fresh state once the link is back (see :mod:`realtime.hub`)."""
    log.warning("could not publish to session %s: %s", session_id, exc)
    _here(session_id, text, lost=True)


def _here(session_id: int, text: str, *, lost: bool) -> None:
    """Write a frame to this process's own sockets of the session, from any thread.

    ``lost``: the frame could not be published at all. Otherwise it was published while
    the link is not known to work again (a restarted Redis takes the frame before this
    process has subscribed again): the sockets get it twice at worst, and a client skips
    a ``seq`` it already has, as the protocol says."""
    loop = _server_loop()
    the_hub = hub.of_loop(loop) if loop is not None else None
    if loop is None or the_hub is None or (not lost and the_hub.linked):
        return
    deliver = the_hub.deliver_here if lost else the_hub.deliver_soon
    try:
        on_loop = asyncio.get_running_loop() is loop
    except RuntimeError:  # a database thread
        on_loop = False
    if on_loop:
        deliver(session_id, text)
    else:
        loop.call_soon_threadsafe(deliver, session_id, text)


def publish_on_commit(session_id: int, seq: int, event: Any) -> None:
    """Send ``event`` stamped with ``seq`` after the current transaction commits."""
    text = frame(event.name, seq, event_payload(event))
    transaction.on_commit(lambda: send_frame(session_id, text))


# --- Coalesced snapshots ---------------------------------------------------------------

_pending: dict[str, Callable[[], tuple[int, str] | None]] = {}


def publish_snapshot(
    key: str, build: Callable[[], tuple[int, str] | None], window: float | None = None
) -> None:
    """Publish a derived snapshot after commit, coalesced per ``key``: at most one per
    ``window`` seconds (``ORTAK_COALESCE_SECONDS`` unless given).

    ``build`` runs with database access and returns ``(session_id, frame_text)``
    built from the latest state, or None to send nothing.
    """
    transaction.on_commit(lambda: _schedule(key, build, window))


def _schedule(
    key: str, build: Callable[[], tuple[int, str] | None], window: float | None = None
) -> None:
    loop = _server_loop()
    if loop is None:
        # No long-lived event loop (a management command, a plain test): send now.
        built = build()
        if built is not None:
            send_frame(*built)
        return
    # A fresh context: the caller's (a sync_to_async worker) carries asgiref's markers
    # ("single thread executor in use", a request's ThreadSensitiveContext) and a flush
    # that inherited them could never reach the database.
    loop.call_soon_threadsafe(_touch, key, build, window, context=contextvars.Context())


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the server this thread works for, if there is one."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is not None and loop.is_running():
        return loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


#: When each key was last sent (event-loop time), to hold sends a window apart.
_last_sent: dict[str, float] = {}


def _touch(
    key: str, build: Callable[[], tuple[int, str] | None], window: float | None = None
) -> None:
    """Runs on the event loop: keep the latest builder, and send at once if nothing was
    sent for this key within the window (a lone change waits for nothing), else when
    the window since the last send ends (a storm of changes gives one send per window)."""
    first = key not in _pending
    _pending[key] = build
    if first:
        loop = asyncio.get_running_loop()
        if window is None:
            window = float(settings.ORTAK_COALESCE_SECONDS)
        wait = max(0.0, _last_sent.get(key, -window) + window - loop.time())
        loop.call_later(wait, lambda: asyncio.ensure_future(_flush(key)))


async def _flush(key: str) -> None:
    build = _pending.pop(key, None)
    if build is None:
        return
    now = asyncio.get_running_loop().time()
    _last_sent[key] = now
    if len(_last_sent) > 10_000:  # forget keys quiet for a minute
        for old in [k for k, t in _last_sent.items() if now - t > 60]:
            del _last_sent[old]
    try:
        built = await dbpool.run(build)
    except Exception:
        log.exception("could not build snapshot %s", key)
        return
    if built is None:
        return
    session_id, text = built
    layer = get_channel_layer()
    if layer is not None:
        try:
            await layer.group_send(session_group(session_id), message(session_id, text))
        except Exception as exc:
            _unpublished(session_id, text, exc)
        else:
            _here(session_id, text, lost=False)
