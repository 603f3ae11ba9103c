"""The life of a session as a full truth table (assembly.domain.transition)."""

from __future__ import annotations

import itertools

import pytest

from assembly.domain import (
    TRANSITIONS,
    InvalidTransition,
    SessionAction,
    SessionStatus,
    allowed_actions,
    transition,
)

S = SessionStatus
A = SessionAction

# Written from CONTRACT §3 / docs/protocol.md, not from the table in the code:
# scheduled → live (start) → adjourned (adjourn) → live (resume) or closed (close);
# a scheduled session can be closed (cancelled). Everything else is refused.
EXPECTED: dict[tuple[SessionStatus, SessionAction], SessionStatus | None] = {
    (S.SCHEDULED, A.START): S.LIVE,
    (S.SCHEDULED, A.ADJOURN): None,
    (S.SCHEDULED, A.RESUME): None,
    (S.SCHEDULED, A.CLOSE): S.CLOSED,
    (S.LIVE, A.START): None,
    (S.LIVE, A.ADJOURN): S.ADJOURNED,
    (S.LIVE, A.RESUME): None,
    (S.LIVE, A.CLOSE): None,
    (S.ADJOURNED, A.START): None,
    (S.ADJOURNED, A.ADJOURN): None,
    (S.ADJOURNED, A.RESUME): S.LIVE,
    (S.ADJOURNED, A.CLOSE): S.CLOSED,
    (S.CLOSED, A.START): None,
    (S.CLOSED, A.ADJOURN): None,
    (S.CLOSED, A.RESUME): None,
    (S.CLOSED, A.CLOSE): None,
}


def test_the_table_covers_every_state_and_action() -> None:
    assert set(EXPECTED) == set(itertools.product(SessionStatus, SessionAction))


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED))
def test_transition(state: SessionStatus, action: SessionAction) -> None:
    expected = EXPECTED[(state, action)]
    if expected is None:
        with pytest.raises(InvalidTransition) as info:
            transition(state, action)
        assert info.value.state == state
        assert info.value.action == action
    else:
        assert transition(state, action) is expected
        # Plain strings (as stored in the database) work the same.
        assert transition(str(state.value), str(action.value)) is expected


@pytest.mark.parametrize("state", list(SessionStatus))
def test_allowed_actions_match_the_table(state: SessionStatus) -> None:
    expected = {a for (s, a), result in EXPECTED.items() if s is state and result is not None}
    assert set(allowed_actions(state)) == expected


def test_the_code_table_has_no_extra_edges() -> None:
    allowed = {key: value for key, value in EXPECTED.items() if value is not None}
    assert allowed == TRANSITIONS


def test_closed_is_final() -> None:
    assert allowed_actions(SessionStatus.CLOSED) == []


@pytest.mark.parametrize(
    ("state", "action"),
    [("paused", "start"), ("live", "explode"), ("", ""), ("LIVE", "adjourn")],
)
def test_unknown_states_and_actions_are_invalid_transitions(state: str, action: str) -> None:
    with pytest.raises(InvalidTransition):
        transition(state, action)
