"""An agenda item may link to a proposal of the assembly that is open for discussion."""

from __future__ import annotations

import pytest
from django.test import Client

from assembly import selectors, services
from assembly.models import AgendaItem, Assembly
from common.errors import Forbidden, Invalid
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_link_an_item_to_a_proposal(live_session, facilitator, member):
    proposal = Proposal.objects.create(
        assembly=live_session.assembly, title="Su protokolü", text="Metin", created_by=member
    )
    assert proposal.pk in selectors.agenda_proposal_ids(live_session)
    before = live_session.seq
    item = services.add_agenda_item(facilitator, live_session.pk, "Su", 20, proposal_id=proposal.pk)
    assert item.proposal_id == proposal.pk
    live_session.refresh_from_db()
    assert live_session.seq == before + 1
    row = next(i for i in selectors.agenda_rows(live_session) if i["id"] == item.pk)
    assert row["proposal"] == {"id": proposal.pk, "title": "Su protokolü"}


def test_only_this_assemblys_open_proposals(live_session, facilitator, member):
    other = Assembly.objects.create(name="Başka", slug="baska-meclis")
    foreign = Proposal.objects.create(assembly=other, title="Yabancı", text="x")
    draft = Proposal.objects.create(
        assembly=live_session.assembly, title="Taslak", text="x", created_by=member
    )
    Proposal.objects.filter(pk=draft.pk).update(state="draft")
    count = AgendaItem.objects.count()
    for proposal in (foreign, draft):
        with pytest.raises(Invalid) as info:
            services.add_agenda_item(facilitator, live_session.pk, "X", 5, proposal_id=proposal.pk)
        assert "proposal" in info.value.fields
    with pytest.raises(Forbidden):
        services.add_agenda_item(member, live_session.pk, "X", 5)
    assert AgendaItem.objects.count() == count


def test_the_form_links_it_too(live_session, facilitator, member):
    proposal = Proposal.objects.create(
        assembly=live_session.assembly, title="Tahliye", text="x", created_by=member
    )
    client = Client()
    client.force_login(facilitator)
    page = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert 'id="agenda-proposal"' in page and "Tahliye" in page
    client.post(
        f"/sessions/{live_session.pk}/agenda/",
        {"op": "add", "title": "Tahliye", "minutes_budget": "15", "proposal": str(proposal.pk)},
    )
    assert AgendaItem.objects.get(title="Tahliye").proposal_id == proposal.pk
