"""Every error code of the protocol, and bad frames that neither close nor change anything."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

from assembly import services
from assembly.models import AgendaItem, Hand, SessionStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

run = sync_to_async
BIG = 65 * 1024


@run
def first_item(session) -> int:
    pk = AgendaItem.objects.filter(session=session).values_list("pk", flat=True).first()
    assert pk is not None
    return pk


@run
def waiting_hands(session) -> int:
    return Hand.objects.filter(session=session, state=Hand.State.WAITING).count()


async def still_open_and_unchanged(socket, watcher, session, seq_before, db_seq, helper) -> None:
    """Nothing was published or stored, and the socket still works.

    A sentinel change (``helper`` raises a hand) must reach the watcher with the very
    next seq: had a bad frame produced an event, the sentinel's seq would be higher.
    """
    assert await db_seq(session) == seq_before
    await socket.command("hand.lower")  # the socket still answers (whatever it says)
    await helper.ok("hand.raise", {"kind": "speak"})
    frame = await watcher.event("queue.changed")
    assert frame["seq"] == seq_before + 1


@pytest.fixture
def cast(live_session, member, member2, facilitator):
    return live_session, member, member2, facilitator


# --- invalid -------------------------------------------------------------------------------------


async def test_not_json(sockets, cast, db_seq) -> None:
    session, member, member2, _ = cast
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    await m.send_raw("this is not json {")
    reply = await m.reply(None)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "invalid"
    assert reply["seq"] is None
    await still_open_and_unchanged(m, w, session, 0, db_seq, w)


async def test_binary_frames_are_invalid(sockets, cast) -> None:
    session, member, *_ = cast
    _, m = await sockets(session, member)
    await m.communicator.send_to(bytes_data=b'{"type": "hand.lower", "id": "b", "data": {}}')
    reply = await m.reply(None)
    assert reply["error"]["code"] == "invalid"


async def test_unknown_command(sockets, cast, db_seq) -> None:
    session, member, member2, _ = cast
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    error = await m.error("hand.wave", {})
    assert error["code"] == "invalid"
    assert "type" in error["fields"]
    await still_open_and_unchanged(m, w, session, 0, db_seq, w)


async def test_bad_field_type(sockets, cast, db_seq) -> None:
    session, member, member2, _ = cast
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    error = await m.error("hand.raise", {"kind": 7})
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"kind"}
    assert await waiting_hands(session) == 0
    await still_open_and_unchanged(m, w, session, 0, db_seq, w)


async def test_unknown_field(sockets, cast, db_seq) -> None:
    session, member, member2, _ = cast
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    error = await m.error("hand.raise", {"kind": "speak", "urgent": True})
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"urgent"}
    assert await waiting_hands(session) == 0
    await still_open_and_unchanged(m, w, session, 0, db_seq, w)


async def test_a_frame_without_an_id_is_answered_with_null(sockets, cast) -> None:
    session, member, *_ = cast
    _, m = await sockets(session, member)
    await m.send_raw(json.dumps({"type": "hand.raise", "data": {"kind": "speak"}}))
    reply = await m.reply(None)
    assert reply["error"]["code"] == "invalid"
    assert "id" in reply["error"]["fields"]
    assert await waiting_hands(session) == 0


# --- forbidden -----------------------------------------------------------------------------------


async def test_member_runs_queue_next(sockets, cast, db_seq) -> None:
    session, member, member2, _ = cast
    await run(services.raise_hand)(member2, session.pk, "speak")
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    before = await db_seq(session)
    error = await m.error("queue.next")
    assert error["code"] == "forbidden"
    assert await db_seq(session) == before
    await m.ok("hand.raise", {"kind": "speak"})
    assert (await w.event("queue.changed"))["seq"] == before + 1


async def test_observer_raises_a_hand(sockets, cast, observer, db_seq) -> None:
    session, _, member2, _ = cast
    _, o = await sockets(session, observer)
    _, w = await sockets(session, member2)
    error = await o.error("hand.raise", {"kind": "speak"})
    assert error["code"] == "forbidden"
    assert await waiting_hands(session) == 0
    await still_open_and_unchanged(o, w, session, 0, db_seq, w)


async def test_error_messages_are_in_the_users_language(sockets, cast, observer) -> None:
    session, *_ = cast
    observer.language = "en"
    await run(observer.save)()
    _, o = await sockets(session, observer)
    english = (await o.error("hand.raise", {"kind": "speak"}))["message"]
    observer.language = "tr"
    await run(observer.save)()
    _, o2 = await sockets(session, observer)
    turkish = (await o2.error("hand.raise", {"kind": "speak"}))["message"]
    assert english and turkish
    assert english == "You are watching only; you cannot ask to speak."


# --- not_found -----------------------------------------------------------------------------------


async def test_open_an_unknown_agenda_item(sockets, cast, db_seq) -> None:
    session, _, member2, facilitator = cast
    _, f = await sockets(session, facilitator)
    _, w = await sockets(session, member2)
    error = await f.error("agenda.open", {"item": 999_999})
    assert error["code"] == "not_found"
    await still_open_and_unchanged(f, w, session, 0, db_seq, w)


async def test_move_someone_not_in_the_queue(sockets, cast, db_seq) -> None:
    session, member, member2, facilitator = cast
    await run(services.raise_hand)(member, session.pk, "speak")
    _, f = await sockets(session, facilitator)
    error = await f.error("queue.move", {"member": member2.pk, "position": 0})
    assert error["code"] == "not_found"
    assert await db_seq(session) == 1


# --- conflict ------------------------------------------------------------------------------------


async def test_raise_a_hand_when_the_session_is_not_live(sockets, session, member, db_seq):
    _, m = await sockets(session, member)
    assert session.status == SessionStatus.SCHEDULED
    error = await m.error("hand.raise", {"kind": "speak"})
    assert error["code"] == "conflict"
    assert await waiting_hands(session) == 0
    assert await db_seq(session) == 0


async def test_open_the_current_item_again(sockets, cast, db_seq) -> None:
    session, *_, facilitator = cast
    item = await first_item(session)
    _, f = await sockets(session, facilitator)
    await f.ok("agenda.open", {"item": item})
    error = await f.error("agenda.open", {"item": item})
    assert error["code"] == "conflict"
    assert await db_seq(session) == 1


# --- rate_limited --------------------------------------------------------------------------------


async def test_flooding_past_the_burst_is_rate_limited(sockets, cast, settings, db_seq) -> None:
    session, member, member2, _ = cast
    settings.ORTAK_WS_RATE_BURST = 3
    settings.ORTAK_WS_RATE_PER_SECOND = 0.001  # no refill within the test
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    ids = [await m.send("hand.lower") for _ in range(3)]
    flood = [await m.send("hand.raise", {"kind": "speak"}) for _ in range(4)]
    for frame_id in ids:
        assert (await m.reply(frame_id))["ok"] is True
    for frame_id in flood:
        reply = await m.reply(frame_id)
        assert reply["ok"] is False
        assert reply["error"]["code"] == "rate_limited"
    # Nothing the limited frames asked for happened, and the socket is still open.
    assert await waiting_hands(session) == 0
    assert await db_seq(session) == 0
    assert (await m.error("hand.lower"))["code"] == "rate_limited"
    # The limit is per socket: the member's other socket is not limited.
    _, m2 = await sockets(session, member)
    assert await m2.ok("hand.raise", {"kind": "speak"}) == {"seq": 1}
    assert (await w.event("queue.changed"))["seq"] == 1


async def test_the_member_limit_spans_all_their_sockets(sockets, cast, settings, db_seq) -> None:
    session, member, *_ = cast
    settings.ORTAK_WS_MEMBER_RATE_PER_SECOND = 4
    _, a = await sockets(session, member)
    _, b = await sockets(session, member)
    sent = [await (a if i % 2 else b).send("hand.lower") for i in range(10)]
    codes = []
    for i, frame_id in enumerate(sent):
        reply = await (a if i % 2 else b).reply(frame_id)
        codes.append("ok" if reply["ok"] else reply["error"]["code"])
    # A one-second window may straddle two seconds: at most twice the limit gets through.
    assert 4 <= codes.count("ok") <= 8
    assert codes.count("rate_limited") == 10 - codes.count("ok")
    assert await db_seq(session) == 0


async def test_bad_frames_count_against_the_limit_too(sockets, cast, settings) -> None:
    session, member, *_ = cast
    settings.ORTAK_WS_RATE_BURST = 3
    settings.ORTAK_WS_RATE_PER_SECOND = 0.001
    _, m = await sockets(session, member)
    assert (await m.error("hand.raise", {"kind": "shout"}))["code"] == "invalid"
    await m.send_raw("not json")
    assert (await m.reply(None))["error"]["code"] == "invalid"
    await m.ok("hand.lower")
    # A flood of garbage is limited like a flood of commands.
    await m.send_raw("not json")
    assert (await m.reply(None))["error"]["code"] == "rate_limited"
    assert (await m.error("hand.lower"))["code"] == "rate_limited"


# --- too_large -----------------------------------------------------------------------------------


async def test_a_65_kib_frame_is_too_large(sockets, cast, db_seq) -> None:
    session, _, member2, facilitator = cast
    item = await first_item(session)
    _, f = await sockets(session, facilitator)
    _, w = await sockets(session, member2)
    text = json.dumps({"type": "minutes.save", "id": "big", "data": {"item": item, "text": ""}})
    text = text.replace('"text": ""', '"text": "' + "ş" * (BIG // 2) + '"')
    assert len(text.encode("utf-8")) > 64 * 1024
    await f.send_raw(text)
    reply = await f.reply(None)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "too_large"
    assert reply["in_response"] is None
    minutes = await run(AgendaItem.objects.values_list("minutes", flat=True).get)(pk=item)
    assert minutes == ""
    await still_open_and_unchanged(f, w, session, 0, db_seq, w)


# --- A bad frame never closes the socket and never changes seq ----------------------------------


async def test_a_barrage_of_bad_frames(sockets, cast, observer, db_seq) -> None:
    session, member, member2, _ = cast
    await run(services.raise_hand)(member2, session.pk, "speak")
    item = await first_item(session)
    _, m = await sockets(session, member)
    _, w = await sockets(session, member2)
    before = await db_seq(session)
    bad = [
        ("not json", None, "invalid"),
        ("[]", None, "invalid"),
        ('{"type": "hand.raise", "id": "", "data": {}}', None, "invalid"),
        ('{"type": "hand.raise", "id": "n", "data": {"kind": NaN}}', None, "invalid"),
        ('{"type": "timer.start", "id": "i", "data": {"seconds": Infinity}}', None, "invalid"),
        ('{"type": "nope", "id": "u", "data": {}}', "u", "invalid"),
        ('{"type": "hand.raise", "id": "d", "data": []}', "d", "invalid"),
        ('{"type": "hand.raise", "id": "k", "data": {"kind": ["speak"]}}', "k", "invalid"),
        ('{"type": "queue.next", "id": "q", "data": {}}', "q", "forbidden"),
        (
            '{"type": "queue.move", "id": "v", "data": {"member": 1, "position": 0}}',
            "v",
            "forbidden",
        ),
        (json.dumps({"type": "agenda.open", "id": "a", "data": {"item": item}}), "a", "forbidden"),
        ("x" * BIG, None, "too_large"),
    ]
    for text, in_response, code in bad:
        await m.send_raw(text)
        reply = await m.reply(in_response)
        assert (reply["ok"], reply["error"]["code"]) == (False, code), text[:60]
    assert await db_seq(session) == before
    await m.ok("hand.raise", {"kind": "speak"})
    frame = await w.event("queue.changed")
    assert frame["seq"] == before + 1
    assert not [f for f in w.buffer if f["event"] != "reply"], "no other event was published"
