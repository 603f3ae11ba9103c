"""Opening a session socket: the first frame, and who is refused at the handshake."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from assembly import selectors, services
from assembly.models import AgendaItem, Session
from realtime.protocol import REGISTRY
from tests.realtime.coverage import sample_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def snapshot(session, user=None) -> dict:
    session = Session.objects.select_related("assembly").get(pk=session.pk)
    return json.loads(json.dumps(selectors.session_state(session, user)))


async def test_the_first_frame_is_the_state(sockets, live_session, facilitator, member) -> None:
    await sync_to_async(services.raise_hand)(member, live_session.pk, "speak")
    await sync_to_async(services.check_in)(member, live_session.pk)
    accepted, socket = await sockets(live_session, member)
    assert accepted
    first = socket.state
    assert first["event"] == "session.state"
    assert first["data"] == await snapshot(live_session, member)
    assert first["seq"] == first["data"]["seq"] == 1
    assert first["data"]["you"] == {**first["data"]["you"], "member": member.pk}
    assert [e["member"] for e in first["data"]["queue"]["queue"]] == [member.pk]
    assert first["data"]["present"] == [member.pk]


async def test_each_person_gets_their_own_you(sockets, live_session, facilitator, member):
    _, f = await sockets(live_session, facilitator)
    _, m = await sockets(live_session, member)
    assert f.state["data"]["you"]["facilitator"] is True
    assert m.state["data"]["you"]["facilitator"] is False
    f_rest = {k: v for k, v in f.state["data"].items() if k != "you"}
    m_rest = {k: v for k, v in m.state["data"].items() if k != "you"}
    assert f_rest == m_rest


@pytest.mark.parametrize(
    "origin",
    [None, b"http://evil.example", b"https://localhost.evil.example", b"null", b"localhost"],
)
async def test_a_bad_or_missing_origin_is_refused(sockets, live_session, member, origin) -> None:
    accepted, _ = await sockets(live_session, member, origin=origin)
    assert accepted is False


async def test_an_allowed_origin_with_another_host_name(sockets, live_session, member) -> None:
    accepted, _ = await sockets(live_session, member, origin=b"http://127.0.0.1:8000")
    assert accepted is True


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
async def test_strangers_are_refused_on_a_members_only_session(
    personas, sockets, live_session, persona
) -> None:
    accepted, _ = await sockets(live_session, personas[persona])
    assert accepted is False


@pytest.mark.parametrize("path", ["/ws/sessions/424242/", f"/ws/sessions/{2**63 + 1}/"])
async def test_an_unknown_session_is_refused(sockets, member, path) -> None:
    accepted, _ = await sockets(member, member, path=path)
    assert accepted is False


async def test_an_observer_watches_a_members_only_session(sockets, live_session, observer):
    accepted, socket = await sockets(live_session, observer)
    assert accepted
    assert socket.state["data"]["you"]["member"] == observer.pk
    assert socket.state["data"]["you"]["facilitator"] is False
    error = await socket.error("hand.raise", {"kind": "speak"})
    assert error["code"] == "forbidden"


async def test_anonymous_watches_a_public_session_but_every_command_is_forbidden(
    sockets, public_session, member, db_seq
) -> None:
    item = await sync_to_async(AgendaItem.objects.filter(session=public_session).first)()
    assert item is not None
    await sync_to_async(services.raise_hand)(member, public_session.pk, "speak")
    accepted, watcher = await sockets(public_session, None)
    assert accepted
    assert watcher.state["data"]["you"]["member"] is None
    before = await db_seq(public_session)
    # The live-session commands; other apps' commands are checked in their own tests.
    commands = sorted(c for c in REGISTRY if REGISTRY[c].handler.__module__ == "assembly.commands")
    assert len(commands) >= 13
    for command in commands:
        error = await watcher.error(command, sample_data(command, item=item.pk, member=member.pk))
        assert error["code"] == "forbidden", command
    assert await db_seq(public_session) == before
    # Still watching: the next change reaches this socket, with the next seq.
    _, speaker = await sockets(public_session, member)
    await speaker.ok("hand.lower")
    frame = await watcher.event("queue.changed")
    assert frame["seq"] == before + 1


@pytest.mark.parametrize("persona", ["outsider", "observer"])
async def test_a_public_session_to_other_logged_in_people(
    personas, sockets, public_session, persona
) -> None:
    accepted, socket = await sockets(public_session, personas[persona])
    assert accepted
    error = await socket.error("attendance.check_in")
    assert error["code"] == "forbidden"


@sync_to_async
def api_status(session, user) -> int:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client.get(f"/api/v1/sessions/{session.pk}/state/").status_code


@pytest.mark.parametrize("visibility", ["members", "public"])
async def test_the_api_and_the_socket_follow_the_same_rule(
    personas, sockets, live_session, visibility
) -> None:
    live_session.visibility = visibility
    await sync_to_async(live_session.save)()
    for persona in ["facilitator", "member", "observer", "outsider", "anonymous"]:
        user = personas[persona]
        accepted, _ = await sockets(live_session, user)
        status = await api_status(live_session, user)
        assert status in (200, 404)
        assert accepted == (status == 200), (persona, visibility, status)
        expected = visibility == "public" or persona not in ("outsider", "anonymous")
        assert accepted == expected, (persona, visibility)
