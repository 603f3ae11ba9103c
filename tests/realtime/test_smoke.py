import json

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application


def cookie_headers(user):
    client = Client()
    client.force_login(user)
    sid = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={sid}".encode()), (b"origin", b"http://localhost")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_raise_and_next(live_session, facilitator, member):
    from asgiref.sync import sync_to_async

    fh = await sync_to_async(cookie_headers)(facilitator)
    mh = await sync_to_async(cookie_headers)(member)
    f = WebsocketCommunicator(application, f"/ws/sessions/{live_session.pk}/", headers=fh)
    m = WebsocketCommunicator(application, f"/ws/sessions/{live_session.pk}/", headers=mh)
    assert (await f.connect())[0]
    assert (await m.connect())[0]
    s1 = json.loads(await f.receive_from())
    s2 = json.loads(await m.receive_from())
    assert s1["event"] == "session.state" and s1["data"]["you"]["facilitator"]
    assert s2["data"]["you"]["facilitator"] is False
    await m.send_to(text_data=json.dumps({"type": "hand.raise", "id": "1", "data": {"kind": "speak"}}))
    frames = [json.loads(await m.receive_from()) for _ in range(2)]
    print(frames)
    ev = json.loads(await f.receive_from())
    print(ev)
    await f.send_to(text_data=json.dumps({"type": "queue.next", "id": "n", "data": {}}))
    print([json.loads(await f.receive_from()) for _ in range(2)])
    await m.send_to(text_data="not json")
    print(json.loads(await m.receive_from()))
    await f.disconnect()
    await m.disconnect()
