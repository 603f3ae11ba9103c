"""The per-member window of live sockets."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from realtime.ratelimit import MemberWindows


def test_each_member_is_held_to_the_limit_within_a_second() -> None:
    windows = MemberWindows()
    assert [windows.allows(1, 3, 10.0) for _ in range(4)] == [True, True, True, False]
    assert windows.allows(2, 3, 10.5)  # another member has their own count
    assert windows.allows(1, 3, 11.0)  # a new second, a new window


@given(
    st.lists(st.tuples(st.integers(1, 4), st.floats(0, 5, allow_nan=False)), max_size=200).map(
        lambda events: sorted(events, key=lambda e: e[1])
    ),
    st.integers(1, 5),
)
def test_allowed_is_the_first_limit_of_each_member_in_each_second(
    events: list[tuple[int, float]], limit: int
) -> None:
    windows = MemberWindows()
    seen: Counter[tuple[int, int]] = Counter()
    for member, now in events:
        seen[(member, int(now))] += 1
        assert windows.allows(member, limit, now) == (seen[(member, int(now))] <= limit)
