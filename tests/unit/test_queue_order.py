"""The speaker queue order (CONTRACT §3 "Queue order") as truth tables and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assembly.domain import Hand, HandKind, move, order_queue, requeue, with_pins

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
K = HandKind
RANK = {K.PROCESS: 0, K.RESPONSE: 1, K.QUESTION: 2, K.SPEAK: 3}  # from the contract


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def hand(member: int, kind: HandKind, t: int, pinned: int | None = None, moved: int | None = None):
    return Hand(member, kind, at(t), pinned, at(moved) if moved is not None else None)


def members(hands: list[Hand]) -> list[int]:
    return [h.member for h in hands]


# --- Truth tables ---------------------------------------------------------------------

# (hands as (member, kind, seconds after T0), members who have spoken, expected order)
TABLE = [
    pytest.param([], set(), [], id="empty"),
    pytest.param([(1, K.SPEAK, 0)], set(), [1], id="one"),
    pytest.param([(1, K.SPEAK, 0), (2, K.PROCESS, 9)], set(), [2, 1], id="process jumps a speaker"),
    pytest.param(
        [(1, K.QUESTION, 0), (2, K.RESPONSE, 5)], set(), [2, 1], id="response before question"
    ),
    pytest.param([(1, K.SPEAK, 0), (2, K.QUESTION, 5)], set(), [2, 1], id="question before speak"),
    pytest.param(
        [(1, K.RESPONSE, 0), (2, K.PROCESS, 5)], set(), [2, 1], id="process before response"
    ),
    pytest.param(
        [(1, K.SPEAK, 0), (2, K.QUESTION, 1), (3, K.RESPONSE, 2), (4, K.PROCESS, 3)],
        set(),
        [4, 3, 2, 1],
        id="all four ranks",
    ),
    pytest.param(
        [(1, K.SPEAK, 0), (2, K.SPEAK, 5)], {1}, [2, 1], id="not yet spoken before spoken"
    ),
    pytest.param([(1, K.SPEAK, 0), (2, K.SPEAK, 5)], {2}, [1, 2], id="spoken later stays later"),
    pytest.param([(1, K.SPEAK, 0), (2, K.SPEAK, 5)], {1, 2}, [1, 2], id="both spoken: by time"),
    pytest.param(
        [(1, K.SPEAK, 7), (2, K.SPEAK, 3), (3, K.SPEAK, 5)],
        set(),
        [2, 3, 1],
        id="same rank by time raised",
    ),
    pytest.param(
        [(1, K.QUESTION, 0), (2, K.QUESTION, 5)],
        {1},
        [1, 2],
        id="progressive order is for speak only (question)",
    ),
    pytest.param(
        [(1, K.PROCESS, 0), (2, K.PROCESS, 5)],
        {1},
        [1, 2],
        id="progressive order is for speak only (process)",
    ),
    pytest.param(
        [(1, K.RESPONSE, 0), (2, K.RESPONSE, 5)],
        {1},
        [1, 2],
        id="progressive order is for speak only (response)",
    ),
    pytest.param(
        [(1, K.SPEAK, 0), (2, K.QUESTION, 9)],
        {2},
        [2, 1],
        id="a question of someone who spoke still beats a speak",
    ),
    pytest.param(
        [(1, K.SPEAK, 0), (2, K.SPEAK, 1), (3, K.SPEAK, 2), (4, K.SPEAK, 3)],
        {1, 3},
        [2, 4, 1, 3],
        id="two tiers of speakers, each by time",
    ),
    pytest.param(
        [(5, K.SPEAK, 0), (3, K.SPEAK, 0)], set(), [3, 5], id="exact tie: member id decides"
    ),
]


@pytest.mark.parametrize(("rows", "spoken", "expected"), TABLE)
def test_queue_order_truth_table(rows, spoken, expected) -> None:
    hands = [hand(m, k, t) for (m, k, t) in rows]
    assert members(order_queue(hands, spoken)) == expected


def test_the_current_speaker_counts_as_having_spoken() -> None:
    # has_spoken is passed in: the caller includes whoever holds the floor now (member 1),
    # so their new hand waits behind someone who raised later but has not spoken.
    hands = [hand(1, K.SPEAK, 0), hand(2, K.SPEAK, 30)]
    current_speaker = 1
    assert members(order_queue(hands, {current_speaker})) == [2, 1]


PINNED = [
    pytest.param(
        [(1, K.SPEAK, 0, None, None), (2, K.SPEAK, 1, None, None), (3, K.SPEAK, 2, 0, 10)],
        [3, 1, 2],
        id="moved to the head",
    ),
    pytest.param(
        [(1, K.PROCESS, 0, None, None), (2, K.SPEAK, 1, None, None), (3, K.SPEAK, 2, 0, 10)],
        [3, 1, 2],
        id="a move beats even a process point",
    ),
    pytest.param(
        [(1, K.SPEAK, 0, 2, 10), (2, K.SPEAK, 1, None, None), (3, K.SPEAK, 2, None, None)],
        [2, 3, 1],
        id="moved to the back",
    ),
    pytest.param(
        [(1, K.SPEAK, 0, 99, 10), (2, K.SPEAK, 1, None, None)],
        [2, 1],
        id="a position past the end is the end",
    ),
    pytest.param(
        [(1, K.SPEAK, 0, 0, 10), (2, K.SPEAK, 1, 0, 20), (3, K.SPEAK, 2, None, None)],
        [2, 1, 3],
        id="a later move wins a contested slot",
    ),
    pytest.param(
        [(1, K.SPEAK, 0, 0, 20), (2, K.SPEAK, 1, 0, 10), (3, K.SPEAK, 2, None, None)],
        [1, 2, 3],
        id="a later move wins regardless of who raised first",
    ),
    pytest.param(
        [(1, K.SPEAK, 0, None, None), (2, K.SPEAK, 1, 1, 10), (3, K.PROCESS, 2, None, None)],
        [3, 2, 1],
        id="the pin is an index, not a rank",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), PINNED)
def test_pinned_entries_truth_table(rows, expected) -> None:
    hands = [hand(m, k, t, p, mv) for (m, k, t, p, mv) in rows]
    assert members(order_queue(hands, set())) == expected


# --- Properties -------------------------------------------------------------------------

kinds = st.sampled_from(list(HandKind))
seconds = st.integers(min_value=0, max_value=30)  # a small range makes ties common


@st.composite
def hand_sets(draw, *, pins: bool = False, min_size: int = 0, max_size: int = 9):
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    ids = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n, unique=True))
    hands = []
    for member in ids:
        pinned = draw(st.none() | st.integers(0, 12)) if pins else None
        moved = draw(st.none() | seconds) if pinned is not None else None
        hands.append(hand(member, draw(kinds), draw(seconds), pinned, moved))
    return hands


spoken_sets = st.sets(st.integers(1, 60), max_size=30)


def natural_rank(h: Hand, spoken: set[int]) -> tuple[int, int]:
    return (RANK[h.kind], 1 if h.kind is K.SPEAK and h.member in spoken else 0)


@given(hand_sets(pins=True), spoken_sets, st.randoms(use_true_random=False))
def test_input_order_does_not_matter(hands, spoken, rnd: random.Random) -> None:
    shuffled = list(hands)
    rnd.shuffle(shuffled)
    assert order_queue(shuffled, spoken) == order_queue(hands, spoken)


@given(hand_sets(pins=True), spoken_sets)
def test_output_is_a_permutation_of_the_input(hands, spoken) -> None:
    result = order_queue(hands, spoken)
    assert sorted(members(result)) == sorted(members(hands))
    assert {h: hands.count(h) for h in hands} == {h: result.count(h) for h in result}


@given(hand_sets(), spoken_sets)
def test_process_hands_come_first_when_nothing_is_pinned(hands, spoken) -> None:
    result = order_queue(hands, spoken)
    kinds_in_order = [h.kind is K.PROCESS for h in result]
    # Once a non-process hand appears, no process hand follows.
    assert kinds_in_order == sorted(kinds_in_order, reverse=True)


@given(hand_sets(), spoken_sets)
def test_ranks_never_decrease_and_each_rank_is_by_time(hands, spoken) -> None:
    result = order_queue(hands, spoken)
    keys = [(natural_rank(h, spoken), h.raised_at) for h in result]
    assert keys == sorted(keys)


@given(hand_sets(), spoken_sets, kinds, seconds)
def test_adding_a_hand_never_reorders_the_others(hands, spoken, kind, t) -> None:
    newcomer = hand(99, kind, t)
    before = members(order_queue(hands, spoken))
    after = members(order_queue([*hands, newcomer], spoken))
    assert [m for m in after if m != 99] == before


@given(hand_sets(min_size=0), spoken_sets, st.integers(0, 12), st.data())
def test_a_pinned_hand_lands_at_its_index(hands, spoken, position, data) -> None:
    pinned = hand(99, data.draw(kinds), data.draw(seconds), position, data.draw(seconds))
    result = order_queue([*hands, pinned], spoken)
    expected_index = min(position, len(hands))  # in range, or else the end
    assert result.index(pinned) == expected_index
    # The others keep their natural order around it.
    assert [h for h in result if h is not pinned] == order_queue(hands, spoken)


@given(hand_sets(pins=True, min_size=1), spoken_sets)
def test_the_latest_move_lands_at_its_index_when_in_range(hands, spoken) -> None:
    moved = [h for h in hands if h.pinned is not None]
    if not moved:
        return
    latest = max(moved, key=lambda h: (h.pinned_at or h.raised_at, h.member))
    result = order_queue(hands, spoken)
    if latest.pinned is not None and latest.pinned < len(hands):
        assert result.index(latest) == latest.pinned


# --- Keeping a facilitator's moves while the queue changes (requeue, move) ------------------


@given(hand_sets(pins=True, min_size=1), spoken_sets, st.data())
def test_a_hand_leaving_never_reorders_the_rest(hands, spoken, data) -> None:
    before = order_queue(hands, spoken)
    leaving = data.draw(st.sampled_from(before))
    rest = [h for h in hands if h.member != leaving.member]
    after = order_queue(requeue(before, rest, spoken), spoken)
    assert members(after) == [m for m in members(before) if m != leaving.member]


@given(hand_sets(pins=True, min_size=1), spoken_sets)
def test_taking_the_head_moves_everyone_up_one(hands, spoken) -> None:
    before = order_queue(hands, spoken)
    head = before[0]
    rest = [h for h in hands if h is not head]
    after = order_queue(requeue(before, rest, spoken | {head.member}), spoken | {head.member})
    assert members(after) == members(before)[1:]


@given(hand_sets(pins=True), spoken_sets, kinds, seconds)
def test_a_new_hand_never_reorders_the_others_even_with_moves(hands, spoken, kind, t) -> None:
    newcomer = hand(99, kind, t)
    before = order_queue(hands, spoken)
    after = members(order_queue(requeue(before, [*hands, newcomer], spoken), spoken))
    assert [m for m in after if m != 99] == members(before)
    if all(h.pinned is None for h in hands):
        assert after == members(order_queue([*hands, newcomer], spoken))


@given(hand_sets(pins=True, min_size=1), spoken_sets, st.integers(0, 15), st.data())
def test_a_move_puts_the_entry_there_and_keeps_the_rest(hands, spoken, position, data) -> None:
    before = order_queue(hands, spoken)
    who = data.draw(st.sampled_from(before)).member
    after = members(order_queue(move(before, who, position, at(1000)), spoken))
    expected = [m for m in members(before) if m != who]
    expected.insert(min(position, len(expected)), who)
    assert after == expected


@given(hand_sets(pins=True), spoken_sets)
def test_with_pins_reproduces_any_order_of_the_natural_free_hands(hands, spoken) -> None:
    order = order_queue(hands, spoken)
    assert members(order_queue(with_pins(order), spoken)) == members(order)


def test_requeue_without_moves_is_the_rule() -> None:
    before = order_queue([hand(1, K.SPEAK, 0), hand(2, K.SPEAK, 1)], set())
    after = requeue(before, [hand(2, K.SPEAK, 1), hand(3, K.PROCESS, 2)], set())
    assert members(order_queue(after, set())) == [3, 2]
    assert all(h.pinned is None for h in after)


def test_a_moved_entry_moves_up_when_the_head_takes_the_floor() -> None:
    # 3 was moved to second place; when 1 takes the floor, 3 is first, 2 does not overtake.
    before = order_queue(
        [hand(1, K.SPEAK, 0), hand(2, K.SPEAK, 1), hand(3, K.SPEAK, 2, pinned=1, moved=5)], set()
    )
    assert members(before) == [1, 3, 2]
    rest = [h for h in before if h.member != 1]
    after = requeue(before, rest, {1})
    assert members(order_queue(after, {1})) == [3, 2]
    assert {h.member: h.pinned for h in after} == {3: 0, 2: None}
