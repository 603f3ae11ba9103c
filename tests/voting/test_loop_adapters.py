"""The loop through its adapters: the "Karara sun" page (without JavaScript), ``POST
/api/v1/decisions/`` and the pages that show rounds on versions. A decision opened from
the page and one opened from the API decide the same (a Hypothesis property)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import services as proposal_services
from tests.proposals.conftest import TEXT, client_for, make_proposal
from voting import selectors, services
from voting.domain import Policy
from voting.models import Decision

pytestmark = pytest.mark.django_db

V2 = TEXT + "\n\nDepo için mahalle bütçesinden pay ayrılır."


@pytest.fixture
def open_proposal(assembly, facilitator) -> Any:
    draft = make_proposal(facilitator, assembly)
    return proposal_services.change_state(facilitator, draft.pk, "open_discussion")


def bring_by_page(client, proposal, fields: dict[str, Any]) -> Any:
    """Fill the form, read the rule, then bring it to a decision: two plain posts."""
    url = f"/proposals/{proposal.pk}/decide/"
    shown = client.post(url, fields)
    assert shown.status_code == 200, shown.content.decode()[:2000]
    key = re.search(r'name="confirm" value="([^"]+)"', shown.content.decode())
    assert key, "the rule is shown before anything is opened"
    assert not Decision.objects.filter(proposal=proposal).exists()
    return client.post(url, {**fields, "confirm": key.group(1)})


# --- The page ----------------------------------------------------------------------------------


def test_the_page_shows_the_rule_in_words_before_it_opens(open_proposal, present, facilitator):
    client = client_for(facilitator)
    page = client.get(f"/proposals/{open_proposal.pk}/decide/?session={present.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    # Every field of the domain's policy is on the form (reveal as its checkbox).
    for name in Policy.__dataclass_fields__:
        field = "reveal_after_close" if name == "reveal" else name
        assert f'name="{field}"' in html, field  # no policy field is reachable only from code
    fields = {"title": "Depo", "where": str(present.pk), "method": "consent", "quorum": "%50"}
    shown = client.post(f"/proposals/{open_proposal.pk}/decide/", fields).content.decode()
    assert "Gerekçeli bir itiraz kararı durdurur." in shown
    assert "%50" in shown
    response = bring_by_page(client, open_proposal, {**fields, "next": f"/sessions/{present.pk}/"})
    decision = Decision.objects.get(proposal=open_proposal)
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{present.pk}/#d{decision.pk}-title"
    assert decision.policy["quorum"] == "1/2" and decision.status == "draft"


def test_a_changed_rule_is_shown_again_before_it_opens(open_proposal, present, facilitator):
    client = client_for(facilitator)
    url = f"/proposals/{open_proposal.pk}/decide/"
    fields = {"title": "Depo", "where": str(present.pk), "method": "consent"}
    key = re.search(r'name="confirm" value="([^"]+)"', client.post(url, fields).content.decode())
    assert key is not None
    changed = client.post(url, {**fields, "method": "consensus", "confirm": key.group(1)})
    assert changed.status_code == 200
    assert "Tek bir engel kararı durdurur." in changed.content.decode()
    assert not Decision.objects.exists()


def test_outside_a_session_the_first_round_opens_with_its_deadline(open_proposal, facilitator):
    client = client_for(facilitator)
    fields = {"title": "Depo", "where": "async", "method": "consent"}
    refused = client.post(f"/proposals/{open_proposal.pk}/decide/", fields)
    assert refused.status_code == 400  # a deadline is needed
    response = bring_by_page(client, open_proposal, {**fields, "closes_at": "2099-01-01T10:00"})
    decision = Decision.objects.get()
    assert response["Location"] == f"/decision/{decision.pk}/"
    version = decision.rounds.get().version
    assert decision.status == "open" and version is not None and version.number == 1


def test_bad_fields_come_back_on_the_form(open_proposal, present, facilitator) -> None:
    client = client_for(facilitator)
    fields = {
        "title": "Depo",
        "where": str(present.pk),
        "method": "consensus",
        "quorum": "yarım",
        "fallback_after_rounds": "2",
    }
    response = client.post(f"/proposals/{open_proposal.pk}/decide/", fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert "1/2 ya da yüzde 50" in html  # the share's message, on its field
    fields["quorum"] = "1/2"
    response = client.post(f"/proposals/{open_proposal.pk}/decide/", fields)
    assert response.status_code == 400
    second = response.content.decode()
    assert "Yedek kural için hem tur sayısı hem oran gerekir." in second  # the service's word
    assert 'name="confirm"' not in second  # no rule to confirm while a field is wrong
    assert not Decision.objects.exists()


def test_who_sees_the_button_and_the_page(open_proposal, present, facilitator, member) -> None:
    button = 'id="bring-to-decision"'
    assert button in client_for(facilitator).get(f"/proposals/{open_proposal.pk}/").content.decode()
    member_page = client_for(member).get(f"/proposals/{open_proposal.pk}/").content.decode()
    assert button not in member_page
    assert client_for(member).get(f"/proposals/{open_proposal.pk}/decide/").status_code == 403
    services.create_decision(
        facilitator,
        assembly=open_proposal.assembly,
        session=present,
        proposal=open_proposal,
        title="Depo",
        method="consent",
    )
    again = client_for(facilitator)
    assert button not in again.get(f"/proposals/{open_proposal.pk}/").content.decode()
    assert again.get(f"/proposals/{open_proposal.pk}/decide/").status_code == 409


def test_the_pages_show_rounds_on_versions_and_their_diff(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = services.create_decision(
        facilitator,
        assembly=open_proposal.assembly,
        session=present,
        proposal=open_proposal,
        title="Depo",
        method="consent",
    )
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="objection", reason="Bütçe yok.")
    first = services.close_round(facilitator, decision.pk)
    # The authors see the objection on the proposal page, with a way to integrate it.
    page = client_for(facilitator).get(f"/proposals/{open_proposal.pk}/").content.decode()
    assert 'id="objections"' in page and "Bütçe yok." in page
    objection = first.stances.get()
    client = client_for(facilitator)
    integrated = client.post(
        f"/stances/{objection.pk}/resolve/",
        {"decision": decision.pk, "resolution": "integrated", "text": V2, "note": "Eklendi."},
    )
    assert integrated.status_code == 302
    decision_page = client.get(f"/decision/{decision.pk}/").content.decode()
    assert "2. sürüm" in decision_page  # the next round asks about version 2
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="consent")
    services.close_round(facilitator, decision.pk)
    record = services.record_decision(facilitator, decision.pk, statement="Depo kurulur.")
    public = client_for(member2).get(selectors.record_url(record)).content.decode()
    assert f'href="/proposals/{open_proposal.pk}/versions/2/"' in public
    assert f'href="/proposals/{open_proposal.pk}/versions/1/"' in public
    assert "<ins>" in public and "bütçesinden" in public  # the word diff between rounds
    version = client_for(member2).get(f"/proposals/{open_proposal.pk}/versions/2/")
    assert version.status_code == 200 and "bütçesinden" in version.content.decode()
    assert client_for(member2).get(f"/proposals/{open_proposal.pk}/versions/9/").status_code == 404


# --- The API -------------------------------------------------------------------------------------


def api_create(client, **body: Any) -> Any:
    return client.post("/api/v1/decisions/", body, content_type="application/json")


def test_the_api_opens_a_decision_on_a_proposal(open_proposal, present, facilitator) -> None:
    client = client_for(facilitator)
    response = api_create(
        client,
        assembly="ikhm",
        title="Depo",
        method="consent",
        proposal=open_proposal.pk,
        session=present.pk,
        policy={"quorum": "1/2"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == f"/decision/{body['id']}/"
    detail = client.get(f"/api/v1/decisions/{body['id']}/").json()
    assert detail["proposal"] == {"id": open_proposal.pk, "version": 1}
    assert detail["rounds"] == []
    opened = client.post(
        f"/api/v1/decisions/{body['id']}/rounds/",
        {"seconds": None},
        content_type="application/json",
    )
    assert opened.status_code == 201
    detail = client.get(f"/api/v1/decisions/{body['id']}/").json()
    assert detail["rounds"] == [{"number": 1, "version": 1, "outcome": None, "tally": None}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "oylama"}, "method"),
        ({"title": ""}, "title"),
        ({"policy": {"quorum": "3/2"}}, "policy"),
        ({"policy": {"quorum_of": "present"}}, "policy"),  # asynchronous: nobody is present
        ({"policy": {"fallback_after_rounds": 2}}, "policy"),
        ({"alternatives": [{"title": "Tek"}]}, "alternatives"),
        ({"working_group": "yok"}, "working_group"),
        ({"text": "Başka"}, "text"),
    ],
)
def test_a_bad_field_is_400_for_that_field(open_proposal, facilitator, body, field) -> None:
    payload = {
        "assembly": "ikhm",
        "title": "Depo",
        "method": "consent",
        "proposal": open_proposal.pk,
        **body,
    }
    response = api_create(client_for(facilitator), **payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Decision.objects.exists()


def test_the_api_refuses_as_the_pages_do(open_proposal, present, member, outsider) -> None:
    member_client = client_for(member)
    live = api_create(
        member_client, assembly="ikhm", title="X", method="consent", session=present.pk
    )
    assert live.status_code == 403
    not_coauthor = api_create(
        member_client, assembly="ikhm", title="X", method="consent", proposal=open_proposal.pk
    )
    assert not_coauthor.status_code == 403
    hidden = api_create(client_for(outsider), assembly="ikhm", title="X", method="consent")
    assert hidden.status_code == 404
    assert not Decision.objects.exists()
    csrf = client_for(member, csrf=True)
    assert api_create(csrf, assembly="ikhm", title="X", method="consent").status_code == 403


# --- The page and the API decide the same ------------------------------------------------------

METHODS = {
    "consent": ["consent", "concern", "objection"],
    "consensus": ["agree", "reservations", "stand_aside", "block"],
    "gradients": [str(n) for n in range(1, 9)],
}
SHARES = st.sampled_from([None, "1/4", "1/3", "1/2", "2/3", "3/4"])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(sorted(METHODS)),
    quorum=SHARES,
    quorum_of=st.sampled_from(["present", "eligible"]),
    max_blocks=st.integers(0, 2),
    max_stand_aside=SHARES,
    needs_discussion_share=SHARES,
    secret=st.booleans(),
    picks=st.lists(st.integers(0, 7), min_size=0, max_size=3),
)
def test_a_decision_from_the_page_and_one_from_the_api_decide_the_same(
    assembly,
    present,
    facilitator,
    member,
    member2,
    method,
    quorum,
    quorum_of,
    max_blocks,
    max_stand_aside,
    needs_discussion_share,
    secret,
    picks,
) -> None:
    options = METHODS[method]
    voters = [facilitator, member, member2][: len(picks)]
    form: dict[str, Any] = {"method": method, "max_blocks": str(max_blocks)}
    policy: dict[str, Any] = {"max_blocks": max_blocks, "quorum_of": quorum_of}
    for key, value in (
        ("quorum", quorum),
        ("max_stand_aside", max_stand_aside),
        ("needs_discussion_share", needs_discussion_share),
    ):
        if value is not None:
            form[key] = value
            policy[key] = value
    form["quorum_of"] = quorum_of
    if secret:
        form["secret"] = "on"
        policy["secret"] = True
    outcomes = []
    with transaction.atomic():
        for way in ("page", "api"):
            draft = make_proposal(facilitator, assembly)
            proposal = proposal_services.change_state(facilitator, draft.pk, "open_discussion")
            client = client_for(facilitator)
            if way == "page":
                bring_by_page(
                    client, proposal, {**form, "title": "Sayfadan", "where": str(present.pk)}
                )
            else:
                made = api_create(
                    client,
                    assembly=assembly.slug,
                    title="API'den",
                    method=method,
                    proposal=proposal.pk,
                    session=present.pk,
                    policy=policy,
                )
                assert made.status_code == 201, made.content
            decision = Decision.objects.get(proposal=proposal)
            services.open_round(facilitator, decision.pk)
            for voter, pick in zip(voters, picks, strict=False):
                option = options[pick % len(options)]
                services.cast_stance(voter, decision.pk, option=option, reason="Gerekçe.")
            round_ = services.close_round(facilitator, decision.pk)
            outcomes.append((decision.method, decision.policy, round_.outcome, round_.result))
        transaction.set_rollback(True)
    page, api = outcomes
    assert page == api
