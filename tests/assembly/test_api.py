"""GET /api/v1/sessions/<id>/state/: the resync body, with the socket's access rules."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assembly import selectors, services

pytestmark = pytest.mark.django_db


def url(session_id: int) -> str:
    return f"/api/v1/sessions/{session_id}/state/"


def client_for(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def expected_body(session, user) -> dict:
    return json.loads(json.dumps(selectors.session_state(session, user)))


def test_a_member_gets_the_snapshot(live_session, facilitator, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.check_in(member, live_session.pk)
    response = client_for(member).get(url(live_session.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    live_session.refresh_from_db()
    assert body == expected_body(live_session, member)
    assert body["seq"] == 1
    assert body["you"]["member"] == member.pk


def test_the_facilitator_sees_themselves_as_facilitator(live_session, facilitator) -> None:
    body = client_for(facilitator).get(url(live_session.pk)).json()
    assert body["you"] == expected_body(live_session, facilitator)["you"]
    assert body["you"]["facilitator"] is True


def test_an_observer_reads_a_members_only_session(live_session, observer) -> None:
    response = client_for(observer).get(url(live_session.pk))
    assert response.status_code == 200
    assert response.json()["you"]["facilitator"] is False


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_anyone_reads_a_public_session(request, public_session, persona) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url(public_session.pk))
    assert response.status_code == 200
    body = response.json()
    assert body == expected_body(public_session, user)
    assert body["you"]["member"] is None


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_a_members_only_session_is_hidden(request, live_session, persona) -> None:
    # 404, not 403: whether a members-only session exists is not told to strangers.
    response = client_for(request.getfixturevalue(persona)).get(url(live_session.pk))
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"detail"}
    assert "Kasım" not in response.content.decode()


@pytest.mark.parametrize("session_id", [987_654, 2**63 + 5])
def test_an_unknown_session(member, session_id: int) -> None:
    response = client_for(member).get(url(session_id))
    assert response.status_code == 404


def test_the_state_endpoint_is_read_only(live_session, member) -> None:
    response = client_for(member).post(url(live_session.pk), {})
    assert response.status_code in (403, 405)
    live_session.refresh_from_db()
    assert live_session.seq == 0


# --- GET /api/v1/sessions/<id>/people/: the names the socket's frames leave out ------------


def people_url(session_id: int) -> str:
    return f"/api/v1/sessions/{session_id}/people/"


def test_the_state_carries_ids_and_the_people_endpoint_their_names(
    live_session, facilitator, member, member2
) -> None:
    services.check_in(member, live_session.pk)
    services.check_in(member2, live_session.pk)
    state = client_for(member).get(url(live_session.pk)).json()
    assert state["present"] == [member.pk, member2.pk]
    assert "people" not in state  # no names in the snapshot: it goes to every screen
    response = client_for(member).get(people_url(live_session.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "people": {
            str(facilitator.pk): "Ayşe Yılmaz",  # holds the facilitator's task
            str(member.pk): "Mehmet Demir",
            str(member2.pk): "Zeynep Kaya",
        }
    }


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_the_names_of_a_members_only_session_are_hidden(request, live_session, persona) -> None:
    response = client_for(request.getfixturevalue(persona)).get(people_url(live_session.pk))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_anyone_reads_the_names_shown_by_a_public_session(public_session, member) -> None:
    services.check_in(member, public_session.pk)
    body = Client().get(people_url(public_session.pk)).json()
    assert body["people"][str(member.pk)] == "Mehmet Demir"
