"""Two Daphne processes sharing PostgreSQL and Redis, as in production.

An event raised through one process reaches a client of the other, and a round
with a deadline is closed exactly once although both processes watch deadlines.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with Cluster(tmp_path, processes=2, members=3) as c:
        yield {"ports": c.ports, "fixture": c.fixture, "env": c.env, "cluster": c}


class Client:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def until(self, predicate: Any, timeout: float = 8.0) -> dict[str, Any]:
        for frame in self.frames:
            if predicate(frame):
                return frame
        end = time.monotonic() + timeout
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), end - time.monotonic()))
            self.frames.append(frame)
            if predicate(frame):
                return frame

    async def drain(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                self.frames.append(json.loads(await asyncio.wait_for(self.ws.recv(), left)))
            except TimeoutError:
                return


async def _scenario(cluster: dict[str, Any]) -> dict[str, Any]:
    import websockets
    from websockets.typing import Origin

    fx = cluster["fixture"]
    a, b = cluster["ports"]

    def connect(port: int, sessionid: str) -> Any:
        return websockets.connect(
            f"ws://127.0.0.1:{port}{fx['ws_path']}",
            origin=Origin(f"http://127.0.0.1:{port}"),
            additional_headers={"Cookie": f"sessionid={sessionid}"},
        )

    async with (
        connect(a, fx["facilitator"]["sessionid"]) as fa,
        connect(b, fx["members"][1]["sessionid"]) as mb,
    ):
        f, m = Client(fa), Client(mb)
        state = await m.until(lambda x: x["event"] == "session.state")
        await f.until(lambda x: x["event"] == "session.state")
        decision = fx["decision"]

        # A hand raised through process B reaches the facilitator on process A.
        await mb.send(json.dumps({"type": "hand.raise", "id": "h", "data": {"kind": "speak"}}))
        queued = await f.until(lambda x: x["event"] == "queue.changed")

        # Close the fixture's open round, then open one that closes by itself in 2 s.
        close = {"type": "round.close", "id": "c", "data": {"decision": decision}}
        await fa.send(json.dumps(close))
        await f.until(lambda x: x.get("in_response") == "c")
        await fa.send(
            json.dumps(
                {"type": "round.open", "id": "o", "data": {"decision": decision, "seconds": 2}}
            )
        )
        opened = await f.until(lambda x: x.get("in_response") == "o")
        closed_b = await m.until(
            lambda x: x["event"] == "decision.round_closed" and x["data"]["round"] == 2,
            timeout=10,
        )
        # Both processes watch deadlines: give a second close every chance to happen.
        await asyncio.gather(f.drain(3), m.drain(3))
        return {
            "state": state,
            "queued": queued,
            "opened": opened,
            "closed_b": closed_b,
            "f_frames": f.frames,
            "m_frames": m.frames,
        }


def test_events_cross_processes_and_a_timed_round_closes_once(cluster: dict[str, Any]) -> None:
    result = asyncio.run(_scenario(cluster))
    assert result["queued"]["data"]["queue"][0]["member"] == cluster["fixture"]["members"][1]["id"]
    assert result["opened"]["ok"] is True
    for frames in (result["f_frames"], result["m_frames"]):
        closes = [
            f for f in frames if f["event"] == "decision.round_closed" and f["data"]["round"] == 2
        ]
        assert len(closes) == 1
        seqs = [f["seq"] for f in frames if f.get("seq") is not None and f["event"] != "reply"]
        assert seqs == sorted(set(seqs))  # each seq once, in order
    rounds = cluster["cluster"].sql(
        "SELECT number, closed_by_id, outcome FROM voting_round WHERE decision_id = %s "
        "ORDER BY number",
        cluster["fixture"]["decision"],
    )
    assert [r[0] for r in rounds] == [1, 2]
    assert rounds[1][1] is None  # closed by the deadline, not by a person
    assert rounds[1][2] == "no_quorum"
