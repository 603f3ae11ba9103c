"""PostgreSQL refuses connections for a while, and drops the ones it had.

The server reaches PostgreSQL through a proxy that the test can make refuse new
connections and cut the open ones, which is what clients of a restarting database
see. A short outage is ridden out: the command is tried again and succeeds. A
longer one gets a clear ``unavailable`` reply (and pages a 503 that says to try
again), and nothing of the refused command is written. Once the database is back,
the same sockets carry on, without reconnecting.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import Cluster, LiveClient

pytestmark = pytest.mark.faults

#: Longer than the pool's retries (about 3.25 s in all) so that they give up.
LONG_OUTAGE = 5.0
SHORT_OUTAGE = 1.0


def _stances(c: Cluster, member: int) -> int:
    return int(
        c.sql(
            "SELECT count(*) FROM voting_stance s JOIN voting_round r ON r.id = s.round_id "
            "WHERE r.decision_id = %s AND s.member_id = %s",
            c.fixture["decision"],
            member,
        )[0][0]
    )


def _audit_entries(c: Cluster) -> int:
    return int(c.sql("SELECT count(*) FROM audit_entry")[0][0])


async def _scenario(c: Cluster) -> dict[str, Any]:
    assert c.proxy is not None
    proxy = c.proxy
    fx = c.fixture
    decision = fx["decision"]
    port = c.ports[0]
    people = fx["members"]
    a, b, d = (LiveClient(c, people[i]["sessionid"], [port]) for i in (1, 2, 3))
    for x in (a, b, d):
        await x.open()
    out: dict[str, Any] = {}

    # A short outage: the command waits for the database and then goes through.
    proxy.refuse()
    started = time.monotonic()
    pending = asyncio.ensure_future(
        a.command("stance.cast", {"decision": decision, "option": "consent"})
    )
    await asyncio.sleep(SHORT_OUTAGE)
    proxy.accept()
    out["short"] = await pending
    out["short_took"] = time.monotonic() - started
    out["short_stored"] = _stances(c, people[1]["id"])

    # A long one: the command is refused with a clear error, and nothing is written.
    seq_before, audit_before = c.seq(), _audit_entries(c)
    proxy.refuse()
    out["long"] = await b.command("stance.cast", {"decision": decision, "option": "concern"})
    out["long_stored"] = _stances(c, people[2]["id"])
    out["long_seq_changed"] = c.seq() != seq_before
    out["long_audit_changed"] = _audit_entries(c) != audit_before
    # Pages and the API say so too, and a new socket is told to come back later.
    out["page"] = await asyncio.to_thread(
        c.get, port, f"/sessions/{c.session}/", people[3]["sessionid"]
    )
    out["api"] = await asyncio.to_thread(c.state_over_http, port, people[3]["sessionid"])
    late = LiveClient(c, people[4]["sessionid"], [port])
    try:
        await late.open(timeout=3)
        out["late_join"] = "opened"
    except AssertionError as exc:
        out["late_join"] = str(exc)
    proxy.accept()

    # Back: the same sockets work again, without reconnecting.
    out["after"] = await b.command("stance.cast", {"decision": decision, "option": "concern"})
    out["after_stored"] = _stances(c, people[2]["id"])
    out["hand"] = await d.command("hand.raise", {"kind": "speak"})
    await late.open()
    out["late_seq"] = late.seq
    out["opens"] = [len(x.opens) for x in (a, b, d)]
    out["refused"] = proxy.refused
    for x in (a, b, d, late):
        await x.close()
    return out


def test_the_database_going_away_is_ridden_out_or_refused_cleanly(tmp_path: Path) -> None:
    with Cluster(tmp_path, processes=1, members=5, proxy_database=True) as c:
        out = asyncio.run(_scenario(c))
        assert c.alive(0), c.log(0)
    assert out["refused"], "the proxy refused no connection: the test proved nothing"
    # Short: a retry, then success, stored once.
    assert out["short"]["ok"] is True, out["short"]
    assert out["short_took"] >= SHORT_OUTAGE
    assert out["short_stored"] == 1
    # Long: a clear error, nothing half-written.
    long = out["long"]
    assert long["ok"] is False
    assert long["error"]["code"] == "unavailable"
    # In the member's language (Turkish here): "try again in a moment".
    assert "birazdan yeniden deneyin" in long["error"]["message"]
    assert out["long_stored"] == 0
    assert out["long_seq_changed"] is False
    assert out["long_audit_changed"] is False
    status, headers, body = out["page"]
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert b"try again in a moment" in body
    assert b'<a href="/sessions/' in body  # the way back to the same page
    api_status, api_body = out["api"]
    assert api_status == 503
    assert "try again" in api_body["detail"]
    assert "4503" in str(out["late_join"]), out["late_join"]
    # After: everything works on the same sockets.
    assert out["after"]["ok"] is True
    assert out["after_stored"] == 1
    assert out["hand"]["ok"] is True
    assert out["late_seq"] == out["hand"]["data"]["seq"]
    assert out["opens"] == [1, 1, 1]
