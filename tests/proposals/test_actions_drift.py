"""The buttons on a proposal's page are exactly what the services accept.

Every state a proposal can be in (with and without a round open on it), for every kind of
reader: the page is drawn for them, and then each act is tried through the services (and
rolled back). An act whose button is shown must be accepted; an act whose button is not
shown must be refused. The page draws from ``permissions.actions_for``, the services check
``domain.allows``; this catches either drifting from the other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from proposals import selectors, services
from proposals.models import Amendment, Comment, Proposal
from tests.proposals.conftest import TEXT, client_for, make_proposal
from tests.rollback import accepted
from tests.voting.conftest import check_in
from voting import services as voting_services

pytestmark = pytest.mark.django_db

STATES = [
    "draft",
    "discussion",
    "temperature_open",  # in discussion, a temperature check's round open on it
    "decision_open",
    "between_rounds",
    "adopted",
    "not_adopted",
    "withdrawn",
]
READERS = ["coauthor", "member", "observer", "outsider", "anonymous"]


def build(state: str, live_session: Any, people: dict[str, Any]) -> dict[str, Any]:
    """A proposal in ``state`` by Ayşe, with an open amendment and a comment by Mehmet once
    it has been discussed."""
    ayse, mehmet, zeynep = people["coauthor"], people["member"], people["member2"]
    proposal = make_proposal(ayse, live_session.assembly)
    made: dict[str, Any] = {"proposal": proposal, "amendment": None, "comment": None}
    if state == "draft":
        return made
    services.change_state(ayse, proposal.pk, "open_discussion")
    made["amendment"] = services.propose_amendment(
        mehmet,
        proposal.pk,
        base_version=1,
        text=TEXT + "\n\nDepo ortak alanda durur.",
        rationale="Yeri belli olsun.",
    )
    made["comment"] = services.add_comment(
        mehmet, proposal.pk, kind="question", body="Depoyu kim dolduracak?"
    )
    if state == "withdrawn":
        services.change_state(ayse, proposal.pk, "withdraw")
        return made
    if state == "discussion":
        return made
    check_in(live_session, ayse, mehmet, zeynep)
    method = "temperature" if state == "temperature_open" else "consent"
    decision = voting_services.create_decision(
        ayse,
        assembly=proposal.assembly,
        session=live_session,
        proposal=proposal,
        title=proposal.title,
        method=method,
    )
    voting_services.open_round(ayse, decision.pk)
    if state in {"temperature_open", "decision_open"}:
        return made
    if state == "adopted":
        for person in (ayse, mehmet, zeynep):
            voting_services.cast_stance(person, decision.pk, option="consent")
        voting_services.close_round(ayse, decision.pk)
        return made
    voting_services.cast_stance(mehmet, decision.pk, option="objection", reason="Bütçe yok.")
    voting_services.close_round(ayse, decision.pk)
    if state == "not_adopted":
        voting_services.record_decision(ayse, decision.pk, statement="Kabul edilmedi.")
    return made


def _form(html: str, url: str) -> list[str]:
    """The bodies of the page's forms that post to ``url``."""
    return re.findall(rf'<form[^>]*action="{re.escape(url)}[^"]*"[^>]*>(.*?)</form>', html, re.S)


def shown(html: str, made: dict[str, Any]) -> set[str]:
    """The acts the page offers, by the forms it draws."""
    p: Proposal = made["proposal"]
    acts = set()
    for key, url in {
        "write": reverse("proposal_version", args=[p.pk]),
        "invite": reverse("proposal_invite", args=[p.pk]),
        "amend": reverse("proposal_amend", args=[p.pk]),
    }.items():
        if _form(html, url):
            acts.add(key)
    if 'id="new-comment"' in html:
        acts.add("comment")
    if any(
        'value="cosign"' in body for body in _form(html, reverse("proposal_cosign", args=[p.pk]))
    ):
        acts.add("cosign")
    for body in _form(html, reverse("proposal_state", args=[p.pk])):
        acts.update(f"state:{v}" for v in re.findall(r'name="action" value="(\w+)"', body))
    if 'id="bring-to-decision"' in html:
        acts.add("decide")
    amendment: Amendment | None = made["amendment"]
    if amendment is not None:
        if _form(html, reverse("amendment_accept", args=[amendment.pk])):
            acts.add("accept")
        if _form(html, reverse("amendment_promote", args=[amendment.pk])):
            acts.add("promote")
    comment: Comment | None = made["comment"]
    if comment is not None and _form(html, reverse("comment_react", args=[comment.pk])):
        acts.add("react")
    return acts


def attempts(
    actor: Any, made: dict[str, Any], people: dict[str, Any], live_session: Any
) -> dict[str, Callable[[], Any]]:
    """Every act, as the services would be asked for it."""
    p: Proposal = made["proposal"]
    acts: dict[str, Callable[[], Any]] = {
        "write": lambda: services.create_version(
            actor, p.pk, text=TEXT + "\n\nYeni paragraf.", note="Ekleme."
        ),
        "invite": lambda: services.invite_coauthor(actor, p.pk, people["member2"].pk),
        "amend": lambda: services.propose_amendment(
            actor,
            p.pk,
            base_version=selectors.current_version(p).number,
            text=TEXT + "\n\nBaşka bir ekleme.",
            rationale="Gerekçe.",
        ),
        "comment": lambda: services.add_comment(actor, p.pk, kind="idea", body="Bir öneri."),
        "cosign": lambda: services.cosign(actor, p.pk),
        "decide": lambda: _decide(actor, p, live_session),
    }
    for action in ("open_discussion", "withdraw", "return_to_discussion"):
        acts[f"state:{action}"] = functools.partial(services.change_state, actor, p.pk, action)
    amendment = made["amendment"]
    if amendment is not None:
        acts["accept"] = lambda: services.accept_amendment(actor, amendment.pk)
        acts["promote"] = lambda: services.promote_amendment(actor, amendment.pk)
    comment = made["comment"]
    if comment is not None:
        acts["react"] = lambda: services.react(actor, comment.pk, "+1")
    return acts


def _decide(actor: Any, proposal: Proposal, live_session: Any) -> None:
    """Bring it to a decision as the page's link would: outside a session as a co-author, or
    in a session the actor facilitates."""
    for session in (None, live_session):
        if accepted(
            functools.partial(
                voting_services.create_decision,
                actor,
                assembly=proposal.assembly,
                session=session,
                proposal=proposal,
                title=proposal.title,
                method="consent",
            )
        ):
            return
    voting_services.create_decision(
        actor,
        assembly=proposal.assembly,
        proposal=proposal,
        title=proposal.title,
        method="consent",
    )


@pytest.fixture
def people(facilitator, member, member2, observer, outsider) -> dict[str, Any]:
    return {
        "coauthor": facilitator,
        "member": member,
        "member2": member2,
        "observer": observer,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("state", STATES)
def test_the_page_offers_exactly_what_the_services_accept(
    state: str, live_session: Any, people: dict[str, Any]
) -> None:
    made = build(state, live_session, people)
    made["proposal"].refresh_from_db()
    assert made["proposal"].state == state.replace("_open", "").replace(
        "temperature", "discussion"
    ).replace("between_rounds", "decision")
    offered_somewhere: set[str] = set()
    for reader in READERS:
        actor = people[reader]
        response = client_for(actor).get(reverse("proposal", args=[made["proposal"].pk]))
        assert response.status_code in {200, 404}
        html = response.content.decode() if response.status_code == 200 else ""
        offered = shown(html, made)
        accepted_acts = {
            name
            for name, act in attempts(actor, made, people, live_session).items()
            if accepted(act)
        }
        assert offered == accepted_acts, (state, reader)
        offered_somewhere |= offered
    # The walk means something only if the states differ in what they offer.
    assert offered_somewhere or state == "draft"


def test_the_states_offer_different_things(live_session: Any, people: dict[str, Any]) -> None:
    """A guard on the walk itself: what the co-author is offered changes with the state."""
    seen = {}
    for state in ("discussion", "decision_open", "adopted"):
        made = build(state, live_session, people)
        html = client_for(people["coauthor"]).get(reverse("proposal", args=[made["proposal"].pk]))
        seen[state] = shown(html.content.decode(), made)
    assert "write" in seen["discussion"]
    assert "write" not in seen["decision_open"]
    assert "comment" in seen["decision_open"]
    assert "comment" not in seen["adopted"]
