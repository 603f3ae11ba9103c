"""The proposal pages without JavaScript: who sees what, and every form through the services.

Texts are checked by ids, names and the active language's own catalogue, so the tests hold
whether or not a message has been translated yet.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from assembly.models import AgendaItem, Assembly, User
from assembly.services import check_in, open_agenda_item
from proposals import services
from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
)
from proposals.rendering import marked_diff
from tests.proposals.conftest import TEXT, client_for, make_proposal
from tests.realtime.verify import verify_action

pytestmark = pytest.mark.django_db


def page(proposal: Proposal) -> str:
    return reverse("proposal", args=[proposal.pk])


def html_of(response: Any) -> str:
    return str(response.content.decode())


def post(user: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client_for(user).post(url, data or {})


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Who sees which page ------------------------------------------------------------------


def test_the_proposal_page_for_each_reader(
    proposal, facilitator, member, observer, outsider, anonymous
) -> None:
    for user in (facilitator, member, observer):
        response = client_for(user).get(page(proposal))
        assert response.status_code == 200, user
        body = html_of(response)
        assert "Yağmur suyu deposu" in body
        for index in range(3):
            assert f'id="p{index}"' in body
    for user in (outsider, anonymous):
        assert client_for(user).get(page(proposal)).status_code == 404


def test_what_each_reader_may_do(proposal, facilitator, member, observer) -> None:
    author = html_of(client_for(facilitator).get(page(proposal)))
    assert f'action="/proposals/{proposal.pk}/versions/#edit"' in author
    assert 'name="action" value="withdraw"' in author
    assert reverse("proposal_invite", args=[proposal.pk]) in author
    assert reverse("proposal_cosign", args=[proposal.pk]) not in author  # co-authors support it
    assert 'id="new-comment"' in author
    one = html_of(client_for(member).get(page(proposal)))
    assert reverse("proposal_version", args=[proposal.pk]) not in one
    assert reverse("proposal_amend", args=[proposal.pk]) in one
    assert reverse("proposal_cosign", args=[proposal.pk]) in one
    assert 'id="new-comment"' in one
    assert 'href="?paragraph=1#new-comment"' in one
    watcher = html_of(client_for(observer).get(page(proposal)))
    for name in ("proposal_amend", "proposal_cosign", "proposal_comment", "proposal_version"):
        assert reverse(name, args=[proposal.pk]) not in watcher


def test_a_public_assembly_shows_the_page_to_anyone(proposal, assembly, anonymous) -> None:
    Assembly.objects.filter(pk=assembly.pk).update(is_public=True)
    response = client_for(anonymous).get(page(proposal))
    assert response.status_code == 200
    body = html_of(response)
    assert 'id="new-comment"' not in body
    assert reverse("login") in body


def test_drafts_are_for_their_co_authors(draft, facilitator, member, member2, observer) -> None:
    assert client_for(facilitator).get(page(draft)).status_code == 200
    for user in (member, observer):
        assert client_for(user).get(page(draft)).status_code == 404
        assert client_for(user).get(reverse("proposal_diff", args=[draft.pk])).status_code == 404
    listing = reverse("assembly_proposals", args=[draft.assembly.slug])
    assert page(draft) not in html_of(client_for(member).get(listing))
    assert page(draft) in html_of(client_for(facilitator).get(listing))
    # The person invited reads it and answers the invitation on the page.
    services.invite_coauthor(facilitator, draft.pk, member2.pk)
    body = html_of(client_for(member2).get(page(draft)))
    assert reverse("proposal_invitation", args=[draft.pk]) in body


def test_the_list_and_the_assembly_page(proposal, assembly, member, outsider) -> None:
    listing = reverse("assembly_proposals", args=[assembly.slug])
    response = client_for(member).get(listing)
    assert response.status_code == 200
    assert page(proposal) in html_of(response)
    assert reverse("proposal_create", args=[assembly.slug]) in html_of(response)
    only_drafts = client_for(member).get(listing, {"state": "adopted"})
    assert page(proposal) not in html_of(only_drafts)
    assert client_for(outsider).get(listing).status_code == 404
    home = html_of(client_for(member).get(reverse("assembly", args=[assembly.slug])))
    assert listing in home


def test_turkish_and_english(proposal, member) -> None:
    for language in ("tr", "en"):
        User.objects.filter(pk=member.pk).update(language=language)
        member.refresh_from_db()
        body = html_of(client_for(member).get(page(proposal)))
        assert f'<html lang="{language}"' in body
        with translation.override(language):
            assert gettext("Propose an amendment") in body
            assert gettext("Question") in body


# --- A new proposal ---------------------------------------------------------------------


def test_write_a_new_proposal(assembly, member) -> None:
    url = reverse("proposal_create", args=[assembly.slug])
    assert client_for(member).get(url).status_code == 200
    response = post(member, url, {"title": "Bostan", "text": "Bir.\r\n\r\nİki."})
    proposal = Proposal.objects.get(title="Bostan")
    assert response.status_code == 302 and response["Location"] == page(proposal)
    assert proposal.state == State.DRAFT and proposal.text == "Bir.\n\nİki."
    assert list(proposal.versions.values_list("number", flat=True)) == [1]


def test_a_new_proposal_with_bad_input_changes_nothing(assembly, member, outsider) -> None:
    url = reverse("proposal_create", args=[assembly.slug])
    empty = post(member, url, {"title": "", "text": "Metin."})
    assert empty.status_code == 400
    assert 'aria-invalid="true"' in html_of(empty)
    too_long = post(member, url, {"title": "x" * 201, "text": "Metin."})
    assert too_long.status_code == 400
    with translation.override("tr"):
        limit = gettext("At most %(limit)s characters (you wrote %(count)s).") % {
            "limit": 200,
            "count": 201,
        }
    assert limit in html_of(too_long)
    assert "x" * 201 in html_of(too_long)  # what was typed is kept
    assert post(outsider, url, {"title": "T", "text": "M"}).status_code == 404
    assert not Proposal.objects.exists()


def test_a_working_group_writes_in_its_own_name(assembly, member, member2) -> None:
    from assembly.models import WorkingGroup, WorkingGroupMembership

    group = WorkingGroup.objects.create(assembly=assembly, name="Su", slug="su")
    WorkingGroupMembership.objects.create(group=group, user=member)
    url = reverse("proposal_create", args=[assembly.slug])
    assert f'value="{group.pk}"' in html_of(client_for(member).get(url))
    refused = post(member2, url, {"title": "T", "text": "M", "working_group": group.pk})
    assert refused.status_code == 400 and not Proposal.objects.exists()
    post(member, url, {"title": "T", "text": "M", "working_group": group.pk})
    assert Proposal.objects.get().working_group == group


# --- State, co-authors, co-signatures ------------------------------------------------------


def test_open_withdraw_and_who_may(draft, facilitator, member) -> None:
    url = reverse("proposal_state", args=[draft.pk])
    assert post(member, url, {"action": "open_discussion"}).status_code == 404  # a draft
    post(facilitator, url, {"action": "open_discussion"})
    draft.refresh_from_db()
    assert draft.state == State.DISCUSSION
    refused = client_for(member).post(url, {"action": "withdraw"}, follow=True)
    assert refused.status_code == 200 and messages_of(refused)
    draft.refresh_from_db()
    assert draft.state == State.DISCUSSION
    post(facilitator, url, {"action": "adopt"})  # not the co-authors' choice
    draft.refresh_from_db()
    assert draft.state == State.DISCUSSION
    post(facilitator, url, {"action": "withdraw"})
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN


def test_invite_and_answer(draft, facilitator, member, member2) -> None:
    post(facilitator, reverse("proposal_invite", args=[draft.pk]), {"member": member.pk})
    post(facilitator, reverse("proposal_invite", args=[draft.pk]), {"member": member2.pk})
    assert CoAuthor.objects.filter(proposal=draft, status="invited").count() == 2
    post(member, reverse("proposal_invitation", args=[draft.pk]), {"answer": "accept"})
    post(member2, reverse("proposal_invitation", args=[draft.pk]), {"answer": "decline"})
    assert CoAuthor.objects.get(proposal=draft, user=member).status == "accepted"
    assert CoAuthor.objects.get(proposal=draft, user=member2).status == "declined"
    # Answered twice: refused with a message, nothing changes.
    again = client_for(member).post(
        reverse("proposal_invitation", args=[draft.pk]), {"answer": "decline"}, follow=True
    )
    assert messages_of(again)
    assert CoAuthor.objects.get(proposal=draft, user=member).status == "accepted"
    # Having declined, the draft is not for Zeynep any more.
    assert client_for(member2).get(page(draft)).status_code == 404


def test_invite_with_bad_input(proposal, facilitator, member) -> None:
    url = reverse("proposal_invite", args=[proposal.pk])
    assert post(facilitator, url, {"member": "abc"}).status_code == 400
    assert post(member, url, {"member": member.pk}).status_code == 403
    assert not CoAuthor.objects.filter(status="invited").exists()


def test_cosign_until_ready(proposal, assembly, member, member2, facilitator) -> None:
    Assembly.objects.filter(pk=assembly.pk).update(cosign_threshold=2)
    url = reverse("proposal_cosign", args=[proposal.pk])
    post(member, url)
    post(member2, url)
    proposal.refresh_from_db()
    assert CoSignature.objects.filter(proposal=proposal).count() == 2
    assert proposal.ready_at is not None
    body = html_of(client_for(member).get(page(proposal)))
    assert 'name="action" value="withdraw"' in body
    post(member, url, {"action": "withdraw"})
    proposal.refresh_from_db()
    assert proposal.ready_at is None
    post(facilitator, url)  # co-authors do not co-sign
    assert CoSignature.objects.filter(proposal=proposal).count() == 1


# --- Versions and the diff page -------------------------------------------------------------


def test_a_co_author_writes_a_new_version(proposal, facilitator, member) -> None:
    url = reverse("proposal_version", args=[proposal.pk])
    new = TEXT + "\n\nHer yıl gözden geçirilir."
    response = post(facilitator, url, {"text": new, "note": "Gözden geçirme eklendi."})
    assert response.status_code == 302 and response["Location"].endswith("#text")
    assert proposal.versions.count() == 2
    body = html_of(client_for(member).get(page(proposal)))
    assert "Gözden geçirme eklendi." in body
    assert f"{reverse('proposal_diff', args=[proposal.pk])}?from=1&amp;to=2" in body
    assert 'id="p3"' in body


def test_a_new_version_refused_changes_nothing(proposal, facilitator, member) -> None:
    url = reverse("proposal_version", args=[proposal.pk])
    assert post(member, url, {"text": "Başka.", "note": "n"}).status_code == 403
    no_note = post(facilitator, url, {"text": "Başka.", "note": ""})
    assert no_note.status_code == 400 and "Başka." in html_of(no_note)
    same = post(facilitator, url, {"text": TEXT, "note": "Aynı"})
    assert same.status_code == 400
    with translation.override("tr"):
        assert gettext("The text has not changed.") in html_of(same)
    too_long = post(facilitator, url, {"text": "x" * 100_001, "note": "n"})
    assert too_long.status_code == 400
    assert proposal.versions.count() == 1


def test_the_diff_page_says_what_was_added_and_removed(proposal, facilitator, member) -> None:
    services.create_version(
        facilitator,
        proposal.pk,
        text=TEXT.replace("yağmur suyu", "yağmur <b>suyu</b>").replace("sırayla ", ""),
        note="Düzeltme",
    )
    url = reverse("proposal_diff", args=[proposal.pk])
    response = client_for(member).get(url, {"from": 1, "to": 2})
    assert response.status_code == 200
    body = html_of(response)
    with translation.override("tr"):
        added, removed = gettext("added:"), gettext("removed:")
        end_added, end_removed = gettext("end of addition"), gettext("end of removal")
    assert re.search(
        rf'<ins><span class="visually-hidden">{re.escape(added)} </span>[^<]*'
        rf'&lt;b&gt;[^<]*<span class="visually-hidden"> \({re.escape(end_added)}\)</span></ins>',
        body,
    )
    assert f'<del><span class="visually-hidden">{removed} </span>sırayla ' in body
    assert f"({end_removed})</span></del>" in body
    assert "<b>suyu</b>" not in body  # the text stays text
    # The default is the last change; a bad number is a form error; an unknown one is 404.
    assert client_for(member).get(url).status_code == 200
    bad = client_for(member).get(url, {"from": "x", "to": "2"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in html_of(bad)
    assert client_for(member).get(url, {"from": 1, "to": 9}).status_code == 404


def test_marked_diff_only_touches_the_tags() -> None:
    with translation.override("en"):
        marked = marked_diff("a <del>b</del><ins>c &lt;ins&gt;</ins>")
    assert marked == (
        'a <del><span class="visually-hidden">removed: </span>b'
        '<span class="visually-hidden"> (end of removal)</span></del>'
        '<ins><span class="visually-hidden">added: </span>c &lt;ins&gt;'
        '<span class="visually-hidden"> (end of addition)</span></ins>'
    )


# --- Amendments -----------------------------------------------------------------------------

AMENDED = TEXT.replace("yazın", "bütün yaz")


def amend(user: User, proposal: Proposal, **extra: Any) -> Any:
    data = {"base_version": 1, "text": AMENDED, "rationale": "Yaz uzun sürüyor.", **extra}
    return post(user, reverse("proposal_amend", args=[proposal.pk]), data)


def test_propose_and_accept_an_amendment(proposal, facilitator, member) -> None:
    response = amend(member, proposal, paragraph="1")
    amendment = Amendment.objects.get()
    assert response["Location"].endswith(f"#amendment-{amendment.pk}")
    assert amendment.status == "open" and amendment.paragraph == 1
    body = html_of(client_for(facilitator).get(page(proposal)))
    assert f'id="amendment-{amendment.pk}"' in body
    assert reverse("amendment_accept", args=[amendment.pk]) in body
    assert "<ins>" in body and "<del>" in body
    assert reverse("amendment_accept", args=[amendment.pk]) not in html_of(
        client_for(member).get(page(proposal))
    )
    post(member, reverse("amendment_accept", args=[amendment.pk]))  # not a co-author
    assert Amendment.objects.get().status == "open"
    post(facilitator, reverse("amendment_accept", args=[amendment.pk]))
    amendment.refresh_from_db()
    proposal.refresh_from_db()
    assert amendment.status == "accepted" and proposal.text == AMENDED
    assert proposal.versions.count() == 2


def test_an_amendment_with_bad_input_changes_nothing(proposal, member, observer) -> None:
    assert amend(member, proposal, rationale="").status_code == 400
    assert amend(member, proposal, text=TEXT).status_code == 400  # no change
    assert amend(member, proposal, base_version=7).status_code == 400
    assert amend(observer, proposal).status_code == 403
    kept = amend(member, proposal, rationale="x" * 2001)
    assert kept.status_code == 400 and AMENDED.split("\n")[0] in html_of(kept)
    assert not Amendment.objects.exists()


def test_decline_with_a_reason_and_promote(proposal, facilitator, member) -> None:
    amend(member, proposal)
    amend(member, proposal, text=TEXT + "\n\nEk.")
    first, second = Amendment.objects.order_by("id")
    url = reverse("amendment_decline", args=[first.pk])
    no_reason = post(facilitator, url, {"reason": " "})
    assert no_reason.status_code == 400
    assert f'id="a{first.pk}-decline-id_reason"' in html_of(no_reason) or (
        f'id="a{first.pk}-decline-reason"' in html_of(no_reason)
    )
    post(facilitator, url, {"reason": "Bu haliyle kalsın."})
    post(facilitator, reverse("amendment_promote", args=[second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reason) == ("declined", "Bu haliyle kalsın.")
    assert second.status == "promoted"
    assert "Bu haliyle kalsın." in html_of(client_for(member).get(page(proposal)))


def test_rebase_for_its_author_when_needed(proposal, facilitator, member) -> None:
    amend(member, proposal)
    amendment = Amendment.objects.get()
    services.create_version(
        facilitator, proposal.pk, text=TEXT.replace("yazın", "kışın"), note="Kış"
    )
    failed = client_for(facilitator).post(
        reverse("amendment_accept", args=[amendment.pk]), follow=True
    )
    assert messages_of(failed)
    amendment.refresh_from_db()
    assert amendment.needs_rebase and amendment.status == "open"
    body = html_of(client_for(member).get(page(proposal)))
    url = reverse("amendment_rebase", args=[amendment.pk])
    assert url in body
    assert url not in html_of(client_for(facilitator).get(page(proposal)))
    redone = TEXT.replace("yazın", "bütün kış")
    bad = post(member, url, {"base_version": 2, "text": redone, "rationale": ""})
    assert bad.status_code == 400
    post(member, url, {"base_version": 2, "text": redone, "rationale": "Kış da uzun."})
    amendment.refresh_from_db()
    assert not amendment.needs_rebase and amendment.base_version.number == 2
    post(facilitator, reverse("amendment_accept", args=[amendment.pk]))
    proposal.refresh_from_db()
    assert proposal.text == redone


def test_accepting_waits_while_a_round_is_open(proposal, facilitator, member, live_session):
    from voting import services as voting

    amend(member, proposal)
    decision = voting.create_decision(
        facilitator,
        assembly=proposal.assembly,
        session=live_session,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method="consent",
    )
    voting.open_round(facilitator, decision.pk, seconds=None)
    body = html_of(client_for(facilitator).get(page(proposal)))
    assert reverse("proposal_version", args=[proposal.pk]) not in body
    assert 'value="withdraw"' not in body and 'value="return_to_discussion"' not in body
    assert reverse("amendment_accept", args=[Amendment.objects.get().pk]) not in body
    assert reverse("decision", args=[decision.pk]) in body
    post(facilitator, reverse("amendment_accept", args=[Amendment.objects.get().pk]))
    assert Amendment.objects.get().status == "open"


def test_an_adopted_proposal_links_to_its_record(proposal, facilitator, member, live_session):
    from voting import services as voting

    decision = voting.create_decision(
        facilitator,
        assembly=proposal.assembly,
        session=live_session,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method="consent",
    )
    voting.open_round(facilitator, decision.pk, seconds=None)
    check_in(member, live_session.pk)
    voting.cast_stance(member, decision.pk, option="consent")
    voting.close_round(facilitator, decision.pk)
    record = voting.record_decision(facilitator, decision.pk, statement="Depo kurulacak.")
    proposal.refresh_from_db()
    assert proposal.state == State.ADOPTED
    body = html_of(client_for(member).get(page(proposal)))
    assert (
        reverse("decision_detail", args=[record.assembly.slug, record.year, record.number]) in body
    )
    assert 'id="new-comment"' not in body  # the discussion is closed


# --- Discussion -----------------------------------------------------------------------------


def comment(user: User, proposal: Proposal, **data: Any) -> Any:
    return post(user, reverse("proposal_comment", args=[proposal.pk]), data)


def test_comment_reply_and_anchor(proposal, member, member2) -> None:
    response = comment(member, proposal, kind="concern", body="Depo ağır olur.", paragraph="1")
    first = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{first.pk}")
    assert first.anchor_version is not None and first.anchor_version.number == 1
    assert (first.kind, first.anchor_paragraph) == ("concern", 1)
    comment(member2, proposal, kind="idea", body="Hafif olsun.", parent=first.pk)
    reply = Comment.objects.get(parent=first)
    too_deep = comment(member, proposal, kind="idea", body="Üçüncü kat.", parent=reply.pk)
    assert too_deep.status_code == 400 and "Üçüncü kat." in html_of(too_deep)
    body = html_of(client_for(member).get(page(proposal)))
    assert f'id="comment-{first.pk}"' in body and f'id="comment-{reply.pk}"' in body
    assert 'href="#p1"' in body
    with translation.override("tr"):
        assert gettext("Concern") in body
    # Preselected from a paragraph's link, without JavaScript.
    chosen = html_of(client_for(member).get(page(proposal), {"paragraph": 2}))
    assert re.search(r'<option value="2" selected>', chosen)


def test_a_comment_with_bad_input_changes_nothing(proposal, member, observer) -> None:
    assert comment(member, proposal, kind="rant", body="Olmaz.").status_code == 400
    assert comment(member, proposal, kind="idea", body="  ").status_code == 400
    assert comment(member, proposal, kind="idea", body="x" * 10_001).status_code == 400
    assert comment(member, proposal, kind="idea", body="Olur.", paragraph="9").status_code == 400
    assert comment(observer, proposal, kind="idea", body="İzliyorum.").status_code == 403
    assert not Comment.objects.exists()


def test_edit_keeps_the_history(proposal, member, member2) -> None:
    comment(member, proposal, kind="idea", body="İlk hali.")
    c = Comment.objects.get()
    url = reverse("comment_edit", args=[c.pk])
    assert post(member2, url, {"kind": "idea", "body": "Başkası."}).status_code == 403
    assert post(member, url, {"kind": "idea", "body": ""}).status_code == 400
    post(member, url, {"kind": "question", "body": "İkinci hali."})
    c.refresh_from_db()
    assert (c.kind, c.body) == ("question", "İkinci hali.")
    assert CommentRevision.objects.get(comment=c).body == "İlk hali."
    body = html_of(client_for(member2).get(page(proposal)))
    assert "İlk hali." in body and "İkinci hali." in body


def test_reactions_toggle(proposal, member, member2, observer) -> None:
    comment(member, proposal, kind="idea", body="Fikir.")
    c = Comment.objects.get()
    url = reverse("comment_react", args=[c.pk])
    post(member2, url, {"reaction": "+1"})
    assert Reaction.objects.get(comment=c).kind == "+1"
    body = html_of(client_for(member2).get(page(proposal)))
    assert 'value="+1" class="reaction" aria-pressed="true"' in body
    post(member2, url, {"reaction": "heart"})
    assert Reaction.objects.get(comment=c).kind == "heart"
    post(member2, url, {"reaction": "heart"})  # the same again takes it back
    assert not Reaction.objects.exists()
    post(member2, url, {"reaction": "angry"})
    post(observer, url, {"reaction": "+1"})
    assert not Reaction.objects.exists()


def test_moderation_hide_answer_ask_and_restore(
    proposal, session, facilitator, member, member2
) -> None:
    # Ayşe facilitates a session of the assembly, so she moderates.
    comment(member, proposal, kind="idea", body="Telefonu 0555 000 00 00.")
    c = Comment.objects.get()
    assert reverse("comment_hide", args=[c.pk]) in html_of(
        client_for(facilitator).get(page(proposal))
    )
    assert reverse("comment_hide", args=[c.pk]) not in html_of(
        client_for(member2).get(page(proposal))
    )
    assert post(member2, reverse("comment_hide", args=[c.pk]), {"reason": "x"}).status_code == 403
    no_reason = post(facilitator, reverse("comment_hide", args=[c.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    post(facilitator, reverse("comment_hide", args=[c.pk]), {"reason": "Telefon numarası var."})
    c.refresh_from_db()
    assert c.moderation == "hidden"
    others = html_of(client_for(member2).get(page(proposal)))
    assert "0555" not in others and "Telefon numarası var." not in others
    own = html_of(client_for(member).get(page(proposal)))
    assert "0555" in own and "Telefon numarası var." in own
    assert reverse("comment_answer", args=[c.pk]) in own
    assert reverse("comment_request_restore", args=[c.pk]) in own
    post(member, reverse("comment_answer", args=[c.pk]), {"note": "Haklısınız."})
    post(member, reverse("comment_edit", args=[c.pk]), {"kind": "idea", "body": "Numarasız."})
    post(member, reverse("comment_request_restore", args=[c.pk]), {"note": ""})
    c.refresh_from_db()
    assert c.moderation == "restore_requested"
    post(facilitator, reverse("comment_restore", args=[c.pk]), {"note": ""})
    c.refresh_from_db()
    assert c.moderation == "visible"
    actions = list(ModerationEvent.objects.filter(comment=c).values_list("action", flat=True))
    assert actions == ["hidden", "answered", "edited", "restore_requested", "restored"]
    # Restored: everyone reads it, but what was hidden does not come back through its history.
    others = html_of(client_for(member2).get(page(proposal)))
    assert "Numarasız." in others and "0555" not in others
    assert "Haklısınız." not in others  # the log is for the author and the facilitators
    own = html_of(client_for(member).get(page(proposal)))
    assert "0555" in own and "Haklısınız." in own


# --- Escaping -------------------------------------------------------------------------------


def test_title_and_comment_are_escaped(assembly, facilitator, member) -> None:
    evil = '<script>alert("x")</script>'
    proposal = make_proposal(facilitator, assembly, text=f"Metin {evil}\n\nİkinci.")
    Proposal.objects.filter(pk=proposal.pk).update(title=f"Başlık {evil}")
    services.change_state(facilitator, proposal.pk, "open_discussion")
    services.create_version(facilitator, proposal.pk, text=f"Yeni {evil}", note=evil)
    comment(member, proposal, kind="idea", body=f"{evil} <img src=x onerror=alert(1)>")
    pages = [
        page(proposal),
        reverse("proposal_diff", args=[proposal.pk]),
        reverse("assembly_proposals", args=[assembly.slug]),
    ]
    for url in pages:
        body = html_of(client_for(member).get(url))
        assert "<script>alert" not in body, url
        assert "onerror=alert" not in body.replace("onerror=alert(1)&gt;", ""), url
        assert "&lt;script&gt;" in body, url


# --- Writes are POST ------------------------------------------------------------------------


def test_a_get_of_a_write_goes_back_to_the_page(proposal, member, outsider) -> None:
    comment(member, proposal, kind="idea", body="Fikir.")
    c = Comment.objects.get()
    for url in (
        reverse("proposal_comment", args=[proposal.pk]),
        reverse("comment_edit", args=[c.pk]),
    ):
        response = client_for(member).get(url)
        assert response.status_code == 302 and response["Location"] == page(proposal)
    assert client_for(outsider).get(reverse("comment_edit", args=[c.pk])).status_code == 404
    assert client_for(member).put(reverse("comment_edit", args=[c.pk])).status_code == 405


# --- The live screen ------------------------------------------------------------------------


@pytest.fixture
def on_agenda(live_session, proposal, facilitator) -> AgendaItem:
    item = AgendaItem.objects.create(
        session=live_session, position=3, title=proposal.title, proposal=proposal
    )
    open_agenda_item(facilitator, live_session.pk, item.pk)
    return item


def test_the_live_screen_shows_the_latest_comments(
    on_agenda, live_session, proposal, member, member2
) -> None:
    services.add_comment(member, proposal.pk, kind="support", body="**Destekliyorum.**")
    body = html_of(client_for(member2).get(reverse("session", args=[live_session.pk])))
    assert 'id="proposal-comments"' in body
    block = body[body.index('id="proposal-comments"') :]
    assert 'aria-live="polite"' in body[body.index('<ol id="proposal-comments"') :][:200]
    assert "<strong>Destekliyorum.</strong>" in block
    assert f'href="{page(proposal)}"' in body
    assert 'id="live-proposal"' in body


def test_a_comment_changes_only_the_seq_of_the_live_state(
    on_agenda, live_session, proposal, member
) -> None:
    _comment, frames = verify_action(
        live_session.pk,
        lambda: services.add_comment(member, proposal.pk, kind="idea", body="Canlı."),
        member,
    )
    assert [f["event"] for f in frames] == ["proposal.comment_added"]
    assert frames[0]["data"]["comment"]["body"] == "Canlı."


def test_a_public_session_shows_only_the_title_to_strangers(
    on_agenda, public_session, proposal, member, anonymous
) -> None:
    services.add_comment(member, proposal.pk, kind="idea", body="İç konu.")
    body = html_of(client_for(anonymous).get(reverse("session", args=[public_session.pk])))
    assert 'id="proposal"' in body and proposal.title in body
    assert 'id="proposal-comments"' not in body and "İç konu." not in body
    assert f'href="{page(proposal)}"' not in body
