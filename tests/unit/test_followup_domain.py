"""Follow-up's pure rules: the moves between states as a truth table, overdue, reasons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup import domain
from followup.domain import InvalidMove, Status

ALLOWED = {
    (Status.PLANNED, Status.IN_PROGRESS),
    (Status.PLANNED, Status.DONE),
    (Status.PLANNED, Status.BLOCKED),
    (Status.PLANNED, Status.DROPPED),
    (Status.IN_PROGRESS, Status.PLANNED),
    (Status.IN_PROGRESS, Status.DONE),
    (Status.IN_PROGRESS, Status.BLOCKED),
    (Status.IN_PROGRESS, Status.DROPPED),
    (Status.BLOCKED, Status.PLANNED),
    (Status.BLOCKED, Status.IN_PROGRESS),
    (Status.BLOCKED, Status.DONE),
    (Status.BLOCKED, Status.DROPPED),
    (Status.DONE, Status.IN_PROGRESS),  # reopened
    (Status.DROPPED, Status.PLANNED),  # revived
}


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("to", list(Status))
def test_moves_truth_table(start: Status, to: Status) -> None:
    if start == to or (start, to) in ALLOWED:
        assert domain.move(start.value, to.value) is to
    else:
        with pytest.raises(InvalidMove):
            domain.move(start.value, to.value)


def test_unknown_states_are_refused() -> None:
    with pytest.raises(InvalidMove):
        domain.move("planned", "finished")
    with pytest.raises(InvalidMove):
        domain.move("waiting", "done")


@pytest.mark.parametrize(
    ("start", "to", "needed"),
    [
        ("planned", "blocked", True),
        ("in_progress", "dropped", True),
        ("blocked", "blocked", False),  # a note on a blocked one needs no new reason
        ("planned", "done", False),
        ("dropped", "planned", False),
    ],
)
def test_blocking_and_dropping_need_a_reason(start: str, to: str, needed: bool) -> None:
    assert domain.needs_reason(start, to) is needed


TODAY = date(2026, 12, 8)


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (TODAY - timedelta(days=1), "planned", True),
        (TODAY - timedelta(days=1), "in_progress", True),
        (TODAY - timedelta(days=1), "blocked", True),
        (TODAY - timedelta(days=1), "done", False),
        (TODAY - timedelta(days=1), "dropped", False),
        (TODAY, "planned", False),  # due today is not late yet
        (None, "planned", False),
    ],
)
def test_overdue(due: date | None, status: str, overdue: bool) -> None:
    assert domain.is_overdue(due, status, TODAY) is overdue


@given(st.lists(st.sampled_from(list(Status)), max_size=30))
def test_any_walk_of_allowed_moves_can_always_reach_done(walk: list[Status]) -> None:
    """Whatever happened, a commitment can still be finished: every state reaches done."""
    state = Status.PLANNED
    for to in walk:
        try:
            state = domain.move(state, to)
        except InvalidMove:
            continue
    seen = {state}
    frontier = [state]
    while frontier:
        here = frontier.pop()
        for there in domain.MOVES[here]:
            if there not in seen:
                seen.add(there)
                frontier.append(there)
    assert Status.DONE in seen or state is Status.DONE
    assert domain.can_take_on(state) == (state in domain.OPEN)
