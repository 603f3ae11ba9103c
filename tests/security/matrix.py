"""Run one request as one persona and name its outcome for the permission matrix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client

from common.errors import ServiceError
from tests.security.world import TEXT, Route, World, url_kwargs

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: Outcomes: ``ok`` passed every gate (2xx, a redirect elsewhere than the login page, or a 400 /
#: 409 about the data or the state); ``deny`` refused (403, or a Forbidden the page turned into
#: a message); ``hide`` not found for this persona (404, or NotFound turned into a message);
#: ``login`` sent to the login page; ``405`` the method is not accepted.
OUTCOMES = ("ok", "deny", "hide", "login", "405")


@contextmanager
def gate_errors() -> Iterator[list[str]]:
    """The codes of the service errors raised while the block runs (pages turn some into
    a message and a redirect, which says nothing in the status code)."""
    raised: list[str] = []
    original = ServiceError.__init__

    def spy(self: ServiceError, *args: Any, **kwargs: Any) -> None:
        raised.append(self.code)
        original(self, *args, **kwargs)

    ServiceError.__init__ = spy  # type: ignore[method-assign]
    try:
        yield raised
    finally:
        ServiceError.__init__ = original  # type: ignore[method-assign]


def client_for(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client


def body(world: World, route: Route) -> dict[str, Any]:
    """Data that a permitted person could send, so that the gate, not the form, answers.

    One set of plausible fields for every write (forms and serializers ignore the ones
    they do not know); where a route does several things by a field, the field picks
    the one that tells the personas apart.
    """
    data: dict[str, Any] = {
        "title": "Başlık",
        "text": TEXT + "\n\nDeğişiklik.",
        "note": "Not",
        "rationale": "Gerekçe",
        "reason": "Gerekçe",
        "body": "Yorum",
        "kind": "question",
        "base_version": 1,
        "statement": "Karar metni",
        "option": "consent",
        "method": "consent",
        "language": "en",
        "display_name": "Ad Soyad",
        "starts_at": "2030-01-01T10:00",
        "visibility": "members",
        "speaking_seconds": 120,
        "agenda": "Açılış",
        "minutes_budget": 5,
        "seconds": 60,
        "member": world.people["member"].pk,
        "reaction": "+1",
        "decision": world.decision.pk,
        "username": "yeni",
        "password": "uzun-bir-parola-2026",
        "assembly": world.assembly.slug,
        "closes_at": "2030-01-01T10:00",
    }
    data.update(
        {
            "proposal_state": {"action": "withdraw"},
            "decision_round": {"action": "close"},
            "session_command": {"type": "queue.next"},
            "session_agenda": {"op": "add"},
            "group_membership": {"op": "join"},
            "proposal_invitation": {"answer": "accept"},
            "dissent_resolve": {"resolution": "integrated"},
            "followup_update": {"status": "in_progress"},
            "api_followup_updates": {"status": "in_progress"},
        }.get(route.name, {})
    )
    return data


def request(client: Client, world: World, route: Route, method: str) -> Any:
    from django.urls import reverse

    url = reverse(route.name, kwargs={k: url_kwargs(world, route.name)[k] for k in route.kwargs})
    send = getattr(client, method.lower())
    if method == "GET":
        return send(url)
    if route.is_api:
        return send(url, data=json.dumps(body(world, route)), content_type="application/json")
    if method == "POST":
        return send(url, data=body(world, route))
    return send(url, data=urlencode(body(world, route)))


def outcome(world: World, route: Route, method: str, persona: str) -> tuple[str, int]:
    """The outcome of one request, every change it made rolled back."""
    if persona not in world.clients:  # one login per persona and world
        world.clients[persona] = client_for(world.people[persona])
    client = world.clients[persona]
    with transaction.atomic():
        with gate_errors() as raised:
            response = request(client, world, route, method)
        transaction.set_rollback(True)
    if "sessionid" in response.cookies:  # logged in or out: the next request needs a new client
        del world.clients[persona]
    status = response.status_code
    if status >= 500:
        raise AssertionError(f"{method} {route.name} as {persona}: {status}")
    if status == 405:
        return "405", status
    if status in (401,) or (
        status == 302 and response["Location"].split("?")[0].endswith("/login/")
    ):
        return "login", status
    if status == 403 or "forbidden" in raised:
        return "deny", status
    if status == 404 or "not_found" in raised:
        return "hide", status
    if status in (200, 201, 204, 301, 302, 303, 400, 409, 413, 429):
        return "ok", status
    raise AssertionError(f"{method} {route.name} as {persona}: unexpected {status}")
