"""The decision commands over a live socket: replies, events to the others, and errors.

Each test opens the acting socket and a watching one. Sequenced events are matched
by their ``seq``; tally snapshots (``seq`` null, coalesced) by their content, since
only the latest one is sure to arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.utils import timezone

from assembly.models import Session, SessionTask, Task
from tests.realtime.conftest import WAIT
from tests.realtime.coverage import covers
from tests.realtime.verify import apply_event
from tests.voting.conftest import new_decision
from voting import scheduler, selectors, services
from voting.models import Decision, Record, Round, Stance

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

run = sync_to_async
OBJECTION = "Depo bahçenin tek gölgeli köşesine kuruluyor."


async def pair(sockets, session, actor, watcher):
    """The acting socket, the watching socket and the seq they both start from."""
    accepted, a = await sockets(session, actor)
    assert accepted
    accepted, w = await sockets(session, watcher)
    assert accepted
    assert a.state["seq"] == w.state["seq"]
    return a, w, a.state["seq"]


def tally_where(decision_id: int, **expected):
    """A predicate: a tally snapshot of this decision with these values."""

    def match(frame) -> bool:
        if frame["event"] != "decision.tally_changed":
            return False
        data = frame["data"]
        return data["decision"] == decision_id and all(data[k] == v for k, v in expected.items())

    return match


@run
def db_round(decision_id: int, number: int = 1) -> Round:
    return Round.objects.get(decision_id=decision_id, number=number)


@run
def stances_of(decision_id: int) -> list[tuple[int | None, str, str]]:
    return list(
        Stance.objects.filter(round__decision_id=decision_id)
        .order_by("id")
        .values_list("member_id", "option", "reason")
    )


@pytest.fixture
def secret_round(present, facilitator) -> Decision:
    decision = new_decision(facilitator, session=present, policy={"secret": True})
    services.open_round(facilitator, decision.pk)
    return decision


@pytest.fixture
def hidden_round(present, facilitator) -> Decision:
    decision = new_decision(facilitator, session=present, policy={"reveal": "after_close"})
    services.open_round(facilitator, decision.pk)
    return decision


@pytest.fixture
def ranked_round(present, facilitator) -> Decision:
    decision = new_decision(
        facilitator,
        session=present,
        method="ranked",
        alternatives=[("Çatıya", ""), ("Bahçeye", "")],
    )
    services.open_round(facilitator, decision.pk)
    return decision


# --- stance.cast ---------------------------------------------------------------------------------


@covers("stance.cast")
async def test_stance_cast(sockets, live_round, member, member2, facilitator, db_seq) -> None:
    session = await run(Session.objects.get)(pk=live_round.session_id)
    a, w, seq = await pair(sockets, session, member, member2)
    reply = await a.ok("stance.cast", {"decision": live_round.pk, "option": "consent"})
    assert reply == {"decision": live_round.pk, "round": 1, "changed": False}
    frame = await w.wait_for(tally_where(live_round.pk, responded=1))
    assert frame["seq"] is None
    assert frame["data"] == {
        "decision": live_round.pk,
        "round": 1,
        "responded": 1,
        "eligible": 3,
        "present": 3,
        "counts": {"consent": 1, "concern": 0, "objection": 0},
    }
    # A change and a second member: the latest counts arrive.
    reply = await a.ok(
        "stance.cast", {"decision": live_round.pk, "option": "objection", "reason": OBJECTION}
    )
    assert reply["changed"] is True
    await w.ok("stance.cast", {"decision": live_round.pk, "option": "concern", "reason": ""})
    latest = {"consent": 0, "concern": 1, "objection": 1}
    frame = await w.wait_for(tally_where(live_round.pk, responded=2, counts=latest))
    assert frame["seq"] is None
    assert await a.wait_for(tally_where(live_round.pk, responded=2, counts=latest))
    assert await stances_of(live_round.pk) == [
        (member.pk, "objection", OBJECTION),
        (member2.pk, "concern", ""),
    ]
    assert await db_seq(session) == seq  # stances are not sequenced changes


async def test_casts_sent_together_each_get_their_own_reply(
    sockets, live_round, member, member2, facilitator
) -> None:
    """Casts that arrive together run as one batch; each reply is the one it would get
    alone, a bad cast among them included."""
    session = await run(Session.objects.get)(pk=live_round.session_id)
    people = [(await sockets(session, p))[1] for p in (member, member2, facilitator)]
    options = ["consent", "bogus", "concern"]
    ids = [
        await s.send("stance.cast", {"decision": live_round.pk, "option": o})
        for s, o in zip(people, options, strict=True)
    ]
    replies = [await s.reply(i) for s, i in zip(people, ids, strict=True)]
    assert [r["ok"] for r in replies] == [True, False, True]
    assert replies[1]["error"]["code"] == "invalid"
    assert sorted(o for _m, o, _r in await stances_of(live_round.pk)) == ["concern", "consent"]


async def test_a_failed_batch_runs_its_casts_one_by_one(
    sockets, live_round, member, member2, monkeypatch
) -> None:
    from dataclasses import replace

    from realtime import protocol

    def broken(calls):
        raise RuntimeError("the batch failed as a whole")

    command = protocol.REGISTRY["stance.cast"]
    monkeypatch.setitem(protocol.REGISTRY, "stance.cast", replace(command, batch=broken))
    session = await run(Session.objects.get)(pk=live_round.session_id)
    a, b = [(await sockets(session, p))[1] for p in (member, member2)]
    first = await a.send("stance.cast", {"decision": live_round.pk, "option": "consent"})
    second = await b.send("stance.cast", {"decision": live_round.pk, "option": "concern"})
    assert (await a.reply(first))["ok"] and (await b.reply(second))["ok"]
    assert len(await stances_of(live_round.pk)) == 2


async def test_stance_cast_with_counts_hidden_until_close(
    sockets, hidden_round, member, member2
) -> None:
    session = await run(Session.objects.get)(pk=hidden_round.session_id)
    a, w, _ = await pair(sockets, session, member, member2)
    await a.ok("stance.cast", {"decision": hidden_round.pk, "option": "consent"})
    await w.ok("stance.cast", {"decision": hidden_round.pk, "option": "concern"})
    for socket in (a, w):
        frame = await socket.wait_for(tally_where(hidden_round.pk, responded=2))
        assert frame["data"]["counts"] is None
        assert frame["data"]["eligible"] == 3


async def test_a_secret_stance_is_cast_once(sockets, secret_round, member, member2) -> None:
    session = await run(Session.objects.get)(pk=secret_round.session_id)
    a, w, _ = await pair(sockets, session, member, member2)
    await a.ok("stance.cast", {"decision": secret_round.pk, "option": "consent"})
    frame = await w.wait_for(tally_where(secret_round.pk, responded=1))
    assert frame["data"]["counts"] is None  # secret: revealed after close
    error = await a.error("stance.cast", {"decision": secret_round.pk, "option": "concern"})
    assert error["code"] == "conflict"
    assert await stances_of(secret_round.pk) == [(None, "consent", "")]


async def test_stance_cast_ranked(sockets, ranked_round, member, member2) -> None:
    session = await run(Session.objects.get)(pk=ranked_round.session_id)
    a, w, _ = await pair(sockets, session, member, member2)
    keys = await run(selectors.option_keys)(ranked_round)
    await a.ok("stance.cast", {"decision": ranked_round.pk, "ranking": [keys[1], keys[0]]})
    frame = await w.wait_for(tally_where(ranked_round.pk, responded=1))
    assert frame["data"]["counts"] == {keys[0]: 0, keys[1]: 1, keys[2]: 0}
    error = await a.error("stance.cast", {"decision": ranked_round.pk, "ranking": ["başka"]})
    assert (error["code"], list(error["fields"])) == ("invalid", ["ranking"])


# --- round.open ----------------------------------------------------------------------------------


@covers("round.open")
async def test_round_open(sockets, live_decision, facilitator, member) -> None:
    session = await run(Session.objects.get)(pk=live_decision.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    [entry] = w.state["data"]["decisions"]
    assert (entry["id"], entry["status"], entry["round"]) == (live_decision.pk, "draft", 0)
    reply = await a.ok("round.open", {"decision": live_decision.pk, "seconds": None})
    assert reply == {"decision": live_decision.pk, "round": 1}
    frame = await w.event("decision.round_opened", seq + 1)
    assert await a.event("decision.round_opened", seq + 1) == frame
    assert frame["data"] == {
        "decision": live_decision.pk,
        "round": 1,
        "closes_at": None,
        "options": ["consent", "concern", "objection"],
        "text": live_decision.text,
        "actions": {
            "watcher": [],
            "member": ["stance.cast"],
            "note_taker": ["stance.cast"],
            "facilitator": ["stance.cast", "round.close"],
        },
    }
    # The new round's tally follows: nobody has responded yet.
    tally = await w.wait_for(tally_where(live_decision.pk, round=1))
    assert tally["data"]["responded"] == 0


async def test_round_open_with_a_deadline(sockets, live_decision, facilitator, member) -> None:
    session = await run(Session.objects.get)(pk=live_decision.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    before = timezone.now()
    await a.ok("round.open", {"decision": live_decision.pk, "seconds": 600})
    frame = await w.event("decision.round_opened", seq + 1)
    closes_at = (await db_round(live_decision.pk)).closes_at
    assert closes_at is not None
    assert frame["data"]["closes_at"] == closes_at.isoformat()
    assert before + timedelta(seconds=600) <= closes_at


async def test_round_open_ranked_lists_the_alternatives(
    sockets, present, facilitator, member
) -> None:
    decision = await run(new_decision)(
        facilitator, session=present, method="ranked", alternatives=[("A", ""), ("B", "")]
    )
    a, w, seq = await pair(sockets, present, facilitator, member)
    [entry] = w.state["data"]["decisions"]
    keys = [alt["key"] for alt in entry["alternatives"]]
    assert [alt["title"] for alt in entry["alternatives"]][:2] == ["A", "B"]
    assert keys[-1] == "status_quo"
    await a.ok("round.open", {"decision": decision.pk})
    frame = await w.event("decision.round_opened", seq + 1)
    assert frame["data"]["options"] == keys


# --- round.close ---------------------------------------------------------------------------------


@covers("round.close")
async def test_round_close(sockets, live_round, facilitator, member, member2) -> None:
    session = await run(Session.objects.get)(pk=live_round.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    await w.ok("stance.cast", {"decision": live_round.pk, "option": "consent"})
    _, m2 = await sockets(session, member2)
    await m2.ok(
        "stance.cast", {"decision": live_round.pk, "option": "objection", "reason": OBJECTION}
    )
    reply = await a.ok("round.close", {"decision": live_round.pk})
    assert reply == {"decision": live_round.pk, "round": 1, "outcome": "not_adopted"}
    frame = await w.event("decision.round_closed", seq + 1)
    assert await a.event("decision.round_closed", seq + 1) == frame
    data = frame["data"]
    assert (data["decision"], data["round"], data["outcome"]) == (live_round.pk, 1, "not_adopted")
    assert data["tally"] == {
        "responded": 2,
        "eligible": 3,
        "present": 3,
        "counts": {"consent": 1, "concern": 0, "objection": 1},
    }
    assert data["fallback_used"] is False
    round_ = await db_round(live_round.pk)
    assert round_.closed_by_id == facilitator.pk
    # Not adopted: a second round may open.
    await a.ok("round.open", {"decision": live_round.pk})
    opened = await w.event("decision.round_opened", seq + 2)
    assert opened["data"]["round"] == 2


async def test_round_close_reveals_hidden_counts(sockets, hidden_round, facilitator, member):
    session = await run(Session.objects.get)(pk=hidden_round.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    await w.ok("stance.cast", {"decision": hidden_round.pk, "option": "concern"})
    await a.ok("round.close", {"decision": hidden_round.pk})
    frame = await w.event("decision.round_closed", seq + 1)
    assert frame["data"]["tally"]["counts"] == {"consent": 0, "concern": 1, "objection": 0}
    assert frame["data"]["outcome"] == "adopted"


async def test_round_close_ranked(sockets, ranked_round, facilitator, member, member2) -> None:
    session = await run(Session.objects.get)(pk=ranked_round.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    first, second, quo = await run(selectors.option_keys)(ranked_round)
    await w.ok("stance.cast", {"decision": ranked_round.pk, "ranking": [second, first]})
    await a.ok("stance.cast", {"decision": ranked_round.pk, "ranking": [second]})
    _, m2 = await sockets(session, member2)
    await m2.ok("stance.cast", {"decision": ranked_round.pk, "ranking": [first, quo, second]})
    reply = await a.ok("round.close", {"decision": ranked_round.pk})
    assert reply["outcome"] == "adopted"
    data = (await w.event("decision.round_closed", seq + 1))["data"]
    assert data["outcome"] == "adopted"
    assert data["winner"] == second
    assert data["order"] == [[second], [first], [quo]]
    assert data["pairwise"] == {
        first: {second: 1, quo: 2},
        second: {first: 2, quo: 2},
        quo: {first: 0, second: 1},
    }
    assert data["tally"]["counts"] == {first: 1, second: 2, quo: 0}


# --- decision.record ------------------------------------------------------------------------------


@covers("decision.record")
async def test_decision_record(sockets, live_round, facilitator, member) -> None:
    await run(services.cast_stance)(member, live_round.pk, option="consent")
    await run(services.close_round)(facilitator, live_round.pk)
    session = await run(Session.objects.get)(pk=live_round.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    reply = await a.ok(
        "decision.record",
        {"decision": live_round.pk, "statement": "Depo kurulacak.", "review_at": "2099-01-31"},
    )
    record = await run(Record.objects.select_related("assembly").get)(decision=live_round)
    url = await run(selectors.record_url)(record)
    assert reply == {"decision": live_round.pk, "ref": record.ref, "url": url}
    frame = await w.event("decision.recorded", seq + 1)
    assert frame["data"] == {
        "decision": live_round.pk,
        "ref": record.ref,
        "url": url,
        "actions": {"watcher": [], "member": [], "note_taker": [], "facilitator": []},
    }
    assert url.startswith("/decisions/")
    assert record.statement == "Depo kurulacak."
    assert record.review_at is not None and record.review_at.isoformat() == "2099-01-31"
    # A second time is a conflict, and changes nothing.
    error = await a.error("decision.record", {"decision": live_round.pk, "statement": "Yine."})
    assert error["code"] == "conflict"
    assert await run(Record.objects.count)() == 1


async def test_decision_record_invalid_fields(sockets, live_round, facilitator, member) -> None:
    await run(services.close_round)(facilitator, live_round.pk)
    session = await run(Session.objects.get)(pk=live_round.session_id)
    _, a = await sockets(session, facilitator)
    for data, field in (
        ({"decision": live_round.pk, "statement": ""}, "statement"),
        ({"decision": live_round.pk, "statement": "x", "review_at": "31.01.2099"}, "review_at"),
        ({"decision": live_round.pk}, "statement"),
    ):
        error = await a.error("decision.record", data)
        assert error["code"] == "invalid", data
        assert field in error["fields"], (data, error)
    assert not await run(Record.objects.exists)()


# --- Errors ---------------------------------------------------------------------------------------


async def test_a_member_cannot_run_a_decision(
    sockets, live_decision, facilitator, member, db_seq
) -> None:
    session = await run(Session.objects.get)(pk=live_decision.session_id)
    _, m = await sockets(session, member)
    before = await db_seq(session)
    assert (await m.error("round.open", {"decision": live_decision.pk}))["code"] == "forbidden"
    await run(services.open_round)(facilitator, live_decision.pk)
    after_open = await db_seq(session)
    assert after_open == before + 1
    assert (await m.error("round.close", {"decision": live_decision.pk}))["code"] == "forbidden"
    await m.ok("stance.cast", {"decision": live_decision.pk, "option": "consent"})
    error = await m.error("decision.record", {"decision": live_decision.pk, "statement": "X"})
    assert error["code"] == "forbidden"
    assert await db_seq(session) == after_open
    assert (await db_round(live_decision.pk)).closed_at is None


async def test_unknown_and_foreign_decisions_are_not_found(
    sockets, live_decision, facilitator, member, assembly
) -> None:
    # Another session of the same assembly, with its own decision, facilitated by the same person.
    other_session = await run(Session.objects.create)(
        assembly=assembly, title="Başka oturum", starts_at=timezone.now(), status="live"
    )
    await run(SessionTask.objects.create)(
        session=other_session, user=facilitator, task=Task.FACILITATOR
    )
    foreign = await run(new_decision)(facilitator, session=other_session)
    session = await run(Session.objects.get)(pk=live_decision.session_id)
    _, f = await sockets(session, facilitator)
    _, m = await sockets(session, member)
    for decision_id in (foreign.pk, 10**8):
        for socket, command, data in (
            (f, "round.open", {}),
            (f, "round.close", {}),
            (f, "decision.record", {"statement": "X"}),
            (m, "stance.cast", {"option": "consent"}),
        ):
            error = await socket.error(command, {"decision": decision_id, **data})
            assert error["code"] == "not_found", (command, decision_id)
    assert not await run(Round.objects.filter(decision=foreign).exists)()


async def test_conflicts(sockets, live_decision, facilitator, member, db_seq) -> None:
    session = await run(Session.objects.get)(pk=live_decision.session_id)
    a, w, seq = await pair(sockets, session, facilitator, member)
    pk = live_decision.pk
    # No round open yet: nothing to cast in, close or record.
    assert (await w.error("stance.cast", {"decision": pk, "option": "consent"}))[
        "code"
    ] == "conflict"
    assert (await a.error("round.close", {"decision": pk}))["code"] == "conflict"
    assert (await a.error("decision.record", {"decision": pk, "statement": "X"}))[
        "code"
    ] == "conflict"
    await a.ok("round.open", {"decision": pk})
    assert (await a.error("round.open", {"decision": pk}))["code"] == "conflict"
    await w.ok("stance.cast", {"decision": pk, "option": "consent"})
    await a.ok("round.close", {"decision": pk})  # adopted
    assert (await w.error("stance.cast", {"decision": pk, "option": "concern"}))[
        "code"
    ] == "conflict"
    assert (await a.error("round.open", {"decision": pk}))["code"] == "conflict"
    await a.ok("decision.record", {"decision": pk, "statement": "Kabul."})
    assert (await a.error("decision.record", {"decision": pk, "statement": "X"}))[
        "code"
    ] == "conflict"
    assert (await a.error("round.open", {"decision": pk}))["code"] == "conflict"
    assert await db_seq(session) == seq + 3  # open, close, record; no more
    assert await run(Round.objects.filter(decision_id=pk).count)() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"option": "consent", "ranking": ["alt-1"]}, "option"),  # both
        ({}, "option"),  # neither
        ({"option": None, "ranking": None}, "option"),
        ({"option": 3}, "option"),
        ({"option": "consent", "reason": 5}, "reason"),
        ({"ranking": "alt-1"}, "ranking"),
        ({"ranking": [1, 2]}, "ranking"),
        ({"option": "agree"}, "option"),  # not an option of consent
        ({"option": "objection"}, "reason"),  # reason required
        ({"option": "objection", "reason": "x" * 2001}, "reason"),
    ],
)
async def test_stance_cast_invalid(sockets, live_round, member, data, field) -> None:
    session = await run(Session.objects.get)(pk=live_round.session_id)
    _, m = await sockets(session, member)
    error = await m.error("stance.cast", {"decision": live_round.pk, **data})
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert await stances_of(live_round.pk) == []


@pytest.mark.parametrize(
    ("command", "data", "field"),
    [
        ("stance.cast", {"decision": "1", "option": "consent"}, "decision"),
        ("stance.cast", {"option": "consent"}, "decision"),
        ("round.open", {"decision": 0}, "decision"),
        ("round.open", {"decision": True}, "decision"),
        ("round.open", {"decision": 1, "seconds": 0}, "seconds"),
        ("round.open", {"decision": 1, "seconds": "60"}, "seconds"),
        ("round.close", {"decision": 1.5}, "decision"),
        ("round.close", {"decision": 1, "fallback": "yes"}, "fallback"),
        ("decision.record", {"decision": 1, "statement": 7}, "statement"),
        ("decision.record", {"decision": 1, "statement": "x", "extra": 1}, "extra"),
    ],
)
async def test_bad_types_are_invalid(
    sockets, live_round, facilitator, command, data, field, db_seq
) -> None:
    session = await run(Session.objects.get)(pk=live_round.session_id)
    _, f = await sockets(session, facilitator)
    before = await db_seq(session)
    error = await f.error(command, data)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert await db_seq(session) == before


async def test_a_not_checked_in_member_cannot_cast(
    sockets, live_session, facilitator, member
) -> None:
    from tests.voting.conftest import check_in

    await run(check_in)(live_session, facilitator)
    decision = await run(new_decision)(facilitator, session=live_session)
    await run(services.open_round)(facilitator, decision.pk)
    _, m = await sockets(live_session, member)
    error = await m.error("stance.cast", {"decision": decision.pk, "option": "consent"})
    assert error["code"] == "forbidden"
    await m.ok("attendance.check_in")
    # Checking in changes who is present: the open round's tally says so.
    await m.wait_for(tally_where(decision.pk, present=2, responded=0))
    await m.ok("stance.cast", {"decision": decision.pk, "option": "consent"})


async def test_watchers_of_a_public_session_cannot_take_part(
    sockets, public_session, facilitator, member, observer, outsider, db_seq
) -> None:
    from tests.voting.conftest import check_in

    await run(check_in)(public_session, facilitator, member)
    decision = await run(new_decision)(facilitator, session=public_session)
    await run(services.open_round)(facilitator, decision.pk)
    before = await db_seq(public_session)
    for user in (None, observer, outsider):
        accepted, socket = await sockets(public_session, user)
        assert accepted
        [entry] = socket.state["data"]["decisions"]
        assert entry["id"] == decision.pk
        for command, data in (
            ("stance.cast", {"option": "consent"}),
            ("round.open", {}),
            ("round.close", {}),
            ("decision.record", {"statement": "X"}),
        ):
            error = await socket.error(command, {"decision": decision.pk, **data})
            assert error["code"] == "forbidden", (user, command, error)
    assert await db_seq(public_session) == before
    assert await stances_of(decision.pk) == []
    assert (await db_round(decision.pk)).closed_at is None


async def test_a_watcher_stays_in_step_with_decisions(
    sockets, present, facilitator, member, member2, observer
) -> None:
    """A client applying every frame ends where GET …/state/ is."""
    from django.test import Client

    decision = await run(new_decision)(facilitator, session=present, method="consensus")
    _, f = await sockets(present, facilitator)
    _, m = await sockets(present, member)
    _, m2 = await sockets(present, member2)
    _, w = await sockets(present, observer)
    state = w.state["data"]
    pk = decision.pk
    script = [
        (f, "round.open", {"decision": pk, "seconds": 900}),
        (m, "stance.cast", {"decision": pk, "option": "agree"}),
        (m2, "stance.cast", {"decision": pk, "option": "block", "reason": OBJECTION}),
        (f, "round.close", {"decision": pk}),
        (f, "round.open", {"decision": pk}),
        (m2, "stance.cast", {"decision": pk, "option": "stand_aside", "reason": OBJECTION}),
        (m, "stance.cast", {"decision": pk, "option": "reservations"}),
        (f, "stance.cast", {"decision": pk, "option": "agree"}),
        (f, "round.close", {"decision": pk}),
        (f, "decision.record", {"decision": pk, "statement": "Uzlaşıyla."}),
    ]
    for socket, command, data in script:
        await socket.ok(command, data)
    last = (await run(Session.objects.get)(pk=present.pk)).seq
    while state["seq"] < last:
        state = apply_event(state, await w.wait_for(lambda fr: fr["event"] != "reply"))
    # Late tally snapshots of a closed round change nothing.
    for frame in w.buffer:
        state = apply_event(state, frame)
    while not await w.communicator.receive_nothing(timeout=0.3):
        state = apply_event(state, await w.wait_for(lambda fr: True))

    @run
    def api_state():
        client = Client()
        client.force_login(observer)
        return client.get(f"/api/v1/sessions/{present.pk}/state/").json()

    expected = await api_state()
    assert state == expected
    [entry] = state["decisions"]
    assert (entry["status"], entry["round"], entry["outcome"]) == ("recorded", 2, "adopted")


# --- Deadlines, with the scheduler on -------------------------------------------------------------


@pytest_asyncio.fixture
async def scheduler_on(sockets, settings):
    """The deadline loop runs (as in every server process); stopped before the sockets close."""
    settings.ORTAK_SCHEDULER = True
    yield
    task = scheduler._task
    scheduler.stop()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_round_closes_at_its_deadline(
    scheduler_on, sockets, live_round, facilitator, member, db_seq
) -> None:
    # A fresh decision: the scheduler closes it with nobody acting.
    session = await run(Session.objects.get)(pk=live_round.session_id)
    decision = await run(new_decision)(facilitator, session=session, title="Süreli")
    a, w, seq = await pair(sockets, session, facilitator, member)
    await a.ok("round.open", {"decision": decision.pk, "seconds": 1})
    await w.event("decision.round_opened", seq + 1)
    await w.ok("stance.cast", {"decision": decision.pk, "option": "consent"})
    frame = await w.wait_for(lambda fr: fr["event"] == "decision.round_closed", timeout=WAIT + 5)
    assert frame["seq"] == seq + 2
    assert frame["data"]["decision"] == decision.pk
    assert frame["data"]["outcome"] == "adopted"
    # Give the loop more turns: it must not close (or publish) anything again.
    await asyncio.sleep(2 * scheduler.POLL_SECONDS + 0.5)
    assert await db_seq(session) == seq + 2
    assert not [f for f in w.buffer if f["event"] == "decision.round_closed"]
    rounds = await run(lambda: list(Round.objects.filter(decision=decision)))()
    assert len(rounds) == 1
    assert rounds[0].closed_at is not None
    assert rounds[0].closed_by_id is None
    assert (await db_round(live_round.pk)).closed_at is None  # no deadline: still open


# --- decision.create ------------------------------------------------------------------------------


@covers("decision.create")
async def test_decision_create_on_a_proposal(sockets, present, facilitator, member, db_seq) -> None:
    """The facilitator opens a decision on the agenda item's proposal from the live screen:
    the watching screen learns of it, and it asks about the proposal's current version."""
    from tests.proposals.conftest import TEXT, make_proposal

    proposal = await run(make_proposal)(facilitator, present.assembly)
    from proposals import services as proposal_services

    await run(proposal_services.change_state)(facilitator, proposal.pk, "open_discussion")
    a, w, seq = await pair(sockets, present, facilitator, member)
    reply = await a.ok(
        "decision.create",
        {
            "title": "Depo kararı",
            "method": "consensus",
            "proposal": proposal.pk,
            "policy": {"quorum": "1/2", "max_blocks": 1},
        },
    )
    decision = await run(Decision.objects.get)(pk=reply["decision"])
    assert reply["url"] == f"/decision/{decision.pk}/"
    assert (decision.proposal_id, decision.session_id, decision.text) == (
        proposal.pk,
        present.pk,
        TEXT,
    )
    assert decision.policy["max_blocks"] == 1 and decision.policy["quorum_of"] == "present"
    frame = await w.event("decision.added", seq + 1)
    assert frame["data"]["decision"]["id"] == decision.pk
    assert frame["data"]["decision"]["status"] == "draft"


async def test_decision_create_refusals(sockets, present, facilitator, member, db_seq) -> None:
    _, f = await sockets(present, facilitator)
    _, m = await sockets(present, member)
    before = await db_seq(present)
    denied = await m.error("decision.create", {"title": "Olmaz", "method": "consent"})
    assert denied["code"] == "forbidden"
    for data, field in (
        ({"title": "", "method": "consent"}, "title"),
        ({"title": "X", "method": "oylama"}, "method"),
        ({"title": "X", "method": "consent", "policy": {"quorum": "3/2"}}, "policy"),
        ({"title": "X", "method": "consent", "policy": ["1/2"]}, "policy"),
        ({"title": "X", "method": "consent", "proposal": 10**8}, None),
        ({"title": "X", "method": "ranked", "alternatives": [{"title": "Tek"}]}, "alternatives"),
        ({"title": "X", "method": "ranked", "alternatives": [{"baslik": "A"}]}, "alternatives"),
    ):
        error = await f.error("decision.create", data)
        if field is None:
            assert error["code"] == "not_found", data
        else:
            assert error["code"] == "invalid" and field in error["fields"], (data, error)
    assert await db_seq(present) == before
    assert not await run(Decision.objects.exists)()
