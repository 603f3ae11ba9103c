"""The benchmark's stock Channels app (``bench.stock``) does the job it is compared on.

It must answer a ``stance.cast`` with a reply in Ortak's envelope and broadcast one
``decision.tally_changed`` per stance to every socket, relay the services' sequenced
events, and refuse whom Ortak refuses. The in-memory layer is enough here; the
benchmark runs it on Redis.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from bench import stock
from tests.realtime.conftest import ORIGIN, WAIT, login_cookie
from tests.voting.conftest import check_in, new_decision
from voting import selectors as voting_selectors
from voting import services as voting_services
from voting.models import Stance

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

Open = Callable[[Any, Any], Awaitable[tuple[bool, WebsocketCommunicator]]]


@pytest.fixture(autouse=True)
def _stock_process(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # As in the stock server process: no coalesced tally of Ortak's own.
    stock.without_coalesced_tallies(monkeypatch.setattr)


@pytest.fixture
def decision(live_session, facilitator, member, member2):
    check_in(live_session, facilitator, member, member2)
    decision = new_decision(facilitator, session=live_session)
    voting_services.open_round(facilitator, decision.pk)
    return decision


@pytest_asyncio.fixture
async def open_stock() -> AsyncIterator[Open]:
    app = stock.websocket_application()
    opened: list[WebsocketCommunicator] = []

    async def open_socket(session: Any, user: Any) -> tuple[bool, WebsocketCommunicator]:
        cookie = await sync_to_async(login_cookie)(user)
        communicator = WebsocketCommunicator(
            app,
            f"/ws/sessions/{session.pk}/",
            headers=[(b"cookie", f"sessionid={cookie}".encode()), (b"origin", ORIGIN)],
        )
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=WAIT)
        return accepted, communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect(timeout=WAIT)
    await sync_to_async(connections.close_all)()


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=WAIT))


async def send(communicator: WebsocketCommunicator, type_: str, id_: str, data: Any) -> None:
    await communicator.send_to(text_data=json.dumps({"type": type_, "id": id_, "data": data}))


async def joined(open_stock: Open, session: Any, user: Any) -> tuple[Any, dict[str, Any]]:
    accepted, socket = await open_stock(session, user)
    assert accepted
    snapshot = await receive(socket)
    assert snapshot["event"] == "session.state"
    assert snapshot["seq"] == snapshot["data"]["seq"]
    return socket, snapshot


async def test_stance_cast_replies_and_every_socket_gets_one_tally_per_stance(
    open_stock, live_session, decision, member, member2
) -> None:
    voter, snapshot = await joined(open_stock, live_session, member)
    watcher, _ = await joined(open_stock, live_session, member2)
    assert [d["id"] for d in snapshot["data"]["decisions"]] == [decision.pk]

    await send(voter, "stance.cast", "c1", {"decision": decision.pk, "option": "consent"})
    reply = await receive(voter)
    assert reply == {
        "event": "reply",
        "seq": None,
        "in_response": "c1",
        "ok": True,
        "data": {"decision": decision.pk, "round": 1, "changed": False},
    }
    # The tally goes to the group after the reply: every socket, the caster too.
    for socket in (watcher, voter):
        tally = await receive(socket)
        assert tally["event"] == "decision.tally_changed"
        assert tally["seq"] is None
        assert tally["data"]["decision"] == decision.pk
        assert tally["data"]["responded"] == 1
        assert tally["data"]["counts"]["consent"] == 1

    # Not coalesced: the next stance is one more frame, with the new count.
    await send(watcher, "stance.cast", "c2", {"decision": decision.pk, "option": "concern"})
    assert (await receive(watcher))["in_response"] == "c2"
    for socket in (voter, watcher):
        tally = await receive(socket)
        assert tally["event"] == "decision.tally_changed"
        assert tally["data"]["responded"] == 2
        assert tally["data"]["counts"]["concern"] == 1
    assert await sync_to_async(Stance.objects.filter(round__decision=decision).count)() == 2


async def test_service_events_reach_the_others_and_errors_are_replies(
    open_stock, live_session, decision, member, member2
) -> None:
    actor, snapshot = await joined(open_stock, live_session, member)
    watcher, _ = await joined(open_stock, live_session, member2)
    seq = snapshot["seq"]

    await send(actor, "hand.raise", "h1", {"kind": "speak"})
    reply = await receive(actor)
    assert reply["ok"] is True
    assert reply["data"] == {"seq": seq + 1}
    frame = await receive(watcher)
    assert (frame["event"], frame["seq"]) == ("queue.changed", seq + 1)
    assert [e["member"] for e in frame["data"]["queue"]] == [member.pk]
    assert await receive(actor) == frame

    # A member who does not run the decision cannot close its round: an error reply,
    # and nothing changes.
    await send(actor, "round.close", "r1", {"decision": decision.pk})
    reply = await receive(actor)
    assert reply["in_response"] == "r1"
    assert reply["ok"] is False
    assert reply["error"]["code"] == "forbidden"
    assert await sync_to_async(voting_selectors.open_round)(decision) is not None

    await send(actor, "no.such", "x1", {})
    reply = await receive(actor)
    assert (reply["in_response"], reply["ok"], reply["error"]["code"]) == ("x1", False, "invalid")


async def test_outsider_is_refused(open_stock, live_session, outsider) -> None:
    accepted, _ = await open_stock(live_session, outsider)
    assert not accepted
