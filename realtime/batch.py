"""Commands that arrive together run together: a vote storm as a few transactions.

A command with a batch form (``protocol.batch``) is not run on its own when it
arrives: it joins the queue of its kind in this process. While one batch runs on
a database thread, the next calls wait and then go as the next batch, so under
no load a call runs at once, and under a storm each commit carries many calls
(the way a database groups commits). Each call still gets its own reply: the
batch form gives every call what the single handler would give it alone. Should
a batch fail as a whole, its calls are run again one by one, so that one bad call
costs the others nothing.

Joins go the same way (:class:`Together`): the sockets of a join storm are looked up
a few dozen at a time, two statements for all of them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.utils import translation

from common.errors import ServiceError
from realtime import dbpool
from realtime.protocol import Command, CommandContext

log = logging.getLogger(__name__)

#: At most this many calls in one batch (one transaction).
MAX_BATCH = 200

Call = tuple[CommandContext, dict[str, Any]]
Outcome = dict[str, Any] | ServiceError | BaseException | None
T = TypeVar("T")


class Together(Generic[T]):
    """Calls that arrive together run together, on a database thread: ``run`` takes the
    calls waiting and returns one outcome for each (a result, or the error that is that
    call's answer)."""

    def __init__(self, run: Callable[[list[T]], list[Any]]) -> None:
        self.run = run
        self.waiting: list[tuple[T, asyncio.Future[Any]]] = []
        self.draining = False
        self.task: asyncio.Future[None] | None = None

    async def add(self, call: T) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((call, future))
        if not self.draining:
            self.draining = True
            self.task = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                taken, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                calls = [call for call, _future in taken]
                try:
                    outcomes = await dbpool.run(self.run, calls)
                except BaseException as exc:  # the pool itself failed: every call hears it
                    outcomes = [exc] * len(taken)
                for (_call, future), outcome in zip(taken, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            self.draining = False


class Batcher(Together[Call]):
    """The queue of one batchable command in one process."""

    def __init__(self, command: Command, run: Callable[[Command, list[Call]], list[Outcome]]):
        super().__init__(functools.partial(run, command))
        self.command = command

    async def submit(self, ctx: CommandContext, data: dict[str, Any]) -> Outcome:
        outcome: Outcome = await self.add((ctx, data))
        return outcome


def run_batch(command: Command, calls: list[Call]) -> list[Outcome]:
    """On a database thread: the batch form, or each call alone if the batch fails."""
    assert command.batch is not None  # noqa: S101
    try:
        return list(command.batch(calls))
    except dbpool.TRANSIENT:
        raise  # the whole batch is tried again (see dbpool)
    except Exception:
        log.exception(
            "batch of %s failed; running its %s calls one by one", command.type, len(calls)
        )
    outcomes: list[Outcome] = []
    for ctx, data in calls:
        try:
            with translation.override(ctx.language or translation.get_language()):
                outcomes.append(command.handler(ctx, data))
        except dbpool.TRANSIENT:
            raise
        except Exception as exc:  # a ServiceError is this call's answer; others are logged
            outcomes.append(exc)
    return outcomes
