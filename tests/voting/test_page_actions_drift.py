"""A decision's page offers exactly what the services accept.

An asynchronous decision is walked through every state (not opened, a round open, between
rounds, a later round open with the fallback rule available, adopted, recorded); for each
kind of reader the page is drawn, and each act is tried through the services and rolled
back. What the page offers must be accepted; what it does not offer must be refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.rollback import accepted
from tests.voting.conftest import new_decision
from voting import services
from voting.models import Decision

pytestmark = pytest.mark.django_db

STATES = ["draft", "open", "between", "fallback", "adopted", "recorded"]
FLAGS = {
    "may_cast": "stance.cast",
    "can_open": "round.open",
    "can_close": "round.close",
    "can_fallback": "round.fallback",
    "can_record": "decision.record",
}


def later() -> Any:
    return timezone.now() + timedelta(days=2)


def build(state: str, author: Any, other: Any) -> Decision:
    policy = {"fallback_after_rounds": 1, "fallback_share": "1/2"}
    decision = new_decision(author, assembly=author.memberships.first().assembly, policy=policy)
    if state == "draft":
        return decision
    services.open_round(author, decision.pk, closes_at=later())
    if state == "open":
        return decision
    if state in {"adopted", "recorded"}:
        services.cast_stance(other, decision.pk, option="consent")
        services.close_round(author, decision.pk)
        if state == "recorded":
            services.record_decision(author, decision.pk, statement="Kabul edildi.")
        return decision
    services.cast_stance(other, decision.pk, option="objection", reason="Bütçe yok.")
    services.close_round(author, decision.pk)
    if state == "fallback":
        services.open_round(author, decision.pk, closes_at=later())
    return decision


def attempts(user: Any, decision_id: int) -> dict[str, Callable[[], Any]]:
    return {
        "stance.cast": functools.partial(services.cast_stance, user, decision_id, option="consent"),
        "round.open": functools.partial(services.open_round, user, decision_id, closes_at=later()),
        "round.close": functools.partial(services.close_round, user, decision_id),
        "round.fallback": functools.partial(services.close_round, user, decision_id, fallback=True),
        "decision.record": functools.partial(
            services.record_decision, user, decision_id, statement="Kayda geçsin."
        ),
    }


@pytest.mark.parametrize("state", STATES)
def test_the_decision_page_offers_exactly_what_the_services_accept(
    state: str, member, member2, observer, outsider
) -> None:
    decision = build(state, member, member2)
    readers = {
        "author": member,
        "member": member2,
        "observer": observer,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }
    offered_somewhere: set[str] = set()
    for name, user in readers.items():
        client = Client()
        if user.is_authenticated:
            client.force_login(user)
        response = client.get(reverse("decision", args=[decision.pk]))
        assert response.status_code in {200, 404}
        offered = (
            {act for flag, act in FLAGS.items() if response.context[flag]}
            if response.status_code == 200
            else set()
        )
        taken = {act for act, call in attempts(user, decision.pk).items() if accepted(call)}
        assert offered == taken, (state, name)
        offered_somewhere |= offered
    expected = {
        "draft": {"round.open"},
        "open": {"stance.cast", "round.close"},
        "between": {"round.open", "decision.record"},
        "fallback": {"stance.cast", "round.close", "round.fallback"},
        "adopted": {"decision.record"},
        "recorded": set(),
    }[state]
    assert offered_somewhere == expected
