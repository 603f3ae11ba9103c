"""An open-loop WebSocket load generator, cheap per message.

Each simulated member is one :class:`Client`: an :class:`asyncio.Protocol` that
drives the ``websockets`` library's sans-I/O client (``websockets.client.
ClientProtocol``: the same handshake, framing, masking, ping/pong and close
handling as ``websockets.connect``) straight from ``data_received``. That skips
the per-connection reader task and message queue of the asyncio client, so a
received frame costs one callback, not a task wake-up: the generator must stay
cheaper than the server it measures.

Every receipt is stamped with ``time.monotonic()`` (one clock, one process) once
per read, and parsed as little as possible: the event name is found in the first
bytes of the frame, the few integers the benchmark needs (``seq``, ``responded``,
``round``) are read with a compiled regex, and only replies (at most one per
action) and the rare frames whose body matters go through ``json.loads``.

Actions are sent on a fixed schedule that never waits for replies
(:func:`run_schedule`); each is stamped when it is written. Results are kept in
flat ``array`` columns and turned into latencies after the measured window.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import os
import re
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

monotonic = time.monotonic

RE_SEQ = re.compile(rb'"seq":\s*(\d+)')
RE_EVENT = re.compile(rb'"event":\s*"([^"]+)"')
RE_RESPONDED = re.compile(rb'"responded":\s*(\d+)')
RE_ROUND = re.compile(rb'"round":\s*(\d+)')

HEAD = 48  # bytes of a frame in which the event name and seq are found


# --- statistics -----------------------------------------------------------------------


class Hist:
    """Latency histogram: 0.1 ms bins up to 120 s (exact max), for millions of samples."""

    RES = 1e-4
    LIMIT = 120.0

    def __init__(self) -> None:
        self.bins = array("l", bytes(8 * (int(self.LIMIT / self.RES) + 1)))
        self.count = 0
        self.total = 0.0
        self.max = 0.0
        self.min = float("inf")

    def add(self, value: float) -> None:
        value = max(value, 0.0)
        self.bins[min(int(value / self.RES), len(self.bins) - 1)] += 1
        self.count += 1
        self.total += value
        if value > self.max:
            self.max = value
        if value < self.min:
            self.min = value

    def add_many(self, values: Iterable[float]) -> None:
        for value in values:
            self.add(value)

    def quantile(self, q: float) -> float | None:
        if not self.count:
            return None
        rank = max(1, int(q * self.count + 0.999999))  # nearest-rank
        seen = 0
        for index, n in enumerate(self.bins):
            if n:
                seen += n
                if seen >= rank:
                    return min((index + 1) * self.RES, self.max)
        return self.max

    def summary(self) -> dict[str, Any]:
        if not self.count:
            return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}
        # One pass over the bins for all quantiles.
        wanted = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")]
        out: dict[str, Any] = {"n": self.count}
        ranks = [(max(1, int(q * self.count + 0.999999)), name) for q, name in wanted]
        seen = 0
        k = 0
        for index, n in enumerate(self.bins):
            if not n:
                continue
            seen += n
            while k < len(ranks) and seen >= ranks[k][0]:
                out[ranks[k][1]] = min((index + 1) * self.RES, self.max)
                k += 1
            if k == len(ranks):
                break
        out["max"] = self.max
        out["mean"] = self.total / self.count
        return out


def summarize(values: Iterable[float]) -> dict[str, Any]:
    hist = Hist()
    hist.add_many(values)
    return hist.summary()


# --- /proc ------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0.0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            raw = f.read()
    except OSError:
        return 0.0
    rest = raw[raw.rfind(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_many(pids: Iterable[int]) -> list[float]:
    return [proc_cpu(pid) for pid in pids]


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class ProcWatch:
    """Samples CPU seconds and RSS of a set of server processes."""

    pids: list[int]
    samples: list[tuple[float, float, int]] = field(default_factory=list)

    def cpu(self) -> float:
        return sum(proc_cpu(pid) for pid in self.pids)

    def rss_kib(self) -> int:
        return sum(proc_rss_kib(pid) for pid in self.pids)

    def sample(self) -> tuple[float, float, int]:
        point = (monotonic(), self.cpu(), self.rss_kib())
        self.samples.append(point)
        return point

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


# --- the client ---------------------------------------------------------------------------


class Client(asyncio.Protocol):
    """One member's socket. Cheap: all work happens in ``data_received``."""

    def __init__(
        self,
        gen: LoadGen,
        index: int,
        member: int,
        cookie: str,
        port: int,
        path: str,
        record: bool,
    ) -> None:
        self.gen = gen
        self.index = index
        self.member = member
        self.cookie = cookie
        self.port = port
        self.path = path
        self.record = record
        self.proto = ClientProtocol(
            parse_uri(f"ws://127.0.0.1:{port}{path}"),
            origin=Origin(f"http://127.0.0.1:{port}"),
            max_size=16 * 2**20,
        )
        self.transport: asyncio.Transport | None = None
        self.t_connect = 0.0
        self.t_open: float | None = None
        self.t_snapshot: float | None = None
        self.t_closed: float | None = None
        self.error: str | None = None
        self.closing = False
        self.snapshot_seq: int | None = None
        self.last_seq: int | None = None
        self.gaps = 0
        self.stale = 0
        self.frames = 0
        self.tally_frames = 0
        self.last_round = 0
        self.last_responded = -1
        # Recorded only when ``record``: when the shown tally changed, and sequenced frames.
        self.tally_t = array("d")
        self.tally_round = array("l")
        self.tally_resp = array("l")
        self.seq_t = array("d")
        self.seq_n = array("l")
        self.snapshot_done: asyncio.Future[bool] = gen.loop.create_future()

    # asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        request = self.proto.connect()
        request.headers["Cookie"] = f"sessionid={self.cookie}"
        self.proto.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = monotonic()
        proto = self.proto
        proto.receive_data(data)
        for event in proto.events_received():
            if type(event) is Frame:
                if event.opcode is Opcode.TEXT:
                    self.frames += 1
                    self._on_text(now, cast(bytes, event.data))
            elif isinstance(event, Response):
                if proto.handshake_exc is not None or proto.state is not State.OPEN:
                    self._fail(f"handshake {event.status_code}")
                else:
                    self.t_open = now
        self._flush()

    def eof_received(self) -> bool | None:
        self.proto.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.t_closed = monotonic()
        if not self.closing:
            if self.t_snapshot is not None:
                self.gen.disconnects += 1
            if self.error is None:
                self.error = "closed by server" if exc is None else f"lost: {exc!r}"[:120]
        if not self.snapshot_done.done():
            self.snapshot_done.set_result(False)
        if not self.closing and self.gen.on_lost is not None:
            self.gen.on_lost(self)

    # I/O -------------------------------------------------------------------------------

    def _flush(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for chunk in self.proto.data_to_send():
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()
        if self.proto.state is State.CLOSED:
            transport.close()

    def _fail(self, reason: str) -> None:
        self.error = reason
        if self.transport is not None:
            self.transport.close()
        if not self.snapshot_done.done():
            self.snapshot_done.set_result(False)

    def send(self, payload: bytes) -> float:
        """Write one text frame now; returns the monotonic time it was written."""
        proto = self.proto
        if proto.state is not State.OPEN or self.transport is None:
            raise ConnectionError("socket not open")
        proto.send_text(payload)
        stamp = monotonic()
        self._flush()
        return stamp

    def close(self) -> None:
        self.closing = True
        if self.transport is None or self.transport.is_closing():
            return
        if self.proto.state is State.OPEN:
            self.proto.send_close(1000)
            self._flush()
        self.transport.close()

    # frames ------------------------------------------------------------------------------

    def _on_text(self, now: float, data: bytes) -> None:
        head = data[:HEAD]
        if b"tally_changed" in head:
            self.tally_frames += 1
            m = RE_RESPONDED.search(data)
            responded = int(m[1]) if m else -1
            r = RE_ROUND.search(data)
            round_ = int(r[1]) if r else 0
            if round_ != self.last_round or responded != self.last_responded:
                self.last_round = round_
                self.last_responded = responded
                if self.record:
                    self.tally_t.append(now)
                    self.tally_round.append(round_)
                    self.tally_resp.append(responded)
            return
        if b'"reply"' in head:
            self.gen.on_reply(self, now, data)
            return
        m = RE_SEQ.search(head)
        if self.t_snapshot is None and b"session.state" in head:
            self.t_snapshot = now
            self.snapshot_seq = self.last_seq = int(m[1]) if m else None
            if not self.snapshot_done.done():
                self.snapshot_done.set_result(True)
            return
        if m is None:
            self.gen.on_other(self, now, data)
            return
        seq = int(m[1])
        last = self.last_seq
        if last is not None:
            if seq <= last:
                self.stale += 1  # committed before our snapshot: already in it
                return
            if seq != last + 1:
                self.gaps += seq - last - 1
        self.last_seq = seq
        if self.record:
            self.seq_t.append(now)
            self.seq_n.append(seq)
        self.gen.on_sequenced(self, now, seq, data)


# --- the generator ------------------------------------------------------------------------


@dataclass
class Reply:
    t: float
    ok: bool
    code: str | None
    seq: int | None
    round: int | None = None
    changed: bool = False


class LoadGen:
    """Owns the clients, the actions sent and the replies received."""

    #: The class of each simulated member's socket (S6 uses one that resyncs).
    client_cls: type[Client] = Client

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.clients: list[Client] = []
        self.disconnects = 0
        self.actions: dict[str, tuple[str, float, int]] = {}
        self.replies: dict[str, Reply] = {}
        self.unmatched_replies = 0
        self.send_errors = 0
        self.seq_events: dict[int, str] = {}  # seq → event name, from one watcher
        self.watch_bodies: Callable[[int, bytes], None] | None = None
        #: Called when the server (or the network) closes a socket we did not close.
        self.on_lost: Callable[[Client], None] | None = None
        self._ids = 0

    # connections -------------------------------------------------------------------------

    def make_clients(
        self,
        members: Sequence[dict[str, Any]],
        ports: Sequence[int],
        path: str,
        record: Callable[[int], bool] = lambda i: True,
    ) -> list[Client]:
        for i, member in enumerate(members):
            port = ports[i % len(ports)]
            self.clients.append(
                self.client_cls(
                    self, i, int(member["id"]), str(member["sessionid"]), port, path, record(i)
                )
            )
        return self.clients

    def renew(self, client: Client, port: int | None = None) -> Client:
        """A fresh socket for the same member (to retry a failed set-up join, or to
        reconnect, to ``port`` if given)."""
        fresh = self.client_cls(
            self,
            client.index,
            client.member,
            client.cookie,
            client.port if port is None else port,
            client.path,
            client.record,
        )
        self.clients[client.index] = fresh
        return fresh

    async def open_one(self, client: Client, timeout: float) -> None:
        client.t_connect = monotonic()
        try:
            await asyncio.wait_for(
                self.loop.create_connection(lambda: client, "127.0.0.1", client.port), timeout
            )
            left = timeout - (monotonic() - client.t_connect)
            await asyncio.wait_for(asyncio.shield(client.snapshot_done), max(left, 0.001))
        except TimeoutError:
            client.error = client.error or "timeout before snapshot"
        except OSError as exc:
            client.error = client.error or f"connect: {exc.strerror or exc!r}"[:120]

    async def open_all(
        self,
        clients: Sequence[Client],
        *,
        rate: float | None,
        timeout: float,
        concurrency: int | None = None,
    ) -> float:
        """Open sockets: on a fixed schedule (``rate`` per second; None: all at once), or
        closed-loop with at most ``concurrency`` handshakes in flight (a set-up phase
        that is not measured, for servers that cannot take a storm).

        Returns the wall time the whole join took. Waits at most ``timeout`` per socket.
        """
        start = monotonic()
        tasks: list[asyncio.Task[None]] = []
        gate = asyncio.Semaphore(concurrency) if concurrency else None

        async def gated(client: Client) -> None:
            assert gate is not None
            async with gate:
                await self.open_one(client, timeout)

        def launch(i: int) -> None:
            coro = gated(clients[i]) if gate else self.open_one(clients[i], timeout)
            tasks.append(self.loop.create_task(coro))

        if rate is None or gate is not None:
            for i in range(len(clients)):
                launch(i)
        else:
            await run_schedule(rate, len(clients), launch, deadline=start + timeout * 4)
        if tasks:
            limit = timeout + 5
            if gate is not None and concurrency:
                limit = timeout * (len(clients) / concurrency + 1) + 5
            await asyncio.wait(tasks, timeout=limit)
        for task in tasks:
            if not task.done():
                task.cancel()
        return monotonic() - start

    def close_all(self) -> None:
        for client in self.clients:
            client.close()

    # actions -------------------------------------------------------------------------------

    def send(self, client: Client, kind: str, data: dict[str, Any]) -> str | None:
        self._ids += 1
        action_id = f"a{self._ids}"
        payload = json.dumps({"type": kind, "id": action_id, "data": data}).encode()
        try:
            stamp = client.send(payload)
        except (ConnectionError, RuntimeError):
            self.send_errors += 1
            return None
        self.actions[action_id] = (kind, stamp, client.index)
        return action_id

    def on_reply(self, client: Client, now: float, data: bytes) -> None:
        try:
            obj = json.loads(data)
        except ValueError:
            self.unmatched_replies += 1
            return
        action_id = obj.get("in_response")
        if not isinstance(action_id, str) or action_id in self.replies:
            self.unmatched_replies += 1
            return
        ok = bool(obj.get("ok"))
        body = obj.get("data") if ok else None
        if not isinstance(body, dict):
            body = {}
        seq = body.get("seq")
        round_ = body.get("round")
        code = None if ok else str((obj.get("error") or {}).get("code"))
        self.replies[action_id] = Reply(
            now,
            ok,
            code,
            seq if isinstance(seq, int) else None,
            round_ if isinstance(round_, int) else None,
            bool(body.get("changed")),
        )

    def on_sequenced(self, client: Client, now: float, seq: int, data: bytes) -> None:
        if client.index == 0 or seq not in self.seq_events:
            m = RE_EVENT.search(data[:HEAD])
            if m:
                self.seq_events.setdefault(seq, m[1].decode())
            if self.watch_bodies is not None and client.index == 0:
                self.watch_bodies(seq, data)

    def on_other(self, client: Client, now: float, data: bytes) -> None:
        """Frames with ``seq`` null other than tallies and replies (presence): counted only."""

    # summaries ---------------------------------------------------------------------------

    def join_summary(self) -> dict[str, Any]:
        joined = [c for c in self.clients if c.t_snapshot is not None]
        errors: dict[str, int] = {}
        for c in self.clients:
            if c.t_snapshot is None:
                key = c.error or "no snapshot"
                errors[key] = errors.get(key, 0) + 1
        return {
            "sockets": len(self.clients),
            "joined": len(joined),
            "connect_to_snapshot": summarize(
                c.t_snapshot - c.t_connect for c in joined if c.t_snapshot is not None
            ),
            "connect_to_open": summarize(
                c.t_open - c.t_connect for c in self.clients if c.t_open is not None
            ),
            "errors": errors,
        }

    def reply_summary(self, kinds: Iterable[str] | None = None) -> dict[str, Any]:
        wanted = set(kinds) if kinds is not None else None
        out: dict[str, Any] = {}
        by_kind: dict[str, list[float]] = {}
        missing: dict[str, int] = {}
        codes: dict[str, dict[str, int]] = {}
        for action_id, (kind, sent, _index) in self.actions.items():
            if wanted is not None and kind not in wanted:
                continue
            reply = self.replies.get(action_id)
            if reply is None:
                missing[kind] = missing.get(kind, 0) + 1
                continue
            by_kind.setdefault(kind, []).append(reply.t - sent)
            if not reply.ok:
                per = codes.setdefault(kind, {})
                per[str(reply.code)] = per.get(str(reply.code), 0) + 1
        for kind in sorted(set(by_kind) | set(missing)):
            out[kind] = {
                "sent": sum(1 for k, _, _ in self.actions.values() if k == kind),
                "replied": len(by_kind.get(kind, [])),
                "missing": missing.get(kind, 0),
                "errors": codes.get(kind, {}),
                "latency": summarize(by_kind.get(kind, [])),
            }
        return out

    def socket_summary(self) -> dict[str, Any]:
        return {
            "frames_received": sum(c.frames for c in self.clients),
            "tally_frames": sum(c.tally_frames for c in self.clients),
            "seq_gaps": sum(c.gaps for c in self.clients),
            "sockets_with_gaps": sum(1 for c in self.clients if c.gaps),
            "stale_frames": sum(c.stale for c in self.clients),
            "disconnects": self.disconnects,
            "send_errors": self.send_errors,
            "unmatched_replies": self.unmatched_replies,
        }


async def run_schedule(
    rate: float,
    count: int,
    action: Callable[[int], None],
    *,
    deadline: float,
    start: float | None = None,
) -> dict[str, Any]:
    """Call ``action(i)`` for i in 0..count-1 at ``start + i / rate``: open loop.

    Never waits for the result of an action. Returns the schedule lag (how late the
    generator itself was): if that grows, the generator is the bottleneck.
    """
    begin = monotonic() + 0.01 if start is None else start
    lags = Hist()
    i = 0
    period = 1.0 / rate
    while i < count:
        now = monotonic()
        if now > deadline:
            break
        while i < count and begin + i * period <= now:
            lags.add(now - (begin + i * period))
            action(i)
            i += 1
        if i < count:
            await asyncio.sleep(max(0.0, begin + i * period - monotonic()))
    return {"scheduled": count, "done": i, "lag": lags.summary()}


async def sleep_until(t: float) -> None:
    await asyncio.sleep(max(0.0, t - monotonic()))


async def wait_for_condition(
    check: Callable[[], bool], deadline: float, step: float = 0.05
) -> bool:
    """Poll ``check`` until true or ``deadline`` (monotonic); bounded."""
    while True:
        if check():
            return True
        if monotonic() >= deadline:
            return False
        await asyncio.sleep(step)


def count_lag(
    clients: Iterable[Client], sends: dict[int, array], hist: Hist, since: float = -float("inf")
) -> tuple[int, int, int]:
    """Vote-to-screen by count: the i-th stance accepted in round r (in send order) is
    on a screen when that screen first shows a tally of round r with ``responded >= i``.

    ``sends[r]`` holds the send times of the stances of round r in send order (only
    stances that the server accepted as new). Adds one latency per (stance, screen)
    pair to ``hist``; returns (pairs shown, pairs expected, screens that showed all).
    Only stances sent at or after ``since`` count (they keep their rank in the round).
    """
    # Send times are in send order: the stances counted start at one index per round.
    first = {r: bisect.bisect_left(times, since) for r, times in sends.items()}
    per_client = sum(len(times) - first[r] for r, times in sends.items())
    shown = expected = complete = 0
    for client in clients:
        if not client.record:
            continue
        best: dict[int, int] = {}
        for t, r, responded in zip(
            client.tally_t, client.tally_round, client.tally_resp, strict=True
        ):
            times = sends.get(r)
            if times is None:
                continue
            done = max(best.get(r, 0), first[r])
            upto = min(responded, len(times))
            if upto > done:
                for i in range(done, upto):
                    hist.add(t - times[i])
                shown += upto - done
                best[r] = upto
        expected += per_client
        if sum(upto - first[r] for r, upto in best.items()) == per_client:
            complete += 1
    return shown, expected, complete
