"""The batch queue of a command: alone when quiet, together in a storm, in order."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from realtime.batch import Batcher
from realtime.protocol import Command, CommandContext


def handler(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"n": data["n"]}


COMMAND = Command("test.echo", handler)

pytestmark = pytest.mark.usefixtures("no_pool_checks")


@pytest.mark.asyncio
async def test_a_quiet_call_runs_at_once_and_a_storm_goes_together() -> None:
    sizes: list[int] = []
    release = threading.Event()

    def run(command: Command, calls: list[Any]) -> list[Any]:
        sizes.append(len(calls))
        if len(sizes) == 1:
            release.wait(5)  # the first batch is still running while the others come
        return [{"n": data["n"] * 10} for _ctx, data in calls]

    batcher = Batcher(COMMAND, run)
    ctx = CommandContext(user=None, session_id=1)
    first = asyncio.ensure_future(batcher.submit(ctx, {"n": 0}))
    await asyncio.sleep(0.05)
    rest = [asyncio.ensure_future(batcher.submit(ctx, {"n": n})) for n in range(1, 6)]
    await asyncio.sleep(0.05)
    release.set()
    outcomes = await asyncio.gather(first, *rest)
    assert sizes == [1, 5]
    assert outcomes == [{"n": n * 10} for n in range(6)]


@pytest.mark.asyncio
async def test_a_failing_run_answers_every_call() -> None:
    def run(command: Command, calls: list[Any]) -> list[Any]:
        raise RuntimeError("the database went away")

    batcher = Batcher(COMMAND, run)
    ctx = CommandContext(user=None, session_id=1)
    outcomes = await asyncio.gather(*(batcher.submit(ctx, {"n": n}) for n in range(3)))
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert not batcher.draining  # the next call starts a new batch
    assert batcher.waiting == []
