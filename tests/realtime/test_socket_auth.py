"""Who a socket is: the session cookie is checked as Django checks a login."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session as StoredSession
from django.db import connections
from django.utils import timezone

from assembly import selectors
from config.asgi import application
from realtime import auth
from tests.realtime.conftest import ORIGIN, WAIT, login_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def open_with_cookie(session, cookie: str) -> tuple[bool, dict | None]:
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session.pk}/",
        headers=[(b"cookie", f"sessionid={cookie}".encode()), (b"origin", ORIGIN)],
    )
    accepted, _ = await communicator.connect(timeout=WAIT)
    first = await communicator.receive_json_from(timeout=WAIT) if accepted else None
    await communicator.disconnect()
    return accepted, first


@pytest.mark.asyncio
async def test_a_logged_in_member_is_known(live_session, member) -> None:
    cookie = await sync_to_async(login_cookie)(member)
    accepted, first = await open_with_cookie(live_session, cookie)
    assert accepted and first is not None
    assert first["data"]["you"]["member"] == member.pk


@pytest.mark.asyncio
@pytest.mark.parametrize("change", ["password", "inactive", "expired", "deleted"])
async def test_a_session_that_no_longer_holds_is_nobody(
    live_session, public_session, member, change
) -> None:
    cookie = await sync_to_async(login_cookie)(member)

    @sync_to_async
    def spoil() -> None:
        if change == "password":
            member.set_password("yeni-parola-2026")
            member.save()
        elif change == "inactive":
            member.is_active = False
            member.save()
        elif change == "expired":
            StoredSession.objects.filter(session_key=cookie).update(
                expire_date=timezone.now() - timedelta(seconds=1)
            )
        else:
            StoredSession.objects.filter(session_key=cookie).delete()

    await spoil()
    # The session is public, so the socket opens, but as a visitor, not as the member.
    accepted, first = await open_with_cookie(public_session, cookie)
    assert accepted and first is not None
    assert first["data"]["you"] == {
        "member": None,
        "participant": False,
        "facilitator": False,
        "note_taker": False,
        "role": "watcher",
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("cookie", ["", "x" * 41, "bozuk-çerez", "' OR 1=1 --"])
async def test_a_bad_cookie_is_nobody(live_session, cookie) -> None:
    accepted, _ = await open_with_cookie(live_session, cookie)
    assert not accepted  # a members-only session refuses visitors


def test_claims_of_a_login(live_session, member) -> None:
    key = login_cookie(member)
    claims = auth.claims_many([key]).get(key)
    assert claims is not None and claims.user_id == member.pk
    found = selectors.readers(live_session.pk, [claims.user_id])
    assert found is not None
    visibility, accounts = found
    role, user = accounts[claims.user_id]
    assert (visibility, role, user.pk if user else None) == ("members", "member", member.pk)
    assert auth.verify(user, claims)
    assert user is not None and user.public_name == member.public_name


def test_the_reader_of_a_missing_session_or_person(live_session, member) -> None:
    assert selectors.readers(live_session.pk + 1000, [member.pk]) is None
    assert selectors.readers(live_session.pk, []) == ("members", {})
    assert selectors.readers(live_session.pk, [member.pk + 1000]) == ("members", {})


def test_the_configured_backends_take_the_fast_path(settings) -> None:
    """Sessions name the backend that logged the person in (django-axes' first); both
    load people as the model backend does, so a join takes one statement, not three."""
    assert auth.fast_path()
    assert set(settings.AUTHENTICATION_BACKENDS) <= auth.model_backends()
    settings.AUTHENTICATION_BACKENDS = ["tests.realtime.test_socket_auth.OtherBackend"]
    assert not auth.fast_path()


class OtherBackend:
    def get_user(self, user_id: int) -> None:
        return None


def test_the_readers_of_a_session_in_one_statement(
    live_session, member, observer, outsider, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        found = selectors.readers(live_session.pk, [member.pk, observer.pk, outsider.pk, 10**9])
    assert found is not None
    visibility, accounts = found
    assert visibility == "members"
    assert {pk: (role, user.pk) for pk, (role, user) in accounts.items()} == {
        member.pk: ("member", member.pk),
        observer.pk: ("observer", observer.pk),
        outsider.pk: (None, outsider.pk),  # an account, but no role in this assembly
    }
    assert selectors.readers(live_session.pk, []) == ("members", {})
    assert selectors.readers(live_session.pk + 1000, [member.pk]) is None
    assert selectors.readers(2**63 + 5, [member.pk]) is None  # out of range: no such row


def test_the_claims_of_many_sessions_in_one_statement(
    member, member2, django_assert_num_queries
) -> None:
    first, second, stale = login_cookie(member), login_cookie(member2), login_cookie(member2)
    StoredSession.objects.filter(session_key=stale).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    with django_assert_num_queries(1):
        found = auth.claims_many([first, second, stale, None, "", "x" * 41, "yok"])
    assert {key: c.user_id for key, c in found.items()} == {
        first: member.pk,
        second: member2.pk,
    }
    assert auth.claims_many([None, "x" * 41]) == {}  # nothing to look up: no statement


@pytest.mark.asyncio
async def test_sockets_that_join_together_are_checked_together(
    live_session, member, member2, observer, outsider, monkeypatch
) -> None:
    """A join storm is looked up a batch at a time; each socket still gets its own answer."""
    from realtime import consumers, hub

    people = {"member": member, "member2": member2, "observer": observer, "outsider": outsider}
    cookies = {name: await sync_to_async(login_cookie)(user) for name, user in people.items()}
    cookies["nobody"] = "bozuk-çerez"
    await sync_to_async(connections.close_all)()  # asgiref's thread: PostgreSQL drops the db
    batches: list[list[str]] = []
    real = consumers._admit_together
    loop = asyncio.get_running_loop()

    def spy(sockets: list) -> list:
        if not batches:  # hold the first join until all the others wait behind it
            the_hub = hub.of_loop(loop)
            assert the_hub is not None
            queue = the_hub.queues["join"]
            deadline = time.monotonic() + WAIT
            while len(sockets) + len(queue.waiting) < len(cookies) and time.monotonic() < deadline:
                time.sleep(0.01)
        batches.append([s.scope["cookies"].get("sessionid") for s in sockets])
        return real(sockets)

    monkeypatch.setattr(consumers, "_admit_together", spy)
    results = await asyncio.gather(
        *(open_with_cookie(live_session, cookie) for cookie in cookies.values())
    )
    got = dict(zip(cookies, results, strict=True))
    assert sum(len(b) for b in batches) == len(cookies)  # each socket checked once
    assert len(batches) <= 2  # the first to come, then (at most) all the others together
    for name, participant in (("member", True), ("member2", True), ("observer", False)):
        accepted, first = got[name]
        assert accepted and first is not None
        assert first["data"]["you"]["member"] == people[name].pk
        assert first["data"]["you"]["participant"] is participant
    assert got["outsider"] == (False, None)  # a members-only session refuses strangers
    assert got["nobody"] == (False, None)
