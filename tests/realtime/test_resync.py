"""Applying the published events to the state before a change gives the state after it.

Every service that changes a session is run through ``verify_action``
(tests/realtime/verify.py), alone and in random walks; then a live socket does
the same as a real client would, and ends where ``GET …/state/`` is.
"""

from __future__ import annotations

import random
from functools import partial

import pytest
from django.test import Client

from assembly import services
from assembly.models import AgendaItem, Hand, SessionStatus, Task
from tests.realtime.verify import SeqGap, apply_event, snapshot, verify_action

pytestmark = pytest.mark.django_db


def items(session) -> list[int]:
    return list(AgendaItem.objects.filter(session=session).values_list("pk", flat=True))


def events(frames) -> list[tuple[str, int | None]]:
    return [(f["event"], f["seq"]) for f in frames]


def set_status(session, status) -> None:
    session.status = status
    session.save(update_fields=["status"])


# --- Session life ---------------------------------------------------------------------------


def test_start(session, facilitator) -> None:
    _, frames = verify_action(
        session.pk, lambda: services.start_session(facilitator, session.pk), facilitator
    )
    assert events(frames) == [("session.started", 1)]


def test_resume(session, facilitator) -> None:
    set_status(session, SessionStatus.ADJOURNED)
    _, frames = verify_action(
        session.pk, lambda: services.start_session(facilitator, session.pk), facilitator
    )
    assert events(frames) == [("session.started", 1)]


def test_adjourn_with_a_speaker_and_a_timer(live_session, facilitator, member, member2) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)
    _, frames = verify_action(
        live_session.pk, lambda: services.adjourn_session(facilitator, live_session.pk), member
    )
    assert [e for e, _ in events(frames)] == ["session.adjourned", "queue.changed"]


def test_close_with_waiting_hands_and_an_open_item(live_session, facilitator, member) -> None:
    services.open_agenda_item(facilitator, live_session.pk, items(live_session)[0])
    services.raise_hand(member, live_session.pk, "speak")
    services.adjourn_session(facilitator, live_session.pk)
    _, frames = verify_action(
        live_session.pk, lambda: services.close_session(facilitator, live_session.pk), member
    )
    assert [e for e, _ in events(frames)] == ["session.closed", "queue.changed", "agenda.changed"]


def test_cancel_a_scheduled_session(session, facilitator) -> None:
    _, frames = verify_action(
        session.pk, lambda: services.close_session(facilitator, session.pk), facilitator
    )
    assert events(frames) == [("session.closed", 1)]


# --- Agenda and minutes ---------------------------------------------------------------------


def test_open_agenda_items(live_session, facilitator) -> None:
    first, second = items(live_session)
    for item in (first, second, first):
        _, frames = verify_action(
            live_session.pk,
            partial(services.open_agenda_item, facilitator, live_session.pk, item),
            facilitator,
        )
        assert [e for e, _ in events(frames)] == ["agenda.item_opened"]


def test_add_move_remove_agenda_items(session, facilitator) -> None:
    item, frames = verify_action(
        session.pk,
        lambda: services.add_agenda_item(facilitator, session.pk, "Bütçe", 20),
        facilitator,
    )
    assert [e for e, _ in events(frames)] == ["agenda.changed"]
    verify_action(
        session.pk, lambda: services.move_agenda_item(facilitator, session.pk, item.pk, -1)
    )
    verify_action(session.pk, lambda: services.remove_agenda_item(facilitator, session.pk, item.pk))
    assert item.pk not in items(session)


def test_minutes(live_session, facilitator, member2_note_taker) -> None:
    item = items(live_session)[1]
    _, frames = verify_action(
        live_session.pk,
        lambda: services.save_minutes(member2_note_taker, live_session.pk, item, "İlk taslak"),
    )
    assert [e for e, _ in events(frames)] == ["agenda.minutes_changed"]
    verify_action(
        live_session.pk,
        lambda: services.save_minutes(facilitator, live_session.pk, item, "Son hâli"),
    )
    _, frames = verify_action(  # the same text again: nothing to publish
        live_session.pk,
        lambda: services.save_minutes(facilitator, live_session.pk, item, "Son hâli"),
    )
    assert frames == []


# --- Queue and timer ------------------------------------------------------------------------


def test_raise_change_and_lower(live_session, member) -> None:
    pk = live_session.pk
    _, frames = verify_action(pk, lambda: services.raise_hand(member, pk, "speak"), member)
    assert events(frames) == [("queue.changed", 1)]
    _, frames = verify_action(pk, lambda: services.raise_hand(member, pk, "speak"), member)
    assert frames == []
    verify_action(pk, lambda: services.raise_hand(member, pk, "response"), member)
    verify_action(pk, lambda: services.lower_hand(member, pk), member)
    _, frames = verify_action(pk, lambda: services.lower_hand(member, pk), member)
    assert frames == []


def test_next_move_and_timers(live_session, facilitator, member, member2, observer) -> None:
    pk = live_session.pk
    for user in (member, member2, facilitator):
        services.raise_hand(user, pk, "speak")
    verify_action(pk, lambda: services.move_hand(facilitator, pk, facilitator.pk, 0), observer)
    verify_action(pk, lambda: services.move_hand(facilitator, pk, member.pk, 1), observer)
    for _ in range(4):  # three speakers, then an empty queue
        verify_action(pk, lambda: services.next_speaker(facilitator, pk), observer)
    _, frames = verify_action(pk, lambda: services.next_speaker(facilitator, pk), observer)
    assert frames == []
    verify_action(pk, lambda: services.start_timer(facilitator, pk, 90), observer)
    verify_action(pk, lambda: services.stop_timer(facilitator, pk), observer)


# --- Attendance and tasks ---------------------------------------------------------------------


def test_check_in(live_session, member, member2) -> None:
    _, frames = verify_action(live_session.pk, lambda: services.check_in(member, live_session.pk))
    assert events(frames) == [("presence.changed", None)]
    verify_action(live_session.pk, lambda: services.check_in(member2, live_session.pk), member)


@pytest.mark.parametrize("task", [Task.FACILITATOR, Task.NOTE_TAKER])
def test_volunteer_and_step_down_as_seen_by_the_volunteer(live_session, member, task) -> None:
    pk = live_session.pk
    _, frames = verify_action(pk, lambda: services.volunteer(member, pk, task), member)
    assert snapshot(pk, member)["you"]["note_taker"] is True
    assert events(frames) == [("session.tasks_changed", 1)]
    verify_action(pk, lambda: services.step_down(member, pk, task), member)
    assert snapshot(pk, member)["you"]["note_taker"] is False


def test_the_facilitator_steps_down(live_session, facilitator) -> None:
    pk = live_session.pk
    verify_action(pk, lambda: services.step_down(facilitator, pk, Task.FACILITATOR), facilitator)
    assert snapshot(pk, facilitator)["you"]["facilitator"] is False


# --- Refusals publish nothing -------------------------------------------------------------------


def test_refusals_publish_nothing(live_session, member, observer) -> None:
    pk = live_session.pk
    for action in (
        lambda: services.next_speaker(member, pk),
        lambda: services.raise_hand(observer, pk, "speak"),
        lambda: services.open_agenda_item(member, pk, items(live_session)[0]),
        lambda: services.move_hand(member, pk, member.pk, 0),
    ):
        result, frames = verify_action(pk, action, member, may_refuse=True)
        assert result.code == "forbidden"
        assert frames == []


# --- The reducer itself --------------------------------------------------------------------------


def test_the_reducer_notices_a_gap_and_skips_old_frames() -> None:
    state = {"seq": 4, "session": {"status": "live", "actions": {}}, "agenda": [], "decisions": []}
    adjourned = {"status": "adjourned", "actions": {"facilitator": ["session.start"]}}
    moved = {**adjourned, "agenda": [], "decision_actions": {}}
    with pytest.raises(SeqGap):
        apply_event(state, {"event": "session.adjourned", "seq": 6, "data": moved})
    old = {"event": "session.adjourned", "seq": 4, "data": moved}
    assert apply_event(state, old) == state
    new = {"event": "session.adjourned", "seq": 5, "data": moved}
    assert apply_event(state, new) == {
        "seq": 5,
        "session": adjourned,
        "agenda": [],
        "decisions": [],
    }
    assert state["seq"] == 4  # the input is not mutated


# --- Random walks --------------------------------------------------------------------------------


def random_walk(rnd: random.Random, session, people: dict, steps: int) -> list[str]:
    pk = session.pk
    f, m, m2, o = people["facilitator"], people["member"], people["member2"], people["observer"]
    anyone = [f, m, m2, o]
    texts = ["", "Kısa not.", "Uzun tutanak: İzmir, Çanakkale, Şırnak.", "Aynı"]
    titles = ["Bütçe", "Su", "Çevre"]

    def waiting_member() -> int:
        ids = list(Hand.objects.filter(session_id=pk, state="waiting").values_list("member_id"))
        return rnd.choice(ids)[0] if ids and rnd.random() < 0.9 else rnd.choice(anyone).pk

    def any_item() -> int:
        ids = items(session)
        return rnd.choice(ids) if ids and rnd.random() < 0.9 else 10**6

    actions = [
        (6, "raise", lambda: services.raise_hand(rnd.choice(anyone), pk, rnd.choice(KINDS))),
        (3, "lower", lambda: services.lower_hand(rnd.choice(anyone), pk)),
        (3, "next", lambda: services.next_speaker(rnd.choice([f, f, m]), pk)),
        (2, "move", lambda: services.move_hand(f, pk, waiting_member(), rnd.randint(0, 4))),
        (1, "timer", lambda: services.start_timer(f, pk, rnd.randint(1, 600))),
        (1, "stop", lambda: services.stop_timer(f, pk)),
        (2, "open", lambda: services.open_agenda_item(f, pk, any_item())),
        (1, "add", lambda: services.add_agenda_item(f, pk, rnd.choice(titles), 10)),
        (1, "reorder", lambda: services.move_agenda_item(f, pk, any_item(), rnd.choice([-1, 1]))),
        (1, "remove", lambda: services.remove_agenda_item(f, pk, any_item())),
        (
            2,
            "minutes",
            lambda: services.save_minutes(rnd.choice([f, m2]), pk, any_item(), rnd.choice(texts)),
        ),
        (1, "adjourn", lambda: services.adjourn_session(f, pk)),
        (1, "start", lambda: services.start_session(f, pk)),
        (1, "check_in", lambda: services.check_in(rnd.choice(anyone), pk)),
        (1, "volunteer", lambda: services.volunteer(rnd.choice(anyone), pk, rnd.choice(TASKS))),
        (1, "step_down", lambda: services.step_down(rnd.choice([m, m2]), pk, rnd.choice(TASKS))),
    ]
    weights = [w for w, _, _ in actions]
    done = []
    for _ in range(steps):
        _, name, action = rnd.choices(actions, weights)[0]
        viewer = rnd.choice([f, m, o, people["anonymous"]])
        verify_action(pk, action, viewer, may_refuse=True)
        done.append(name)
    if rnd.random() < 0.5:
        verify_action(pk, lambda: services.adjourn_session(f, pk), m, may_refuse=True)
        verify_action(pk, lambda: services.close_session(f, pk), m, may_refuse=True)
    return done


KINDS = ["speak", "question", "process", "response"]
TASKS = [Task.FACILITATOR, Task.NOTE_TAKER]


@pytest.mark.parametrize("seed", range(6))
def test_random_walks(
    seed, live_session, member2_note_taker, facilitator, member, observer, anonymous
) -> None:
    people = {
        "facilitator": facilitator,
        "member": member,
        "member2": member2_note_taker,
        "observer": observer,
        "anonymous": anonymous,
    }
    done = random_walk(random.Random(seed), live_session, people, steps=40)
    assert len(done) == 40
    live_session.refresh_from_db()
    assert live_session.seq > 0  # the walk changed something


# --- Over a real socket ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_watching_client_stays_in_step(
    sockets, live_session, facilitator, member, member2, observer
) -> None:
    from asgiref.sync import sync_to_async

    first, second = await sync_to_async(items)(live_session)
    _, f = await sockets(live_session, facilitator)
    _, m = await sockets(live_session, member)
    _, w = await sockets(live_session, observer)
    state = w.state["data"]
    script = [
        (f, "agenda.open", {"item": first}),
        (m, "hand.raise", {"kind": "speak"}),
        (f, "hand.raise", {"kind": "question"}),
        (f, "queue.move", {"member": member.pk, "position": 0}),
        (f, "queue.next", {}),
        (m, "hand.raise", {"kind": "process"}),
        (f, "timer.start", {"seconds": 45}),
        (f, "minutes.save", {"item": first, "text": "Karar alındı."}),
        (m, "task.volunteer", {"task": "note_taker"}),
        (f, "queue.next", {}),
        (f, "agenda.open", {"item": second}),
        (f, "timer.stop", {}),
        (f, "session.adjourn", {}),
        (f, "session.start", {}),
    ]
    last = 0
    for socket, command, data in script:
        last = (await socket.ok(command, data))["seq"]
    while state["seq"] < last:
        state = apply_event(state, await w.wait_for(lambda fr: fr["event"] != "reply"))

    @sync_to_async
    def api_state():
        client = Client()
        client.force_login(observer)
        return client.get(f"/api/v1/sessions/{live_session.pk}/state/").json()

    assert state == await api_state()
    assert state["seq"] == last == len(script) + 1  # session.adjourn publishes two events
