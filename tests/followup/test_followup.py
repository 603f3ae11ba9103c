"""Follow-up of an adopted decision: commitments, who carries them, their timelines, the
register, the Atom feed, the API and the agenda.

The member (Mehmet) put forward an asynchronous decision, adopted and recorded as
``record``; Elif is in the Su working group.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Entry
from followup import selectors, services
from followup.models import Commitment, Update
from tests.assembly.helpers import refused
from tests.proposals.conftest import client_for
from tests.voting.conftest import new_decision
from voting import selectors as voting_selectors
from voting import services as voting

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - timedelta(days=1)
NEXT_WEEK = timezone.localdate() + timedelta(days=7)


def taken(actor: Any, assembly: Any, outcome: str = "consent") -> Any:
    decision = new_decision(actor, assembly=assembly)
    voting.open_round(actor, decision.pk, seconds=3600)
    voting.cast_stance(actor, decision.pk, option=outcome, reason="Gerekçe.")
    voting.close_round(actor, decision.pk)
    return voting.record_decision(actor, decision.pk, statement="Depo kurulacak.")


@pytest.fixture
def record(assembly: Any, member: Any) -> Any:
    return taken(member, assembly)


@pytest.fixture
def commitment(record: Any, member: Any) -> Commitment:
    return services.add_commitment(
        member, record.pk, title="Depo için üç teklif al", due=NEXT_WEEK, carry=True
    )


# --- Services -------------------------------------------------------------------------------


def test_a_commitment_starts_planned_with_its_first_timeline_entry(commitment, member) -> None:
    assert commitment.status == "planned"
    assert list(commitment.carrier_set.values_list("user_id", flat=True)) == [member.pk]
    (first,) = commitment.updates.all()
    assert (first.status, first.previous, first.author_id) == ("planned", "", member.pk)
    entry = Entry.objects.get(action="followup.added")
    assert entry.object_id == commitment.pk and entry.after["ref"] == commitment.record.ref


def test_only_an_adopted_decision_gets_commitments(assembly, member) -> None:
    not_adopted = taken(member, assembly, outcome="objection")
    with refused("conflict"):
        services.add_commitment(member, not_adopted.pk, title="Olmaz")
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("persona", "code"), [("observer", "forbidden"), ("outsider", "not_found")]
)
def test_members_add_commitments(record, personas, persona, code) -> None:
    with refused(code):
        services.add_commitment(personas[persona], record.pk, title="İş")
    assert not Commitment.objects.exists()


def test_nobody_is_given_work_by_someone_else(record, member, working_group, wg_member) -> None:
    with refused("invalid") as info:
        services.add_commitment(member, record.pk, title="İş", working_group_id=working_group.pk)
    assert "working_group" in info.value.fields
    found = services.add_commitment(
        wg_member, record.pk, title="İş", working_group_id=working_group.pk
    )
    assert found.working_group_id == working_group.pk
    assert not found.carrier_set.exists()  # the group carries it; no member was named


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "İş", "description": "x" * 2001}, "description"),
    ],
)
def test_bad_fields_are_named_and_change_nothing(record, member, fields, field) -> None:
    with refused("invalid") as info:
        services.add_commitment(member, record.pk, **fields)
    assert field in info.value.fields
    assert not Commitment.objects.exists()


def test_volunteering_and_stepping_back(commitment, member2, observer) -> None:
    services.take_on(member2, commitment.pk)
    with refused("conflict"):
        services.take_on(member2, commitment.pk)
    with refused("forbidden"):
        services.take_on(observer, commitment.pk)
    assert commitment.carrier_set.count() == 2
    services.step_back(member2, commitment.pk)
    with refused("forbidden"):
        services.step_back(member2, commitment.pk)
    assert commitment.carrier_set.count() == 1
    actions = list(Entry.objects.filter(object_type="commitment").values_list("action", flat=True))
    assert actions.count("followup.carried") == 1 and actions.count("followup.stepped_back") == 1


def test_the_timeline_of_updates(commitment, member, member2) -> None:
    with refused("forbidden"):
        services.post_update(member2, commitment.pk, status="in_progress", note="Ben de")
    services.post_update(member, commitment.pk, status="in_progress", note="İki teklif geldi.")
    with refused("invalid") as info:
        services.post_update(member, commitment.pk, status="blocked")
    assert "note" in info.value.fields  # blocking says why
    with refused("invalid"):
        services.post_update(member, commitment.pk, status="in_progress")  # nothing said
    services.post_update(member, commitment.pk, status="done", note="Depo kuruldu.")
    with refused("invalid") as info:
        services.post_update(member, commitment.pk, status="blocked", note="?")
    assert "status" in info.value.fields  # done only reopens to in progress
    commitment.refresh_from_db()
    assert commitment.status == "done"
    assert [(u.previous, u.status) for u in commitment.updates.all()] == [
        ("", "planned"),
        ("planned", "in_progress"),
        ("in_progress", "done"),
    ]


def test_a_group_member_updates_what_the_group_carries(record, wg_member, member2) -> None:
    found = services.add_commitment(
        wg_member,
        record.pk,
        title="Grup işi",
        working_group_id=record.assembly.working_groups.get().pk,
    )
    services.post_update(wg_member, found.pk, status="in_progress", note="Başladık.")
    with refused("forbidden"):
        services.post_update(member2, found.pk, status="done", note="Bitti.")


def test_overdue_and_due_for_review(assembly, record, member) -> None:
    late = services.add_commitment(member, record.pk, title="Geç kaldı", due=YESTERDAY)
    services.add_commitment(member, record.pk, title="Zamanı var", due=NEXT_WEEK)
    done = services.add_commitment(member, record.pk, title="Bitti", due=YESTERDAY)
    services.post_update(member, done.pk, status="done", note="Tamam.")
    assert [c.pk for c in selectors.overdue(assembly.pk)] == [late.pk]
    assert not selectors.due_for_review(assembly.pk).exists()
    type(record).objects.filter(pk=record.pk).update(review_at=timezone.localdate())
    assert [r.pk for r in selectors.due_for_review(assembly.pk)] == [record.pk]


# --- The register, the feed, the API ----------------------------------------------------------


def test_the_register_shows_commitments_publicly(assembly, record, commitment, member) -> None:
    assembly.is_public = True
    assembly.save(update_fields=["is_public"])
    services.post_update(member, commitment.pk, status="done", note="Teklifler alındı.")
    anonymous = client_for(None)
    page = anonymous.get(voting_selectors.record_url(record)).content.decode()
    assert "Depo için üç teklif al" in page and "Teklifler alındı." in page
    items = anonymous.get("/api/v1/decisions/").json()["results"]
    (followup,) = items[0]["followups"]
    assert followup["title"] == "Depo için üç teklif al" and followup["status"] == "done"
    assert [u["status"] for u in followup["updates"]] == ["planned", "done"]
    exported = json.loads(anonymous.get("/decisions/export.json").content)["results"][0]
    assert exported["followups"] == items[0]["followups"]
    csv = anonymous.get("/decisions/export.csv").content.decode("utf-8-sig")
    assert "followups" in csv.splitlines()[0] and "Teklifler alındı." in csv
    feed = anonymous.get("/decisions/feed.atom").content.decode()
    assert f"/followups/{commitment.pk}/#update-" in feed  # status changes are announced
    assert feed.count("<entry>") == 3  # the record, the commitment added, and done


def test_a_members_only_assemblys_commitments_stay_hidden(record, commitment, outsider) -> None:
    client = client_for(outsider)
    assert client.get(f"/followups/{commitment.pk}/").status_code == 404
    assert client.get(f"/api/v1/followups/{commitment.pk}/").status_code == 404
    assert client.get("/api/v1/followups/").json()["results"] == []
    assert "Depo için" not in client_for(None).get("/decisions/feed.atom").content.decode()


def test_the_api(record, member, member2, wg_member) -> None:
    client = client_for(member)
    created = client.post(
        f"/api/v1/decisions/{record.decision_id}/followups/",
        {"title": "Bostan takvimi", "due": NEXT_WEEK.isoformat(), "carry": True},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["carriers"], body["ref"]) == ("planned", [member.pk], record.ref)
    pk = body["id"]
    bad = client.post(
        f"/api/v1/followups/{pk}/updates/",
        {"status": "dropped"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "note" in bad.json()
    done = client.post(
        f"/api/v1/followups/{pk}/updates/",
        {"status": "done", "note": "Takvim asıldı."},
        content_type="application/json",
    )
    assert done.status_code == 201 and done.json()["status"] == "done"
    assert client_for(member2).post(f"/api/v1/followups/{pk}/carriers/").status_code == 409
    listed = client.get("/api/v1/followups/?status=done").json()["results"]
    assert [c["id"] for c in listed] == [pk]
    assert client.get("/api/v1/followups/?overdue=1").json()["results"] == []
    assert Update.objects.filter(commitment_id=pk).count() == 2


def test_the_pages_without_javascript(record, member, member2) -> None:
    client = client_for(member)
    page = client.get(voting_selectors.record_url(record))
    assert b'action="/decision/%d/followups/#followup-new"' % record.decision_id in page.content
    refused_form = client.post(f"/decision/{record.decision_id}/followups/", {"title": ""})
    assert refused_form.status_code == 400
    assert not Commitment.objects.exists()
    response = client.post(
        f"/decision/{record.decision_id}/followups/",
        {"title": "Bostan takvimi", "due": NEXT_WEEK.isoformat(), "carry": "on"},
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    other = client_for(member2)
    assert other.post(f"/followups/{commitment.pk}/carry/", {"op": "carry"}).status_code == 302
    assert commitment.carrier_set.count() == 2
    updated = other.post(
        f"/followups/{commitment.pk}/update/", {"status": "in_progress", "note": "Başladım."}
    )
    assert updated.status_code == 302
    shown = other.get(f"/followups/{commitment.pk}/").content.decode()
    assert "Başladım." in shown and "Zeynep Kaya" in shown
