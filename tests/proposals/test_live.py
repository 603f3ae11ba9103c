"""A new comment on the proposal now on the agenda reaches the live session's sockets."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from assembly import services as assembly_services
from assembly.models import AgendaItem, Session, Visibility
from proposals import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

run = sync_to_async


@pytest.fixture
def on_agenda(live_session, proposal, facilitator) -> AgendaItem:
    """The proposal is the live session's open agenda item."""
    item = AgendaItem.objects.create(
        session=live_session, position=3, title=proposal.title, proposal=proposal
    )
    assembly_services.open_agenda_item(facilitator, live_session.pk, item.pk)
    return item


async def test_a_comment_is_published_to_the_session(
    sockets, on_agenda, live_session, proposal, member, member2, db_seq
) -> None:
    accepted, watcher = await sockets(live_session, member2)
    assert accepted
    seq = watcher.state["seq"]

    @run
    def comment_over_the_api() -> int:
        client = Client()
        client.force_login(member)
        response = client.post(
            f"/api/v1/proposals/{proposal.pk}/comments/",
            json.dumps({"kind": "concern", "body": "Depo **ağır** olur.", "anchor": None}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return int(response.json()["id"])

    comment_id = await comment_over_the_api()
    frame = await watcher.event("proposal.comment_added")
    assert frame["seq"] == seq + 1
    assert await db_seq(live_session) == seq + 1
    data = frame["data"]
    assert data["proposal"] == proposal.pk
    comment = data["comment"]
    assert comment["id"] == comment_id
    assert comment["author"] == member.pk and comment["kind"] == "concern"
    assert comment["body"] == "Depo **ağır** olur."
    assert comment["html"] == "<p>Depo <strong>ağır</strong> olur.</p>\n"
    assert comment["replies"] == [] and comment["parent"] is None
    # A reply is published too, as a reply.
    await run(services.add_comment)(
        member2, proposal.pk, kind="idea", body="Hafif olsun.", parent=comment_id
    )
    frame = await watcher.event("proposal.comment_added")
    assert frame["seq"] == seq + 2
    assert frame["data"]["comment"]["parent"] == comment_id
    assert "replies" not in frame["data"]["comment"]


async def nothing_published_before_the_next_change(watcher, session, member, seq, db_seq) -> None:
    """The next sequenced change (a raised hand) takes ``seq + 1``: no comment came first."""
    assert await db_seq(session) == seq
    await run(assembly_services.raise_hand)(member, session.pk, "speak")
    frame = await watcher.wait_for(lambda f: f["seq"] is not None)
    assert (frame["event"], frame["seq"]) == ("queue.changed", seq + 1)
    assert not [f for f in watcher.buffer if f["event"] == "proposal.comment_added"]


async def test_comments_on_other_proposals_stay_out(
    sockets, live_session, proposal, member, member2, db_seq
) -> None:
    # The proposal is on the agenda, but its item is not the open one.
    await run(AgendaItem.objects.create)(
        session=live_session, position=3, title=proposal.title, proposal=proposal
    )
    accepted, watcher = await sockets(live_session, member2)
    assert accepted
    seq = watcher.state["seq"]
    await run(services.add_comment)(member, proposal.pk, kind="idea", body="Fikir.")
    await nothing_published_before_the_next_change(watcher, live_session, member, seq, db_seq)


async def test_a_public_session_of_a_members_only_assembly_gets_nothing(
    sockets, on_agenda, live_session, proposal, member, anonymous, db_seq
) -> None:
    await run(Session.objects.filter(pk=live_session.pk).update)(visibility=Visibility.PUBLIC)
    accepted, watcher = await sockets(live_session, anonymous)
    assert accepted
    seq = watcher.state["seq"]
    await run(services.add_comment)(member, proposal.pk, kind="idea", body="İç konu.")
    await nothing_published_before_the_next_change(watcher, live_session, member, seq, db_seq)
