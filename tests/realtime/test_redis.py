"""Two server processes sharing Redis (the pub/sub layer): frames cross between them."""

from __future__ import annotations

import asyncio
import json

import pytest
import pytest_asyncio
from channels_redis.pubsub import RedisPubSubChannelLayer

from realtime import protocol, publish
from realtime.groups import session_group
from tests.conftest import need, uses_redis
from tests.realtime.conftest import WAIT

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture
async def other_server(settings):
    """A second channel layer on the same Redis, as another Daphne process has."""
    need(uses_redis(), "needs Redis (REDIS_URL=redis://…)")
    layer = RedisPubSubChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    yield layer
    await layer.flush()


async def test_a_frame_published_elsewhere_reaches_this_socket(
    sockets, other_server, live_session, member
) -> None:
    _, m = await sockets(live_session, member)
    text = protocol.frame("queue.changed", 99, {"queue": [], "speaker": None})
    await other_server.group_send(
        session_group(live_session.pk), publish.message(live_session.pk, text)
    )
    frame = await m.event("queue.changed", 99)
    assert frame == json.loads(text)


async def test_a_command_here_reaches_a_socket_elsewhere(
    sockets, other_server, live_session, member
) -> None:
    channel = await other_server.new_channel()
    await other_server.group_add(session_group(live_session.pk), channel)
    _, m = await sockets(live_session, member)
    assert await m.ok("hand.raise", {"kind": "speak"}) == {"seq": 1}
    async with asyncio.timeout(WAIT):
        message = await other_server.receive(channel)
    frame = json.loads(message["text"])
    assert (frame["event"], frame["seq"]) == ("queue.changed", 1)
    assert [e["member"] for e in frame["data"]["queue"]] == [member.pk]
