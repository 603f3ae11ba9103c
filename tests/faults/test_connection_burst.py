"""A burst of HTTP requests does not exhaust PostgreSQL's connections.

After a blip, every screen of an assembly may fetch the state at once. Each Django
request under ASGI runs on a thread of its own; if connections were kept per thread
they would pile up until PostgreSQL refused everyone ("too many clients"). Here a
burst of requests is answered in full while the process never holds more than its
bound of connections, and none stays open after the burst.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cluster import Cluster

pytestmark = pytest.mark.faults

HTTP_AT_ONCE = 4
DB_THREADS = 2
BURST = 60


def test_a_burst_of_requests_holds_a_bounded_number_of_connections(tmp_path: Path) -> None:
    env = {"ORTAK_HTTP_AT_ONCE": str(HTTP_AT_ONCE), "ORTAK_DB_THREADS": str(DB_THREADS)}
    with Cluster(tmp_path, processes=1, members=2, extra_env=env) as c:
        cookie = c.fixture["members"][1]["sessionid"]
        counts: list[int] = []
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                counts.append(
                    int(
                        c.sql(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            c.db_name,
                        )[0][0]
                    )
                )
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with ThreadPoolExecutor(BURST) as pool:
                answers = list(
                    pool.map(lambda _: c.state_over_http(c.ports[0], cookie), range(BURST))
                )
            time.sleep(0.5)
        finally:
            done.set()
            watcher.join()
        left = int(
            c.sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                c.db_name,
            )[0][0]
        )
    assert [status for status, _ in answers] == [200] * BURST
    assert len({body["seq"] for _, body in answers}) == 1
    # Requests at once, the live path's threads, and the deadline watcher: no more.
    assert max(counts) <= HTTP_AT_ONCE + DB_THREADS + 1, max(counts)
    assert left <= DB_THREADS + 1, left  # nothing kept per request thread
