"""The fault scenarios of PERFORMANCE.md: S6 (Redis restarts during the mixed soak) and
S7 (one of two Daphne processes is killed under the fan-out load).

Both run on Ortak alone: the floor has no Redis and a single process, so no floor
applies. Each ``run_sN`` returns its figures; ``compare_sN`` turns them into table
rows with the target and whether it is met.

Definitions (also in docs/benchmarks.md):

- S6 *back*: the moment the restarted ``redis-server`` accepts on its port. The
  session's ``seq`` committed in PostgreSQL is read right then: a client has
  *resynced* when the state it holds is complete up to that ``seq`` or later, by a
  fresh ``session.state`` frame, by fetching ``GET /api/v1/sessions/<id>/state/``
  after a seq gap (as the protocol tells a client to), or by frames that follow on
  without a gap. *Resync time* is that moment minus *back* (0 for a client that
  missed nothing).
- S6 stances: every cast answered ``ok`` must be stored exactly once in its round; a
  cast answered with an error must not be stored; a cast never answered may be
  either (they are counted).
- S7 *reconnect time*: from the SIGKILL to the ``session.state`` frame on the new
  socket, per socket the killed process held. A socket reconnects as the live page
  does (``frontend_templates/static/js/live.js``): after the close it waits 0.5 s
  doubling to 15 s per failed try, ±50 %, and the new socket reaches the survivor,
  as it would behind a proxy that skips the dead upstream.
- S7 *cast-to-screen*: as S4's, on the survivor: over the sockets that stayed on it
  for stances sent after the kill, and over every socket on it (those that came back
  included) for stances sent after the last reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from bench.loadgen import (
    HEAD,
    RE_SEQ,
    Client,
    Hist,
    LoadGen,
    count_lag,
    monotonic,
    proc_cpu,
    run_schedule,
    sleep_until,
    summarize,
    wait_for_condition,
)
from bench.scenarios import (
    Options,
    Results,
    Row,
    _accepted_sends,
    _cast,
    _join,
    _row,
    http_json,
    run_s5,
)
from bench.servers import PrivateRedis, Target

RESYNC_LIMIT = 5.0  # S6: every client current within this long after Redis is back
RECONNECT_LIMIT = 10.0  # S7: every socket of the killed process back within this long
FANOUT_P99 = 0.3  # S7: the survivor's cast-to-screen p99
FETCH_TIMEOUT = 10.0
BACKOFF_BASE = 0.5  # the live page's reconnect: 0.5 s doubling …
BACKOFF_MAX = 15.0  # … to 15 s, times 0.5–1.5
ATTEMPT_TIMEOUT = 30.0  # one reconnect attempt, handshake to snapshot

History = list[tuple[float, int, str]]
T = TypeVar("T")


# --- pure parts (unit-tested) -------------------------------------------------------------


def backoff_delay(tries: int, u: float) -> float:
    """The live page's wait before reconnect attempt ``tries`` (0 after a socket that
    worked): ``min(15 s, 0.5 s · 2^tries) · (0.5 + u)`` with ``u`` uniform in [0, 1)."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(tries, 16)) * (0.5 + u)


def resync_delay(
    history: Iterable[tuple[float, int, str]], back: float, target: int
) -> tuple[float, str] | None:
    """When a client held a state complete up to ``target``, from its ``history`` of
    (time, seq held from then on, how) in time order: ``(seconds after back, how)``,
    ``(0.0, "current")`` if it already held it when Redis came back, or None."""
    for t, seq, how in history:
        if seq >= target:
            return (t - back, how) if t > back else (0.0, "current")
    return None


def resync_summary(delays: list[tuple[float, str] | None], limit: float) -> dict[str, Any]:
    """Resync times of every client: quantiles, how many within ``limit``, by which path."""
    done = [d for d in delays if d is not None]
    paths: dict[str, int] = {}
    for _t, how in done:
        paths[how] = paths.get(how, 0) + 1
    return {
        "clients": len(delays),
        "resynced": len(done),
        "within_limit": sum(1 for t, _how in done if t <= limit),
        "not_within_limit": len(delays) - sum(1 for t, _how in done if t <= limit),
        "never": len(delays) - len(done),
        "limit_s": limit,
        "time": summarize(t for t, _how in done),
        "paths": dict(sorted(paths.items())),
    }


def stance_check(
    ok: set[tuple[int, int]], unanswered: set[int], stored: dict[tuple[int, int], int]
) -> dict[str, int]:
    """Exactly once: ``ok`` holds the (round, member) of every cast answered ok,
    ``unanswered`` the members of casts that got no reply, ``stored`` the rows per
    (round, member) in the database."""
    extra = [k for k in stored if k not in ok]
    return {
        "acknowledged": len(ok),
        "stored_keys": len(stored),
        "rows": sum(stored.values()),
        "lost": sum(1 for k in ok if k not in stored),
        "doubled": sum(1 for n in stored.values() if n > 1),
        "stored_unanswered": sum(1 for _r, m in extra if m in unanswered),
        "stored_refused": sum(1 for _r, m in extra if m not in unanswered),
        "unanswered": len(unanswered),
    }


# --- S6: Redis restarts during the mixed soak --------------------------------------------


class ResyncClient(Client):
    """A member's socket that keeps its state current as the protocol says: a frame
    that follows on is applied, a seq gap makes it fetch the state over HTTP (frames
    that arrive meanwhile wait and are replayed), a fresh ``session.state`` replaces
    everything. ``held`` is the seq its state is complete up to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: int | None = None
        self.fetching = False
        self.fetches = 0
        self.buffer: list[int] = []
        self.states_again = 0
        self.history: History = []

    def _on_text(self, now: float, data: bytes) -> None:
        head = data[:HEAD]
        if self.t_snapshot is not None and b"session.state" in head:
            self.states_again += 1
            m = RE_SEQ.search(head)
            if m is not None:
                self._whole(now, int(m[1]), "session.state")
            return
        super()._on_text(now, data)
        if self.held is None:
            self.held = self.snapshot_seq
            return
        if b"tally_changed" in head or b'"reply"' in head:
            return
        m = RE_SEQ.search(head)
        if m is not None:
            self._sequenced(now, int(m[1]))

    def _note(self, now: float, seq: int, how: str) -> None:
        gen = self.gen
        if isinstance(gen, ResyncGen) and gen.tracking:
            self.history.append((now, seq, how))

    def _whole(self, now: float, seq: int, how: str) -> None:
        if self.held is None or seq > self.held:
            self.held = seq
            self._note(now, seq, how)
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq  # no gap counted for frames the state already holds

    def _sequenced(self, now: float, seq: int) -> None:
        held = self.held
        if held is None:
            return
        if self.fetching:
            self.buffer.append(seq)
            return
        if seq <= held:
            return
        if seq == held + 1:
            self.held = seq
            self._note(now, seq, "frames")
            return
        self.buffer.append(seq)
        self.fetching = True
        self.fetches += 1
        gen = self.gen
        assert isinstance(gen, ResyncGen)
        gen.fetch(self)

    def fetched(self, now: float, seq: int | None) -> None:
        """The state fetched after a gap (None: the fetch failed; the next frame tries again)."""
        self.fetching = False
        buffered, self.buffer = sorted(set(self.buffer)), []
        if seq is None:
            return
        self._whole(now, seq, "fetch")
        for n in buffered:
            self._sequenced(now, n)


class ResyncGen(LoadGen):
    client_cls = ResyncClient

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.state_path = f"/api/v1/sessions/{session_id}/state/"
        self.tracking = False
        self.fetch_latency: list[float] = []
        self.fetch_errors: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def track(self) -> None:
        """From now on, every client notes each change of the seq it holds."""
        now = monotonic()
        self.tracking = True
        for client in self.clients:
            if isinstance(client, ResyncClient) and client.held is not None:
                client.history.append((now, client.held, "before"))

    def fetch(self, client: ResyncClient) -> None:
        task = self.loop.create_task(self._fetch(client))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self, client: ResyncClient) -> None:
        t0 = monotonic()
        try:
            status, body = await asyncio.wait_for(
                _get_json(client.port, self.state_path, client.cookie), FETCH_TIMEOUT
            )
        except (OSError, TimeoutError, ValueError, IndexError) as exc:
            self._error(type(exc).__name__)
            client.fetched(monotonic(), None)
            return
        now = monotonic()
        seq = body.get("seq") if isinstance(body, dict) else None
        if status != 200 or not isinstance(seq, int):
            self._error(f"HTTP {status}")
            client.fetched(now, None)
            return
        self.fetch_latency.append(now - t0)
        client.fetched(now, seq)

    def _error(self, key: str) -> None:
        self.fetch_errors[key] = self.fetch_errors.get(key, 0) + 1


async def _get_json(port: int, path: str, cookie: str) -> tuple[int, Any]:
    request = (
        f"GET {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Accept: application/json\r\n"
        f"Cookie: sessionid={cookie}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return await http_json(port, request)


async def _retry(fn: Callable[[], T], seconds: float = 30.0) -> tuple[T | None, str | None]:
    """``fn()`` in a thread, tried again for a while: a resync storm may have taken every
    PostgreSQL connection for a moment. Returns (value, None) or (None, the last error)."""
    deadline = monotonic() + seconds
    while True:
        try:
            return await asyncio.to_thread(fn), None
        except Exception as exc:
            if monotonic() > deadline:
                return None, f"{type(exc).__name__}: {exc}"[:500]
        await asyncio.sleep(1.0)


def _session_seq(conn: Any, target: Target) -> int | None:
    row = conn.execute(
        "SELECT seq FROM assembly_session WHERE id = %s", (int(target.fixture["session"]),)
    ).fetchone()
    return int(row[0]) if row else None


def _stored_stances(conn: Any, target: Target) -> dict[tuple[int, int], int]:
    sql = (
        "SELECT r.number, s.member_id, count(*) FROM voting_round r "
        "JOIN voting_stance s ON s.round_id = r.id "
        "WHERE r.decision_id = %s GROUP BY r.number, s.member_id"
    )
    rows = conn.execute(sql, (int(target.fixture["decision"]),)).fetchall()
    return {(int(r), int(m)): int(n) for r, m, n in rows if m is not None}


async def run_s6(target: Target, opts: Options) -> dict[str, Any]:
    redis = target.redis
    if redis is None or target.backend != "postgres":
        raise RuntimeError("S6 needs Ortak on PostgreSQL with a Redis of its own")
    import psycopg

    # One connection of our own, opened now: a resync storm may take every connection
    # PostgreSQL has, and the figures must still be read.
    conn: Any = await asyncio.to_thread(
        lambda: psycopg.connect(target.database_url, autocommit=True)
    )
    try:
        return await _run_s6(target, opts, redis, conn)
    finally:
        conn.close()


async def _run_s6(target: Target, opts: Options, redis: PrivateRedis, conn: Any) -> dict[str, Any]:
    gen = ResyncGen(int(target.fixture["session"]))
    kill_after = 0.4 * opts.seconds
    if kill_after + opts.down + RESYNC_LIMIT + 3 > opts.seconds:
        raise RuntimeError(
            f"--seconds {opts.seconds:g} leaves no time to resync after a {opts.down:g} s outage"
        )
    fault: dict[str, Any] = {}

    async def restart(start: float, end: float) -> None:
        await sleep_until(start + kill_after)
        gen.track()
        fault["t_kill"] = redis.kill()
        await asyncio.sleep(opts.down)
        fault["t_back"] = await asyncio.to_thread(redis.start)
        seq, error = await _retry(lambda: _session_seq(conn, target))
        if seq is None:
            raise RuntimeError(f"could not read the session's seq: {error}")
        fault["seq_at_back"] = seq
        fault["start"] = start

    result = await run_s5(target, opts, gen=gen, during=restart)
    if "t_back" not in fault:
        raise RuntimeError("Redis was not restarted")
    t_kill, t_back, seq_back = fault["t_kill"], fault["t_back"], fault["seq_at_back"]
    # The soak may end soon after; give the last clients the whole limit.
    await asyncio.sleep(max(0.0, t_back + RESYNC_LIMIT + 1 - monotonic()))

    clients = [c for c in gen.clients if isinstance(c, ResyncClient) and c.t_snapshot]
    delays = [resync_delay(c.history, t_back, seq_back) for c in clients]
    resync = resync_summary(delays, RESYNC_LIMIT)
    resync["seq_at_back"] = seq_back
    resync["session_state_frames_after_back"] = sum(c.states_again for c in clients)
    resync["clients_fetched"] = sum(1 for c in clients if c.fetches)
    resync["fetches"] = sum(c.fetches for c in clients)
    resync["fetch_http"] = summarize(gen.fetch_latency)
    resync["fetch_errors"] = gen.fetch_errors

    # Stances: exactly once, whatever happened to Redis meanwhile.
    ok: set[tuple[int, int]] = set()
    unanswered: set[int] = set()
    for action_id, (kind, _sent, index) in gen.actions.items():
        if kind != "stance.cast":
            continue
        member = gen.clients[index].member
        reply = gen.replies.get(action_id)
        if reply is None:
            unanswered.add(member)
        elif reply.ok:
            ok.add((reply.round or 0, member))
    stored, stored_error = await _retry(lambda: _stored_stances(conn, target))
    stances = None if stored is None else stance_check(ok, unanswered, stored)

    # Commands sent while Redis was down: the database was up, so each gets a reply.
    outage: dict[str, Any] = {"sent": 0, "replied": 0, "ok": 0, "errors": {}}
    waited: list[float] = []
    for action_id, (_kind, sent, _index) in gen.actions.items():
        if not t_kill <= sent < t_back:
            continue
        outage["sent"] += 1
        reply = gen.replies.get(action_id)
        if reply is None:
            continue
        outage["replied"] += 1
        waited.append(reply.t - sent)
        if reply.ok:
            outage["ok"] += 1
        else:
            outage["errors"][str(reply.code)] = outage["errors"].get(str(reply.code), 0) + 1
    outage["reply"] = summarize(waited)
    errors: dict[str, int] = {}
    for kind in result["replies"].values():
        for code, n in kind["errors"].items():
            errors[code] = errors.get(code, 0) + n
    gen.close_all()
    return {
        **result,
        "redis": {
            "down_requested_s": opts.down,
            "down_s": t_back - t_kill,
            "killed_at_s": t_kill - fault["start"],
            "starts": redis.starts,
        },
        "resync": resync,
        "stances": stances,
        "stances_error": stored_error,
        "stances_once": None
        if stances is None
        else stances["lost"] == stances["doubled"] == stances["stored_refused"] == 0,
        "outage_commands": outage,
        "reply_errors": errors,
        "replies_missing": sum(k["missing"] for k in result["replies"].values()),
        "server_alive": target.alive(),
    }


def compare_s6(r: Results) -> list[Row]:
    res = r.ortak or {}
    n = res.get("resync", {}).get("clients")
    rows = [
        _row("joined", r, "join.joined", target=(r.base["join"]["sockets"]), higher=True),
        _flag("no server process died", res.get("server_alive"), "yes"),
        _row("Redis down (s)", r, "redis.down_s"),
        _row(
            "clients resynced within 5 s",
            r,
            "resync.within_limit",
            target=n,
            higher=True,
        ),
        _row("resync p50 (s)", r, "resync.time.p50"),
        _row("resync p99 (s)", r, "resync.time.p99"),
        _row("resync max (s)", r, "resync.time.max", target=RESYNC_LIMIT),
        _row("clients never resynced", r, "resync.never", target=0),
        _text("resynced by", _paths(res.get("resync", {}).get("paths"))),
        _row("session.state frames after the restart", r, "resync.session_state_frames_after_back"),
        _row("state fetches after a gap", r, "resync.fetches"),
        _row("  their HTTP p99 (s)", r, "resync.fetch_http.p99"),
        _text("  failed fetches", _codes(res.get("resync", {}).get("fetch_errors"))),
        _row("stances acknowledged", r, "stances.acknowledged"),
        _row("stances lost (acknowledged, not stored)", r, "stances.lost", target=0),
        _row("stances doubled", r, "stances.doubled", target=0),
        _row("stances stored though refused", r, "stances.stored_refused", target=0),
        _text("casts never answered: stored / all", _unanswered(res.get("stances"))),
        _row("commands sent while Redis was down", r, "outage_commands.sent"),
        _row(
            "  of which answered",
            r,
            "outage_commands.replied",
            target=res.get("outage_commands", {}).get("sent"),
            higher=True,
        ),
        _row("  their reply max (s)", r, "outage_commands.reply.max"),
        _text("  errors by code", _codes(res.get("outage_commands", {}).get("errors"))),
        _text("all reply errors by code", _codes(res.get("reply_errors"))),
        _row("commands never answered", r, "replies_missing", target=0),
        _row("seq gaps seen", r, "sockets.seq_gaps"),
        _row("disconnects", r, "sockets.disconnects"),
    ]
    return rows


def _unanswered(stances: dict[str, int] | None) -> str | None:
    if not stances:
        return None
    return f"{stances['stored_unanswered']:,} / {stances['unanswered']:,}"


def _flag(metric: str, value: bool | None, target: str) -> Row:
    return {"metric": metric, "ortak": value, "target": target, "met": value}


def _text(metric: str, value: str | None) -> Row:
    return {"metric": metric, "ortak": value, "target": None, "met": None}


def _paths(paths: dict[str, int] | None) -> str | None:
    if not paths:
        return None
    return ", ".join(f"{how} {n:,}" for how, n in paths.items())


def _codes(codes: dict[str, int] | None) -> str:
    if not codes:
        return "none"
    return ", ".join(f"{code} {n:,}" for code, n in sorted(codes.items()))


# --- S7: one of two processes killed under the fan-out load --------------------------------


async def run_s7(target: Target, opts: Options) -> dict[str, Any]:
    if len(target.procs) < 2:
        raise RuntimeError("S7 needs two server processes (--procs 2)")
    gen = LoadGen()
    clients, join = await _join(gen, target, opts, lambda i: True)
    survivor_port, victim_port = target.ports[0], target.ports[1]
    survivor, victim = target.procs[0], target.procs[1]
    joined = [c for c in clients if c.t_snapshot is not None]
    stayers = [c for c in joined if c.port == survivor_port]
    victims = [c for c in joined if c.port == victim_port]
    await asyncio.sleep(2)
    decision = int(target.fixture["decision"])
    rng = random.Random()
    warm = min(10.0, opts.seconds / 4)
    start = monotonic() + 0.05
    end = start + opts.seconds
    give_up = end + 15.0

    # Stances at a fixed rate, each from a member that has not cast yet and whose socket
    # is open on a live process (after the kill: on the survivor).
    count = min(len(joined), int(opts.rate * opts.seconds))
    waiting = [c.index for c in stayers] + [c.index for c in victims]
    cast_ids: list[str] = []
    skipped = 0
    killed: dict[str, float] = {}

    def usable(client: Client) -> bool:
        if client.t_snapshot is None or client.t_closed is not None:
            return False
        return "t_kill" not in killed or client.port == survivor_port

    def cast(n: int) -> None:
        nonlocal skipped
        for k, index in enumerate(waiting):
            client = gen.clients[index]
            if usable(client):
                del waiting[k]
                action_id = _cast(gen, client, decision, n)
                if action_id is not None:
                    cast_ids.append(action_id)
                return
        skipped += 1

    # Reconnection, as the live page does it.
    victim_ids = {id(c) for c in victims}
    back: dict[int, dict[str, float]] = {}
    lost_early = 0
    tasks: list[asyncio.Task[None]] = []

    async def reconnect(client: Client) -> None:
        t_lost = monotonic()
        tries = 0
        while monotonic() < give_up:
            await asyncio.sleep(backoff_delay(tries, rng.random()))
            fresh = gen.renew(client, port=survivor_port)
            await gen.open_one(fresh, min(ATTEMPT_TIMEOUT, max(0.5, give_up - monotonic())))
            if fresh.t_snapshot is not None:
                back[client.index] = {
                    "from_kill": fresh.t_snapshot - killed["t_kill"],
                    "from_close": fresh.t_snapshot - t_lost,
                    "attempts": tries + 1,
                }
                return
            fresh.close()
            tries += 1

    def on_lost(client: Client) -> None:
        nonlocal lost_early
        if id(client) not in victim_ids:
            return
        if "t_kill" not in killed:
            lost_early += 1
            return
        tasks.append(asyncio.create_task(reconnect(client)))

    gen.on_lost = on_lost
    cpu: dict[str, float] = {}

    async def kill() -> None:
        await sleep_until(start + warm)
        cpu["before"] = proc_cpu(survivor.pid)
        cpu["frames_before"] = sum(c.tally_frames for c in stayers)
        killed["t_kill"] = monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        await asyncio.to_thread(victim.wait, 10)

    killer = asyncio.create_task(kill())
    schedule = await run_schedule(opts.rate, count, cast, deadline=end + 1, start=start)
    await killer
    t_kill = killed["t_kill"]
    await sleep_until(end)
    last_send = monotonic()
    if tasks:
        await asyncio.wait(tasks, timeout=max(1.0, give_up - monotonic()))
    for task in tasks:
        if not task.done():
            task.cancel()

    on_survivor = [
        c
        for c in gen.clients
        if c.port == survivor_port and c.t_snapshot is not None and c.t_closed is None
    ]

    def settled() -> bool:
        if any(a not in gen.replies for a in cast_ids):
            return False
        accepted = sum(1 for a in cast_ids if gen.replies[a].ok)
        return all(c.last_responded >= accepted for c in on_survivor if c.t_closed is None)

    drained = await wait_for_condition(settled, monotonic() + 15)
    cpu["after"] = proc_cpu(survivor.pid)
    t_end = monotonic()

    sends, casts = _accepted_sends(gen, cast_ids)
    post = Hist()
    p_shown, p_expected, _ = count_lag(stayers, sends, post, since=t_kill)
    all_back = len(back) == len(victims)
    t_settled = (
        t_kill + max(b["from_kill"] for b in back.values())
        if all_back and back
        else t_kill + RECONNECT_LIMIT
    )
    after = Hist()
    a_shown, a_expected, _ = count_lag(on_survivor, sends, after, since=t_settled)
    survivor_cpu = cpu["after"] - cpu["before"]
    # Tally frames the survivor wrote after the kill: those that came back count from 0.
    tally_after_kill = sum(c.tally_frames for c in on_survivor) - int(cpu["frames_before"])
    from_kill = [b["from_kill"] for b in back.values()]
    gen.close_all()
    await asyncio.sleep(1)
    return {
        "join": join,
        "per_process": {"survivor": len(stayers), "killed": len(victims)},
        "warmup_s": warm,
        "casts": casts,
        "casts_skipped": skipped,
        "schedule": schedule,
        "reply": gen.reply_summary(["stance.cast"]).get("stance.cast"),
        "reconnect": {
            "sockets": len(victims),
            "reconnected": len(back),
            "within_limit": sum(1 for t in from_kill if t <= RECONNECT_LIMIT),
            "limit_s": RECONNECT_LIMIT,
            "never": len(victims) - len(back),
            "lost_before_kill": lost_early,
            "from_kill": summarize(from_kill),
            "from_close": summarize(b["from_close"] for b in back.values()),
            "attempts": summarize(b["attempts"] for b in back.values()),
            "all_back_at_s": t_settled - t_kill if all_back else None,
        },
        "fanout_after_kill": post.summary(),
        "delivered_after_kill": p_shown / p_expected if p_expected else None,
        "fanout_after_reconnect": after.summary(),
        "delivered_after_reconnect": a_shown / a_expected if a_expected else None,
        "drained": drained,
        "drain_s": t_end - last_send,
        "survivor": {
            "pid": survivor.pid,
            "alive": survivor.poll() is None,
            "cpu_s_after_kill": survivor_cpu,
            "cpu_percent_after_kill": 100 * survivor_cpu / (t_end - t_kill),
            "sockets_at_end": len(on_survivor),
            "tally_frames_after_kill": tally_after_kill,
            "cpu_us_per_tally_frame": 1e6 * survivor_cpu / tally_after_kill
            if tally_after_kill
            else None,
        },
        "killed": {"pid": victim.pid, "returncode": victim.poll()},
        "sockets": gen.socket_summary(),
        "server_alive": survivor.poll() is None,
    }


def compare_s7(r: Results) -> list[Row]:
    res = r.ortak or {}
    sockets = res.get("reconnect", {}).get("sockets")
    return [
        _row("joined", r, "join.joined", target=r.base["join"]["sockets"], higher=True),
        _row("sockets on the killed process", r, "reconnect.sockets"),
        _row(
            "reconnected within 10 s",
            r,
            "reconnect.within_limit",
            target=sockets,
            higher=True,
        ),
        _row("reconnect p50 (s)", r, "reconnect.from_kill.p50"),
        _row("reconnect p99 (s)", r, "reconnect.from_kill.p99"),
        _row("reconnect max (s)", r, "reconnect.from_kill.max", target=RECONNECT_LIMIT),
        _row("never reconnected", r, "reconnect.never", target=0),
        _row("attempts per socket, max", r, "reconnect.attempts.max"),
        _flag("survivor alive", res.get("survivor", {}).get("alive"), "yes"),
        _row("survivor cast-to-screen p50 after the kill (s)", r, "fanout_after_kill.p50"),
        _row(
            "survivor cast-to-screen p99 after the kill (s)",
            r,
            "fanout_after_kill.p99",
            target=FANOUT_P99,
        ),
        _row("  delivered after the kill", r, "delivered_after_kill", target=1.0, higher=True),
        _row(
            "cast-to-screen p99 once all are back (s)",
            r,
            "fanout_after_reconnect.p99",
            target=FANOUT_P99,
        ),
        _row(
            "  delivered once all are back",
            r,
            "delivered_after_reconnect",
            target=1.0,
            higher=True,
        ),
        _row("survivor CPU after the kill (% of a core)", r, "survivor.cpu_percent_after_kill"),
        _row("survivor CPU per tally frame (µs)", r, "survivor.cpu_us_per_tally_frame"),
        _row("casts skipped (no open socket)", r, "casts_skipped"),
    ]


RUNNERS = {"s6": run_s6, "s7": run_s7}
COMPARE = {"s6": compare_s6, "s7": compare_s7}
DEFAULTS: dict[str, dict[str, Any]] = {
    "s6": {"members": 1000, "rate": 10.0, "seconds": 120.0, "join_rate": None},
    "s7": {"members": 2000, "rate": 10.0, "seconds": 60.0, "join_rate": None},
}
#: The floor has no Redis and one process: these scenarios run on Ortak alone.
ORTAK_ONLY = frozenset(RUNNERS)
