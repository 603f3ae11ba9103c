"""Who a socket is: the session cookie is checked as Django checks a login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session as StoredSession
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
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("cookie", ["", "x" * 41, "bozuk-çerez", "' OR 1=1 --"])
async def test_a_bad_cookie_is_nobody(live_session, cookie) -> None:
    accepted, _ = await open_with_cookie(live_session, cookie)
    assert not accepted  # a members-only session refuses visitors


def test_claims_of_a_login(live_session, member) -> None:
    key = login_cookie(member)
    claims = auth.claims(key)
    assert claims is not None and claims.user_id == member.pk
    row = selectors.reader(live_session.pk, claims.user_id)
    assert row is not None
    visibility, role, user = row
    assert (visibility, role, user.pk if user else None) == ("members", "member", member.pk)
    assert auth.verify(user, claims)
    assert user is not None and user.public_name == member.public_name


def test_the_reader_of_a_missing_session_or_person(live_session, member) -> None:
    assert selectors.reader(live_session.pk + 1000, member.pk) is None
    assert selectors.reader(live_session.pk, None) == ("members", None, None)
    assert selectors.reader(live_session.pk, member.pk + 1000) == ("members", None, None)


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
