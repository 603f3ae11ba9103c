"""Schemathesis against the OpenAPI schema, in-process: no input makes the API fail (5xx).

Requests come from a logged-in co-author (so that writes reach the services, not only the
gates) with a valid CSRF token, on the real objects of the test world; the bodies and
queries are whatever the schema allows and more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from tests.security.world import World

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/", APP)
CSRF = "k" * 32


@pytest.fixture
def headers(world: World) -> Iterator[dict[str, str]]:
    client = Client()
    client.force_login(world.people["wg_member"])
    session = client.cookies["sessionid"].value
    # As Django's test client does: a request in the test's transaction must not close
    # the connection at its start and end (it would, being inside a transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@hsettings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_api_fail(case: Any, world: World, headers: dict[str, str]) -> None:
    for name in list(case.path_parameters or {}):
        if name in world.kwargs:
            case.path_parameters[name] = world.kwargs[name]
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
