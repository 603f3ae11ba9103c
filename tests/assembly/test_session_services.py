"""Services of a session's life, agenda, minutes, timers, attendance and tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly import permissions, selectors, services
from assembly.models import (
    AgendaItem,
    AgendaStatus,
    Attendance,
    Hand,
    SessionStatus,
    SessionTask,
    SpeakingTurn,
    Task,
)
from tests.assembly.helpers import refusal, refused, seq_of, unchanged

pytestmark = pytest.mark.django_db


def status_of(session) -> str:
    session.refresh_from_db()
    return session.status


def items(session) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(session=session).order_by("position", "id"))


# --- Session life --------------------------------------------------------------------------


def test_start_adjourn_resume_close(session, facilitator) -> None:
    assert services.start_session(facilitator, session.pk) == 1
    assert status_of(session) == SessionStatus.LIVE
    services.adjourn_session(facilitator, session.pk)
    assert status_of(session) == SessionStatus.ADJOURNED
    services.start_session(facilitator, session.pk)  # resume
    assert status_of(session) == SessionStatus.LIVE
    services.adjourn_session(facilitator, session.pk)
    services.close_session(facilitator, session.pk)
    assert status_of(session) == SessionStatus.CLOSED


def test_a_scheduled_session_can_be_cancelled(session, facilitator) -> None:
    before = seq_of(session)
    assert services.close_session(facilitator, session.pk) == before + 1
    assert status_of(session) == SessionStatus.CLOSED


@pytest.mark.parametrize(
    ("status", "service"),
    [
        ("live", services.start_session),
        ("live", services.close_session),
        ("scheduled", services.adjourn_session),
        ("adjourned", services.adjourn_session),
        ("closed", services.start_session),
        ("closed", services.adjourn_session),
        ("closed", services.close_session),
    ],
)
def test_refused_transitions_are_conflicts(session, facilitator, status, service) -> None:
    session.status = status
    session.save()
    with unchanged(session), refused("conflict"):
        service(facilitator, session.pk)
    assert status_of(session) == status


@pytest.mark.parametrize(
    "service", [services.start_session, services.adjourn_session, services.close_session]
)
@pytest.mark.parametrize("persona", ["member", "observer", "outsider", "anonymous"])
def test_only_facilitators_change_the_session_state(request, session, service, persona) -> None:
    if service is not services.start_session:
        session.status = SessionStatus.LIVE if service is services.adjourn_session else "adjourned"
        session.save()
    status = session.status
    user = request.getfixturevalue(persona)
    with unchanged(session), refused(refusal(persona)):
        service(user, session.pk)
    assert status_of(session) == status


def test_unknown_session(facilitator) -> None:
    for service in (services.start_session, services.adjourn_session, services.close_session):
        with refused("not_found"):
            service(facilitator, 424_242)


def test_adjourning_ends_the_turn_and_the_timer_but_keeps_hands(
    live_session, facilitator, member, member2
) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)
    before = seq_of(live_session)
    # Two events (session.adjourned, then queue.changed), each with its own seq.
    assert services.adjourn_session(facilitator, live_session.pk) == before + 2
    live_session.refresh_from_db()
    assert (live_session.timer_ends_at, live_session.timer_seconds) == (None, None)
    assert not SpeakingTurn.objects.filter(ended_at__isnull=True).exists()
    assert [e["member"] for e in selectors.queue_state(live_session)["queue"]] == [member2.pk]


def test_closing_lowers_hands_and_finishes_the_open_item(live_session, facilitator, member) -> None:
    item = items(live_session)[0]
    services.open_agenda_item(facilitator, live_session.pk, item.pk)
    services.raise_hand(member, live_session.pk, "speak")
    services.adjourn_session(facilitator, live_session.pk)
    services.close_session(facilitator, live_session.pk)
    assert not Hand.objects.filter(state=Hand.State.WAITING).exists()
    assert Hand.objects.get(member=member).ended_at is not None
    item.refresh_from_db()
    assert item.status == AgendaStatus.DONE
    state = selectors.queue_state(live_session)
    assert state["queue"] == [] and state["speaker"] is None


# --- Agenda --------------------------------------------------------------------------------------


def test_open_agenda_item(live_session, facilitator) -> None:
    first, second = items(live_session)
    before = seq_of(live_session)
    assert services.open_agenda_item(facilitator, live_session.pk, first.pk) == before + 1
    live_session.refresh_from_db()
    first.refresh_from_db()
    assert live_session.current_item_id == first.pk
    assert first.status == AgendaStatus.OPEN and first.opened_at is not None

    services.open_agenda_item(facilitator, live_session.pk, second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    live_session.refresh_from_db()
    assert (first.status, second.status) == (AgendaStatus.DONE, AgendaStatus.OPEN)
    assert live_session.current_item_id == second.pk


def test_opening_the_current_item_again_is_a_conflict(live_session, facilitator) -> None:
    first = items(live_session)[0]
    services.open_agenda_item(facilitator, live_session.pk, first.pk)
    with unchanged(live_session), refused("conflict"):
        services.open_agenda_item(facilitator, live_session.pk, first.pk)


def test_a_done_item_can_be_opened_again(live_session, facilitator) -> None:
    first, second = items(live_session)
    services.open_agenda_item(facilitator, live_session.pk, first.pk)
    services.open_agenda_item(facilitator, live_session.pk, second.pk)
    services.open_agenda_item(facilitator, live_session.pk, first.pk)
    statuses = {i.pk: i.status for i in items(live_session)}
    assert statuses == {first.pk: AgendaStatus.OPEN, second.pk: AgendaStatus.DONE}


def test_open_an_unknown_item_or_one_of_another_session(
    live_session, facilitator, assembly
) -> None:
    other = services.plan_session(
        facilitator,
        assembly,
        title="Başka",
        starts_at=timezone.now(),
        visibility="members",
        agenda=[("Yabancı madde", 5)],
    )
    foreign = AgendaItem.objects.get(session=other)
    for item_id in (foreign.pk, 987_654):
        with unchanged(live_session), refused("not_found"):
            services.open_agenda_item(facilitator, live_session.pk, item_id)


def test_open_item_needs_a_live_session(session, facilitator) -> None:
    with unchanged(session), refused("conflict"):
        services.open_agenda_item(facilitator, session.pk, items(session)[0].pk)


def test_open_item_is_for_facilitators(live_session, member) -> None:
    with unchanged(live_session), refused("forbidden"):
        services.open_agenda_item(member, live_session.pk, items(live_session)[0].pk)


def test_add_agenda_item_goes_last(session, facilitator) -> None:
    before = seq_of(session)
    item = services.add_agenda_item(facilitator, session.pk, "  Bütçe  ", 20, "Yıllık bütçe")
    assert seq_of(session) == before + 1
    assert items(session)[-1] == item
    assert item.position > max(i.position for i in items(session)[:-1])
    assert (item.title, item.minutes_budget, item.status) == ("Bütçe", 20, AgendaStatus.PENDING)


def test_add_agenda_item_checks(session, facilitator, member) -> None:
    with unchanged(session), refused("invalid") as info:
        services.add_agenda_item(facilitator, session.pk, "   ", 5)
    assert "title" in info.value.fields
    with unchanged(session), refused("forbidden"):
        services.add_agenda_item(member, session.pk, "Bir madde", 5)
    session.status = SessionStatus.CLOSED
    session.save()
    with unchanged(session), refused("conflict"):
        services.add_agenda_item(facilitator, session.pk, "Bir madde", 5)
    assert len(items(session)) == 2


def test_move_agenda_item(session, facilitator) -> None:
    first, second = items(session)
    third = services.add_agenda_item(facilitator, session.pk, "Üçüncü", 5)
    before = seq_of(session)
    services.move_agenda_item(facilitator, session.pk, third.pk, -1)
    assert seq_of(session) == before + 1
    assert [i.pk for i in items(session)] == [first.pk, third.pk, second.pk]
    services.move_agenda_item(facilitator, session.pk, first.pk, +1)
    assert [i.pk for i in items(session)] == [third.pk, first.pk, second.pk]
    positions = [i.position for i in items(session)]
    assert len(set(positions)) == 3


def test_move_agenda_item_past_the_ends_is_a_conflict(session, facilitator) -> None:
    first, second = items(session)
    with unchanged(session), refused("conflict"):
        services.move_agenda_item(facilitator, session.pk, first.pk, -1)
    with unchanged(session), refused("conflict"):
        services.move_agenda_item(facilitator, session.pk, second.pk, +1)
    with unchanged(session), refused("not_found"):
        services.move_agenda_item(facilitator, session.pk, 123_456, +1)
    assert [i.pk for i in items(session)] == [first.pk, second.pk]


def test_remove_a_pending_item(session, facilitator) -> None:
    first, second = items(session)
    before = seq_of(session)
    services.remove_agenda_item(facilitator, session.pk, first.pk)
    assert seq_of(session) == before + 1
    assert items(session) == [second]


def test_items_already_discussed_cannot_be_removed(live_session, facilitator) -> None:
    first, second = items(live_session)
    services.open_agenda_item(facilitator, live_session.pk, first.pk)
    with unchanged(live_session), refused("conflict"):
        services.remove_agenda_item(facilitator, live_session.pk, first.pk)
    services.save_minutes(facilitator, live_session.pk, second.pk, "Not alındı.")
    with unchanged(live_session), refused("conflict"):
        services.remove_agenda_item(facilitator, live_session.pk, second.pk)
    assert len(items(live_session)) == 2


def test_remove_item_checks(session, facilitator, member) -> None:
    with unchanged(session), refused("forbidden"):
        services.remove_agenda_item(member, session.pk, items(session)[0].pk)
    with unchanged(session), refused("not_found"):
        services.remove_agenda_item(facilitator, session.pk, 55_555)


# --- Minutes -------------------------------------------------------------------------------------


def test_note_taker_saves_minutes(live_session, member2_note_taker) -> None:
    item = items(live_session)[0]
    before = seq_of(live_session)
    text = "Karar: su kesintileri için dilekçe."
    assert services.save_minutes(member2_note_taker, live_session.pk, item.pk, text) == before + 1
    item.refresh_from_db()
    assert item.minutes == text
    assert item.minutes_updated_by_id == member2_note_taker.pk
    assert item.minutes_updated_at is not None


def test_facilitator_saves_minutes(live_session, facilitator) -> None:
    item = items(live_session)[1]
    services.save_minutes(facilitator, live_session.pk, item.pk, "Tutanak")
    item.refresh_from_db()
    assert item.minutes == "Tutanak"


@pytest.mark.parametrize("persona", ["member", "observer", "outsider", "anonymous"])
def test_others_cannot_write_minutes(request, live_session, persona) -> None:
    user = request.getfixturevalue(persona)
    item = items(live_session)[0]
    with unchanged(live_session), refused(refusal(persona)):
        services.save_minutes(user, live_session.pk, item.pk, "izinsiz")
    item.refresh_from_db()
    assert item.minutes == ""


def test_saving_the_same_minutes_changes_nothing(live_session, facilitator) -> None:
    item = items(live_session)[0]
    services.save_minutes(facilitator, live_session.pk, item.pk, "Aynı")
    with unchanged(live_session):
        services.save_minutes(facilitator, live_session.pk, item.pk, "Aynı")


def test_minutes_checks(live_session, facilitator) -> None:
    with unchanged(live_session), refused("not_found"):
        services.save_minutes(facilitator, live_session.pk, 31_337, "x")
    live_session.status = SessionStatus.CLOSED
    live_session.save()
    with unchanged(live_session), refused("conflict"):
        services.save_minutes(facilitator, live_session.pk, items(live_session)[0].pk, "geç")


def test_minutes_can_be_written_before_the_session_starts(session, facilitator) -> None:
    before = seq_of(session)
    services.save_minutes(facilitator, session.pk, items(session)[0].pk, "Hazırlık")
    assert seq_of(session) == before + 1


# --- Timers --------------------------------------------------------------------------------------


def test_start_timer_without_a_speaker(live_session, facilitator) -> None:
    before = seq_of(live_session)
    started = timezone.now()
    assert services.start_timer(facilitator, live_session.pk, 60) == before + 1
    live_session.refresh_from_db()
    assert live_session.timer_seconds == 60
    assert started + timedelta(seconds=60) <= live_session.timer_ends_at
    assert live_session.timer_ends_at <= timezone.now() + timedelta(seconds=60)
    assert selectors.queue_state(live_session)["speaker"] is None


def test_start_timer_replaces_a_running_one(live_session, facilitator) -> None:
    services.start_timer(facilitator, live_session.pk, 600)
    services.start_timer(facilitator, live_session.pk, 30)
    live_session.refresh_from_db()
    assert live_session.timer_seconds == 30
    assert live_session.timer_ends_at <= timezone.now() + timedelta(seconds=30)


@pytest.mark.parametrize("seconds", [0, -5, services.MAX_TIMER_SECONDS + 1])
def test_start_timer_bounds(live_session, facilitator, seconds: int) -> None:
    with unchanged(live_session), refused("invalid") as info:
        services.start_timer(facilitator, live_session.pk, seconds)
    assert "seconds" in info.value.fields


def test_start_timer_checks(session, facilitator, member) -> None:
    with unchanged(session), refused("conflict"):
        services.start_timer(facilitator, session.pk, 60)
    session.status = SessionStatus.LIVE
    session.save()
    with unchanged(session), refused("forbidden"):
        services.start_timer(member, session.pk, 60)


def test_stop_timer(live_session, facilitator, member) -> None:
    services.start_timer(facilitator, live_session.pk, 60)
    with unchanged(live_session), refused("forbidden"):
        services.stop_timer(member, live_session.pk)
    before = seq_of(live_session)
    assert services.stop_timer(facilitator, live_session.pk) == before + 1
    live_session.refresh_from_db()
    assert (live_session.timer_seconds, live_session.timer_ends_at) == (None, None)
    with unchanged(live_session):
        services.stop_timer(facilitator, live_session.pk)


# --- Attendance ----------------------------------------------------------------------------------


def test_check_in_is_idempotent_and_has_no_seq(live_session, member) -> None:
    with unchanged(live_session):
        assert services.check_in(member, live_session.pk) is True
        assert services.check_in(member, live_session.pk) is False
    assert Attendance.objects.filter(session=live_session, member=member).count() == 1
    assert selectors.presence(live_session.pk)["present"] == [member.pk]


def test_check_in_before_the_session_starts(session, member) -> None:
    assert services.check_in(member, session.pk) is True


@pytest.mark.parametrize("persona", ["observer", "outsider", "anonymous"])
def test_only_members_check_in(request, live_session, persona) -> None:
    with refused(refusal(persona)):
        services.check_in(request.getfixturevalue(persona), live_session.pk)
    assert not Attendance.objects.exists()


def test_no_check_in_to_a_closed_or_unknown_session(session, member) -> None:
    session.status = SessionStatus.CLOSED
    session.save()
    with refused("conflict"):
        services.check_in(member, session.pk)
    with refused("not_found"):
        services.check_in(member, 777_777)


# --- Tasks ---------------------------------------------------------------------------------------


def test_volunteer_to_facilitate(live_session, member) -> None:
    assert not permissions.is_facilitator(member, live_session)
    before = seq_of(live_session)
    assert services.volunteer(member, live_session.pk, Task.FACILITATOR) == before + 1
    task = SessionTask.objects.get(session=live_session, user=member)
    assert (task.task, task.volunteered) == (Task.FACILITATOR, True)
    assert permissions.is_facilitator(member, live_session)
    with unchanged(live_session):
        services.volunteer(member, live_session.pk, Task.FACILITATOR)
    assert SessionTask.objects.filter(session=live_session, user=member).count() == 1


def test_volunteer_to_take_notes(live_session, member) -> None:
    services.volunteer(member, live_session.pk, Task.NOTE_TAKER)
    assert permissions.can_take_notes(member, live_session)
    assert not permissions.is_facilitator(member, live_session)
    assert selectors.tasks(live_session.pk)["note_takers"] == [member.pk]


@pytest.mark.parametrize(
    ("persona", "code"),
    # Those who may not see the members-only session are told it does not exist.
    [("observer", "forbidden"), ("outsider", "not_found"), ("anonymous", "not_found")],
)
def test_only_members_volunteer(request, live_session, persona, code) -> None:
    with unchanged(live_session), refused(code):
        services.volunteer(request.getfixturevalue(persona), live_session.pk, Task.FACILITATOR)


def test_no_volunteering_in_a_closed_session(session, member) -> None:
    session.status = SessionStatus.CLOSED
    session.save()
    with unchanged(session), refused("conflict"):  # the session's state says no
        services.volunteer(member, session.pk, Task.NOTE_TAKER)


def test_volunteer_for_an_unknown_task(live_session, member) -> None:
    with unchanged(live_session), pytest.raises(ValueError):
        services.volunteer(member, live_session.pk, "chair")


def test_step_down(live_session, facilitator) -> None:
    before = seq_of(live_session)
    assert services.step_down(facilitator, live_session.pk, Task.FACILITATOR) == before + 1
    assert not permissions.is_facilitator(facilitator, live_session)
    with unchanged(live_session):
        services.step_down(facilitator, live_session.pk, Task.FACILITATOR)
