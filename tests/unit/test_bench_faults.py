"""The pure parts of the fault benchmarks (S6, S7): the reconnect schedule, resync times,
the exactly-once check of stances, and a resyncing client's bookkeeping."""

from __future__ import annotations

import json
from array import array
from types import SimpleNamespace
from typing import Any

import pytest

from bench.faults import (
    ResyncClient,
    ResyncGen,
    backoff_delay,
    resync_delay,
    resync_summary,
    stance_check,
)
from bench.loadgen import Hist, count_lag
from bench.scenarios import _dechunk


def test_the_reconnect_schedule_is_the_live_pages() -> None:
    # 0.5 s doubling to 15 s, times 0.5 to 1.5
    assert [backoff_delay(n, 0.5) for n in range(7)] == [0.5, 1, 2, 4, 8, 15, 15]
    assert backoff_delay(0, 0.0) == 0.25
    assert backoff_delay(0, 0.999) == pytest.approx(0.7495)
    assert backoff_delay(10, 0.0) == 7.5
    assert backoff_delay(10_000, 0.999) == pytest.approx(22.485)  # no overflow


def test_resync_time_counts_from_redis_back_to_the_first_complete_state() -> None:
    history = [(10.0, 5, "before"), (13.0, 6, "frames"), (14.5, 9, "fetch"), (15.0, 10, "frames")]
    assert resync_delay(history, back=12.0, target=9) == (2.5, "fetch")
    assert resync_delay(history, back=12.0, target=6) == (1.0, "frames")
    assert resync_delay(history, back=12.0, target=5) == (0.0, "current")
    assert resync_delay(history, back=12.0, target=11) is None
    assert resync_delay([], back=12.0, target=1) is None


def test_resync_summary_counts_late_and_missing_clients() -> None:
    summary = resync_summary(
        [(0.0, "current"), (1.0, "session.state"), (6.0, "fetch"), None], limit=5.0
    )
    assert summary["clients"] == 4
    assert summary["resynced"] == 3
    assert summary["within_limit"] == 2
    assert summary["not_within_limit"] == 2
    assert summary["never"] == 1
    assert summary["paths"] == {"current": 1, "fetch": 1, "session.state": 1}
    assert summary["time"]["max"] == 6.0


def test_stance_check_finds_lost_doubled_and_refused_stances() -> None:
    ok = {(1, 10), (1, 11), (2, 10)}
    stored = {(1, 10): 1, (1, 11): 2, (1, 12): 1, (1, 13): 1}
    out = stance_check(ok, unanswered={12}, stored=stored)
    assert out["lost"] == 1  # (2, 10)
    assert out["doubled"] == 1  # (1, 11)
    assert out["stored_unanswered"] == 1  # member 12: no reply, stored: allowed
    assert out["stored_refused"] == 1  # member 13: refused, yet stored
    assert out["rows"] == 5
    clean = stance_check(ok, set(), {k: 1 for k in ok})
    assert clean["lost"] == clean["doubled"] == clean["stored_refused"] == 0


def test_count_lag_since_keeps_the_rank_of_earlier_stances() -> None:
    sends = {1: array("d", [1.0, 2.0, 3.0, 4.0])}
    screen = SimpleNamespace(
        record=True,
        tally_t=array("d", [2.5, 5.0]),
        tally_round=array("l", [1, 1]),
        tally_resp=array("l", [2, 4]),
    )
    every = Hist()
    assert count_lag([screen], sends, every) == (4, 4, 1)  # type: ignore[list-item]
    late = Hist()
    assert count_lag([screen], sends, late, since=2.5) == (2, 2, 1)  # type: ignore[list-item]
    assert late.max == pytest.approx(2.0)  # stance 3, sent at 3.0, shown at 5.0
    short = SimpleNamespace(
        record=True,
        tally_t=array("d", [2.5]),
        tally_round=array("l", [1]),
        tally_resp=array("l", [2]),
    )
    assert count_lag([short], sends, Hist(), since=2.5) == (0, 2, 0)  # type: ignore[list-item]


def test_dechunk() -> None:
    assert _dechunk(b'4\r\n{"a"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n') == b'{"a": 1}'


def frame(event: str, seq: int | None, **data: Any) -> bytes:
    return json.dumps({"event": event, "seq": seq, "data": data}).encode()


@pytest.mark.asyncio
async def test_a_resyncing_client_fetches_on_a_gap_and_replays_what_came_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gen = ResyncGen(1)
    asked: list[ResyncClient] = []
    monkeypatch.setattr(gen, "fetch", asked.append)
    client = ResyncClient(gen, 0, 7, "cookie", 1, "/ws/sessions/1/", True)
    gen.clients.append(client)
    client._on_text(1.0, frame("session.state", 5))
    assert client.held == 5
    gen.track()
    client._on_text(2.0, frame("queue.changed", 6))
    assert client.held == 6
    client._on_text(3.0, frame("queue.changed", 9))  # 7 and 8 were lost
    assert client.fetching and asked == [client]
    client._on_text(3.1, frame("queue.changed", 10))  # waits for the fetch
    client._on_text(3.2, frame("queue.changed", 12))
    assert client.held == 6
    client.fetched(4.0, 9)
    # 9 from the state, 10 follows on, 12 is a new gap: another fetch
    assert client.held == 10
    assert client.fetching and len(asked) == 2
    client.fetched(4.5, None)  # failed: the next frame tries again
    assert not client.fetching and client.held == 10
    client._on_text(5.0, frame("session.state", 13))  # the server's fresh state
    assert client.held == 13
    assert [(t, seq, how) for t, seq, how in client.history][1:] == [
        (2.0, 6, "frames"),
        (4.0, 9, "fetch"),
        (4.0, 10, "frames"),
        (5.0, 13, "session.state"),
    ]
    assert client.history[0][1:] == (5, "before")
    assert client.fetches == 2 and client.states_again == 1
    # presence and tallies carry no seq: nothing changes
    client._on_text(6.0, frame("presence.changed", None, present=[]))
    client._on_text(6.0, frame("decision.tally_changed", None, responded=3, round=1))
    assert client.held == 13
    assert resync_delay(client.history, back=3.5, target=12) == (1.5, "session.state")
