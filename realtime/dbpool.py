"""The database threads of live sessions.

Channels runs every ORM call of a process on one thread by default, so one slow
statement (a commit waiting for the disk) holds up every socket's command and
join behind it. Live work runs here instead: a small pool of threads, each with
its own database connection, as if each were a separate server process (the
services are written for that: row locks and unique constraints, not thread
affinity). SQLite allows one writer, so it gets one thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
)
from django.utils.translation import gettext

from common.errors import Unavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_size = 0


def size() -> int:
    """How many threads the pool has (``ORTAK_DB_THREADS``; 1 on SQLite)."""
    if connection.vendor == "sqlite":
        return 1
    return int(settings.ORTAK_DB_THREADS)


def executor() -> ThreadPoolExecutor:
    global _executor, _size
    with _lock:
        if _executor is None:
            _size = size()
            _executor = ThreadPoolExecutor(max_workers=_size, thread_name_prefix="ortak-db")
        return _executor


#: How often a pool thread checks its connection (age, health) between jobs. Checking
#: before every job would cost a round trip to the database each time.
CHECK_EVERY_SECONDS = 5.0

_local = threading.local()


#: Errors after which a job is run again: the database could not be reached, dropped
#: the connection, or gave up a transaction (deadlock, serialisation). Whatever the job
#: did was rolled back with its transaction.
TRANSIENT = (OperationalError, InterfaceError)

#: Pauses before each new attempt (seconds): a database that restarts, or refuses
#: connections for a moment, is waited for about three seconds before giving up.
RETRY_PAUSES = (0.25, 0.5, 1.0, 1.5)


def unavailable_message() -> str:
    return gettext(
        "The database cannot be reached just now, so nothing was saved. "
        "Please try again in a moment."
    )


def _call(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    now = time.monotonic()
    if now - getattr(_local, "checked", -CHECK_EVERY_SECONDS) >= CHECK_EVERY_SECONDS:
        _local.checked = now
        close_old_connections()
    for pause in (*RETRY_PAUSES, None):
        try:
            return fn(*args, **kwargs)
        except TRANSIENT as exc:
            close_old_connections()  # a broken connection is dropped, a new one is made
            if pause is None:
                log.error("database unavailable after %s attempts: %s", len(RETRY_PAUSES) + 1, exc)
                raise Unavailable(unavailable_message()) from exc
            log.warning("database error, trying again in %s s: %s", pause, exc)
            time.sleep(pause)
        except BaseException:
            # A failed job may leave a broken connection: drop it now, not on the next job.
            close_old_connections()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


async def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn`` on a database thread and wait for it without blocking the event loop."""
    call: SyncToAsync[..., R] = SyncToAsync(_call, thread_sensitive=False, executor=executor())
    return await call(fn, *args, **kwargs)


def close_connections() -> None:
    """Close the connection of every pool thread (tests, before a database is dropped).

    Each thread takes exactly one of the closing jobs: they wait for each other at a
    barrier, so no thread can take two.
    """
    with _lock:
        pool, count = _executor, _size
    if pool is None:
        return
    barrier = threading.Barrier(count)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [pool.submit(close) for _ in range(count)]:
        future.result(timeout=20)
