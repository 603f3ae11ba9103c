"""Members' data: everything about me, readable and as JSON; leaving keeps the record and,
if asked, replaces the name everywhere it is shown; all in one transaction, audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from assembly import services as assembly_services
from assembly.models import Hand, Membership, SessionTask, User, WorkingGroup
from audit.models import Entry
from common.errors import Conflict, Forbidden
from privacy import selectors, services
from proposals import services as proposal_services
from tests.voting.conftest import new_decision
from voting import selectors as voting_selectors
from voting import services as voting_services
from voting.models import Decision, Record, Stance

pytestmark = pytest.mark.django_db

CONCERN = "Gölge kalmaz."
SECRET_REASON = "Gizli gerekçe."
XSS = "<script>alert(1)</script>"


@pytest.fixture
def history(assembly, member, member2) -> dict[str, Any]:
    """Mehmet (member) takes part: a group, a proposal with a comment, an open decision
    recorded with his concern named in the dissent, and a secret ballot."""
    assembly.is_public = True
    assembly.save()
    group = WorkingGroup.objects.create(assembly=assembly, name="Konut Hakkı", slug="konut")
    assembly_services.join_group(member, group.pk)
    proposal = proposal_services.create_proposal(
        member2, assembly=assembly, title="Bostan", text="Bir bostan kuralım."
    )
    proposal_services.change_state(member2, proposal.pk, "open_discussion")
    comment = proposal_services.add_comment(member, proposal.pk, kind="idea", body=XSS)
    proposal_services.add_comment(member2, proposal.pk, kind="idea", body="Zeynep'in fikri.")
    decision = new_decision(member2, assembly=assembly, title="Yağmur suyu")
    voting_services.open_round(member2, decision.pk, seconds=3600)
    voting_services.cast_stance(member, decision.pk, option="consent")
    voting_services.cast_stance(member, decision.pk, option="concern", reason=CONCERN)
    voting_services.cast_stance(member2, decision.pk, option="consent")
    voting_services.close_round(member2, decision.pk)
    record = voting_services.record_decision(member2, decision.pk, statement="Depo kurulsun.")
    secret = new_decision(member2, assembly=assembly, title="Gizli", policy={"secret": True})
    voting_services.open_round(member2, secret.pk, seconds=3600)
    voting_services.cast_stance(member, secret.pk, option="objection", reason=SECRET_REASON)
    member.email = "mehmet@example.org"
    member.save()
    return {"group": group, "comment": comment, "decision": decision, "record": record}


def _export(client: Client) -> dict[str, Any]:
    response = client.get(reverse("register_json"))
    return json.loads(response.content)


# --- My data ---------------------------------------------------------------------------------


def test_my_data_holds_everything_about_me_and_nothing_of_others(history, member) -> None:
    data = selectors.my_data(member)
    assert data["profile"]["username"] == "mehmet"
    assert data["profile"]["email"] == "mehmet@example.org"
    assert [m["assembly"] for m in data["memberships"]] == ["İKHM Genel Meclisi"]
    assert [g["group"] for g in data["working_groups"]] == ["Konut Hakkı"]
    assert [c["body"] for c in data["comments"]] == [XSS]
    [stance] = data["stances"]
    assert (stance["option"], stance["reason"]) == ("concern", CONCERN)
    assert [c["option"] for c in stance["changes"]] == ["consent"]
    # A secret ballot is not linked to its voter: only that they took part.
    assert data["secret_ballots"] == [{"decision": "Gizli", "round": 1}]
    text = json.dumps(data, ensure_ascii=False)
    assert SECRET_REASON not in text
    assert "Zeynep'in fikri." not in text
    actions = {e["action"] for e in data["audit"]}
    assert {"group.joined", "discussion.comment_added"} <= actions


def test_the_download_is_json_and_the_page_is_readable_and_inert(client, history, member) -> None:
    assert client.get(reverse("my_data")).status_code == 302  # log in first
    assert client.get(reverse("my_data_json")).status_code == 302
    client.force_login(member)
    response = client.get(reverse("my_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="ortak-verilerim-')
    assert json.loads(response.content) == json.loads(
        json.dumps(selectors.my_data(member), ensure_ascii=False)
    )
    html = client.get(reverse("my_data")).content.decode()
    assert "Konut Hakkı" in html and CONCERN in html
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h2" in html and "<dl" in html


def test_the_privacy_notice_is_served_in_both_languages(client) -> None:
    html = client.get(reverse("privacy")).content.decode()
    assert "Kişisel veriler" in html and "Personal data" in html
    assert "<table>" in html


# --- Leaving ---------------------------------------------------------------------------------


def test_leaving_keeps_the_record_and_the_name(client, history, member, assembly) -> None:
    before = _export(client)
    decisions = list(Decision.objects.values_list("pk", "status", "title"))
    stances = list(Stance.objects.values_list("pk", "member_id", "option", "reason"))
    services.leave(member, pseudonymise=False)
    member.refresh_from_db()
    assert not Membership.objects.filter(user=member).exists()
    assert not history["group"].members.filter(pk=member.pk).exists()
    assert member.left_at is not None
    assert not member.is_active and not member.has_usable_password()
    assert member.email == ""
    assert member.public_name == "Mehmet Demir"
    assert authenticate(RequestFactory().post("/"), username="mehmet", password="x") is None
    assert _export(client) == before
    assert list(Decision.objects.values_list("pk", "status", "title")) == decisions
    assert list(Stance.objects.values_list("pk", "member_id", "option", "reason")) == stances
    [entry] = Entry.objects.filter(action="people.left")
    assert (entry.actor_id, entry.assembly_id) == (member.pk, assembly.pk)
    assert entry.before == {"member": member.pk, "role": "member"}
    assert entry.after == {"pseudonymised": False}


def test_leaving_can_replace_the_name_everywhere(
    client, history, member, member2, assembly
) -> None:
    before = _export(client)
    csv_before = client.get(reverse("register_csv")).content.decode()
    services.leave(member, pseudonymise=True)
    member.refresh_from_db()
    pseudonym = f"Eski üye {member.pk}"
    assert member.public_name == pseudonym
    assert (member.display_name, member.first_name, member.last_name) == ("", "", "")
    assert member.username.startswith(f"eski-uye-{member.pk}-")
    # The register: the same entries, the same text and tally; only the name in the dissent.
    after = _export(client)
    assert "Mehmet" not in json.dumps(after, ensure_ascii=False)
    expected = json.loads(json.dumps(before).replace("Mehmet Demir", pseudonym))
    assert after == expected
    csv_after = client.get(reverse("register_csv")).content.decode()
    assert csv_after == csv_before.replace("Mehmet Demir", pseudonym)
    record = Record.objects.get(pk=history["record"].pk)
    assert [d["name"] for d in record.rounds[0]["dissent"]] == [pseudonym]
    # Pages that show people: the record, the audit log, the stance trail, the proposal.
    client.force_login(member2)
    pages = [
        voting_selectors.record_url(record),
        reverse("audit_log", args=[assembly.slug]),
        reverse("audit_stances", args=[assembly.slug]),
        reverse("proposal", args=[history["comment"].proposal_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Mehmet" not in html, url
    audit_html = client.get(reverse("audit_stances", args=[assembly.slug])).content.decode()
    assert pseudonym in audit_html
    [entry] = Entry.objects.filter(action="people.left")
    assert entry.after == {"pseudonymised": True}


def test_leaving_ends_live_tasks_and_hands_first(live_session, facilitator, member) -> None:
    assembly_services.raise_hand(facilitator, live_session.pk, "speak")
    services.leave(facilitator, pseudonymise=False)
    assert not Hand.objects.filter(member=facilitator, state=Hand.State.WAITING).exists()
    assert not SessionTask.objects.filter(user=facilitator).exists()
    assert set(Entry.objects.filter(actor=facilitator).values_list("action", flat=True)) >= {
        "queue.hand_lowered",
        "task.stepped_down",
        "people.left",
    }


def test_leaving_is_one_transaction(history, member, monkeypatch) -> None:
    def fail(user: User) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_pseudonymise_register", fail)
    with pytest.raises(RuntimeError):
        services.leave(member, pseudonymise=True)
    member.refresh_from_db()
    assert member.is_active and member.left_at is None and member.display_name == "Mehmet Demir"
    assert Membership.objects.filter(user=member).exists()
    assert not Entry.objects.filter(action="people.left").exists()


def test_one_can_leave_once_and_only_oneself(member, anonymous) -> None:
    with pytest.raises(Forbidden):
        services.leave(anonymous, pseudonymise=False)
    services.leave(member, pseudonymise=False)
    member.refresh_from_db()
    with pytest.raises(Conflict):
        services.leave(member, pseudonymise=True)


def test_the_leave_page_asks_for_the_password_and_a_confirmation(client, member) -> None:
    other = Client()
    other.force_login(member)
    client.force_login(member)
    url = reverse("leave")
    assert client.get(url).status_code == 200
    for data in (
        {"name": "keep", "password": "wrong", "confirm": "on"},
        {"name": "keep", "password": "x"},
        {"name": "maybe", "password": "x", "confirm": "on"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        member.refresh_from_db()
        assert member.is_active and Membership.objects.filter(user=member).exists()
    response = client.post(url, {"name": "replace", "password": "x", "confirm": "on"})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    member.refresh_from_db()
    assert member.pseudonymised and not member.is_active
    # Their other browser is logged out too: an inactive person is no longer anyone.
    assert other.get(reverse("my_data")).status_code == 302
