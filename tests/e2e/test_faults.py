"""What people see on the live screen when Redis or the database goes away.

Each test runs its own servers (``tests/cluster.py``): two server processes on a
Redis of the test's own, or one behind a proxy to PostgreSQL that can refuse.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.cluster import Cluster
from tests.e2e.test_live_session import wait_connected

pytestmark = pytest.mark.faults


def _open(new_context: Any, port: int, sessionid: str, session: int) -> Any:
    url = f"http://127.0.0.1:{port}"
    context = new_context(base_url=url, locale="tr-TR")
    context.add_cookies([{"name": "sessionid", "value": sessionid, "url": url}])
    context.set_default_timeout(8_000)
    page = context.new_page()
    page.goto(f"/sessions/{session}/")
    wait_connected(page)
    page.evaluate("() => { window.__stayed = true; }")  # a reload would wipe it
    return page


def test_screens_catch_up_after_redis_restarts(tmp_path: Path, new_context: Any) -> None:
    with Cluster(tmp_path, processes=2, members=3, own_redis=True) as c:
        fx = c.fixture
        facilitator = _open(new_context, c.ports[0], fx["facilitator"]["sessionid"], c.session)
        member = _open(new_context, c.ports[1], fx["members"][1]["sessionid"], c.session)
        assert c.redis is not None

        c.redis.kill()
        member.select_option("#raise-kind", "speak")
        member.locator("#raise-form button[type=submit]").click()
        # The member's own server still shows them their raised hand.
        expect(member.locator("#lower-form")).to_be_visible()
        expect(member.locator("#queue-list li[data-key]")).to_have_count(1)
        time.sleep(2)
        c.redis.start()

        # Once Redis is back, the facilitator's screen (on the other server) catches up
        # by itself, without a reload.
        expect(facilitator.locator("#queue-list li[data-key]")).to_have_count(1, timeout=8_000)
        expect(facilitator.locator("#queue-list li[data-key]").first).to_contain_text("Üye 2")
        facilitator.locator("#next-speaker").click()
        expect(member.locator("#hand-hint")).to_contain_text("Söz sizde")
        for page in (facilitator, member):
            assert page.evaluate("() => window.__stayed === true")


def test_a_database_outage_is_told_plainly(tmp_path: Path, new_context: Any) -> None:
    with Cluster(tmp_path, processes=1, members=2, proxy_database=True) as c:
        assert c.proxy is not None
        member = _open(new_context, c.ports[0], c.fixture["members"][1]["sessionid"], c.session)
        c.proxy.refuse()
        try:
            member.select_option("#raise-kind", "speak")
            member.locator("#raise-form button[type=submit]").click()
            # After the server's retries (about three seconds), a plain message.
            expect(member.locator("#live-error")).to_contain_text(
                "birazdan yeniden deneyin", timeout=10_000
            )
            expect(member.locator("#lower-form")).not_to_be_visible()  # nothing was done
        finally:
            c.proxy.accept()
        # Back: the same screen works again.
        member.locator("#raise-form button[type=submit]").click()
        expect(member.locator("#lower-form")).to_be_visible()
        assert member.evaluate("() => window.__stayed === true")
