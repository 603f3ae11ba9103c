"""The proposals API against CONTRACT §5b: every endpoint and every status it lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from assembly.models import Membership, Role, WorkingGroup, WorkingGroupMembership
from proposals import services
from proposals.models import Amendment, Comment, CommentRevision, ModerationEvent, Proposal
from tests.proposals.conftest import TEXT, client_for, make_proposal
from voting import selectors as voting_selectors
from voting import services as voting

pytestmark = pytest.mark.django_db

API = "/api/v1"
P0, P1, P2 = TEXT.split("\n\n")


def send(client: Client, method: str, url: str, body: Any = None, **extra: Any):
    return getattr(client, method)(
        url, json.dumps(body if body is not None else {}), content_type="application/json", **extra
    )


def post(client: Client, url: str, body: Any = None, **extra: Any):
    return send(client, "post", url, body, **extra)


def errors(response) -> dict:
    body = response.json()
    assert isinstance(body, dict) and body, body
    return body


# --- Reading --------------------------------------------------------------------------------


def test_get_a_proposal(proposal, facilitator, member) -> None:
    services.create_version(facilitator, proposal.pk, text=TEXT + "\n\nEk.", note="Ek paragraf")
    response = client_for(member).get(f"{API}/proposals/{proposal.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "title", "state", "url", "authors", "current_version", "versions"} <= set(body)
    assert body["id"] == proposal.pk
    assert body["state"] == "discussion"
    assert body["url"] == f"/proposals/{proposal.pk}/"
    assert body["authors"] == [facilitator.pk]
    assert body["current_version"] == 2
    assert [v["number"] for v in body["versions"]] == [1, 2]  # oldest first
    assert set(body["versions"][1]) >= {"number", "created_at", "note", "author"}
    assert body["versions"][1]["note"] == "Ek paragraf"
    assert body["versions"][1]["author"] == facilitator.pk


def test_readers(proposal, assembly, facilitator, member, outsider, anonymous) -> None:
    draft = make_proposal(facilitator, assembly)
    assert client_for(member).get(f"{API}/proposals/{draft.pk}/").status_code == 404
    assert client_for(outsider).get(f"{API}/proposals/{proposal.pk}/").status_code == 404
    assert client_for(anonymous).get(f"{API}/proposals/{proposal.pk}/").status_code == 404
    assert client_for(member).get(f"{API}/proposals/999999/").status_code == 404
    assembly.is_public = True
    assembly.save()
    assert client_for(anonymous).get(f"{API}/proposals/{proposal.pk}/").status_code == 200
    assert client_for(anonymous).get(f"{API}/proposals/{draft.pk}/").status_code == 404


def test_get_a_version(proposal, member) -> None:
    client = client_for(member)
    response = client.get(f"{API}/proposals/{proposal.pk}/versions/1/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 1 and body["text"] == TEXT
    assert body["html"].startswith("<p>Mahalle bostanına")
    assert client.get(f"{API}/proposals/{proposal.pk}/versions/2/").status_code == 404
    listed = client.get(f"{API}/proposals/{proposal.pk}/versions/").json()
    assert [v["number"] for v in listed] == [1]


def test_html_is_sanitised(proposal, facilitator, member) -> None:
    services.create_version(
        facilitator, proposal.pk, text="<script>x()</script> [a](https://ikhm.org)", note="n"
    )
    html = client_for(member).get(f"{API}/proposals/{proposal.pk}/versions/2/").json()["html"]
    assert "<script" not in html and 'rel="noopener noreferrer"' in html


def test_diff(proposal, facilitator, member) -> None:
    services.create_version(
        facilitator, proposal.pk, text=TEXT.replace("İzmir'de", "İzmir'in"), note="n"
    )
    client = client_for(member)
    response = client.get(f"{API}/proposals/{proposal.pk}/diff/?from=1&to=2")
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == (1, 2)
    assert "<del>İzmir&#x27;de</del><ins>İzmir&#x27;in</ins>" in body["html"]
    assert client.get(f"{API}/proposals/{proposal.pk}/diff/?from=1&to=3").status_code == 404
    assert client.get(f"{API}/proposals/{proposal.pk}/diff/?from=7&to=1").status_code == 404
    bad = client.get(f"{API}/proposals/{proposal.pk}/diff/?from=x")
    assert bad.status_code == 400 and {"from", "to"} <= set(errors(bad))


def test_list_proposals(proposal, facilitator, member, assembly) -> None:
    make_proposal(facilitator, assembly)  # a draft of the facilitator's
    other = services.create_proposal(member, assembly=assembly, title="Başka", text="Metin.")
    response = client_for(member).get(f"{API}/proposals/")
    assert response.status_code == 200
    body = response.json()
    ids = [p["id"] for p in body["results"]]
    assert set(ids) == {proposal.pk, other.pk}  # the facilitator's draft is not listed
    assert body["count"] == 2
    only = client_for(member).get(f"{API}/proposals/?state=draft&assembly=ikhm").json()
    assert [p["id"] for p in only["results"]] == [other.pk]
    assert client_for(member).get(f"{API}/proposals/?ready=true").json()["count"] == 0


# --- Creating and changing state ------------------------------------------------------------


def test_create_a_proposal(member, assembly) -> None:
    client = client_for(member)
    response = post(client, f"{API}/proposals/", {"title": "Yeni öneri", "text": "Metin."})
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "draft" and body["authors"] == [member.pk]
    assert body["current_version"] == 1
    assert response["Location"] == body["url"]
    too_long = post(client, f"{API}/proposals/", {"title": "x" * 201, "text": "Metin."})
    assert too_long.status_code == 400 and "title" in errors(too_long)
    too_long = post(client, f"{API}/proposals/", {"title": "T", "text": "x" * 100_001})
    assert too_long.status_code == 400 and "text" in errors(too_long)
    assert Proposal.objects.count() == 1


def test_create_needs_a_member(observer, anonymous, assembly) -> None:
    assert (
        post(client_for(anonymous), f"{API}/proposals/", {"title": "T", "text": "M"}).status_code
        == 403
    )
    response = post(
        client_for(observer), f"{API}/proposals/", {"title": "T", "text": "M", "assembly": "ikhm"}
    )
    assert response.status_code == 403


def test_create_for_a_working_group(assembly, member, member2) -> None:
    group = WorkingGroup.objects.create(assembly=assembly, name="Suya Erişim", slug="su")
    WorkingGroupMembership.objects.create(group=group, user=member)
    WorkingGroupMembership.objects.create(group=group, user=member2)
    response = post(
        client_for(member),
        f"{API}/proposals/",
        {"title": "T", "text": "M", "working_group": group.pk},
    )
    assert response.status_code == 201
    assert response.json()["authors"] == sorted([member.pk, member2.pk])
    unknown = post(
        client_for(member), f"{API}/proposals/", {"title": "T", "text": "M", "working_group": 999}
    )
    assert unknown.status_code == 400 and "working_group" in errors(unknown)


def test_which_assembly(member, outsider) -> None:
    Membership.objects.create(assembly=outsider.memberships.get().assembly, user=member)
    response = post(client_for(member), f"{API}/proposals/", {"title": "T", "text": "M"})
    assert response.status_code == 400 and "assembly" in errors(response)
    response = post(
        client_for(member), f"{API}/proposals/", {"title": "T", "text": "M", "assembly": "nope"}
    )
    assert response.status_code == 400 and "assembly" in errors(response)
    response = post(
        client_for(member), f"{API}/proposals/", {"title": "T", "text": "M", "assembly": "baska"}
    )
    assert response.status_code == 201


def test_open_withdraw_and_back_to_discussion(draft, facilitator, member) -> None:
    client = client_for(facilitator)
    assert post(client_for(member), f"{API}/proposals/{draft.pk}/open/").status_code == 404
    response = post(client, f"{API}/proposals/{draft.pk}/open/")
    assert response.status_code == 200 and response.json() == {"state": "discussion"}
    assert post(client_for(member), f"{API}/proposals/{draft.pk}/open/").status_code == 403
    assert post(client, f"{API}/proposals/{draft.pk}/open/").status_code == 409
    assert post(client, f"{API}/proposals/{draft.pk}/back-to-discussion/").status_code == 409
    response = post(client, f"{API}/proposals/{draft.pk}/withdraw/")
    assert response.status_code == 200 and response.json() == {"state": "withdrawn"}


# --- Versions -------------------------------------------------------------------------------


def test_new_version(proposal, facilitator, member) -> None:
    url = f"{API}/proposals/{proposal.pk}/versions/"
    response = post(client_for(facilitator), url, {"text": TEXT + "\n\nEk.", "note": "Ek"})
    assert response.status_code == 201 and response.json() == {"number": 2}
    assert post(client_for(member), url, {"text": "x", "note": "n"}).status_code == 403


def test_new_version_limits(proposal, facilitator) -> None:
    url = f"{API}/proposals/{proposal.pk}/versions/"
    client = client_for(facilitator)
    response = post(client, url, {"text": "x" * 100_001, "note": "n"})
    assert response.status_code == 400 and "text" in errors(response)
    response = post(client, url, {"text": "x", "note": "n" * 501})
    assert response.status_code == 400 and "note" in errors(response)
    response = post(client, url, {"text": TEXT, "note": "aynı"})
    assert response.status_code == 400 and "text" in errors(response)
    response = post(client, url, ["not", "an", "object"])
    assert response.status_code == 400
    assert proposal.versions.count() == 1


def test_no_new_version_while_a_round_is_open(proposal, facilitator, member) -> None:
    decision = voting.create_decision(
        facilitator,
        assembly=proposal.assembly,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method="consent",
    )
    voting.open_round(facilitator, decision.pk, seconds=600)
    url = f"{API}/proposals/{proposal.pk}/versions/"
    response = post(client_for(facilitator), url, {"text": "Yeni", "note": "n"})
    assert response.status_code == 409
    amendment = services.propose_amendment(
        member, proposal.pk, base_version=1, text="Yeni", rationale="r"
    )
    assert (
        post(client_for(facilitator), f"{API}/amendments/{amendment.pk}/accept/").status_code == 409
    )
    voting.cast_stance(member, decision.pk, option="consent")
    voting.close_round(facilitator, decision.pk)
    assert client_for(member).get(f"{API}/proposals/{proposal.pk}/").json()["state"] == "adopted"
    assert post(client_for(facilitator), url, {"text": "Yeni", "note": "n"}).status_code == 409
    assert (
        post(client_for(facilitator), f"{API}/amendments/{amendment.pk}/accept/").status_code == 409
    )


def test_no_new_version_once_withdrawn(proposal, facilitator) -> None:
    services.change_state(facilitator, proposal.pk, "withdraw")
    url = f"{API}/proposals/{proposal.pk}/versions/"
    assert post(client_for(facilitator), url, {"text": "Yeni", "note": "n"}).status_code == 409


# --- Amendments -----------------------------------------------------------------------------


def propose(client: Client, proposal: Proposal, text: str, base: int = 1, **extra: Any):
    return post(
        client,
        f"{API}/proposals/{proposal.pk}/amendments/",
        {"base_version": base, "text": text, "rationale": "Daha açık.", **extra},
    )


def test_propose_and_read_an_amendment(proposal, member, member2, observer) -> None:
    response = propose(client_for(member), proposal, TEXT.replace(P2, "Bakım ortak."), paragraph=2)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    detail = client_for(member2).get(f"{API}/amendments/{body['id']}/")
    assert detail.status_code == 200
    data = detail.json()
    assert {
        k: data[k] for k in ("id", "status", "base_version", "text", "rationale", "author")
    } == {
        "id": body["id"],
        "status": "open",
        "base_version": 1,
        "text": TEXT.replace(P2, "Bakım ortak."),
        "rationale": "Daha açık.",
        "author": member.pk,
    }
    assert data["paragraph"] == 2
    listed = client_for(member2).get(f"{API}/proposals/{proposal.pk}/amendments/").json()
    assert [a["id"] for a in listed] == [body["id"]]
    assert propose(client_for(observer), proposal, "Yeni").status_code == 403
    assert client_for(member).get(f"{API}/amendments/999999/").status_code == 404


def test_amendment_limits(proposal, member) -> None:
    client = client_for(member)
    url = f"{API}/proposals/{proposal.pk}/amendments/"
    response = post(client, url, {"base_version": 1, "text": "Yeni", "rationale": "r" * 2001})
    assert response.status_code == 400 and "rationale" in errors(response)
    response = post(client, url, {"base_version": 1, "text": "x" * 100_001, "rationale": "r"})
    assert response.status_code == 400 and "text" in errors(response)
    response = propose(client, proposal, "Yeni", base=5)
    assert response.status_code == 400 and "base_version" in errors(response)
    response = propose(client, proposal, "Yeni", paragraph=3)
    assert response.status_code == 400 and "paragraph" in errors(response)
    assert not Amendment.objects.exists()


def test_accept(proposal, facilitator, member) -> None:
    amendment_id = propose(client_for(member), proposal, TEXT.replace(P2, "Bakım ortak.")).json()[
        "id"
    ]
    url = f"{API}/amendments/{amendment_id}/accept/"
    assert post(client_for(member), url).status_code == 403
    response = post(client_for(facilitator), url)
    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "version": 2}
    assert post(client_for(facilitator), url).status_code == 409  # not open any more
    assert (
        client_for(member).get(f"{API}/amendments/{amendment_id}/").json()["status"] == "accepted"
    )


def test_accept_reapplies_or_needs_a_rebase(proposal, facilitator, member) -> None:
    clean = propose(client_for(member), proposal, TEXT.replace(P2, "Bakım ortak.")).json()["id"]
    clash = propose(client_for(member), proposal, TEXT.replace(P0, "Depo kurulur.")).json()["id"]
    services.create_version(
        facilitator, proposal.pk, text=TEXT.replace(P0, "Depo kurulsun."), note="n"
    )
    response = post(client_for(facilitator), f"{API}/amendments/{clean}/accept/")
    assert response.status_code == 200 and response.json()["version"] == 3
    response = post(client_for(facilitator), f"{API}/amendments/{clash}/accept/")
    assert response.status_code == 409
    assert errors(response)["needs_rebase"] is True
    detail = client_for(member).get(f"{API}/amendments/{clash}/").json()
    assert detail["status"] == "open" and detail["needs_rebase"] is True
    # Its author redoes it on version 3.
    url = f"{API}/amendments/{clash}/rebase/"
    assert post(client_for(facilitator), url, {"base_version": 3, "text": "x"}).status_code == 403
    redone = "\n\n".join(["Depo hemen kurulsun.", P1, "Bakım ortak."])
    response = post(client_for(member), url, {"base_version": 3, "text": redone})
    assert response.status_code == 200 and response.json()["needs_rebase"] is False
    response = post(client_for(facilitator), f"{API}/amendments/{clash}/accept/")
    assert response.status_code == 200 and response.json()["version"] == 4


def test_decline(proposal, facilitator, member) -> None:
    amendment_id = propose(client_for(member), proposal, "Yeni").json()["id"]
    url = f"{API}/amendments/{amendment_id}/decline/"
    assert post(client_for(member), url, {"reason": "Kendim"}).status_code == 403
    response = post(client_for(facilitator), url, {"reason": "r" * 2001})
    assert response.status_code == 400 and "reason" in errors(response)
    response = post(client_for(facilitator), url, {})
    assert response.status_code == 400 and "reason" in errors(response)
    response = post(client_for(facilitator), url, {"reason": "Kapsam dışı."})
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["reason"] == "Kapsam dışı."
    assert post(client_for(facilitator), url, {"reason": "Yine"}).status_code == 409
    accept = post(client_for(facilitator), f"{API}/amendments/{amendment_id}/accept/")
    assert accept.status_code == 409


def test_promote(proposal, facilitator, member) -> None:
    amendment_id = propose(client_for(member), proposal, "Bidonlar alınır.").json()["id"]
    url = f"{API}/amendments/{amendment_id}/promote/"
    assert post(client_for(member), url).status_code == 403
    response = post(client_for(facilitator), url)
    assert response.status_code == 200 and response.json()["status"] == "promoted"
    assert post(client_for(facilitator), url).status_code == 409


# --- Comments -------------------------------------------------------------------------------


def comment(client: Client, proposal: Proposal, body: str = "Soru?", **extra: Any):
    payload = {"kind": "question", "body": body, "parent": None, "anchor": None, **extra}
    return post(client, f"{API}/proposals/{proposal.pk}/comments/", payload)


def test_comments_and_replies(proposal, facilitator, member, observer) -> None:
    response = comment(client_for(member), proposal, anchor={"version": 1, "paragraph": 1})
    assert response.status_code == 201
    top = response.json()["id"]
    reply = comment(client_for(facilitator), proposal, "Yanıt.", kind="idea", parent=top)
    assert reply.status_code == 201
    deeper = comment(client_for(member), proposal, "Derin.", parent=reply.json()["id"])
    assert deeper.status_code == 400 and "parent" in errors(deeper)
    response = client_for(observer).get(f"{API}/proposals/{proposal.pk}/comments/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["id"] for c in results] == [top]
    assert results[0]["anchor"] == {"version": 1, "paragraph": 1}
    assert results[0]["kind"] == "question" and results[0]["author"] == member.pk
    assert [r["id"] for r in results[0]["replies"]] == [reply.json()["id"]]
    assert comment(client_for(observer), proposal).status_code == 403


def test_comment_validation(proposal, member) -> None:
    client = client_for(member)
    response = comment(client, proposal, "b" * 10_001)
    assert response.status_code == 400 and "body" in errors(response)
    response = comment(client, proposal, kind="rant")
    assert response.status_code == 400 and "kind" in errors(response)
    response = comment(client, proposal, anchor={"version": 1, "paragraph": 3})
    assert response.status_code == 400 and "anchor" in errors(response)
    response = comment(client, proposal, anchor={"version": 9, "paragraph": 0})
    assert response.status_code == 400 and "anchor" in errors(response)
    response = comment(client, proposal, anchor={"version": 1, "paragraph": -1})
    assert response.status_code == 400 and "anchor" in errors(response)
    response = comment(client, proposal, parent=999999)
    assert response.status_code == 400 and "parent" in errors(response)
    assert not Comment.objects.exists()


def test_comments_close_with_the_proposal(proposal, facilitator, member) -> None:
    services.change_state(facilitator, proposal.pk, "withdraw")
    assert comment(client_for(member), proposal).status_code == 409


def test_comments_on_an_amendment(proposal, member, member2) -> None:
    amendment_id = propose(client_for(member), proposal, "Yeni").json()["id"]
    url = f"{API}/amendments/{amendment_id}/comments/"
    response = post(client_for(member2), url, {"kind": "support", "body": "İyi."})
    assert response.status_code == 201
    listed = client_for(member).get(url).json()["results"]
    assert [c["id"] for c in listed] == [response.json()["id"]]
    assert listed[0]["amendment"] == amendment_id
    assert client_for(member).get(f"{API}/proposals/{proposal.pk}/comments/").json() == {
        "results": []
    }
    assert client_for(member).get(f"{API}/amendments/999999/comments/").status_code == 404


def test_edit_a_comment(proposal, member, member2) -> None:
    comment_id = comment(client_for(member), proposal).json()["id"]
    url = f"{API}/comments/{comment_id}/"
    assert send(client_for(member2), "patch", url, {"body": "Benim"}).status_code == 403
    response = send(client_for(member), "patch", url, {"body": "Düzeltilmiş soru?"})
    assert response.status_code == 200 and response.json()["body"] == "Düzeltilmiş soru?"
    assert response.json()["edited_at"]
    assert CommentRevision.objects.filter(comment_id=comment_id).count() == 1
    response = send(client_for(member), "patch", url, {"body": "b" * 10_001})
    assert response.status_code == 400 and "body" in errors(response)
    assert client_for(member2).get(url).json()["body"] == "Düzeltilmiş soru?"


def test_hide_answer_and_restore(proposal, facilitator, member, member2, session) -> None:
    comment_id = comment(client_for(member), proposal, "Telefon: 0555").json()["id"]
    base = f"{API}/comments/{comment_id}"
    assert post(client_for(member2), f"{base}/hide/", {"reason": "x"}).status_code == 403
    response = post(client_for(facilitator), f"{base}/hide/", {"reason": "r" * 2001})
    assert response.status_code == 400 and "reason" in errors(response)
    response = post(client_for(facilitator), f"{base}/hide/", {"reason": "Kişisel veri."})
    assert response.status_code == 200 and response.json()["hidden"] is True
    assert post(client_for(facilitator), f"{base}/hide/", {"reason": "Yine"}).status_code == 409
    other = client_for(member2).get(f"{API}/proposals/{proposal.pk}/comments/").json()["results"][0]
    assert other["hidden"] is True and other["body"] is None
    mine = client_for(member).get(f"{API}/proposals/{proposal.pk}/comments/").json()["results"][0]
    assert mine["moderation"]["reason"] == "Kişisel veri."
    assert client_for(member2).get(f"{base}/moderation/").status_code == 403
    response = post(client_for(member), f"{base}/answer/", {"note": "Haklısınız."})
    assert response.status_code == 200
    assert post(client_for(member2), f"{base}/answer/", {"note": "x"}).status_code == 403
    send(client_for(member), "patch", f"{base}/", {"body": "Numarayı çıkardım."})
    response = post(client_for(member), f"{base}/request-restore/", {"note": "Düzelttim."})
    assert response.status_code == 200 and response.json()["state"] == "restore_requested"
    assert post(client_for(member), f"{base}/request-restore/").status_code == 409
    assert post(client_for(member2), f"{base}/restore/").status_code == 403
    response = post(client_for(facilitator), f"{base}/restore/", {"note": "Teşekkürler."})
    assert response.status_code == 200 and response.json()["hidden"] is False
    assert post(client_for(facilitator), f"{base}/restore/").status_code == 409
    assert post(client_for(member), f"{base}/answer/", {"note": "Geç"}).status_code == 409
    log = client_for(member).get(f"{base}/moderation/").json()
    assert [e["action"] for e in log["events"]] == [
        "hidden",
        "answered",
        "edited",
        "restore_requested",
        "restored",
    ]
    assert ModerationEvent.objects.filter(comment_id=comment_id).count() == 5


def test_reactions(proposal, member, member2, observer) -> None:
    comment_id = comment(client_for(member), proposal).json()["id"]
    url = f"{API}/comments/{comment_id}/reaction/"
    response = send(client_for(member2), "put", url, {"reaction": "+1"})
    assert response.status_code == 200
    assert response.json() == {
        "reactions": {"+1": 1, "heart": 0, "thinking": 0},
        "my_reaction": "+1",
    }
    response = send(client_for(member2), "put", url, {"reaction": "thinking"})
    assert response.json()["reactions"] == {"+1": 0, "heart": 0, "thinking": 1}
    response = send(client_for(member2), "put", url, {"reaction": "angry"})
    assert response.status_code == 400 and "reaction" in errors(response)
    assert send(client_for(observer), "put", url, {"reaction": "+1"}).status_code == 403
    response = client_for(member2).delete(url)
    assert response.status_code == 200 and response.json()["my_reaction"] is None


# --- Co-authors and co-signatures -----------------------------------------------------------


def test_invite_and_accept_a_co_author(draft, facilitator, member, member2, observer) -> None:
    url = f"{API}/proposals/{draft.pk}/authors/"
    response = post(client_for(facilitator), url, {"member": observer.pk})
    assert response.status_code == 400 and "member" in errors(response)
    response = post(client_for(facilitator), url, {"member": member.pk})
    assert response.status_code == 201 and response.json() == {
        "member": member.pk,
        "status": "invited",
    }
    # The invitee reads the draft, accepts, and edits.
    assert client_for(member).get(f"{API}/proposals/{draft.pk}/").status_code == 200
    assert post(client_for(member2), f"{url}accept/").status_code == 404
    response = post(client_for(member), f"{url}accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert post(client_for(member), f"{url}accept/").status_code == 409
    assert client_for(member).get(f"{API}/proposals/{draft.pk}/").json()["authors"] == sorted(
        [facilitator.pk, member.pk]
    )
    versions = f"{API}/proposals/{draft.pk}/versions/"
    assert post(client_for(member), versions, {"text": "Yeni", "note": "n"}).status_code == 201
    assert post(client_for(member), url, {"member": member2.pk}).status_code == 201
    response = post(client_for(member2), f"{url}decline/")
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_only_co_authors_invite(proposal, member, member2) -> None:
    url = f"{API}/proposals/{proposal.pk}/authors/"
    assert post(client_for(member), url, {"member": member2.pk}).status_code == 403


def test_cosign(proposal, assembly, facilitator, member, member2) -> None:
    assembly.cosign_threshold = 2
    assembly.save()
    url = f"{API}/proposals/{proposal.pk}/cosign/"
    assert post(client_for(facilitator), url).status_code == 403
    response = post(client_for(member), url)
    assert response.status_code == 200
    assert response.json() == {"cosigns": 1, "threshold": 2, "ready": False, "cosigned": True}
    assert post(client_for(member2), url).json()["ready"] is True
    assert client_for(member).get(f"{API}/proposals/?ready=true").json()["count"] == 1
    response = client_for(member2).delete(url)
    assert response.status_code == 200 and response.json()["ready"] is False
    assert client_for(member2).delete(url).status_code == 404
    services.change_state(facilitator, proposal.pk, "withdraw")
    assert post(client_for(member2), url).status_code == 409


# --- Transport: CSRF, errors, schema --------------------------------------------------------


def test_csrf_is_enforced_for_logged_in_clients(proposal, facilitator) -> None:
    client = client_for(facilitator, csrf=True)
    url = f"{API}/proposals/{proposal.pk}/versions/"
    body = {"text": TEXT + "\n\nEk.", "note": "Ek"}
    refused = post(client, url, body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert proposal.versions.count() == 1
    page = client.get(f"/proposals/{proposal.pk}/")  # a page sets the csrftoken cookie
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    response = post(client, url, body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    reads = client.get(f"{API}/proposals/{proposal.pk}/")  # reads need no token
    assert reads.status_code == 200


def test_anonymous_writes_are_refused(proposal, assembly, anonymous) -> None:
    assembly.is_public = True
    assembly.save()
    client = client_for(anonymous, csrf=True)
    assert comment(client, proposal).status_code == 403
    response = post(client, f"{API}/proposals/{proposal.pk}/versions/", {"text": "x", "note": "n"})
    assert response.status_code == 403


def test_every_endpoint_is_in_the_schema(member) -> None:
    response = client_for(member).get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    for path in [
        "/api/v1/proposals/",
        "/api/v1/proposals/{proposal_id}/",
        "/api/v1/proposals/{proposal_id}/open/",
        "/api/v1/proposals/{proposal_id}/withdraw/",
        "/api/v1/proposals/{proposal_id}/back-to-discussion/",
        "/api/v1/proposals/{proposal_id}/versions/",
        "/api/v1/proposals/{proposal_id}/versions/{number}/",
        "/api/v1/proposals/{proposal_id}/diff/",
        "/api/v1/proposals/{proposal_id}/authors/",
        "/api/v1/proposals/{proposal_id}/authors/accept/",
        "/api/v1/proposals/{proposal_id}/authors/decline/",
        "/api/v1/proposals/{proposal_id}/cosign/",
        "/api/v1/proposals/{proposal_id}/amendments/",
        "/api/v1/proposals/{proposal_id}/comments/",
        "/api/v1/amendments/{amendment_id}/",
        "/api/v1/amendments/{amendment_id}/accept/",
        "/api/v1/amendments/{amendment_id}/decline/",
        "/api/v1/amendments/{amendment_id}/promote/",
        "/api/v1/amendments/{amendment_id}/rebase/",
        "/api/v1/amendments/{amendment_id}/comments/",
        "/api/v1/comments/{comment_id}/",
        "/api/v1/comments/{comment_id}/hide/",
        "/api/v1/comments/{comment_id}/restore/",
        "/api/v1/comments/{comment_id}/answer/",
        "/api/v1/comments/{comment_id}/request-restore/",
        "/api/v1/comments/{comment_id}/moderation/",
        "/api/v1/comments/{comment_id}/reaction/",
    ]:
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    assert {"ProposalDiff", "CommentCreate", "Proposal", "Amendment", "Comment"} <= set(components)
    post_versions = schema["paths"]["/api/v1/proposals/{proposal_id}/versions/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(post_versions["responses"])


# --- The page -------------------------------------------------------------------------------


def test_the_page_shows_the_text_and_the_discussion(proposal, member, anonymous) -> None:
    services.add_comment(member, proposal.pk, kind="idea", body="Bir **fikir**.")
    page = client_for(member).get(f"/proposals/{proposal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Yağmur suyu deposu" in html
    assert "İzmir'de" in html
    assert "<strong>fikir</strong>" in html
    assert client_for(anonymous).get(f"/proposals/{proposal.pk}/").status_code == 404


def test_an_adopted_proposal_links_its_record(proposal, facilitator, member) -> None:
    decision = voting.create_decision(
        facilitator,
        assembly=proposal.assembly,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method="consent",
    )
    voting.open_round(facilitator, decision.pk, seconds=600)
    voting.cast_stance(member, decision.pk, option="consent")
    voting.close_round(facilitator, decision.pk)
    record = voting.record_decision(facilitator, decision.pk, statement="Kuruluyor.")
    body = client_for(member).get(f"{API}/proposals/{proposal.pk}/").json()
    assert body["state"] == "adopted"
    assert body["record"] == {"ref": record.ref, "url": voting_selectors.record_url(record)}
    page = client_for(member).get(f"/proposals/{proposal.pk}/").content.decode()
    assert voting_selectors.record_url(record) in page


def test_observers_do_not_hide(proposal, observer, member) -> None:
    Membership.objects.filter(user=observer).update(role=Role.OBSERVER)
    comment_id = comment(client_for(member), proposal).json()["id"]
    response = post(client_for(observer), f"{API}/comments/{comment_id}/hide/", {"reason": "x"})
    assert response.status_code == 403


def test_anonymous_cannot_touch_co_signatures_or_reactions(proposal, assembly, member, anonymous):
    assembly.is_public = True
    assembly.save()
    comment_id = comment(client_for(member), proposal).json()["id"]
    client = client_for(anonymous)
    assert client.get(f"{API}/proposals/{proposal.pk}/cosign/").json()["cosigned"] is False
    assert post(client, f"{API}/proposals/{proposal.pk}/cosign/").status_code == 403
    assert client.delete(f"{API}/proposals/{proposal.pk}/cosign/").status_code == 403
    assert client.delete(f"{API}/comments/{comment_id}/reaction/").status_code == 403
    assert send(client, "patch", f"{API}/comments/{comment_id}/", {"body": "x"}).status_code == 403
    assert post(client, f"{API}/proposals/{proposal.pk}/authors/accept/").status_code == 403
