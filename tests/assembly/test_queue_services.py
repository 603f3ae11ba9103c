"""Services of the speaker queue: raise, lower, change kind, next, move."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assembly import selectors, services
from assembly.models import AgendaItem, Hand, QueueMove, SessionStatus, SpeakingTurn
from tests.assembly.helpers import refusal, refused, seq_of, unchanged

pytestmark = pytest.mark.django_db


def queue_members(session) -> list[int]:
    return [entry["member"] for entry in selectors.queue_state(session)["queue"]]


def waiting(session, user) -> list[Hand]:
    return list(Hand.objects.filter(session=session, member=user, state=Hand.State.WAITING))


# --- raise / lower / change kind -----------------------------------------------------------


def test_raise_hand_joins_the_queue_and_bumps_seq(live_session, member) -> None:
    before = seq_of(live_session)
    result = services.raise_hand(member, live_session.pk, "speak")
    assert result == before + 1 == seq_of(live_session)
    [hand] = waiting(live_session, member)
    assert hand.kind == "speak"
    state = selectors.queue_state(live_session)
    assert [(e["member"], e["kind"], e["name"]) for e in state["queue"]] == [
        (member.pk, "speak", "Mehmet Demir")
    ]
    assert state["speaker"] is None  # raising never makes you the speaker


def test_raising_again_with_the_same_kind_changes_nothing(live_session, member) -> None:
    services.raise_hand(member, live_session.pk, "question")
    raised_at = waiting(live_session, member)[0].raised_at
    with unchanged(live_session):
        assert services.raise_hand(member, live_session.pk, "question") == seq_of(live_session)
    [hand] = waiting(live_session, member)
    assert hand.raised_at == raised_at


def test_raising_with_another_kind_changes_the_kind_and_time(live_session, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    first = waiting(live_session, member)[0]
    before = seq_of(live_session)
    services.raise_hand(member, live_session.pk, "process")
    assert seq_of(live_session) == before + 1
    [hand] = waiting(live_session, member)
    assert hand.pk == first.pk
    assert hand.kind == "process"
    assert hand.raised_at >= first.raised_at


def test_changing_kind_moves_you_by_the_rule(live_session, member, member2) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    assert queue_members(live_session) == [member.pk, member2.pk]
    services.raise_hand(member2, live_session.pk, "response")
    assert queue_members(live_session) == [member2.pk, member.pk]


def test_lower_hand(live_session, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    before = seq_of(live_session)
    assert services.lower_hand(member, live_session.pk) == before + 1
    assert waiting(live_session, member) == []
    assert Hand.objects.get(session=live_session, member=member).state == Hand.State.LOWERED
    assert queue_members(live_session) == []


def test_lowering_a_hand_that_is_not_raised_changes_nothing(live_session, member) -> None:
    with unchanged(live_session):
        services.lower_hand(member, live_session.pk)


def test_raising_again_after_lowering(live_session, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.lower_hand(member, live_session.pk)
    services.raise_hand(member, live_session.pk, "speak")
    assert len(waiting(live_session, member)) == 1
    assert Hand.objects.filter(session=live_session, member=member).count() == 2


@pytest.mark.parametrize("persona", ["observer", "outsider", "anonymous"])
def test_only_members_raise_hands(request, live_session, persona) -> None:
    user = request.getfixturevalue(persona)
    with unchanged(live_session), refused(refusal(persona)):
        services.raise_hand(user, live_session.pk, "speak")
    with unchanged(live_session), refused(refusal(persona)):
        services.lower_hand(user, live_session.pk)
    assert not Hand.objects.exists()


@pytest.mark.parametrize("status", ["scheduled", "adjourned", "closed"])
def test_hands_are_raised_only_in_a_live_session(session, member, status) -> None:
    session.status = status
    session.save()
    with unchanged(session), refused("conflict"):
        services.raise_hand(member, session.pk, "speak")


def test_raise_hand_in_an_unknown_session(member) -> None:
    with refused("not_found"):
        services.raise_hand(member, 999_999, "speak")


def test_the_queue_follows_the_rule(live_session, facilitator, member, member2) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "question")
    services.raise_hand(facilitator, live_session.pk, "process")
    assert queue_members(live_session) == [facilitator.pk, member2.pk, member.pk]


# --- next speaker --------------------------------------------------------------------------


def test_next_speaker_takes_the_head_and_starts_the_timer(
    live_session, facilitator, member, member2
) -> None:
    live_session.speaking_seconds = 97
    live_session.save()
    item = AgendaItem.objects.filter(session=live_session).first()
    assert item is not None
    services.open_agenda_item(facilitator, live_session.pk, item.pk)
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    before = seq_of(live_session)

    assert services.next_speaker(facilitator, live_session.pk) == before + 1

    [turn] = SpeakingTurn.objects.filter(session=live_session)
    assert (turn.member_id, turn.kind, turn.agenda_item_id, turn.ended_at) == (
        member.pk,
        "speak",
        item.pk,
        None,
    )
    assert Hand.objects.get(session=live_session, member=member).state == Hand.State.TAKEN
    live_session.refresh_from_db()
    assert live_session.timer_seconds == 97
    assert live_session.timer_ends_at == turn.started_at + timedelta(seconds=97)
    state = selectors.queue_state(live_session)
    assert state["speaker"]["member"] == member.pk
    assert [e["member"] for e in state["queue"]] == [member2.pk]
    assert state["timer"]["seconds"] == 97


def test_next_speaker_ends_the_previous_turn(live_session, facilitator, member, member2) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)
    services.next_speaker(facilitator, live_session.pk)
    turns = list(SpeakingTurn.objects.filter(session=live_session).order_by("started_at", "id"))
    assert [t.member_id for t in turns] == [member.pk, member2.pk]
    assert turns[0].ended_at is not None
    assert turns[0].ended_at <= turns[1].started_at
    assert turns[1].ended_at is None
    totals = selectors.queue_state(live_session)["totals"]
    assert set(totals) == {str(member.pk)}  # finished turns only


def test_next_on_an_empty_queue_clears_the_speaker(live_session, facilitator, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)
    before = seq_of(live_session)
    assert services.next_speaker(facilitator, live_session.pk) == before + 1
    live_session.refresh_from_db()
    assert (live_session.timer_seconds, live_session.timer_ends_at) == (None, None)
    assert selectors.queue_state(live_session)["speaker"] is None
    assert not SpeakingTurn.objects.filter(session=live_session, ended_at__isnull=True).exists()


def test_next_with_nothing_to_do_changes_nothing(live_session, facilitator) -> None:
    with unchanged(live_session):
        services.next_speaker(facilitator, live_session.pk)
    assert not SpeakingTurn.objects.exists()


def test_next_on_an_empty_queue_stops_a_running_timer(live_session, facilitator) -> None:
    services.start_timer(facilitator, live_session.pk, 60)
    before = seq_of(live_session)
    services.next_speaker(facilitator, live_session.pk)
    assert seq_of(live_session) == before + 1
    live_session.refresh_from_db()
    assert live_session.timer_ends_at is None


def test_the_current_speaker_counts_as_having_spoken(
    live_session, facilitator, member, member2
) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    services.next_speaker(facilitator, live_session.pk)  # member has the floor
    services.raise_hand(member, live_session.pk, "speak")  # and asks to speak again
    services.raise_hand(member2, live_session.pk, "speak")  # later, but has not spoken
    assert queue_members(live_session) == [member2.pk, member.pk]


def test_next_speaker_is_for_facilitators_only(live_session, member, member2, observer) -> None:
    services.raise_hand(member2, live_session.pk, "speak")
    for user in (member, member2, observer):
        with unchanged(live_session), refused("forbidden"):
            services.next_speaker(user, live_session.pk)
    assert not SpeakingTurn.objects.exists()


def test_a_facilitator_who_is_no_longer_a_member_cannot_facilitate(
    live_session, facilitator, member
) -> None:
    facilitator.memberships.all().delete()
    with refused("not_found"):  # no longer in the assembly: its sessions are not shown
        services.next_speaker(facilitator, live_session.pk)


def test_next_speaker_needs_a_live_session(session, facilitator) -> None:
    with unchanged(session), refused("conflict"):
        services.next_speaker(facilitator, session.pk)


# --- move ---------------------------------------------------------------------------------------


@pytest.fixture
def three_waiting(live_session, facilitator, member, member2):
    for user in (member, member2, facilitator):
        services.raise_hand(user, live_session.pk, "speak")
    return [member.pk, member2.pk, facilitator.pk]


def test_move_hand_reorders_and_is_recorded(live_session, facilitator, three_waiting) -> None:
    before = seq_of(live_session)
    assert services.move_hand(facilitator, live_session.pk, three_waiting[2], 0) == before + 1
    assert queue_members(live_session) == [three_waiting[2], three_waiting[0], three_waiting[1]]
    [move] = QueueMove.objects.all()
    assert (move.from_position, move.to_position, move.moved_by_id) == (2, 0, facilitator.pk)
    assert move.hand.member_id == three_waiting[2]
    entries = selectors.queue_state(live_session)["queue"]
    assert [e["moved"] for e in entries] == [True, False, False]


def test_moving_to_the_same_place_changes_nothing(live_session, facilitator, three_waiting) -> None:
    with unchanged(live_session):
        services.move_hand(facilitator, live_session.pk, three_waiting[1], 1)
    with unchanged(live_session):
        services.move_hand(facilitator, live_session.pk, three_waiting[2], 50)  # the end
    assert not QueueMove.objects.exists()


def test_moving_past_the_end_moves_to_the_end(live_session, facilitator, three_waiting) -> None:
    services.move_hand(facilitator, live_session.pk, three_waiting[0], 9_999)
    assert queue_members(live_session) == [three_waiting[1], three_waiting[2], three_waiting[0]]
    assert QueueMove.objects.get().to_position == 2


def test_moving_someone_not_in_the_queue(live_session, facilitator, three_waiting, observer):
    with unchanged(live_session), refused("not_found"):
        services.move_hand(facilitator, live_session.pk, observer.pk, 0)


def test_members_cannot_move_hands(live_session, member, three_waiting) -> None:
    with unchanged(live_session), refused("forbidden"):
        services.move_hand(member, live_session.pk, three_waiting[2], 0)


def test_a_moved_entry_is_not_overtaken_when_the_head_speaks(
    live_session, facilitator, three_waiting
) -> None:
    first, second, third = three_waiting
    services.move_hand(facilitator, live_session.pk, third, 1)  # third goes second
    assert queue_members(live_session) == [first, third, second]
    services.next_speaker(facilitator, live_session.pk)  # first takes the floor
    assert queue_members(live_session) == [third, second]
    services.next_speaker(facilitator, live_session.pk)
    assert selectors.queue_state(live_session)["speaker"]["member"] == third


def test_a_moved_entry_is_not_overtaken_when_someone_leaves(
    live_session, facilitator, member, three_waiting
) -> None:
    _first, second, third = three_waiting
    services.move_hand(facilitator, live_session.pk, third, 1)
    services.lower_hand(member, live_session.pk)  # "first" is the member
    assert queue_members(live_session) == [third, second]


def test_a_new_hand_does_not_push_a_moved_entry_ahead_of_others(
    live_session, facilitator, member, member2, observer, assembly
) -> None:
    from assembly.models import Membership, Role

    Membership.objects.filter(user=observer).update(role=Role.MEMBER)
    services.raise_hand(member, live_session.pk, "speak")
    services.raise_hand(member2, live_session.pk, "speak")
    services.raise_hand(facilitator, live_session.pk, "speak")
    services.move_hand(facilitator, live_session.pk, facilitator.pk, 1)
    assert queue_members(live_session) == [member.pk, facilitator.pk, member2.pk]
    services.raise_hand(observer, live_session.pk, "process")  # jumps the unmoved ones
    assert queue_members(live_session) == [observer.pk, member.pk, facilitator.pk, member2.pk]


def test_changing_kind_drops_a_move(live_session, facilitator, three_waiting) -> None:
    services.move_hand(facilitator, live_session.pk, three_waiting[2], 0)
    services.raise_hand(facilitator, live_session.pk, "question")
    entry = selectors.queue_state(live_session)["queue"][0]
    assert (entry["member"], entry["kind"], entry["moved"]) == (facilitator.pk, "question", False)


def test_move_needs_a_live_session(live_session, facilitator, three_waiting) -> None:
    live_session.status = SessionStatus.ADJOURNED
    live_session.save()
    with unchanged(live_session), refused("conflict"):
        services.move_hand(facilitator, live_session.pk, three_waiting[2], 0)
