"""The audit log: append-only in the model and in PostgreSQL, and one entry per state change,
written in the service's own transaction."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assembly import services as assembly_services
from assembly.models import SessionStatus
from audit import presenters
from audit import services as audit
from audit.models import AppendOnly, Entry
from common.errors import ServiceError
from proposals import services as proposal_services
from tests.conftest import need, uses_postgres
from tests.voting.conftest import check_in, new_decision
from voting import services as voting_services
from voting.models import Round

pytestmark = pytest.mark.django_db


def test_an_entry_cannot_be_changed_or_removed(assembly, member) -> None:
    entry = audit.record(member, "group.joined", ("workinggroup", 1), assembly_id=assembly.pk)
    entry.action = "group.left"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        Entry.objects.filter(pk=entry.pk).update(action="group.left")
    with pytest.raises(AppendOnly):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnly):
        Entry.objects.bulk_update([entry], ["action"])
    assert Entry.objects.get(pk=entry.pk).action == "group.joined"


def test_postgresql_refuses_update_and_delete_of_entries(assembly, member) -> None:
    need(uses_postgres(), "PostgreSQL is not configured (DATABASE_URL)")
    entry = audit.record(member, "group.joined", ("workinggroup", 1), assembly_id=assembly.pk)
    for sql in (
        "UPDATE audit_entry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_entry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert Entry.objects.get(pk=entry.pk).action == "group.joined"


def test_recording_is_one_insert(assembly, member, django_assert_num_queries) -> None:
    with django_assert_num_queries(1) as captured:
        audit.record(
            member,
            "queue.hand_raised",
            ("hand", 7),
            assembly_id=assembly.pk,
            after={"kind": "speak"},
        )
    assert captured.captured_queries[0]["sql"].lstrip().upper().startswith("INSERT")


def test_only_changed_fields_are_kept(assembly, member) -> None:
    entry = audit.record(
        member,
        "agenda.item_moved",
        ("agendaitem", 3),
        assembly_id=assembly.pk,
        before={"position": 2, "title": "Açılış"},
        after={"position": 1, "title": "Açılış"},
    )
    entry.refresh_from_db()
    assert (entry.before, entry.after) == ({"position": 2}, {"position": 1})


def test_a_session_change_records_who_what_when_and_before_after(
    session, facilitator, django_assert_num_queries
) -> None:
    assembly_services.start_session(facilitator, session.pk)
    [entry] = Entry.objects.filter(action="session.started")
    assert entry.actor == facilitator
    assert entry.assembly_id == session.assembly_id
    assert (entry.object_type, entry.object_id) == ("session", session.pk)
    assert entry.before == {"status": SessionStatus.SCHEDULED}
    assert entry.after == {"status": SessionStatus.LIVE}
    assert entry.at is not None


def test_a_refused_change_leaves_no_entry(live_session, member) -> None:
    before = Entry.objects.count()
    with pytest.raises(ServiceError):
        assembly_services.next_speaker(member, live_session.pk)  # not the facilitator
    with pytest.raises(ServiceError):
        assembly_services.start_timer(member, live_session.pk, 60)
    assert Entry.objects.count() == before


def test_an_entry_rolls_back_with_its_change(live_session, facilitator) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        assembly_services.start_timer(facilitator, live_session.pk, 60)
        raise RuntimeError
    assert not Entry.objects.filter(action="queue.timer_started").exists()


def test_the_live_session_is_recorded(live_session, facilitator, member, member2) -> None:
    assembly_services.check_in(member, live_session.pk)
    assembly_services.raise_hand(member, live_session.pk, "speak")
    assembly_services.raise_hand(member2, live_session.pk, "process")
    assembly_services.move_hand(facilitator, live_session.pk, member.pk, 0)
    assembly_services.next_speaker(facilitator, live_session.pk)
    assembly_services.lower_hand(member2, live_session.pk)
    assembly_services.start_timer(facilitator, live_session.pk, 90)
    assembly_services.stop_timer(facilitator, live_session.pk)
    item = live_session.agenda_items.first()
    assembly_services.open_agenda_item(facilitator, live_session.pk, item.pk)
    assembly_services.save_minutes(facilitator, live_session.pk, item.pk, "Karar: su.")
    assembly_services.adjourn_session(facilitator, live_session.pk)
    assembly_services.close_session(facilitator, live_session.pk)
    actions = list(Entry.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [
        ("attendance.checked_in", member.pk),
        ("queue.hand_raised", member.pk),
        ("queue.hand_raised", member2.pk),
        ("queue.hand_moved", facilitator.pk),
        ("queue.next_speaker", facilitator.pk),
        ("queue.hand_lowered", member2.pk),
        ("queue.timer_started", facilitator.pk),
        ("queue.timer_stopped", facilitator.pk),
        ("agenda.item_opened", facilitator.pk),
        ("agenda.minutes_saved", facilitator.pk),
        ("session.adjourned", facilitator.pk),
        ("session.closed", facilitator.pk),
    ]
    minutes = Entry.objects.get(action="agenda.minutes_saved")
    assert (minutes.before, minutes.after) == ({"characters": 0}, {"characters": 10})
    speaker = Entry.objects.get(action="queue.next_speaker")
    assert speaker.after == {"speaker": member.pk}


def test_a_deadline_close_is_recorded_as_the_system(assembly, member, member2) -> None:
    decision = new_decision(member, assembly=assembly)
    voting_services.open_round(member, decision.pk, seconds=60)
    voting_services.cast_stance(member2, decision.pk, option="consent")
    deadline = Round.objects.get(decision=decision).closes_at
    assert deadline is not None
    assert voting_services.close_due_rounds(now=deadline + timedelta(seconds=1)) == 1
    closed = Entry.objects.get(action="decision.round_closed")
    assert closed.actor is None
    assert closed.before == {"status": "open"}
    assert closed.after == {"status": "concluded", "number": 1, "outcome": "adopted"}
    assert list(
        Entry.objects.filter(object_type="decision", object_id=decision.pk)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["decision.created", "decision.round_opened", "decision.round_closed"]


def test_recording_a_decision_is_recorded(present, facilitator, member) -> None:
    decision = new_decision(facilitator, session=present)
    voting_services.open_round(facilitator, decision.pk)
    voting_services.cast_stance(member, decision.pk, option="consent")
    voting_services.close_round(facilitator, decision.pk)
    record = voting_services.record_decision(facilitator, decision.pk, statement="Kabul edildi.")
    entry = Entry.objects.get(action="decision.recorded")
    assert entry.actor == facilitator
    assert entry.after == {"status": "recorded", "ref": record.ref}


def test_proposal_work_is_recorded(assembly, member, member2) -> None:
    proposal = proposal_services.create_proposal(
        member, assembly=assembly, title="Bostan", text="Bir bostan kuralım."
    )
    proposal_services.change_state(member, proposal.pk, "open_discussion")
    comment = proposal_services.add_comment(member2, proposal.pk, kind="question", body="Nerede?")
    proposal_services.react(member, comment.pk, "+1")
    proposal_services.cosign(member2, proposal.pk)
    rows = list(Entry.objects.order_by("id").values_list("action", "actor_id", "after"))
    assert rows == [
        ("proposal.created", member.pk, {"title": "Bostan", "state": "draft"}),
        ("proposal.state_changed", member.pk, {"state": "discussion"}),
        ("discussion.comment_added", member2.pk, {"proposal": proposal.pk, "kind": "question"}),
        ("discussion.reacted", member.pk, {"kind": "+1"}),
        ("proposal.cosigned", member2.pk, {"member": member2.pk, "ready": False}),
    ]
    # The log names the comment, it does not copy what was said.
    assert "Nerede" not in str(list(Entry.objects.values_list("before", "after")))


def _recorded_actions() -> set[str]:
    """Every action name passed to audit.record in the project's code."""
    found: set[str] = set()
    base = Path(settings.BASE_DIR)
    apps = [d for d in base.iterdir() if d.is_dir() and (d / "__init__.py").exists()]
    for path in (p for app in apps for p in app.rglob("*.py")):
        if path.relative_to(base).parts[0] in {"tests", "bench"} or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.add(node.args[1].value)
    return found


def test_every_recorded_action_has_words_and_an_area() -> None:
    actions = _recorded_actions()
    assert len(actions) > 40
    assert actions <= set(presenters.ACTIONS), actions - set(presenters.ACTIONS)
    assert {a.split(".")[0] for a in presenters.ACTIONS} <= set(presenters.AREAS)


def test_checking_in_twice_is_recorded_once(live_session, member) -> None:
    check_in(live_session)  # nobody
    assembly_services.check_in(member, live_session.pk)
    assembly_services.check_in(member, live_session.pk)
    assert Entry.objects.filter(action="attendance.checked_in").count() == 1


def test_an_entry_can_be_dated_earlier_for_unlinkability(assembly) -> None:
    opened = timezone.now() - timedelta(hours=2)
    entry = audit.record(
        None, "decision.round_opened", ("decision", 1), assembly_id=assembly.pk, at=opened
    )
    entry.refresh_from_db()
    assert (entry.at, entry.actor_id) == (opened, None)
