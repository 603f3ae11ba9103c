"""Login throttling (django-axes): per name and address, through the ordinary login form."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HALL = "10.0.0.7"  # one address for a whole assembly's wifi
ELSEWHERE = "192.0.2.44"


@pytest.fixture
def ayse(db: Any) -> Any:
    return make_user("ayse", "Ayşe Yılmaz")


def attempt(client: Client, username: str, password: str, address: str = HALL) -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail_until_locked(client: Client, username: str, address: str = HALL) -> Any:
    response = None
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, username, "wrong", address)
    return response


def test_a_good_password_logs_in(client: Client, ayse: Any) -> None:
    response = attempt(client, "ayse", "x")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(ayse.pk)


def test_wrong_passwords_lock_the_name_at_that_address(client: Client, ayse: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ayse", "wrong").status_code == 200
    locked = attempt(client, "ayse", "wrong")
    assert locked.status_code == 429
    # Now even the right password is refused, with the form and the reason.
    again = attempt(client, "ayse", "x")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    html = again.content.decode()
    assert 'role="alert"' in html
    assert 'name="username"' in html
    assert "15" in html


def test_the_lockout_speaks_turkish_and_english(client: Client, ayse: Any) -> None:
    fail_until_locked(client, "ayse")
    turkish = attempt(client, "ayse", "x").content.decode()
    english = client.post(
        reverse("login"),
        {"username": "ayse", "password": "x"},
        REMOTE_ADDR=HALL,
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Too many failed attempts" in english
    assert "Too many failed attempts" not in turkish
    assert "15" in turkish


def test_a_neighbour_at_the_same_address_still_logs_in(client: Client, ayse: Any) -> None:
    mehmet = make_user("mehmet", "Mehmet Demir")
    fail_until_locked(client, "ayse")
    other = Client()
    assert attempt(other, "mehmet", "x").status_code == 302
    assert other.session.get("_auth_user_id") == str(mehmet.pk)


def test_the_member_elsewhere_still_logs_in(client: Client, ayse: Any) -> None:
    fail_until_locked(client, "ayse")
    assert attempt(Client(), "ayse", "x", ELSEWHERE).status_code == 302


def test_a_success_forgets_earlier_failures(client: Client, ayse: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "ayse", "wrong")
    assert attempt(client, "ayse", "x").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ayse", "wrong").status_code == 200


def test_unknown_names_are_throttled_too(client: Client) -> None:
    assert fail_until_locked(client, "nobody").status_code == 429


def test_every_backend_loads_users(ayse: Any) -> None:
    """Sessions may name any backend of the list (``live_fixture`` names the first): each
    must load the user back, or sockets and pages fail for those sessions."""
    from django.contrib.auth import load_backend

    for path in settings.AUTHENTICATION_BACKENDS:
        assert load_backend(path).get_user(ayse.pk) == ayse, path
