"""Hypothesis throws bad frames at the live socket: every one is answered with the contract's
error reply (CONTRACT.md §3), the socket stays open, and nothing that is stored changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.errors import Invalid
from config.asgi import application
from realtime import protocol
from tests.realtime.conftest import ORIGIN, WAIT, login_cookie
from tests.security.state import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

MAX_FRAME = 64 * 1024
ERROR_CODES = {"invalid", "forbidden", "not_found", "conflict", "rate_limited", "too_large"}

# --- Strategies -------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
frame_ids = st.text(min_size=1, max_size=protocol.MAX_ID_LENGTH)
known_types = st.sampled_from(sorted(protocol.REGISTRY))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


not_json = st.text(min_size=1, max_size=200).filter(lambda t: not _is_json(t))
not_objects = json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps)
bad_ids = st.one_of(
    st.just({}),
    st.builds(lambda v: {"id": v}, json_values.filter(lambda v: not isinstance(v, str) or not v)),
    st.builds(lambda n: {"id": "x" * n}, st.integers(protocol.MAX_ID_LENGTH + 1, 500)),
)
without_good_id = st.builds(
    lambda ident, type_, data: json.dumps({**ident, "type": type_, "data": data}),
    bad_ids,
    known_types,
    json_values,
)
unknown_commands = st.builds(
    lambda id_, type_, data: json.dumps({"type": type_, "id": id_, "data": data}),
    frame_ids,
    json_values.filter(lambda t: not isinstance(t, str) or t not in protocol.REGISTRY),
    json_values,
)
data_not_object = st.builds(
    lambda id_, type_, data: json.dumps({"type": type_, "id": id_, "data": data}),
    frame_ids,
    known_types,
    json_values.filter(lambda d: not isinstance(d, dict) and d is not None),
)


@st.composite
def invalid_fields(draw: Any) -> str:
    """A known command whose data fails validation: wrong types, missing or unknown fields."""
    type_ = draw(known_types)
    command = protocol.REGISTRY[type_]
    names = sorted(command.fields)
    data = draw(st.fixed_dictionaries({}, optional={n: json_values for n in names}))
    if draw(st.booleans()) or not names:
        data[draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in names))] = draw(
            json_values
        )
    try:
        protocol.validate(command, data)
    except Invalid:
        pass
    else:
        assume(False)
    return json.dumps({"type": type_, "id": draw(frame_ids), "data": data})


huge = st.builds(
    lambda id_, n: json.dumps({"type": "minutes.save", "id": id_, "data": {"text": "ş" * n}}),
    frame_ids,
    st.integers(MAX_FRAME // 2 + 1, MAX_FRAME),
)


def _nested(depth: int, frame_id: str) -> str:
    kind = "[" * depth + "]" * depth
    return f'{{"type": "hand.raise", "id": {json.dumps(frame_id)}, "data": {{"kind": {kind}}}}}'


deeply_nested = st.builds(_nested, st.integers(500, 30_000), frame_ids)
bad_frames = st.one_of(
    not_json,
    not_objects,
    without_good_id,
    unknown_commands,
    data_not_object,
    invalid_fields(),
    huge,
    deeply_nested,
)


def _depth(text: str) -> int:
    """How deep the JSON text nests arrays and objects (a second, plain implementation:
    decode, and measure the decoded value; text that does not decode counts as flat)."""
    import sys

    def measure(value: Any) -> int:
        if isinstance(value, dict):
            return 1 + max((measure(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((measure(v) for v in value), default=0)
        return 0

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return measure(json.loads(text))
    except (ValueError, RecursionError):
        return 0
    finally:
        sys.setrecursionlimit(limit)


def expected_id(text: str) -> str | None:
    """The ``in_response`` the contract asks for: the frame's id when it has a usable one."""
    if len(text.encode("utf-8")) > MAX_FRAME:
        return None
    if _depth(text) > protocol.MAX_DEPTH:
        return None  # refused before parsing, like text that is not JSON
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    frame_id = obj.get("id")
    if isinstance(frame_id, str) and 0 < len(frame_id) <= protocol.MAX_ID_LENGTH:
        return frame_id
    return None


def check_error_reply(text: str, reply: dict[str, Any]) -> None:
    assert set(reply) == {"event", "seq", "in_response", "ok", "error"}, reply
    assert reply["event"] == "reply"
    assert reply["seq"] is None
    assert reply["ok"] is False
    assert reply["in_response"] == expected_id(text)
    assert set(reply["error"]) == {"code", "message", "fields"}
    assert reply["error"]["code"] in ERROR_CODES
    assert isinstance(reply["error"]["message"], str)
    assert reply["error"]["message"]
    assert isinstance(reply["error"]["fields"], dict)
    if len(text.encode("utf-8")) > MAX_FRAME:
        assert reply["error"]["code"] == "too_large"
    elif reply["error"]["code"] != "rate_limited":
        assert reply["error"]["code"] == "invalid"


async def send_all(session_id: int, cookie: str, frames: list[str]) -> list[dict[str, Any]]:
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session_id}/",
        headers=[(b"cookie", f"sessionid={cookie}".encode()), (b"origin", ORIGIN)],
    )
    accepted, _ = await communicator.connect(timeout=WAIT)
    assert accepted
    try:
        first = json.loads(await communicator.receive_from(timeout=WAIT))
        assert first["event"] == "session.state"
        for text in frames:
            await communicator.send_to(text_data=text)
        replies: list[dict[str, Any]] = []
        while len(replies) < len(frames):
            frame = json.loads(await communicator.receive_from(timeout=WAIT))
            if frame["event"] == "reply":
                replies.append(frame)
        # Still open: a ping-like bad frame is still answered.
        await communicator.send_to(text_data="{")
        last = json.loads(await communicator.receive_from(timeout=WAIT))
        assert last["event"] == "reply"
        return replies
    finally:
        await communicator.disconnect(timeout=WAIT)


@pytest.fixture
def live(live_session: Any, facilitator: Any, member: Any) -> tuple[int, dict[str, str]]:
    from tests.voting.conftest import check_in, new_decision
    from voting import services as voting_services

    check_in(live_session, facilitator, member)
    decision = new_decision(facilitator, session=live_session)
    voting_services.open_round(facilitator, decision.pk)
    cookies = {"facilitator": login_cookie(facilitator), "member": login_cookie(member)}
    return live_session.pk, cookies


@hsettings(
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    frames=st.lists(bad_frames, min_size=1, max_size=12),
    who=st.sampled_from(["facilitator", "member"]),
)
def test_bad_frames_get_an_error_reply_and_change_nothing(
    live: tuple[int, dict[str, str]], frames: list[str], who: str
) -> None:
    session_id, cookies = live
    before = snapshot()
    replies = async_to_sync(send_all)(session_id, cookies[who], frames)
    by_id: dict[str | None, list[dict[str, Any]]] = {}
    for reply in replies:
        by_id.setdefault(reply["in_response"], []).append(reply)
    for text in frames:
        reply = by_id[expected_id(text)].pop(0)
        check_error_reply(text, reply)
    assert snapshot() == before


@hsettings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    flood=st.lists(
        bad_frames | st.just('{"type": "queue.next", "id": "f", "data": {}}'),
        min_size=60,
        max_size=120,
    )
)
def test_a_flood_is_answered_frame_by_frame_and_rate_limited(
    live: tuple[int, dict[str, str]], flood: list[str], settings: Any
) -> None:
    settings.ORTAK_WS_RATE_BURST = 30
    settings.ORTAK_WS_RATE_PER_SECOND = 0.001  # no refill within the test
    session_id, cookies = live
    before = snapshot()
    replies = async_to_sync(send_all)(session_id, cookies["member"], flood)
    assert len(replies) == len(flood)
    codes = [r["error"]["code"] if not r["ok"] else "ok" for r in replies]
    assert codes.count("rate_limited") >= len(flood) - 30
    assert snapshot() == before
