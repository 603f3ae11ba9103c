"""Start and stop the servers under test: the floor, Ortak or stock Channels under Daphne.

Ortak runs with a fresh PostgreSQL database per run (created here, migrated,
filled by ``manage.py live_fixture``, dropped at the end) and Redis with a
channel prefix of its own, or in the embedded mode (SQLite and the in-memory
channel layer) for comparison. The stock Channels app (``bench.stock``) gets the
same set-up and runs under the same Daphne command, with its own ASGI application
and settings. Every server is started in its own process group with a
parent-death signal, and killed in ``finally``: nothing outlives a run.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # only setsid and prctl: safe after fork
        )


def stop(proc: subprocess.Popen[bytes], grace: float = 8.0) -> None:
    """SIGTERM the process group, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log)}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not listen on {port} within {timeout}s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Target:
    """A running server under test and what the load generator needs to know."""

    name: str
    ports: list[int]
    procs: list[subprocess.Popen[bytes]]
    fixture: dict[str, Any]
    workdir: Path
    backend: str = "floor"
    database_url: str = ""
    db_name: str = ""
    agenda_items: list[int] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict, repr=False)
    setup_seconds: dict[str, float] = field(default_factory=dict)
    #: S6: the Redis of this run alone, which the scenario stops and starts again.
    redis: PrivateRedis | None = None

    on_measure: list[Callable[[bool], None]] = field(default_factory=list, repr=False)

    def measure(self, start: bool) -> None:
        """Called when a measured phase starts and ends (e.g. to run a profiler)."""
        for hook in self.on_measure:
            hook(start)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def stance_rows(self) -> dict[str, int] | None:
        """Stored stances of the fixture's decision, per round: rows and distinct members."""
        decision = self.fixture.get("decision")
        if self.backend == "floor" or decision is None:
            return None
        sql = (
            "SELECT r.number, count(s.id), count(DISTINCT s.member_id) "
            "FROM voting_round r LEFT JOIN voting_stance s ON s.round_id = r.id "
            "WHERE r.decision_id = {p} GROUP BY r.number ORDER BY r.number"
        )
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                rows = conn.execute(sql.format(p="%s"), (decision,)).fetchall()
        else:
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.database_url)) as conn:
                rows = conn.execute(sql.format(p="?"), (decision,)).fetchall()
        out: dict[str, int] = {"rows": 0, "distinct_members": 0}
        for number, count, distinct in rows:
            out[f"round_{number}_rows"] = int(count)
            out["rows"] += int(count)
            out["distinct_members"] += int(distinct)
        return out

    def postgres_backend_pids(self) -> list[int]:
        if self.backend != "postgres":
            return []
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db_name,)
            ).fetchall()
        return [int(r[0]) for r in rows]


# --- the floor ----------------------------------------------------------------------------


def floor_fixture(members: int) -> dict[str, Any]:
    people = [{"id": i, "sessionid": f"floor{i}"} for i in range(1, members + 1)]
    return {
        "assembly": {"id": 1, "slug": "floor"},
        "session": 1,
        "decision": 1,
        "proposal": None,
        "ws_path": "/ws/sessions/1/",
        "alternatives": [],
        "facilitator": people[0],
        "members": people,
    }


@contextlib.contextmanager
def floor_server(members: int, workdir: Path) -> Iterator[Target]:
    port = free_port()
    log = workdir / "floor.log"
    proc = spawn(
        [sys.executable, "-m", "bench.floor", str(port), str(members)],
        {**os.environ, "PYTHONPATH": str(ROOT)},
        log,
    )
    try:
        wait_port(port, proc, log, 30)
        yield Target(
            "floor",
            [port],
            [proc],
            floor_fixture(members),
            workdir,
            agenda_items=[1, 2, 3],
        )
    finally:
        stop(proc)


# --- Ortak ------------------------------------------------------------------------------------

AGENDA_SCRIPT = """
import json
from assembly import services
from assembly.models import User
fx = json.load(open({path!r}, encoding="utf-8"))
user = User.objects.get(pk=fx["facilitator"]["id"])
ids = []
for i in range(3):
    proposal = fx.get("proposal") if i == 0 else None
    try:
        item = services.add_agenda_item(user, fx["session"], f"Gündem {{i + 1}}", 15,
                                         proposal_id=proposal)
    except Exception:
        item = services.add_agenda_item(user, fx["session"], f"Gündem {{i + 1}}", 15)
    ids.append(item.pk)
print("AGENDA" + json.dumps(ids))
"""


def _manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


ORTAK_APP = "config.asgi:application"
STOCK_APP = "bench.stock_asgi:application"


def _daphne_cmd(port: int, app: str = ORTAK_APP) -> list[str]:
    """Ortak runs under its own entry point (Daphne with Ortak's wire, as deployed); the
    stock app under plain ``daphne``, as the Channels tutorial runs it."""
    if app == ORTAK_APP:
        server = [sys.executable, "-m", "realtime.server"]
    else:
        server = [str(Path(sys.executable).parent / "daphne")]
    return [
        *server,
        "--websocket-max-message-size",
        "1048576",
        "-e",
        f"tcp:port={port}:interface=127.0.0.1:backlog=1024",
        app,
    ]


@contextlib.contextmanager
def ortak_server(
    members: int,
    workdir: Path,
    *,
    procs: int = 1,
    backend: str = "postgres",
    method: str = "consent",
    agenda: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Target]:
    """A fresh Ortak: database, migrations, fixture, then ``procs`` Daphne processes."""
    with _django_server(
        "ortak",
        ORTAK_APP,
        "config.settings",
        members,
        workdir,
        procs=procs,
        backend=backend,
        method=method,
        agenda=agenda,
        extra_env=extra_env,
    ) as target:
        yield target


@contextlib.contextmanager
def stock_server(
    members: int,
    workdir: Path,
    *,
    procs: int = 1,
    backend: str = "postgres",
    method: str = "consent",
    agenda: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Target]:
    """The stock Channels app (``bench.stock``) on the same set-up as Ortak: a fresh
    database, migrations, fixture, then ``procs`` plain Daphne processes serving
    ``bench.stock_asgi`` with ``bench.stock_settings`` (the stock Redis layer)."""
    with _django_server(
        "stock",
        STOCK_APP,
        "bench.stock_settings",
        members,
        workdir,
        procs=procs,
        backend=backend,
        method=method,
        agenda=agenda,
        extra_env=extra_env,
    ) as target:
        yield target


@contextlib.contextmanager
def _django_server(
    name: str,
    app: str,
    settings_module: str,
    members: int,
    workdir: Path,
    *,
    procs: int,
    backend: str,
    method: str,
    agenda: bool,
    extra_env: dict[str, str] | None,
) -> Iterator[Target]:
    if backend not in {"postgres", "embedded"}:
        raise ValueError(backend)
    if backend == "embedded" and procs != 1:
        raise ValueError("the embedded mode is a single process")
    tag = secrets.token_hex(4)
    db_name = f"ortak_bench_{tag}"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ORTAK_ALLOW_FIXTURES": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        database_url = f"{PG_ADMIN_URL.rpartition('/')[0]}/{db_name}"
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=REDIS_URL,
            ORTAK_CHANNEL_PREFIX=f"bench{tag}",
            ORTAK_CACHE_PREFIX=f"bench{tag}",
        )
    else:
        database_url = str(workdir / f"{db_name}.sqlite3")
        env.update(DATABASE_URL=f"sqlite:///{database_url}", ORTAK_ALLOW_EMBEDDED="1")
    env.update(extra_env or {})
    servers: list[subprocess.Popen[bytes]] = []
    created = False
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        if backend == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{db_name}"')
            created = True
        _manage(env, "migrate", "--no-input", "-v", "0")
        timings["migrate"] = time.monotonic() - t0
        out = workdir / f"fixture-{tag}.json"
        t0 = time.monotonic()
        _manage(
            env, "live_fixture", "--members", str(members), "--method", method, "--out", str(out)
        )
        timings["live_fixture"] = time.monotonic() - t0
        fixture = json.loads(out.read_text(encoding="utf-8"))
        agenda_items: list[int] = []
        if agenda:
            script = AGENDA_SCRIPT.format(path=str(out))
            printed = _manage(env, "shell", "-c", script)
            for line in printed.splitlines():
                if line.startswith("AGENDA"):
                    agenda_items = json.loads(line[len("AGENDA") :])
        ports = [free_port() for _ in range(procs)]
        t0 = time.monotonic()
        for port in ports:
            log = workdir / f"daphne-{name}-{port}.log"
            servers.append(spawn(_daphne_cmd(port, app), env, log))
        for port, proc in zip(ports, servers, strict=True):
            wait_port(port, proc, workdir / f"daphne-{name}-{port}.log", 60)
        for port in ports:  # the first request imports the views: not in the measurement
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).close()
        timings["daphne_start"] = time.monotonic() - t0
        yield Target(
            name,
            ports,
            servers,
            fixture,
            workdir,
            backend=backend,
            database_url=database_url,
            db_name=db_name,
            agenda_items=agenda_items,
            env=env,
            setup_seconds=timings,
        )
    finally:
        for proc in servers:
            stop(proc)
        if backend == "postgres":
            _cleanup_redis(f"bench{tag}", env.get("REDIS_URL", REDIS_URL))
            if created:
                import psycopg

                with (
                    contextlib.suppress(Exception),
                    psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn,
                ):
                    conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def _cleanup_redis(prefix: str, url: str = REDIS_URL) -> None:
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        keys += list(client.scan_iter(match=f":*:{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()


class PrivateRedis:
    """A ``redis-server`` of one run on a free port, without persistence, that the
    scenario may kill and start again on the same port (S6). The machine's shared
    Redis is never touched."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"redis-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> float:
        """Start it and wait until the port accepts; returns that moment (monotonic)."""
        cmd = [
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
        ]
        self.proc = spawn(cmd, dict(os.environ), self.log)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return time.monotonic()
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not listen on {self.port} in {timeout}s")
            time.sleep(0.02)

    def kill(self) -> float:
        """SIGKILL, as a crash would; returns the moment it is gone (monotonic)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        return time.monotonic()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, grace=5)


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def redis_cpu() -> float | None:
    """Redis' own CPU seconds (shared with anyone else using this Redis)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        info = client.info("cpu")
        client.close()
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    except Exception:
        return None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    with contextlib.suppress(OSError):
        info["loadavg_at_start"] = Path("/proc/loadavg").read_text().split()[:3]
    info["kernel"] = os.uname().release
    info["python"] = sys.version.split()[0]
    return info


def new_workdir() -> Path:
    base = ROOT / "var" / "bench" / "runs"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base))
