"""The session snapshot (CONTRACT §3) and the facilitation rotation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from assembly import selectors, services
from assembly.models import (
    AgendaItem,
    Assembly,
    Hand,
    Membership,
    Role,
    Session,
    SessionTask,
    Task,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def state_for(session, user=None) -> dict:
    # Through JSON, as the socket and the API send it: the snapshot must survive that.
    return json.loads(json.dumps(selectors.session_state(session, user), allow_nan=False))


def is_iso(value) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def test_the_snapshot_has_the_contract_shape(live_session, facilitator, member) -> None:
    item = AgendaItem.objects.filter(session=live_session).first()
    assert item is not None
    services.open_agenda_item(facilitator, live_session.pk, item.pk)
    services.raise_hand(member, live_session.pk, "question")
    services.check_in(member, live_session.pk)
    live_session.refresh_from_db()
    state = state_for(live_session, member)

    assert {"seq", "session", "agenda", "current_item", "queue", "present", "decisions", "you"} <= (
        set(state)
    )
    assert state["seq"] == 2
    assert {k: state["session"][k] for k in ("id", "title", "status", "visibility")} == {
        "id": live_session.pk,
        "title": "Kasım Genel Meclisi",
        "status": "live",
        "visibility": "members",
    }
    assert [(a["title"], a["status"], a["minutes"]) for a in state["agenda"]] == [
        ("Açılış", "open", ""),
        ("Su kesintileri", "pending", ""),
    ]
    assert all(isinstance(a["id"], int) for a in state["agenda"])
    assert state["current_item"] == item.pk

    queue = state["queue"]
    assert {"queue", "speaker", "timer"} <= set(queue)
    [entry] = queue["queue"]
    assert {k: entry[k] for k in ("member", "name", "kind")} == {
        "member": member.pk,
        "name": "Mehmet Demir",
        "kind": "question",
    }
    assert is_iso(entry["raised_at"])
    assert queue["speaker"] is None
    assert queue["timer"] == {"ends_at": None, "seconds": None}

    assert state["present"] == [member.pk]
    assert state["decisions"] == []
    assert state["you"]["member"] == member.pk
    assert state["you"]["facilitator"] is False


def test_the_snapshot_with_a_speaker_and_timer(live_session, facilitator, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)
    live_session.refresh_from_db()
    queue = state_for(live_session)["queue"]
    assert queue["speaker"]["member"] == member.pk
    assert queue["speaker"]["kind"] == "speak"
    assert queue["timer"]["seconds"] == live_session.speaking_seconds
    ends_at = datetime.fromisoformat(queue["timer"]["ends_at"])
    started = datetime.fromisoformat(queue["speaker"]["started_at"])
    assert ends_at - started == timedelta(seconds=live_session.speaking_seconds)


@pytest.mark.parametrize(
    ("persona", "member_id", "facilitates"),
    [
        ("facilitator", True, True),
        ("member", True, False),
        ("observer", True, False),
        ("outsider", False, False),
        ("anonymous", False, False),
    ],
)
def test_you(request, public_session, persona, member_id, facilitates) -> None:
    user = request.getfixturevalue(persona)
    you = state_for(public_session, user)["you"]
    assert you["member"] == (user.pk if member_id else None)
    assert you["facilitator"] is facilitates


def test_only_you_differs_between_people(public_session, facilitator, outsider) -> None:
    a = state_for(public_session, facilitator)
    b = state_for(public_session, outsider)
    a.pop("you")
    b.pop("you")
    assert a == b


def test_an_observer_with_a_task_is_not_a_facilitator(live_session, observer) -> None:
    SessionTask.objects.create(session=live_session, user=observer, task=Task.FACILITATOR)
    assert state_for(live_session, observer)["you"]["facilitator"] is False


# --- Facilitation rotation --------------------------------------------------------------------


def sitting(assembly, days_ago: int, *facilitators) -> Session:
    session = Session.objects.create(
        assembly=assembly,
        title=f"{days_ago} gün önce",
        starts_at=timezone.now() - timedelta(days=days_ago),
    )
    for user in facilitators:
        SessionTask.objects.create(session=session, user=user, task=Task.FACILITATOR)
    return session


def test_rotation_over_past_sessions(assembly, facilitator, member, member2, observer) -> None:
    sitting(assembly, 90, facilitator)
    sitting(assembly, 60, member)
    sitting(assembly, 30, facilitator, member)
    sitting(assembly, 14, facilitator)
    newcomer = make_user("yeni", "Yeni Üye")
    Membership.objects.create(assembly=assembly, user=newcomer, role=Role.MEMBER)
    # Facilitating elsewhere does not count here.
    elsewhere = Assembly.objects.create(name="Komşu", slug="komsu")
    sitting(elsewhere, 1, member2, newcomer)
    # A note-taker has not facilitated.
    note = sitting(assembly, 7)
    SessionTask.objects.create(session=note, user=member2, task=Task.NOTE_TAKER)

    suggestions = selectors.facilitator_suggestions(assembly, count=10)
    ids = [c.member for c in suggestions]
    # Never facilitated here first (member2, newcomer), then member (30 days), then Ayşe (14).
    assert set(ids[:2]) == {member2.pk, newcomer.pk}
    assert ids[2:] == [member.pk, facilitator.pk]
    assert observer.pk not in ids  # observers do not facilitate
    by_id = {c.member: c for c in suggestions}
    assert by_id[facilitator.pk].times == 3
    assert by_id[member.pk].times == 2
    assert by_id[member2.pk].times == 0
    assert by_id[member2.pk].last_facilitated is None


def test_rotation_count(assembly, facilitator, member, member2) -> None:
    sitting(assembly, 10, facilitator)
    sitting(assembly, 20, member)
    assert [c.member for c in selectors.facilitator_suggestions(assembly, count=2)] == [
        member2.pk,
        member.pk,
    ]


def test_tasks_and_presence_selectors(live_session, facilitator, member, member2) -> None:
    SessionTask.objects.create(session=live_session, user=member2, task=Task.NOTE_TAKER)
    assert selectors.tasks(live_session.pk) == {
        "facilitators": [facilitator.pk],
        "note_takers": [member2.pk],
    }
    services.check_in(member2, live_session.pk)
    services.check_in(member, live_session.pk)
    presence = selectors.presence(live_session.pk)
    assert presence == {"present": [member2.pk, member.pk]}  # in the order they came: ids only
    changed = selectors.presence_changed(live_session.pk)
    assert changed["present"] == [member2.pk, member.pk]
    assert changed["arrived"] == {str(member2.pk): "Zeynep Kaya", str(member.pk): "Mehmet Demir"}


def test_presence_changed_names_only_the_latest_arrivals(live_session, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "ARRIVALS_NAMED", 3)
    people = [make_user(f"kisi{i}", f"Kişi No{i}") for i in range(5)]
    for person in people:
        Membership.objects.create(assembly=live_session.assembly, user=person)
        services.check_in(person, live_session.pk)
    changed = selectors.presence_changed(live_session.pk)
    assert changed["present"] == [p.pk for p in people]
    assert changed["arrived"] == {str(p.pk): f"Kişi No{i}" for i, p in enumerate(people) if i >= 2}


def test_people_names_are_those_a_live_screen_shows(
    live_session, facilitator, member, member2, outsider
) -> None:
    # The facilitator holds a task; member checks in; member2 raised a hand only.
    services.check_in(member, live_session.pk)
    Hand.objects.create(
        session=live_session, member=member2, kind="speak", raised_at=timezone.now()
    )
    names = selectors.people_names(live_session.pk)
    assert set(names) == {str(facilitator.pk), str(member.pk), str(member2.pk)}
    assert names[str(member2.pk)] == "Zeynep Kaya"
    assert str(outsider.pk) not in names  # someone with no part in the session
