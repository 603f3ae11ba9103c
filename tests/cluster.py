"""Real server processes for tests that cross process boundaries or break things.

A :class:`Cluster` is a fresh PostgreSQL database with a ``live_fixture`` in it and
Daphne processes (``python -m realtime.server``) that can be started, killed and
started again. It may run its own ``redis-server`` (:class:`RedisServer`), which a
test can kill and bring back, and reach PostgreSQL through a :class:`TcpProxy`,
which a test can make refuse connections and cut the open ones, as a database
restart does. :class:`LiveClient` is a WebSocket client that follows the
protocol's rules for staying current (``seq`` gaps, snapshots).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- Redis of our own ------------------------------------------------------------------


class RedisServer:
    """A ``redis-server`` on a port of its own, which a test may kill and start again."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        need(binary is not None, "fault tests need redis-server on PATH")
        assert binary is not None
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: _accepts(self.port), 10, "redis-server to listen")

    def kill(self) -> None:
        """Gone at once, as in a crash: no goodbye to its clients."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


# --- A proxy in front of PostgreSQL ------------------------------------------------------


class TcpProxy:
    """Forwards a local port to PostgreSQL. ``refuse()`` cuts every open connection and
    refuses new ones until ``accept()``: what clients see while the server restarts."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.port = int(self.listener.getsockname()[1])
        self.refusing = False
        self.refused = 0
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="pg-proxy", daemon=True)
        self._thread.start()

    def refuse(self) -> None:
        with self._lock:
            self.refusing = True
            for sock in list(self._pairs):
                self._drop(sock)

    def accept(self) -> None:
        with self._lock:
            self.refusing = False

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        with self._lock:
            for sock in list(self._pairs):
                self._drop(sock)
        self.listener.close()

    def _drop(self, sock: socket.socket) -> None:
        other = self._pairs.pop(sock, None)
        if other is not None:
            self._pairs.pop(other, None)
        for s in (sock, other):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                with contextlib.suppress(OSError):
                    s.close()

    def _loop(self) -> None:
        while not self._stop:
            with self._lock:
                watched = [self.listener, *self._pairs]
            try:
                ready, _, _ = selectors_select(watched, 0.05)
            except (OSError, ValueError):
                continue  # a socket closed under us: look again
            for sock in ready:
                with self._lock:
                    if sock is self.listener:
                        self._accept_one()
                    elif sock in self._pairs:
                        self._pump(sock)

    def _accept_one(self) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        if self.refusing:
            self.refused += 1
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            client.close()  # a reset, as a closed port gives
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        client.setblocking(True)
        upstream.setblocking(True)
        self._pairs[client] = upstream
        self._pairs[upstream] = client

    def _pump(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        other = self._pairs.get(sock)
        if not data or other is None:
            self._drop(sock)
            return
        try:
            other.sendall(data)
        except OSError:
            self._drop(sock)


def selectors_select(socks: list[socket.socket], timeout: float) -> tuple[list[Any], None, None]:
    with selectors.DefaultSelector() as sel:
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        return [key.fileobj for key, _ in sel.select(timeout)], None, None


# --- The cluster -------------------------------------------------------------------------


class Cluster:
    def __init__(
        self,
        workdir: Path,
        *,
        processes: int = 2,
        members: int = 3,
        own_redis: bool = False,
        proxy_database: bool = False,
        extra_env: dict[str, str] | None = None,
        request_on_start: bool = True,
    ) -> None:
        database = os.environ.get("DATABASE_URL", "")
        redis = os.environ.get("REDIS_URL", "")
        need(database.startswith("postgres"), "server processes need PostgreSQL (DATABASE_URL)")
        need(own_redis or redis.startswith("redis"), "server processes need Redis (REDIS_URL)")
        self.workdir = workdir
        self.admin_url = database
        self.db_name = f"ortak_cluster_{secrets.token_hex(4)}"
        self.redis: RedisServer | None = RedisServer(workdir) if own_redis else None
        self.proxy: TcpProxy | None = None
        self.members = members
        self.ports = [free_port() for _ in range(processes)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * processes
        base = database.rpartition("/")[0]
        self.direct_url = f"{base}/{self.db_name}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.direct_url,
            "REDIS_URL": redis,
            "ORTAK_CHANNEL_PREFIX": f"cl{secrets.token_hex(3)}",
            "ORTAK_CACHE_PREFIX": f"cl{secrets.token_hex(3)}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ORTAK_ALLOW_FIXTURES": "1",
            "ORTAK_SCHEDULER": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **(extra_env or {}),
        }
        self._proxy_database = proxy_database
        self.request_on_start = request_on_start
        self.fixture: dict[str, Any] = {}

    # Set-up and tear-down.

    def __enter__(self) -> Cluster:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        try:
            if self.redis is not None:
                self.redis.start()
                self.env["REDIS_URL"] = self.redis.url
            self.manage("migrate", "-v", "0")
            out = self.workdir / "fixture.json"
            self.manage("live_fixture", "--members", str(self.members), "--out", str(out))
            self.fixture = json.loads(out.read_text())
            if self._proxy_database:
                host, port = _host_port(self.direct_url)
                self.proxy = TcpProxy((host, port))
                self.env["DATABASE_URL"] = _with_host_port(
                    self.direct_url, "127.0.0.1", self.proxy.port
                )
            for index in range(len(self.ports)):
                self.start(index, request=self.request_on_start)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for index in range(len(self.procs)):
            self.stop(index)
        if self.proxy is not None:
            self.proxy.close()
        if self.redis is not None:
            self.redis.kill()
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def manage(self, *args: str, direct: bool = True) -> str:
        """Run ``manage.py`` against the cluster's database (not through the proxy)."""
        env = {**self.env, "DATABASE_URL": self.direct_url} if direct else self.env
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.direct_url, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())

    # Server processes.

    def start(self, index: int, *, request: bool = True) -> None:
        """Start server ``index`` and wait until it answers an HTTP request, or with
        ``request=False`` only until it listens (so that nothing has asked it anything)."""
        port = self.ports[index]
        log = (self.workdir / f"daphne-{port}.log").open("ab")
        self.procs[index] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "realtime.server",
                "-e",
                f"tcp:port={port}:interface=127.0.0.1",
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if not request:
            wait_until(lambda: _accepts(port), 30, "the server to listen")
            return
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                proc = self.procs[index]
                assert proc is not None and proc.poll() is None, self.log(index)
                assert time.monotonic() < deadline, "a server did not start"
                time.sleep(0.2)

    def kill(self, index: int) -> None:
        """SIGKILL: the process is gone without closing its sockets cleanly."""
        proc = self.procs[index]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self, index: int) -> None:
        proc = self.procs[index]
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def alive(self, index: int) -> bool:
        proc = self.procs[index]
        return proc is not None and proc.poll() is None

    def log(self, index: int) -> str:
        path = self.workdir / f"daphne-{self.ports[index]}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # What the database says.

    def seq(self) -> int:
        return int(self.sql("SELECT seq FROM assembly_session WHERE id = %s", self.session)[0][0])

    @property
    def session(self) -> int:
        return int(self.fixture["session"])

    def get(
        self,
        port: int,
        path: str,
        sessionid: str | None = None,
        accept: str = "text/html",
        language: str = "en",
    ) -> tuple[int, dict[str, str], bytes]:
        """An HTTP GET: status, headers and body, whatever the status."""
        headers = {"Accept": accept, "Accept-Language": language}
        if sessionid:
            headers["Cookie"] = f"sessionid={sessionid}"
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (http://127.0.0.1)
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def state_over_http(self, port: int, sessionid: str) -> tuple[int, dict[str, Any]]:
        status, _, body = self.get(
            port, f"/api/v1/sessions/{self.session}/state/", sessionid, "application/json"
        )
        return status, json.loads(body or b"{}")


def _host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def _with_host_port(url: str, host: str, port: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    auth = ""
    if parts.username:
        auth = parts.username + (f":{parts.password}" if parts.password else "") + "@"
    return urlunsplit(parts._replace(netloc=f"{auth}{host}:{port}"))


@contextlib.contextmanager
def cluster(workdir: Path, **kwargs: Any) -> Iterator[Cluster]:
    with Cluster(workdir, **kwargs) as c:
        yield c


# --- A client that follows the protocol ----------------------------------------------------


class LiveClient:
    """One browser's socket, as ``live.js`` behaves: it keeps the latest state, applies
    sequenced events in order, takes every ``session.state`` as the whole truth, and on
    a gap fetches the state over HTTP. It reconnects to ``ports`` in turn when closed."""

    def __init__(
        self, c: Cluster, sessionid: str, ports: list[int], *, reconnect: bool = False
    ) -> None:
        self.cluster = c
        self.sessionid = sessionid
        self.ports = ports
        self.port = ports[0]
        self.ws: Any = None
        self.seq = -1
        self.snapshots: list[tuple[float, int]] = []  # (when, seq) of each session.state
        self.fetches: list[tuple[float, int]] = []  # (when, seq) of each state over HTTP
        self.frames: list[dict[str, Any]] = []
        self.replies: dict[str, dict[str, Any]] = {}
        self.closes: list[float] = []
        self.refusals: list[str] = []
        self.opens: list[float] = []
        self._reader: asyncio.Task[None] | None = None
        self._ids = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self.reconnect = reconnect
        self._closing = False

    async def open(self, timeout: float = 20.0) -> None:
        """Connect (trying each port in turn until one takes the socket)."""
        import websockets
        from websockets.typing import Origin

        deadline = time.monotonic() + timeout
        pause = 0.2
        while True:
            try:
                self.ws = await websockets.connect(
                    f"ws://127.0.0.1:{self.port}{self.cluster.fixture['ws_path']}",
                    origin=Origin(f"http://127.0.0.1:{self.port}"),
                    additional_headers={"Cookie": f"sessionid={self.sessionid}"},
                    open_timeout=5,
                )
                first = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                break
            except Exception as exc:  # refused, reset, closed at once, a timeout
                self.refusals.append(repr(exc))
                if time.monotonic() > deadline:
                    raise AssertionError(f"could not connect: {exc!r}") from exc
                self.port = self.ports[(self.ports.index(self.port) + 1) % len(self.ports)]
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
        self.opens.append(time.monotonic())
        assert first["event"] == "session.state", first
        self._take(first)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # a dropped connection ends the reader
            async for text in self.ws:
                self._take(json.loads(text))
        self.closes.append(time.monotonic())
        if self.reconnect and not self._closing:
            # As the live page does: come back, to whichever server takes the socket.
            self.port = self.ports[(self.ports.index(self.port) + 1) % len(self.ports)]
            with contextlib.suppress(AssertionError):
                await self.open(timeout=30)

    def _take(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)
        if frame["event"] == "reply":
            self.replies[frame["in_response"]] = frame
        elif frame["event"] == "session.state":
            self.seq = max(self.seq, int(frame["data"]["seq"]))
            self.snapshots.append((time.monotonic(), int(frame["data"]["seq"])))
        elif frame.get("seq") is not None:
            if frame["seq"] == self.seq + 1:
                self.seq = frame["seq"]
            elif frame["seq"] > self.seq + 1:
                self._tasks.add(asyncio.ensure_future(self.resync()))

    async def resync(self) -> None:
        status, data = await asyncio.to_thread(
            self.cluster.state_over_http, self.port, self.sessionid
        )
        if status == 200:
            self.seq = max(self.seq, int(data["seq"]))
            self.fetches.append((time.monotonic(), int(data["seq"])))

    @property
    def closed(self) -> bool:
        return self._reader is not None and self._reader.done()

    async def send(self, type_: str, data: dict[str, Any] | None = None) -> str:
        self._ids += 1
        frame_id = f"x{self._ids}"
        await self.ws.send(json.dumps({"type": type_, "id": frame_id, "data": data or {}}))
        return frame_id

    async def reply(self, frame_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while frame_id not in self.replies:
            assert not self.closed, f"socket closed before the reply to {frame_id}"
            assert time.monotonic() < deadline, f"no reply to {frame_id}"
            await asyncio.sleep(0.02)
        return self.replies[frame_id]

    async def command(self, type_: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.reply(await self.send(type_, data))

    async def close(self) -> None:
        self._closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait for ``predicate``; returns how long it took."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return time.monotonic() - start
