"""realtime.protocol: parsing and validating client frames, encoding server frames."""

from __future__ import annotations

import json

import pytest

from common.errors import HTTP_STATUS, Invalid, TooLarge
from realtime import protocol
from realtime.protocol import REGISTRY, Choice, Integer, InvalidFor, Text, parse_frame, validate

LIMIT = 64 * 1024


def frame_text(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_a_good_frame_parses() -> None:
    inbound = parse_frame(frame_text(type="hand.raise", id="c-1", data={"kind": "speak"}), LIMIT)
    assert inbound == protocol.Inbound(type="hand.raise", id="c-1", data={"kind": "speak"})


def test_data_defaults_to_an_empty_object() -> None:
    assert parse_frame(frame_text(type="hand.lower", id="x"), LIMIT).data == {}


@pytest.mark.parametrize("text", ["not json", "{", "", "{'type': 'hand.lower'}", "[1,"])
def test_not_json_is_invalid_without_an_id(text: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_frame(text, LIMIT)
    assert not isinstance(info.value, InvalidFor)  # nothing to answer "in_response" to
    assert info.value.code == "invalid"


def test_binary_frames_are_invalid() -> None:
    with pytest.raises(Invalid):
        parse_frame(None, LIMIT)


@pytest.mark.parametrize("text", ["[]", "1", '"hand.lower"', "null", "true"])
def test_non_objects_are_invalid(text: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_frame(text, LIMIT)
    assert not isinstance(info.value, InvalidFor)


@pytest.mark.parametrize("frame_id", [None, "", 7, ["a"], "x" * (protocol.MAX_ID_LENGTH + 1)])
def test_a_missing_or_bad_id_is_invalid(frame_id) -> None:
    fields = {"type": "hand.lower", "data": {}}
    if frame_id is not None:
        fields["id"] = frame_id
    with pytest.raises(Invalid) as info:
        parse_frame(json.dumps(fields), LIMIT)
    assert "id" in info.value.fields
    assert not isinstance(info.value, InvalidFor)


def test_the_longest_id_is_accepted() -> None:
    frame_id = "x" * protocol.MAX_ID_LENGTH
    assert parse_frame(frame_text(type="hand.lower", id=frame_id), LIMIT).id == frame_id


@pytest.mark.parametrize("type_", ["hand.wave", "", None, 3, "HAND.RAISE", "reply"])
def test_an_unknown_command_is_invalid_and_names_the_frame(type_) -> None:
    with pytest.raises(InvalidFor) as info:
        parse_frame(frame_text(type=type_, id="c-9", data={}), LIMIT)
    assert info.value.inbound.id == "c-9"
    assert info.value.code == "invalid"
    assert "type" in info.value.fields


@pytest.mark.parametrize("data", [[], "x", 1, None, True])
def test_data_must_be_an_object(data) -> None:
    with pytest.raises(InvalidFor) as info:
        parse_frame(frame_text(type="hand.lower", id="c-2", data=data), LIMIT)
    assert info.value.inbound.id == "c-2"
    assert "data" in info.value.fields


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    text = '{"type": "timer.start", "id": "t", "data": {"seconds": ' + constant + "}}"
    with pytest.raises(Invalid):
        parse_frame(text, LIMIT)


def test_too_large_counts_bytes_not_characters() -> None:
    # "ş" is two bytes in UTF-8: the text is under the limit in characters, over it in bytes.
    padding = "ş" * (LIMIT // 2)
    text = frame_text(type="minutes.save", id="m", data={"item": 1, "text": padding})
    assert len(text) < LIMIT < len(text.encode("utf-8"))
    with pytest.raises(TooLarge) as info:
        parse_frame(text, LIMIT)
    assert info.value.code == "too_large"


def test_too_large_by_characters() -> None:
    with pytest.raises(TooLarge):
        parse_frame("x" * (LIMIT + 1), LIMIT)


def test_too_large_is_checked_before_json() -> None:
    # A huge frame is refused as too large even when it is not JSON at all.
    with pytest.raises(TooLarge):
        parse_frame("{" * (LIMIT + 1), LIMIT)


def test_exactly_the_limit_in_bytes_is_accepted() -> None:
    base = frame_text(type="minutes.save", id="m", data={"item": 1, "text": ""})
    text = base.replace('"text": ""', '"text": "' + "a" * (LIMIT - len(base)) + '"')
    assert len(text.encode("utf-8")) == LIMIT
    assert parse_frame(text, LIMIT).data["text"]


def test_deeply_nested_json_is_invalid_not_a_crash() -> None:
    text = '{"type": "hand.lower", "id": "d", "data": {"x": ' + "[" * 30000 + "]" * 30000 + "}}"
    with pytest.raises(Invalid):
        parse_frame(text, 10 * LIMIT)


# --- validate --------------------------------------------------------------------------------


def test_validate_accepts_good_data() -> None:
    assert validate(REGISTRY["hand.raise"], {"kind": "process"}) == {"kind": "process"}
    assert validate(REGISTRY["queue.move"], {"member": 3, "position": 0}) == {
        "member": 3,
        "position": 0,
    }
    assert validate(REGISTRY["hand.lower"], {}) == {}


def test_an_unknown_field_is_invalid() -> None:
    with pytest.raises(Invalid) as info:
        validate(REGISTRY["hand.lower"], {"kind": "speak"})
    assert set(info.value.fields) == {"kind"}


def test_a_missing_field_is_invalid() -> None:
    with pytest.raises(Invalid) as info:
        validate(REGISTRY["hand.raise"], {})
    assert set(info.value.fields) == {"kind"}


@pytest.mark.parametrize(
    ("command", "data", "field"),
    [
        ("hand.raise", {"kind": "shout"}, "kind"),
        ("hand.raise", {"kind": 3}, "kind"),
        ("hand.raise", {"kind": None}, "kind"),
        ("agenda.open", {"item": "1"}, "item"),
        ("agenda.open", {"item": 1.0}, "item"),
        ("agenda.open", {"item": True}, "item"),
        ("agenda.open", {"item": 0}, "item"),
        ("timer.start", {"seconds": 0}, "seconds"),
        ("timer.start", {"seconds": 3 * 60 * 60 + 1}, "seconds"),
        ("queue.move", {"member": 2, "position": -1}, "position"),
        ("minutes.save", {"item": 1, "text": 5}, "text"),
        ("minutes.save", {"item": 1, "text": "x" * 100_001}, "text"),
        ("task.volunteer", {"task": "chair"}, "task"),
    ],
)
def test_bad_values_are_invalid_per_field(command: str, data: dict, field: str) -> None:
    with pytest.raises(Invalid) as info:
        validate(REGISTRY[command], data)
    assert set(info.value.fields) == {field}


def test_all_errors_are_reported_at_once() -> None:
    with pytest.raises(Invalid) as info:
        validate(REGISTRY["queue.move"], {"member": "a", "extra": 1})
    assert set(info.value.fields) == {"member", "position", "extra"}


def test_field_validators() -> None:
    assert Choice(("a", "b")).clean("a") == "a"
    with pytest.raises(ValueError):
        Choice(("a", "b")).clean("c")
    assert Integer(minimum=1, maximum=3).clean(3) == 3
    assert Integer(nullable=True).clean(None) is None
    with pytest.raises(ValueError):
        Integer().clean(None)
    assert Text(max_length=3).clean("abc") == "abc"
    with pytest.raises(ValueError):
        Text(max_length=3, allow_blank=False).clean("   ")


def test_a_command_cannot_be_registered_twice() -> None:
    before = dict(REGISTRY)
    with pytest.raises(RuntimeError):
        protocol.command("hand.raise")(lambda ctx, data: None)
    assert before == REGISTRY


# --- Server frames -------------------------------------------------------------------------------


def test_frame_envelope() -> None:
    assert json.loads(protocol.frame("queue.changed", 4, {"queue": []})) == {
        "event": "queue.changed",
        "seq": 4,
        "data": {"queue": []},
    }


def test_frames_keep_non_ascii_text() -> None:
    text = protocol.frame("x", None, {"name": "Gül İzler"})
    assert "Gül İzler" in text


def test_frames_refuse_nan() -> None:
    with pytest.raises(ValueError):
        protocol.frame("x", 1, {"v": float("nan")})


def test_reply_envelopes() -> None:
    assert json.loads(protocol.reply_ok("c-1", {"seq": 3})) == {
        "event": "reply",
        "seq": None,
        "in_response": "c-1",
        "ok": True,
        "data": {"seq": 3},
    }
    assert json.loads(protocol.reply_error(None, "too_large", "big")) == {
        "event": "reply",
        "seq": None,
        "in_response": None,
        "ok": False,
        "error": {"code": "too_large", "message": "big", "fields": {}},
    }


def test_every_error_code_of_the_contract_has_an_http_status() -> None:
    codes = {"invalid", "forbidden", "not_found", "conflict", "rate_limited", "too_large"}
    # And one of Ortak's own (docs/protocol.md): the database is away, try again later.
    assert set(HTTP_STATUS) == codes | {"unavailable"}
    assert HTTP_STATUS["unavailable"] == 503


def test_event_payload_needs_an_event_dataclass() -> None:
    with pytest.raises(TypeError):
        protocol.event_payload({"name": "x"})


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('{"a": 1}', False),
        ("[" * protocol.MAX_DEPTH + "]" * protocol.MAX_DEPTH, False),
        ("[" * (protocol.MAX_DEPTH + 1) + "]" * (protocol.MAX_DEPTH + 1), True),
        ('{"s": "' + "[" * 200 + '"}', False),  # brackets in a string do not nest
        ('{"s": "\\\\"' + ', "t": ' + "[" * 100 + "]" * 100 + "}", True),
    ],
)
def test_nesting_is_measured_outside_strings(text: str, deep: bool) -> None:
    assert protocol.too_deep(text) is deep


def test_a_frame_nested_too_deeply_is_refused_before_parsing() -> None:
    deep = '{"type": "hand.raise", "id": "0", "data": {"kind": ' + "[" * 100 + "]" * 100 + "}}"
    with pytest.raises(Invalid):
        protocol.parse_frame(deep, 65536)
