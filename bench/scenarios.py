"""The scenarios of PERFORMANCE.md, each run against one :class:`~bench.servers.Target`.

Each ``run_sN`` drives one server and returns its figures (a JSON-able dict);
``compare_sN`` turns the figures of Ortak, the floor and stock Channels (those
that ran) into table rows with the ratios and the target. Every wait is bounded:
a scenario ends by itself.

Definitions (also in docs/benchmarks.md):

- *connect→snapshot*: from just before the TCP connect to the receipt of the
  ``session.state`` frame, per socket.
- *reply*: from writing a command frame to the receipt of its ``reply``.
- *vote-to-screen* (S3, S4, S5 stances): each member casts at most one stance per
  round, so a round's ``responded`` grows by exactly one per stance stored. The
  i-th stance the server accepted in a round (in the order the generator sent
  them) is *on screen* on a socket when that socket first receives a
  ``decision.tally_changed`` of that round with ``responded >= i``; the latency is
  that receipt time minus the send time of the i-th stance. One sample per
  (stance, socket) pair; *delivered* is the share of pairs that were shown before
  the scenario's drain deadline.
- *event-to-screen* (S5 hands, agenda, rounds, comments): from sending the
  command (or the HTTP request) to the receipt, on each watching socket, of the
  frame whose ``seq`` the reply named.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from array import array
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench.loadgen import (
    Client,
    Hist,
    LoadGen,
    ProcWatch,
    count_lag,
    monotonic,
    own_cpu,
    proc_cpu_many,
    run_schedule,
    sleep_until,
    summarize,
    wait_for_condition,
)
from bench.servers import Target, redis_cpu

Row = dict[str, Any]


@dataclass
class Options:
    scenario: str
    members: int
    rate: float
    seconds: float
    join_rate: float | None
    join_concurrency: int
    observers: int
    procs: int
    backend: str
    timeout: float
    down: float = 2.0  # S6: seconds Redis stays down


DEFAULTS: dict[str, dict[str, Any]] = {
    "s1": {"members": 5000, "rate": 0.0, "seconds": 600.0, "join_rate": None},
    "s2": {"members": 2000, "rate": 0.0, "seconds": 0.0, "join_rate": 2000.0},
    "s3": {"members": 2000, "rate": 1000.0, "seconds": 0.0, "join_rate": None},
    "s4": {"members": 2000, "rate": 10.0, "seconds": 30.0, "join_rate": None},
    "s5": {"members": 1000, "rate": 10.0, "seconds": 600.0, "join_rate": None},
}


class Window:
    """CPU of the server, its PostgreSQL backends, Redis and the generator over a window."""

    def __init__(self, target: Target, measured: bool = True) -> None:
        self.target = target
        self.measured = measured
        if measured:
            target.measure(True)
        self.t0 = monotonic()
        self.server0 = sum(proc_cpu_many(target.pids))
        self.pg_pids = _safe(target.postgres_backend_pids, [])
        self.pg0 = proc_cpu_many(self.pg_pids)
        self.redis0 = redis_cpu() if target.backend == "postgres" else None
        self.gen0 = own_cpu()

    def close(self) -> dict[str, Any]:
        if self.measured:
            self.target.measure(False)
        seconds = monotonic() - self.t0
        server = sum(proc_cpu_many(self.target.pids)) - self.server0
        pg_after = proc_cpu_many(self.pg_pids)
        # A backend that ended in between reads 0: count no negative time for it.
        pg = sum(max(0.0, after - before) for after, before in zip(pg_after, self.pg0, strict=True))
        new_pids = [
            p for p in _safe(self.target.postgres_backend_pids, []) if p not in self.pg_pids
        ]
        pg += sum(proc_cpu_many(new_pids))
        out: dict[str, Any] = {
            "seconds": seconds,
            "server_cpu_s": server,
            "server_cpu_percent": 100 * server / seconds if seconds else None,
            "loadgen_cpu_s": own_cpu() - self.gen0,
        }
        if self.target.backend == "postgres":
            out["postgres_cpu_s"] = pg
            r1 = redis_cpu()
            if r1 is not None and self.redis0 is not None:
                out["redis_cpu_s_shared"] = r1 - self.redis0
        return out


def _safe(fn: Callable[[], Any], default: Any) -> Any:
    try:
        return fn()
    except Exception:
        return default


async def _join(
    gen: LoadGen, target: Target, opts: Options, record: Callable[[int], bool]
) -> tuple[list[Client], dict[str, Any]]:
    fx = target.fixture
    clients = gen.make_clients(fx["members"][: opts.members], target.ports, fx["ws_path"], record)
    measured = opts.scenario == "s2"
    window = Window(target, measured)
    wall = await gen.open_all(
        clients,
        rate=opts.join_rate,
        timeout=30.0 if measured else 60.0,
        concurrency=None if measured or opts.join_rate else opts.join_concurrency,
    )
    retried = 0
    if not measured:  # set-up: give sockets that failed a second chance
        failed = [c for c in clients if c.t_snapshot is None]
        retried = len(failed)
        if failed:
            fresh = [gen.renew(c) for c in failed]
            wall += await gen.open_all(
                fresh, rate=None, timeout=60.0, concurrency=opts.join_concurrency
            )
        clients = list(gen.clients)
    summary = gen.join_summary()
    summary["retried"] = retried
    summary["wall_s"] = wall
    summary["window"] = window.close()
    joined = sum(1 for c in clients if c.t_snapshot is not None)
    summary["server_cpu_ms_per_join"] = (
        1000 * summary["window"]["server_cpu_s"] / joined if joined else None
    )
    summary["server_cpu_ms_per_socket_tried"] = (
        1000 * summary["window"]["server_cpu_s"] / len(clients) if clients else None
    )
    summary["rss_kib_after_join"] = ProcWatch(target.pids).rss_kib()
    return clients, summary


def _cast(gen: LoadGen, client: Client, decision: int, i: int) -> str | None:
    option = "concern" if i % 3 == 2 else "consent"
    return gen.send(client, "stance.cast", {"decision": decision, "option": option})


def _accepted_sends(gen: LoadGen, ids: list[str]) -> tuple[dict[int, array], dict[str, int]]:
    """Send times of the stances the server stored as new, per round, in send order."""
    sends: dict[int, array] = {}
    tally = {"sent": len(ids), "ok_new": 0, "ok_changed": 0, "error": 0, "no_reply": 0}
    for action_id in ids:
        reply = gen.replies.get(action_id)
        if reply is None:
            tally["no_reply"] += 1
            continue
        if not reply.ok:
            tally["error"] += 1
            continue
        round_ = reply.round or 1
        if reply.changed:
            tally["ok_changed"] += 1
            continue
        tally["ok_new"] += 1
        sends.setdefault(round_, array("d")).append(gen.actions[action_id][1])
    return sends, tally


# --- S1: idle ------------------------------------------------------------------------------


async def run_s1(target: Target, opts: Options) -> dict[str, Any]:
    gen = LoadGen()
    watch = ProcWatch(target.pids)
    await asyncio.sleep(2)
    rss_idle = watch.rss_kib()
    clients, join = await _join(gen, target, opts, lambda i: False)
    await asyncio.sleep(5)
    joined = [c for c in clients if c.t_snapshot is not None]
    frames0 = sum(c.frames for c in clients)
    disconnects0 = gen.disconnects
    window = Window(target)
    stop = asyncio.Event()
    sampler = asyncio.create_task(watch.run(5.0, stop))
    await asyncio.sleep(opts.seconds)
    stop.set()
    await sampler
    idle = window.close()
    rss_end = watch.rss_kib()
    rss_series = [s[2] for s in watch.samples]
    gen.close_all()
    await asyncio.sleep(1)
    return {
        "join": join,
        "sockets": len(joined),
        "idle_seconds": opts.seconds,
        "rss_idle_process_kib": rss_idle,
        "rss_connected_kib": rss_end,
        "rss_max_kib": max(rss_series) if rss_series else rss_end,
        "rss_per_socket_kib": (rss_end - rss_idle) / len(joined) if joined else None,
        "window": idle,
        "cpu_percent": idle["server_cpu_percent"],
        "disconnects_while_idle": gen.disconnects - disconnects0,
        "frames_while_idle": sum(c.frames for c in clients) - frames0,
        "server_alive": target.alive(),
    }


def compare_s1(r: Results) -> list[Row]:
    return [
        _row("sockets connected", r, "sockets", target=r.base["join"]["sockets"], higher=True),
        _row("RSS per socket (KiB)", r, "rss_per_socket_kib", target=60),
        _row("CPU while idle (% of a core)", r, "cpu_percent", target=5),
        _row("disconnects while idle", r, "disconnects_while_idle", target=0),
    ]


# --- S2: join storm --------------------------------------------------------------------------


async def run_s2(target: Target, opts: Options) -> dict[str, Any]:
    gen = LoadGen()
    _clients, join = await _join(gen, target, opts, lambda i: False)
    gen.close_all()
    await asyncio.sleep(1)
    return {"join": join, "server_alive": target.alive(), "sockets": gen.socket_summary()}


def compare_s2(r: Results) -> list[Row]:
    n = r.base["join"]["sockets"]
    return [
        _row("joined", r, "join.joined", target=n, higher=True),
        _row("connect→snapshot p50 (s)", r, "join.connect_to_snapshot.p50"),
        _row("connect→snapshot p99 (s)", r, "join.connect_to_snapshot.p99", target=2.0),
        _row("connect→snapshot max (s)", r, "join.connect_to_snapshot.max"),
        _row("server CPU per join (ms)", r, "join.server_cpu_ms_per_join"),
        _row("server CPU per socket tried (ms)", r, "join.server_cpu_ms_per_socket_tried"),
    ]


# --- S3: vote storm ----------------------------------------------------------------------------


async def run_s3(target: Target, opts: Options) -> dict[str, Any]:
    gen = LoadGen()
    clients, join = await _join(gen, target, opts, lambda i: True)
    joined = [c for c in clients if c.t_snapshot is not None]
    await asyncio.sleep(2)
    decision = int(target.fixture["decision"])
    ids: list[str] = []

    def cast(i: int) -> None:
        action_id = _cast(gen, joined[i], decision, i)
        if action_id is not None:
            ids.append(action_id)

    window = Window(target)
    frames0 = sum(c.tally_frames for c in clients)
    n = len(joined)
    schedule = await run_schedule(opts.rate, n, cast, deadline=monotonic() + n / opts.rate + 30)
    last_send = monotonic()

    def settled() -> bool:
        if any(a not in gen.replies for a in ids):
            return False
        accepted = sum(1 for a in ids if gen.replies[a].ok)
        return all(c.last_responded >= accepted for c in joined if c.t_closed is None)

    drained = await wait_for_condition(settled, last_send + 60)
    drain_s = monotonic() - last_send
    stats = window.close()
    sends, casts = _accepted_sends(gen, ids)
    hist = Hist()
    shown, expected, complete = count_lag(joined, sends, hist)
    rows = _safe(target.stance_rows, None)
    frames = sum(c.tally_frames for c in clients) - frames0
    gen.close_all()
    await asyncio.sleep(1)
    return {
        "join": join,
        "casts": casts,
        "schedule": schedule,
        "reply": gen.reply_summary(["stance.cast"]).get("stance.cast"),
        "vote_to_screen": hist.summary(),
        "delivered": shown / expected if expected else None,
        "screens_complete": complete,
        "screens": len(joined),
        "drained": drained,
        "drain_s": drain_s,
        "stored": rows,
        # Once: no member twice, and every stance not refused is there (a stance whose
        # reply missed the drain deadline is expected in the table too).
        "stored_once": None
        if rows is None
        else rows["rows"] == rows["distinct_members"] == casts["sent"] - casts["error"],
        "tally_frames": frames,
        "window": stats,
        "server_cpu_us_per_tally_frame": 1e6 * stats["server_cpu_s"] / frames if frames else None,
        "sockets": gen.socket_summary(),
        "server_alive": target.alive(),
    }


def compare_s3(r: Results) -> list[Row]:
    sent = r.base["casts"]["sent"]
    rows = [
        _row("joined", r, "join.joined", target=r.base["join"]["sockets"], higher=True),
        _row("reply p50 (s)", r, "reply.latency.p50"),
        _row("reply p99 (s)", r, "reply.latency.p99", target=0.3),
        _row("vote-to-screen p50 (s)", r, "vote_to_screen.p50"),
        _row("vote-to-screen p99 (s)", r, "vote_to_screen.p99", target=0.25, ratio_max=10),
        _row("vote-to-screen max (s)", r, "vote_to_screen.max"),
        _row("delivered (stance×screen pairs)", r, "delivered", target=1.0, higher=True),
        _row("stances accepted (new)", r, "casts.ok_new", target=sent, higher=True),
        _row("server CPU in storm (s CPU)", r, "window.server_cpu_s"),
        _row("server CPU per tally frame (µs)", r, "server_cpu_us_per_tally_frame"),
    ]

    def stored(result: dict[str, Any] | None) -> str | None:
        if result is None or result.get("stored") is None:
            return None
        expected = result["casts"]["sent"] - result["casts"]["error"]
        return f"{result['stored']['rows']} rows / {expected}"

    row = _row("every stance stored once", r, "stored_once")
    row.update(
        ortak=stored(r.ortak),
        floor=None,
        stock=stored(r.stock),
        target="rows = distinct = sent − refused",
        met=None if r.ortak is None else r.ortak.get("stored_once"),
        stock_met=None if r.stock is None else r.stock.get("stored_once"),
    )
    rows.append(row)
    return rows


# --- S4: fan-out ------------------------------------------------------------------------------


async def run_s4(target: Target, opts: Options) -> dict[str, Any]:
    gen = LoadGen()
    clients, join = await _join(gen, target, opts, lambda i: True)
    joined = [c for c in clients if c.t_snapshot is not None]
    await asyncio.sleep(2)
    decision = int(target.fixture["decision"])
    count = min(len(joined), int(opts.rate * opts.seconds))
    ids: list[str] = []

    def cast(i: int) -> None:
        action_id = _cast(gen, joined[i], decision, i)
        if action_id is not None:
            ids.append(action_id)

    # Idle baseline for context, then the measured window.
    idle = Window(target, measured=False)
    await asyncio.sleep(2)
    idle_stats = idle.close()
    window = Window(target)
    frames0 = sum(c.tally_frames for c in clients)
    schedule = await run_schedule(
        opts.rate, count, cast, deadline=monotonic() + count / opts.rate + 30
    )
    last_send = monotonic()

    def settled() -> bool:
        if any(a not in gen.replies for a in ids):
            return False
        accepted = sum(1 for a in ids if gen.replies[a].ok)
        return all(c.last_responded >= accepted for c in joined if c.t_closed is None)

    drained = await wait_for_condition(settled, last_send + 15)
    stats = window.close()
    frames = sum(c.tally_frames for c in clients) - frames0
    sends, casts = _accepted_sends(gen, ids)
    hist = Hist()
    shown, expected, complete = count_lag(joined, sends, hist)
    gen.close_all()
    await asyncio.sleep(1)
    idle_cpu = idle_stats["server_cpu_s"] / idle_stats["seconds"] * stats["seconds"]
    return {
        "join": join,
        "casts": casts,
        "schedule": schedule,
        "updates_per_s": opts.rate,
        "reply": gen.reply_summary(["stance.cast"]).get("stance.cast"),
        "fanout_latency": hist.summary(),
        "delivered": shown / expected if expected else None,
        "screens_complete": complete,
        "screens": len(joined),
        "drained": drained,
        "tally_frames": frames,
        "window": stats,
        "idle_baseline": idle_stats,
        "server_cpu_us_per_frame": 1e6 * stats["server_cpu_s"] / frames if frames else None,
        "server_cpu_us_per_frame_above_idle": (
            1e6 * max(0.0, stats["server_cpu_s"] - idle_cpu) / frames if frames else None
        ),
        "sockets": gen.socket_summary(),
        "server_alive": target.alive(),
    }


def compare_s4(r: Results) -> list[Row]:
    return [
        _row("joined", r, "join.joined", target=r.base["join"]["sockets"], higher=True),
        _row("tally frames delivered", r, "tally_frames"),
        _row("delivered (update×screen pairs)", r, "delivered", target=1.0, higher=True),
        _row("cast-to-screen p50 (s)", r, "fanout_latency.p50"),
        _row("cast-to-screen p99 (s)", r, "fanout_latency.p99", target=0.15),
        _row("server CPU per delivered frame (µs)", r, "server_cpu_us_per_frame", ratio_max=12),
        _row("  same, above idle baseline (µs)", r, "server_cpu_us_per_frame_above_idle"),
        _row("server CPU (% of a core)", r, "window.server_cpu_percent"),
    ]


# --- S5: mixed soak ------------------------------------------------------------------------------

HAND_RATE = 2.0  # hand events (raise or lower) per second
AGENDA_PERIOD = 10.0  # seconds between agenda.open
COMMENT_PERIOD = 2.0  # seconds between comments (not on the floor: it has no REST API)
ROUND_PERIOD = 30.0  # seconds per voting round (close, then open the next)


async def _post_comment(port: int, proposal: int, cookie: str, body: str) -> tuple[int, Any]:
    token = secrets.token_hex(16)
    data = json.dumps({"kind": "idea", "body": body, "parent": None, "anchor": None}).encode()
    request = (
        f"POST /api/v1/proposals/{proposal}/comments/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n"
        f"Cookie: sessionid={cookie}; csrftoken={token}\r\n"
        f"X-CSRFToken: {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + data
    return await http_json(port, request)


async def http_json(port: int, request: bytes) -> tuple[int, Any]:
    """Send one raw HTTP/1.1 request (``Connection: close``); the status and the JSON body
    (None when the body is not JSON)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        raw = b""
        while chunk := await reader.read(1 << 20):
            raw += chunk
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        payload = _dechunk(payload)
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, None


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2 :]
    return out


async def run_s5(
    target: Target,
    opts: Options,
    *,
    gen: LoadGen | None = None,
    during: Callable[[float, float], Coroutine[Any, Any, None]] | None = None,
) -> dict[str, Any]:
    """The mixed soak. S6 runs it with its own generator and ``during(start, end)``, a
    task run beside the load (there: stopping Redis and starting it again)."""
    gen = gen or LoadGen()
    observers = max(1, opts.observers)
    comment_seq: dict[int, int] = {}

    def watch(seq: int, data: bytes) -> None:
        if b"comment" in data[:60]:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                comment_seq[int(json.loads(data)["data"]["comment"]["id"])] = seq

    gen.watch_bodies = watch
    clients, join = await _join(gen, target, opts, lambda i: i < observers)
    joined = [c for c in clients if c.t_snapshot is not None]
    if not joined or joined[0].index != 0:
        raise RuntimeError("the facilitator (first member) did not join")
    facilitator = joined[0]
    voters = joined[1:]
    decision = int(target.fixture["decision"])
    await asyncio.sleep(2)

    watch_rss = ProcWatch(target.pids)
    stop = asyncio.Event()
    sampler = asyncio.create_task(watch_rss.run(1.0, stop))
    window = Window(target)
    start = monotonic() + 0.05
    end = start + opts.seconds
    cast_ids: list[str] = []
    round_ids: list[str] = []
    comment_times: dict[int, float] = {}
    http_latency: list[float] = []
    http_errors: dict[str, int] = {}
    voting_open = asyncio.Event()
    voting_open.set()

    async def stances() -> None:
        while monotonic() < end:
            if not voting_open.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(voting_open.wait(), max(0.01, end - monotonic()))
                continue
            round_end = min(end, monotonic() + ROUND_PERIOD)
            count = min(len(voters), int(opts.rate * (round_end - monotonic())))

            def cast(i: int) -> None:
                client = voters[i]
                if i == 0:  # one objection per round: the round closes not adopted
                    data = {"decision": decision, "option": "objection", "reason": "Bench."}
                    action_id = gen.send(client, "stance.cast", data)
                else:
                    action_id = _cast(gen, client, decision, i)
                if action_id is not None:
                    cast_ids.append(action_id)

            await run_schedule(opts.rate, count, cast, deadline=round_end + 1)
            await sleep_until(round_end)
            if monotonic() >= end:
                break
            voting_open.clear()
            await asyncio.sleep(1.0)  # let the last stances land
            for kind in ("round.close", "round.open"):
                data: dict[str, Any] = {"decision": decision}
                if kind == "round.open":
                    data["seconds"] = None
                action_id = gen.send(facilitator, kind, data)
                if action_id is None:
                    break
                round_ids.append(action_id)
                await wait_for_condition(_replied(gen, action_id), monotonic() + 15)
            voting_open.set()

    async def hands() -> None:
        others = len(voters)
        lag = 10

        def hand(j: int) -> None:
            tick, lower = divmod(j, 2)
            if lower:
                if tick >= lag:
                    gen.send(voters[(tick - lag) % others], "hand.lower", {})
            else:
                gen.send(voters[tick % others], "hand.raise", {"kind": "speak"})

        count = int(HAND_RATE * opts.seconds)
        await run_schedule(HAND_RATE, count, hand, deadline=end + 1, start=start)

    async def agenda() -> None:
        items = target.agenda_items
        if not items:
            return

        def open_item(j: int) -> None:
            gen.send(facilitator, "agenda.open", {"item": items[j % len(items)]})

        count = int(opts.seconds / AGENDA_PERIOD) + 1
        await run_schedule(1 / AGENDA_PERIOD, count, open_item, deadline=end + 1, start=start)

    async def comments() -> None:
        proposal = target.fixture.get("proposal")
        if target.name == "floor" or not proposal:  # the floor has no REST API
            return
        tasks: list[asyncio.Task[None]] = []

        async def one(j: int) -> None:
            member = voters[j % len(voters)]
            t0 = monotonic()
            try:
                status, body = await asyncio.wait_for(
                    _post_comment(member.port, int(proposal), member.cookie, f"Bench {j}"), 10
                )
            except (OSError, TimeoutError, ValueError, IndexError) as exc:
                key = type(exc).__name__
                http_errors[key] = http_errors.get(key, 0) + 1
                return
            http_latency.append(monotonic() - t0)
            if status != 201 or not isinstance(body, dict):
                http_errors[str(status)] = http_errors.get(str(status), 0) + 1
                return
            comment_times[int(body["id"])] = t0

        def post(j: int) -> None:
            tasks.append(asyncio.create_task(one(j)))

        count = int(opts.seconds / COMMENT_PERIOD)
        await run_schedule(1 / COMMENT_PERIOD, count, post, deadline=end + 1, start=start)
        if tasks:
            await asyncio.wait(tasks, timeout=15)

    workers = [asyncio.create_task(c()) for c in (stances, hands, agenda, comments)]
    if during is not None:
        workers.append(asyncio.create_task(during(start, end)))
    done, pending = await asyncio.wait(workers, timeout=opts.seconds + 60)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    last_send = monotonic()
    await wait_for_condition(lambda: all(a in gen.replies for a in gen.actions), last_send + 10)
    await asyncio.sleep(1.0)
    stats = window.close()
    stop.set()
    await sampler

    # Latencies per event type.
    by_seq: dict[int, tuple[str, float]] = {}
    for action_id, (kind, sent, _index) in gen.actions.items():
        reply = gen.replies.get(action_id)
        if reply is not None and reply.seq is not None:
            by_seq[reply.seq] = (kind, sent)
    # Ortak's round.close / round.open replies name no seq: match the k-th command
    # with the k-th frame of its event.
    for kind, event in (
        ("round.close", "decision.round_closed"),
        ("round.open", "decision.round_opened"),
    ):
        sent_at = [
            gen.actions[a][1]
            for a in round_ids
            if gen.actions[a][0] == kind
            and a in gen.replies
            and gen.replies[a].ok
            and gen.replies[a].seq is None
        ]
        seqs = sorted(n for n, name in gen.seq_events.items() if name == event)
        for seq_n, sent in zip(seqs, sent_at, strict=False):
            by_seq.setdefault(seq_n, (kind, sent))
    for comment_id, sent in comment_times.items():
        comment_at = comment_seq.get(comment_id)
        if comment_at is not None:
            by_seq[comment_at] = ("comment (REST)", sent)
    screens: dict[str, Hist] = {}
    shown: dict[str, int] = {}
    recorders = [c for c in joined if c.record]
    for client in recorders:
        for t, seq in zip(client.seq_t, client.seq_n, strict=True):
            found = by_seq.get(seq)
            if found is None:
                continue
            kind, sent = found
            screens.setdefault(kind, Hist()).add(t - sent)
            shown[kind] = shown.get(kind, 0) + 1
    expected: dict[str, int] = {}
    for kind, _sent in by_seq.values():
        expected[kind] = expected.get(kind, 0) + len(recorders)
    sends, casts = _accepted_sends(gen, cast_ids)
    vote = Hist()
    v_shown, v_expected, _complete = count_lag(recorders, sends, vote)

    rss = [(t - start, r) for t, _cpu, r in watch_rss.samples]
    drift = _rss_drift(rss, opts.seconds)
    gen.close_all()
    await asyncio.sleep(1)
    events: dict[str, Any] = {
        kind: {
            "to_screen": hist.summary(),
            "delivered": shown.get(kind, 0) / expected[kind] if expected.get(kind) else None,
        }
        for kind, hist in sorted(screens.items())
    }
    events["stance.cast (tally)"] = {
        "to_screen": vote.summary(),
        "delivered": v_shown / v_expected if v_expected else None,
    }
    return {
        "join": join,
        "seconds": opts.seconds,
        "observers": len(recorders),
        "replies": gen.reply_summary(),
        "events": events,
        "casts": casts,
        "rounds": len(round_ids) // 2,
        "comments": {
            "http": summarize(http_latency),
            "errors": http_errors,
            "with_event": sum(1 for c in comment_times if c in comment_seq),
        },
        "rss": drift,
        "window": stats,
        "sockets": gen.socket_summary(),
        "server_alive": target.alive(),
    }


def _replied(gen: LoadGen, action_id: str) -> Callable[[], bool]:
    return lambda: action_id in gen.replies


def _rss_drift(rss: list[tuple[float, int]], seconds: float) -> dict[str, Any]:
    """RSS drift after warm-up: warm-up is the first quarter of the soak (at least 30 s
    when the soak allows it); drift compares the mean of the last tenth with the RSS
    at the end of warm-up."""
    if len(rss) < 4:
        return {"samples": len(rss)}
    warm = min(max(30.0, seconds / 4), seconds / 2)
    after = [r for t, r in rss if t >= warm]
    if not after:
        return {"samples": len(rss)}
    base = after[0]
    tail_n = max(1, len(after) // 10)
    tail = sum(after[-tail_n:]) / tail_n
    return {
        "samples": len(rss),
        "warmup_s": warm,
        "rss_at_warmup_kib": base,
        "rss_end_kib": tail,
        "rss_max_kib": max(r for _t, r in rss),
        "drift": (tail - base) / base if base else None,
    }


def compare_s5(r: Results) -> list[Row]:
    replies: list[str] = sorted({k for res in r.present() for k in res["replies"]})
    events: list[str] = []
    for res in r.present():  # in the order the scenario lists them
        events += [k for k in res["events"] if k not in events]
    rows: list[Row] = [
        _row(f"reply {kind} p99 (s)", r, f"replies.{kind}.latency.p99", target=0.2)
        for kind in replies
    ]
    rows += [
        _row(f"to screen: {kind} p99 (s)", r, f"events.{kind}.to_screen.p99", target=0.2)
        for kind in events
    ]
    rows.append(_row("comment HTTP p99 (s)", r.without_floor(), "comments.http.p99", target=0.2))
    rows.append(_row("seq gaps", r, "sockets.seq_gaps", target=0))
    rows.append(_row("disconnects", r, "sockets.disconnects", target=0))
    rows.append(_row("RSS drift after warm-up", r, "rss.drift", target=0.10))
    rows.append(_row("server CPU (% of a core)", r, "window.server_cpu_percent"))
    return rows


# --- table rows --------------------------------------------------------------------------------


def dig(obj: Any, path: str) -> Any:
    """``dig(d, "a.b.c")``; keys may contain dots when they exist as such."""
    if not isinstance(obj, dict):
        return None
    if path in obj:
        return obj[path]
    head, _, rest = path.partition(".")
    while isinstance(obj, dict) and head not in obj and rest:
        more, _, rest = rest.partition(".")
        head = f"{head}.{more}"
    if not isinstance(obj, dict) or head not in obj:
        return None
    return dig(obj[head], rest) if rest else obj[head]


@dataclass
class Results:
    """The figures of each server that ran (None: not run, or failed)."""

    ortak: dict[str, Any] | None = None
    floor: dict[str, Any] | None = None
    stock: dict[str, Any] | None = None

    NAMES = ("ortak", "floor", "stock")

    @classmethod
    def of(cls, results: dict[str, dict[str, Any]]) -> Results:
        good = {n: r for n, r in results.items() if n in cls.NAMES and "error" not in r}
        return cls(**good)

    def present(self) -> list[dict[str, Any]]:
        return [r for r in (self.ortak, self.stock, self.floor) if r is not None]

    @property
    def base(self) -> dict[str, Any]:
        """The figures that set counts in targets (sockets, stances sent): all servers
        get the same load, so any of them will do."""
        return self.present()[0]

    def without_floor(self) -> Results:
        return Results(self.ortak, None, self.stock)


def _ratio(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float) and b:
        return float(a / b)
    return None


def _row(
    metric: str,
    r: Results,
    path: str,
    *,
    target: float | None = None,
    higher: bool = False,
    ratio_max: float | None = None,
) -> Row:
    """One table row: each server's figure, the ratios, the target, and whether Ortak
    (``met``) and stock Channels (``stock_met``) meet it. ``ratio`` is Ortak/floor,
    ``stock_ratio`` stock/floor and ``ortak_stock_ratio`` Ortak/stock."""
    values = {n: dig(getattr(r, n), path) if getattr(r, n) is not None else None for n in r.NAMES}
    if metric.endswith("(s)"):  # latencies are kept in seconds, shown in ms
        metric = metric[: -len("(s)")] + "(ms)"
        values = {n: v * 1000 if isinstance(v, int | float) else v for n, v in values.items()}
        target = target * 1000 if target is not None else None
    ratio = _ratio(values["ortak"], values["floor"])
    stock_ratio = _ratio(values["stock"], values["floor"])
    text: list[str] = []
    if target is not None:
        text.append(("≥ " if higher else "≤ ") + _fmt(target))
    if ratio_max is not None:
        text.append(f"≤ {ratio_max:g}× floor")

    def met(value: Any, to_floor: float | None) -> bool | None:
        checks: list[bool] = []
        if target is not None and isinstance(value, int | float):
            checks.append(value >= target if higher else value <= target)
        if ratio_max is not None and to_floor is not None:
            checks.append(to_floor <= ratio_max)
        if checks:
            return all(checks)
        if target is not None or ratio_max is not None:
            return False if value is None else None
        return None

    return {
        "metric": metric,
        **values,
        "ratio": ratio,
        "stock_ratio": stock_ratio,
        "ortak_stock_ratio": _ratio(values["ortak"], values["stock"]),
        "target": " and ".join(text) or None,
        "met": met(values["ortak"], ratio) if r.ortak is not None else None,
        "stock_met": met(values["stock"], stock_ratio) if r.stock is not None else None,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


RUNNERS = {"s1": run_s1, "s2": run_s2, "s3": run_s3, "s4": run_s4, "s5": run_s5}
COMPARE = {"s1": compare_s1, "s2": compare_s2, "s3": compare_s3, "s4": compare_s4, "s5": compare_s5}
