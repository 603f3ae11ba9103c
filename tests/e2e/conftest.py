"""Browser tests: a real Daphne server in a child process, driven by Debian's Chromium.

The server runs as in production on one machine (DEBUG off, ORTAK_ALLOW_EMBEDDED=1)
on a fresh database: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set,
otherwise a temporary SQLite file and the in-memory layer. People are created with
``live_fixture``; each person gets their own browser context (cookie jar).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    need(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # Everything that is not loopback goes to a closed port: no third-party requests.
        "proxy": {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost,::1"},
        "timeout": 30_000,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_database(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    import psycopg

    base, _, _name = url.rpartition("/")
    name = f"ortak_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _drop_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveSite:
    def __init__(self, url: str, env: dict[str, str], tmp: Path) -> None:
        self.url = url
        self.env = env
        self.tmp = tmp

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def fixture(self, members: int, *extra: str) -> dict[str, Any]:
        out = self.tmp / f"fixture-{secrets.token_hex(4)}.json"
        self.manage("live_fixture", "--members", str(members), "--out", str(out), *extra)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    need(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    tmp = tmp_path_factory.mktemp("site")
    database_url = _fresh_database(tmp)
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ORTAK_ALLOW_EMBEDDED": "1",
        "ORTAK_ALLOW_FIXTURES": "1",
        "DATABASE_URL": database_url,
        "ORTAK_CHANNEL_PREFIX": f"e2e{secrets.token_hex(3)}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    live = LiveSite(f"http://127.0.0.1:{port}", env, tmp)
    live.manage("migrate", "--no-input", "-v", "0")
    log = (tmp / "daphne.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "realtime.server",
            "-e",
            f"tcp:port={port}:interface=127.0.0.1:backlog=1024",
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{live.url}/", timeout=2):  # noqa: S310
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp / "daphne.log").read_text()) from None
                time.sleep(0.2)
        yield live
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        _drop_database(database_url)


@pytest.fixture
def person(site: LiveSite, new_context: Any) -> Any:
    """``person(sessionid, **context_options)`` opens a page for one logged-in person."""

    def open_page(sessionid: str | None, **options: Any) -> Any:
        context = new_context(base_url=site.url, locale="tr-TR", **options)
        if sessionid:
            context.add_cookies([{"name": "sessionid", "value": sessionid, "url": site.url}])
        context.set_default_timeout(5_000)
        return context.new_page()

    return open_page


@pytest.fixture(scope="session")
def demo(site: LiveSite) -> dict[str, Any]:
    """The Turkish demo, loaded once into the site; the ids its sample URLs need."""
    from tests.e2e.pages import demo_ids

    return demo_ids(site)
