"""The floor: the cheapest server for the same job, to measure Ortak against.

Plain ``websockets``, no Django, no channel layer, no database. It speaks the
subset of CONTRACT.md §3 that the benchmark drives:

- a ``session.state`` snapshot on connect (with ``seq`` and the ``present`` list,
  encoded once per ``seq`` and shared by every join);
- ``stance.cast`` → reply, and a coalesced ``decision.tally_changed`` broadcast
  (at most one per 100 ms, on a fixed tick, only when something changed) with
  ``websockets.broadcast``: one encoded frame written to every socket;
- for the mixed soak (S5): ``hand.raise`` / ``hand.lower`` → ``queue.changed``,
  ``agenda.open`` → ``agenda.item_opened``, ``round.close`` / ``round.open`` →
  ``decision.round_closed`` / ``decision.round_opened``, each bumping ``seq`` by 1
  and replying ``{"seq": n}`` as Ortak does.

It checks nothing (no membership, no permissions, no rate limits): it is the
floor, not a second implementation. A member is identified by the ``sessionid``
cookie the load generator sends.

Run: ``python -m bench.floor PORT MEMBERS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

OPTIONS = ("consent", "concern", "objection")
DECISION = 1
SESSION = 1
COALESCE_SECONDS = 0.1


def _encode(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _reply(in_response: Any, data: dict[str, Any]) -> str:
    return _encode(
        {"event": "reply", "seq": None, "in_response": in_response, "ok": True, "data": data}
    )


def _error(in_response: Any, code: str) -> str:
    return _encode(
        {
            "event": "reply",
            "seq": None,
            "in_response": in_response,
            "ok": False,
            "error": {"code": code, "message": code, "fields": {}},
        }
    )


class Floor:
    def __init__(self, members: int) -> None:
        self.members = members
        self.present = list(range(1, members + 1))
        self.stances: dict[str, str] = {}
        self.counts = dict.fromkeys(OPTIONS, 0)
        self.round = 1
        self.round_open = True
        self.clients: set[ServerConnection] = set()
        self.dirty = False
        self.seq = 1
        self.queue: dict[str, str] = {}
        self.current_item: int | None = None
        self._snapshot: tuple[int, str] | None = None

    # --- frames -------------------------------------------------------------------

    def snapshot(self) -> str:
        """Encoded once per seq, shared by every join (what Ortak's design asks for)."""
        if self._snapshot is None or self._snapshot[0] != self.seq:
            data = {
                "seq": self.seq,
                "session": {"id": SESSION, "title": "floor", "status": "live"},
                "agenda": [],
                "current_item": self.current_item,
                "queue": self._queue_data(),
                "present": self.present,
                "decisions": [
                    {"id": DECISION, "method": "consent", "round": self.round, "status": "open"}
                ],
            }
            self._snapshot = (
                self.seq,
                _encode({"event": "session.state", "seq": self.seq, "data": data}),
            )
        return self._snapshot[1]

    def tally(self) -> str:
        return _encode(
            {
                "event": "decision.tally_changed",
                "seq": None,
                "data": {
                    "decision": DECISION,
                    "round": self.round,
                    "responded": len(self.stances),
                    "eligible": self.members,
                    "present": self.members,
                    "counts": self.counts,
                },
            }
        )

    def _queue_data(self) -> dict[str, Any]:
        return {
            "queue": [{"member": m, "kind": k} for m, k in self.queue.items()],
            "speaker": None,
            "timer": {"ends_at": None, "seconds": None},
        }

    def _emit(self, event: str, data: dict[str, Any]) -> int:
        self.seq += 1
        broadcast(self.clients, _encode({"event": event, "seq": self.seq, "data": data}))
        return self.seq

    # --- connections ----------------------------------------------------------------

    async def handler(self, ws: ServerConnection) -> None:
        cookie = ws.request.headers.get("Cookie", "") if ws.request else ""
        member = cookie.partition("sessionid=")[2].partition(";")[0] or str(id(ws))
        self.clients.add(ws)
        try:
            await ws.send(self.snapshot())
            async for message in ws:
                reply = self.on_message(member, message)
                await ws.send(reply)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)

    def on_message(self, member: str, message: Any) -> str:
        try:
            frame = json.loads(message)
            kind = frame["type"]
            data = frame.get("data") or {}
            frame_id = frame.get("id")
        except (ValueError, KeyError, TypeError):
            return _error(None, "invalid")
        if kind == "stance.cast":
            option = data.get("option")
            if option not in OPTIONS:
                return _error(frame_id, "invalid")
            if not self.round_open:
                return _error(frame_id, "conflict")
            previous = self.stances.get(member)
            if previous is not None:
                self.counts[previous] -= 1
            self.stances[member] = option
            self.counts[option] += 1
            self.dirty = True
            return _reply(
                frame_id,
                {"decision": DECISION, "round": self.round, "changed": previous is not None},
            )
        if kind == "hand.raise":
            if member in self.queue:
                return _error(frame_id, "conflict")
            self.queue[member] = str(data.get("kind", "speak"))
            return _reply(frame_id, {"seq": self._emit("queue.changed", self._queue_data())})
        if kind == "hand.lower":
            if self.queue.pop(member, None) is None:
                return _error(frame_id, "conflict")
            return _reply(frame_id, {"seq": self._emit("queue.changed", self._queue_data())})
        if kind == "agenda.open":
            item = data.get("item")
            if item == self.current_item:
                return _error(frame_id, "conflict")
            self.current_item = item
            seq = self._emit("agenda.item_opened", {"item": item, "agenda": []})
            return _reply(frame_id, {"seq": seq})
        if kind == "round.close":
            if not self.round_open:
                return _error(frame_id, "conflict")
            self.round_open = False
            tally = {"responded": len(self.stances), "counts": dict(self.counts)}
            seq = self._emit(
                "decision.round_closed",
                {"decision": DECISION, "round": self.round, "outcome": "x", "tally": tally},
            )
            return _reply(frame_id, {"decision": DECISION, "round": self.round, "seq": seq})
        if kind == "round.open":
            if self.round_open:
                return _error(frame_id, "conflict")
            self.round += 1
            self.round_open = True
            self.stances.clear()
            self.counts = dict.fromkeys(OPTIONS, 0)
            self.dirty = True
            seq = self._emit(
                "decision.round_opened",
                {"decision": DECISION, "round": self.round, "options": list(OPTIONS)},
            )
            return _reply(frame_id, {"decision": DECISION, "round": self.round, "seq": seq})
        return _error(frame_id, "invalid")

    async def coalesce(self, stop: asyncio.Event) -> None:
        next_tick = time.monotonic()
        while not stop.is_set():
            next_tick += COALESCE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_tick - time.monotonic()))
            if self.dirty:
                self.dirty = False
                broadcast(self.clients, self.tally())


async def main(port: int, members: int) -> None:
    floor = Floor(members)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with serve(
        floor.handler,
        "127.0.0.1",
        port,
        backlog=1024,
        compression=None,
        max_size=64 * 1024,
    ):
        print(f"floor listening on 127.0.0.1:{port}", flush=True)
        await floor.coalesce(stop)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
