"""Every socket command: it works for the right person, and its event reaches others.

Each test opens the acting socket and a second, watching socket, runs the command,
and checks the reply's ``seq`` and the event the watcher gets (``seq`` + 1).
"""

from __future__ import annotations

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async

from assembly import permissions, services
from assembly.models import AgendaItem, Attendance, QueueMove, SessionStatus, SessionTask
from tests.realtime.coverage import covers, sample_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

run = sync_to_async


def assert_moved(frame: dict, status: str) -> None:
    """A session.* event: the new status, and what each role may now do (the gates')."""
    assert frame["data"]["status"] == status
    assert frame["data"]["actions"] == permissions.session_actions(status)
    assert all(set(row["actions"]) == set(permissions.ROLES) for row in frame["data"]["agenda"])
    assert all(set(a) == set(permissions.ROLES) for a in frame["data"]["decision_actions"].values())


@run
def agenda_ids(session) -> list[int]:
    return list(AgendaItem.objects.filter(session=session).values_list("pk", flat=True))


@run
def set_status(session, status: str) -> None:
    session.status = status
    session.save(update_fields=["status"])


async def pair(sockets, session, actor, watcher):
    """The acting socket, the watching socket and the seq they both start from."""
    accepted, a = await sockets(session, actor)
    assert accepted
    accepted, w = await sockets(session, watcher)
    assert accepted
    assert a.state["seq"] == w.state["seq"]
    return a, w, a.state["seq"]


async def seen_by_both(a, w, name: str, seq):
    """The event, as the watcher and the actor each receive it (same frame for both)."""
    frame = await w.event(name, seq)
    assert await a.event(name, seq) == frame
    return frame


# --- Queue -------------------------------------------------------------------------------------


@covers("hand.raise")
async def test_hand_raise(sockets, live_session, member, member2) -> None:
    a, w, seq = await pair(sockets, live_session, member, member2)
    assert await a.ok("hand.raise", {"kind": "question"}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    [entry] = frame["data"]["queue"]
    assert (entry["member"], entry["kind"], entry["name"]) == (
        member.pk,
        "question",
        "Mehmet Demir",
    )
    assert frame["data"]["speaker"] is None


@covers("hand.lower")
async def test_hand_lower(sockets, live_session, member, member2) -> None:
    await run(services.raise_hand)(member, live_session.pk, "speak")
    await run(services.raise_hand)(member2, live_session.pk, "speak")
    a, w, seq = await pair(sockets, live_session, member, member2)
    assert await a.ok("hand.lower") == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    assert [e["member"] for e in frame["data"]["queue"]] == [member2.pk]
    # Lowering again changes nothing: same seq in the reply.
    assert await a.ok("hand.lower") == {"seq": seq + 1}


@covers("queue.next")
async def test_queue_next(sockets, live_session, facilitator, member, member2) -> None:
    await run(services.raise_hand)(member, live_session.pk, "speak")
    await run(services.raise_hand)(member2, live_session.pk, "process")
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("queue.next") == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    data = frame["data"]
    assert data["speaker"]["member"] == member2.pk  # the process point went first
    assert [e["member"] for e in data["queue"]] == [member.pk]
    assert data["timer"]["seconds"] == live_session.speaking_seconds
    assert data["timer"]["ends_at"] is not None


@covers("queue.move")
async def test_queue_move(sockets, live_session, facilitator, member, member2) -> None:
    await run(services.raise_hand)(member, live_session.pk, "speak")
    await run(services.raise_hand)(member2, live_session.pk, "speak")
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("queue.move", {"member": member2.pk, "position": 0}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    assert [(e["member"], e["moved"]) for e in frame["data"]["queue"]] == [
        (member2.pk, True),
        (member.pk, False),
    ]
    assert await run(QueueMove.objects.count)() == 1


@covers("timer.start")
async def test_timer_start(sockets, live_session, facilitator, member) -> None:
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("timer.start", {"seconds": 300}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    assert frame["data"]["timer"]["seconds"] == 300
    assert frame["data"]["timer"]["ends_at"] is not None
    assert frame["data"]["speaker"] is None  # a timer without a speaker (a break)


@covers("timer.stop")
async def test_timer_stop(sockets, live_session, facilitator, member) -> None:
    await run(services.start_timer)(facilitator, live_session.pk, 60)
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("timer.stop") == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "queue.changed", seq + 1)
    assert frame["data"]["timer"] == {"ends_at": None, "seconds": None}


# --- Session life ------------------------------------------------------------------------------


@covers("session.start")
async def test_session_start(sockets, session, facilitator, member) -> None:
    a, w, seq = await pair(sockets, session, facilitator, member)
    assert a.state["data"]["session"]["status"] == "scheduled"
    assert await a.ok("session.start") == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "session.started", seq + 1)
    assert_moved(frame, "live")


async def test_session_start_resumes_an_adjourned_session(
    sockets, session, facilitator, member
) -> None:
    await set_status(session, SessionStatus.ADJOURNED)
    a, w, seq = await pair(sockets, session, facilitator, member)
    await a.ok("session.start")
    frame = await seen_by_both(a, w, "session.started", seq + 1)
    assert_moved(frame, "live")


@covers("session.adjourn")
async def test_session_adjourn(sockets, live_session, facilitator, member) -> None:
    await run(services.raise_hand)(member, live_session.pk, "speak")
    await run(services.next_speaker)(facilitator, live_session.pk)
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("session.adjourn") == {"seq": seq + 2}
    adjourned = await seen_by_both(a, w, "session.adjourned", seq + 1)
    assert_moved(adjourned, "adjourned")
    queue = await seen_by_both(a, w, "queue.changed", seq + 2)
    assert queue["data"]["speaker"] is None
    assert queue["data"]["timer"] == {"ends_at": None, "seconds": None}


@covers("session.close")
async def test_session_close(sockets, live_session, facilitator, member) -> None:
    [first, _] = await agenda_ids(live_session)
    await run(services.open_agenda_item)(facilitator, live_session.pk, first)
    await run(services.raise_hand)(member, live_session.pk, "speak")
    await run(services.adjourn_session)(facilitator, live_session.pk)
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    # Closing is one command and three events: closed, the queue emptied, the item done.
    assert await a.ok("session.close") == {"seq": seq + 3}
    closed = await seen_by_both(a, w, "session.closed", seq + 1)
    assert_moved(closed, "closed")
    queue = await seen_by_both(a, w, "queue.changed", seq + 2)
    assert queue["data"]["queue"] == []
    agenda = await seen_by_both(a, w, "agenda.changed", seq + 3)
    assert [i["status"] for i in agenda["data"]["agenda"]] == ["done", "pending"]


# --- Agenda and minutes ---------------------------------------------------------------------------


@covers("agenda.open")
async def test_agenda_open(sockets, live_session, facilitator, member) -> None:
    first, second = await agenda_ids(live_session)
    a, w, seq = await pair(sockets, live_session, facilitator, member)
    assert await a.ok("agenda.open", {"item": second}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "agenda.item_opened", seq + 1)
    assert frame["data"]["item"] == second
    statuses = {i["id"]: i["status"] for i in frame["data"]["agenda"]}
    assert statuses == {first: "pending", second: "open"}


@covers("minutes.save")
async def test_minutes_save(sockets, live_session, member2_note_taker, member) -> None:
    first, _ = await agenda_ids(live_session)
    a, w, seq = await pair(sockets, live_session, member2_note_taker, member)
    text = "Öneri kabul edildi; İzmir şubesi bilgilendirilecek."
    assert await a.ok("minutes.save", {"item": first, "text": text}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "agenda.minutes_changed", seq + 1)
    assert {k: frame["data"][k] for k in ("item", "minutes", "by")} == {
        "item": first,
        "minutes": text,
        "by": member2_note_taker.pk,
    }


# --- Attendance and tasks -------------------------------------------------------------------------


@covers("attendance.check_in")
async def test_attendance_check_in(sockets, live_session, member, member2, db_seq) -> None:
    a, w, seq = await pair(sockets, live_session, member, member2)
    assert await a.ok("attendance.check_in") == {"new": True}
    frame = await w.event("presence.changed")
    assert frame["seq"] is None  # a derived snapshot, not a sequenced change
    assert frame["data"]["present"] == [member.pk]
    assert frame["data"]["arrived"] == {str(member.pk): "Mehmet Demir"}
    assert await a.ok("attendance.check_in") == {"new": False}
    assert await db_seq(live_session) == seq
    assert await run(Attendance.objects.filter(member=member).count)() == 1


async def test_presence_carries_the_latest_value(sockets, live_session, member, member2) -> None:
    a, w, _ = await pair(sockets, live_session, member, member2)
    _, b = await sockets(live_session, member2)
    await a.ok("attendance.check_in")
    await b.ok("attendance.check_in")
    # Snapshots may be coalesced; whichever come, the last one names both.
    expected = sorted([member.pk, member2.pk])
    while True:
        frame = await w.event("presence.changed")
        if sorted(frame["data"]["present"]) == expected:
            break


@covers("task.volunteer")
async def test_task_volunteer(sockets, live_session, facilitator, member, member2) -> None:
    a, w, seq = await pair(sockets, live_session, member, member2)
    assert await a.ok("task.volunteer", {"task": "facilitator"}) == {"seq": seq + 1}
    frame = await seen_by_both(a, w, "session.tasks_changed", seq + 1)
    assert frame["data"] == {
        "facilitators": [facilitator.pk, member.pk],
        "note_takers": [],
        "roles": {str(facilitator.pk): "facilitator", str(member.pk): "facilitator"},
    }
    assert await run(SessionTask.objects.filter(user=member, volunteered=True).count)() == 1
    # The new facilitator can now do a facilitator's work on the same socket.
    assert await a.ok("timer.start", {"seconds": 10}) == {"seq": seq + 2}


# --- Who may ------------------------------------------------------------------------------------

FACILITATOR_ONLY = [
    "session.start",
    "session.adjourn",
    "session.close",
    "agenda.open",
    "queue.next",
    "queue.move",
    "timer.start",
    "timer.stop",
]


async def test_facilitator_commands_are_forbidden_to_members(
    sockets, live_session, member, member2, db_seq
) -> None:
    await run(services.raise_hand)(member2, live_session.pk, "speak")
    first, _ = await agenda_ids(live_session)
    _, m = await sockets(live_session, member)
    before = await db_seq(live_session)
    for command in FACILITATOR_ONLY:
        data = sample_data(command, item=first, member=member2.pk)
        assert (await m.error(command, data))["code"] == "forbidden", command
    assert (await m.error("minutes.save", {"item": first, "text": "x"}))["code"] == "forbidden"
    assert await db_seq(live_session) == before


async def test_presence_from_a_finished_http_request_still_arrives(
    sockets, live_session, member, member2
) -> None:
    # A page view checks a member in inside Django's per-request context, which has
    # ended by the time the coalesced snapshot is built.
    _, w = await sockets(live_session, member2)
    async with ThreadSensitiveContext():
        assert await run(services.check_in)(member, live_session.pk) is True
    frame = await w.event("presence.changed")
    assert frame["data"]["present"] == [member.pk]
