"""Facilitation rotation, speaking totals and the per-socket token bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from assembly.domain import Candidate, Turn, speaking_totals, suggest_facilitators
from realtime.ratelimit import TokenBucket

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
ISTANBUL = timezone(timedelta(hours=3))


def days_ago(n: int) -> datetime:
    return T0 - timedelta(days=n)


# --- suggest_facilitators -------------------------------------------------------------------


def test_never_facilitated_come_first_then_least_recent() -> None:
    candidates = [
        Candidate(1, "Ayşe", days_ago(7), times=4),
        Candidate(2, "Mehmet", None),
        Candidate(3, "Zeynep", days_ago(60), times=1),
        Candidate(4, "Can", days_ago(30), times=2),
        Candidate(5, "Deniz", None),
    ]
    result = [c.member for c in suggest_facilitators(candidates, count=5)]
    assert set(result[:2]) == {2, 5}
    assert result[2:] == [3, 4, 1]


def test_count_limits_the_suggestions() -> None:
    candidates = [Candidate(i, f"p{i}", days_ago(i)) for i in range(1, 8)]
    assert [c.member for c in suggest_facilitators(candidates, count=3)] == [7, 6, 5]
    assert suggest_facilitators(candidates, count=0) == []
    assert suggest_facilitators(candidates, count=-2) == []
    assert suggest_facilitators([], count=3) == []


def test_ties_among_the_never_facilitated_are_stable_by_name() -> None:
    candidates = [Candidate(1, "zeynep", None), Candidate(2, "Ali", None)]
    assert [c.member for c in suggest_facilitators(candidates)] == [2, 1]


def test_recency_compares_instants_not_clock_readings() -> None:
    # 12:00 in Istanbul is 09:00 UTC: earlier than 10:00 UTC, although "12" > "10".
    istanbul_noon = datetime(2026, 3, 8, 12, 0, tzinfo=ISTANBUL)
    utc_ten = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    candidates = [Candidate(1, "A", utc_ten), Candidate(2, "B", istanbul_noon)]
    assert [c.member for c in suggest_facilitators(candidates)] == [2, 1]


@given(
    st.lists(st.tuples(st.none() | st.integers(0, 400), st.integers(0, 5)), min_size=0, max_size=12)
)
def test_rotation_order_property(rows) -> None:
    candidates = [
        Candidate(i, f"m{i}", None if d is None else days_ago(d), times=t)
        for i, (d, t) in enumerate(rows, start=1)
    ]
    result = suggest_facilitators(candidates, count=len(candidates))
    assert sorted(c.member for c in result) == [c.member for c in candidates]
    never = [c.last_facilitated is None for c in result]
    assert never == sorted(never, reverse=True)  # the never-facilitated all come first
    dates = [c.last_facilitated for c in result if c.last_facilitated is not None]
    assert dates == sorted(dates)  # then least recent first


# --- speaking_totals -------------------------------------------------------------------------


def test_speaking_totals_sum_turns_per_member() -> None:
    turns = [
        Turn(1, T0, T0 + timedelta(seconds=90)),
        Turn(2, T0 + timedelta(minutes=2), T0 + timedelta(minutes=3)),
        Turn(1, T0 + timedelta(minutes=5), T0 + timedelta(minutes=5, seconds=30)),
    ]
    assert speaking_totals(turns, now=T0 + timedelta(hours=1)) == {1: 120, 2: 60}


def test_an_open_turn_counts_up_to_now() -> None:
    turns = [Turn(3, T0, None)]
    assert speaking_totals(turns, now=T0 + timedelta(seconds=42)) == {3: 42}


def test_whole_seconds_and_no_negative_time() -> None:
    turns = [
        Turn(1, T0, T0 + timedelta(seconds=10, milliseconds=999)),
        Turn(2, T0, T0 - timedelta(seconds=5)),  # a clock step back never subtracts
    ]
    assert speaking_totals(turns, now=T0) == {1: 10, 2: 0}


def test_fractions_add_up_before_rounding_down() -> None:
    half = timedelta(milliseconds=500)
    turns = [Turn(1, T0, T0 + half), Turn(1, T0, T0 + half)]
    assert speaking_totals(turns, now=T0) == {1: 1}


def test_no_turns_no_totals() -> None:
    assert speaking_totals([], now=T0) == {}


# --- TokenBucket ----------------------------------------------------------------------------


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket.full(rate=10, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]


def test_tokens_come_back_at_the_rate() -> None:
    bucket = TokenBucket.full(rate=2, burst=2, now=0.0)
    assert bucket.take(0.0) and bucket.take(0.0)
    assert not bucket.take(0.0)
    assert not bucket.take(0.4)  # 0.8 of a token
    assert bucket.take(0.5)  # one whole token since the start
    assert not bucket.take(0.5)


def test_refill_never_exceeds_the_burst() -> None:
    bucket = TokenBucket.full(rate=100, burst=2, now=0.0)
    assert bucket.take(0.0)
    results = [bucket.take(1000.0) for _ in range(3)]
    assert results == [True, True, False]


@given(
    st.floats(min_value=0.1, max_value=50),
    st.integers(min_value=1, max_value=20),
    st.lists(st.floats(min_value=0, max_value=0.5), max_size=60),
)
def test_never_more_than_burst_plus_rate_times_elapsed(rate, burst, gaps) -> None:
    bucket = TokenBucket.full(rate=rate, burst=burst, now=0.0)
    now = 0.0
    taken = 0
    for gap in gaps:
        now += gap
        taken += bucket.take(now)
    assert taken <= burst + rate * now + 1e-9
