"""Taking part in and running a decision over REST: the same services as the socket."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.voting.conftest import new_decision
from voting.models import Record, Stance

pytestmark = pytest.mark.django_db


def client_for(user: Any, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_an_asynchronous_decision_from_start_to_register(assembly, member, member2) -> None:
    decision = new_decision(member, assembly=assembly, method="consensus")
    base = f"/api/v1/decisions/{decision.pk}"
    opened = post(client_for(member), f"{base}/rounds/", {"seconds": 3600})
    assert opened.status_code == 201
    assert opened.json()["round"] == 1 and opened.json()["status"] == "open"

    alice = client_for(member2)
    refused = post(alice, f"{base}/stance/", {"option": "block"})
    assert refused.status_code == 400 and "reason" in refused.json()
    assert not Stance.objects.exists()
    cast = post(alice, f"{base}/stance/", {"option": "stand_aside", "reason": "Vaktim yok."})
    assert cast.status_code == 200
    assert cast.json()["tally"]["responded"] == 1
    assert post(client_for(member), f"{base}/stance/", {"option": "agree"}).status_code == 200

    closed = post(client_for(member), f"{base}/close/", {})
    assert closed.status_code == 200
    assert closed.json()["outcome"] == "not_adopted"  # 1 of 2 stood aside: more than 1/3

    recorded = post(client_for(member), f"{base}/record/", {"statement": "Yeniden konuşulacak."})
    assert recorded.status_code == 201
    body = recorded.json()
    assert body["ref"].endswith("/1") and body["outcome"] == "not_adopted"
    assert body["dissent"] == [
        {
            "option": "stand_aside",
            "reason": "Vaktim yok.",
            "name": "Zeynep Kaya",
            "resolution": "open",
        }
    ]
    again = post(client_for(member), f"{base}/record/", {"statement": "İkinci kez."})
    assert again.status_code == 409
    assert Record.objects.count() == 1


def test_errors_map_to_status_codes(assembly, member, member2, observer, outsider) -> None:
    decision = new_decision(member, assembly=assembly)
    base = f"/api/v1/decisions/{decision.pk}"
    assert post(client_for(member2), f"{base}/stance/", {"option": "consent"}).status_code == 409
    assert post(client_for(member), f"{base}/rounds/", {}).status_code == 400  # no deadline
    assert post(client_for(member2), f"{base}/rounds/", {"seconds": 60}).status_code == 403
    assert post(client_for(member), f"{base}/rounds/", {"seconds": 60}).status_code == 201
    assert post(client_for(observer), f"{base}/stance/", {"option": "consent"}).status_code == 403
    assert post(client_for(outsider), f"{base}/stance/", {"option": "consent"}).status_code == 404
    both = post(client_for(member2), f"{base}/stance/", {"option": "consent", "ranking": ["a"]})
    assert both.status_code == 400
    assert post(client_for(member2), "/api/v1/decisions/999999/stance/", {}).status_code in {
        400,
        404,
    }
    assert not Stance.objects.exists()


def test_writes_need_the_csrf_token(assembly, member) -> None:
    decision = new_decision(member, assembly=assembly)
    client = client_for(member, csrf=True)
    response = post(client, f"/api/v1/decisions/{decision.pk}/rounds/", {"seconds": 60})
    assert response.status_code == 403
    assert not decision.rounds.exists()


def test_the_schema_lists_the_decision_actions() -> None:
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/stance/", "/rounds/", "/close/", "/record/"):
        assert f"/api/v1/decisions/{{decision_id}}{path}" in schema
