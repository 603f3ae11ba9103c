"""Every write to assemblies and live sessions.

Each service locks the session row, checks access through
:mod:`assembly.permissions`, applies the rule from :mod:`assembly.domain`,
bumps ``seq`` and publishes its event once the transaction commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly import domain, events, hooks, permissions, selectors
from assembly.models import (
    AgendaItem,
    AgendaStatus,
    Assembly,
    Attendance,
    Hand,
    Invitation,
    Membership,
    QueueMove,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    SpeakingTurn,
    Task,
    User,
    WorkingGroup,
    WorkingGroupMembership,
)
from audit import services as audit
from common.errors import Conflict, Forbidden, Invalid, NotFound
from realtime.protocol import event_frame
from realtime.publish import publish_on_commit, publish_snapshot

MAX_TIMER_SECONDS = 3 * 60 * 60
MAX_SPEAKING_SECONDS = 60 * 60


# --- Helpers -------------------------------------------------------------------------


def lock_session(session_id: int) -> Session:
    """The session row, locked for the rest of the transaction (``seq`` is bumped under it)."""
    session = (
        Session.objects.select_for_update().select_related("assembly").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound(_("There is no such session."))
    return session


def emit_in_session(session: Session, event: Any, *extra_fields: str) -> int:
    """Bump the session's seq in this transaction and publish ``event`` on commit."""
    session.seq += 1
    session.save(update_fields=["seq", *extra_fields])
    publish_on_commit(session.pk, session.seq, event)
    return session.seq


def _queue_event(session: Session) -> events.QueueChanged:
    return events.QueueChanged(**selectors.queue_state(session))


def _as_domain(hand: Hand) -> domain.Hand:
    return domain.Hand(
        member=hand.member_id,
        kind=domain.HandKind(hand.kind),
        raised_at=hand.raised_at,
        pinned=hand.pinned,
        pinned_at=hand.pinned_at,
    )


def _order_if_moved(session: Session) -> list[Hand] | None:
    """The speaking order before a change, when the facilitator moved an entry (else None)."""
    ordered = selectors.ordered_hands(session.pk)
    return ordered if any(h.pinned is not None for h in ordered) else None


def _keep_order(session: Session, previous: list[Hand] | None) -> None:
    """Re-pin moved entries so that no waiting hand overtakes another (domain.requeue)."""
    if previous is None:
        return
    current = selectors.waiting_hands(session.pk)
    requeued = domain.requeue(
        [_as_domain(h) for h in previous],
        [_as_domain(h) for h in current],
        selectors.members_who_spoke(session.pk),
    )
    pins = {h.member: h.pinned for h in requeued}
    changed = [h for h in current if h.pinned != pins[h.member_id]]
    for hand in changed:
        hand.pinned = pins[hand.member_id]
    Hand.objects.bulk_update(changed, ["pinned"])


def _end_current_turn(session: Session, now: datetime) -> bool:
    return (
        SpeakingTurn.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now) > 0
    )


# --- Session life --------------------------------------------------------------------


SESSION_ACTIONS = {
    domain.SessionAction.START: "session.started",
    domain.SessionAction.RESUME: "session.started",
    domain.SessionAction.ADJOURN: "session.adjourned",
    domain.SessionAction.CLOSE: "session.closed",
}


#: The live command that moves a session by each action.
SESSION_COMMANDS = {
    domain.SessionAction.START: "session.start",
    domain.SessionAction.RESUME: "session.start",
    domain.SessionAction.ADJOURN: "session.adjourn",
    domain.SessionAction.CLOSE: "session.close",
}


def _change_status(actor: Any, session_id: int, action: domain.SessionAction) -> Session:
    session = lock_session(session_id)
    permissions.require(actor, session, SESSION_COMMANDS[action])
    new_state = domain.transition(session.status, action)
    audit.record(
        actor,
        SESSION_ACTIONS[action],
        session,
        assembly_id=session.assembly_id,
        before={"status": session.status},
        after={"status": new_state},
    )
    session.status = new_state
    # Saved now, so that what each role may do (read back for the event) follows it.
    session.save(update_fields=["status"])
    return session


@transaction.atomic
def start_session(actor: Any, session_id: int) -> int:
    session = Session.objects.filter(pk=session_id).values_list("status", flat=True).first()
    action = (
        domain.SessionAction.RESUME
        if session == SessionStatus.ADJOURNED
        else domain.SessionAction.START
    )
    locked = _change_status(actor, session_id, action)
    return emit_in_session(
        locked, events.SessionStarted(status=locked.status, **selectors.live_actions(locked))
    )


@transaction.atomic
def adjourn_session(actor: Any, session_id: int) -> int:
    session = _change_status(actor, session_id, domain.SessionAction.ADJOURN)
    now = timezone.now()
    _end_current_turn(session, now)
    session.timer_ends_at = None
    session.timer_seconds = None
    emit_in_session(
        session,
        events.SessionAdjourned(status=session.status, **selectors.live_actions(session)),
        "timer_ends_at",
        "timer_seconds",
    )
    # The speaker's turn ends with the sitting, so the queue changes too.
    return emit_in_session(session, _queue_event(session))


@transaction.atomic
def close_session(actor: Any, session_id: int) -> int:
    session = _change_status(actor, session_id, domain.SessionAction.CLOSE)
    now = timezone.now()
    lowered = Hand.objects.filter(session=session, state=Hand.State.WAITING).update(
        state=Hand.State.LOWERED, ended_at=now
    )
    ended = _end_current_turn(session, now)
    timer = session.timer_ends_at is not None
    session.timer_ends_at = None
    session.timer_seconds = None
    done = AgendaItem.objects.filter(session=session, status=AgendaStatus.OPEN).update(
        status=AgendaStatus.DONE
    )
    seq = emit_in_session(
        session,
        events.SessionClosed(status=session.status, **selectors.live_actions(session)),
        "timer_ends_at",
        "timer_seconds",
    )
    # Closing empties the queue and ends the open item: clients learn it as events too.
    if lowered or ended or timer:
        seq = emit_in_session(session, _queue_event(session))
    if done:
        seq = emit_in_session(session, _agenda_changed(session))
    return seq


# --- Agenda ------------------------------------------------------------------------------


def _agenda_changed(session: Session) -> events.AgendaChanged:
    return events.AgendaChanged(
        agenda=selectors.agenda_rows(session), current_item=session.current_item_id
    )


def _item(session: Session, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(session=session, pk=item_id).first()
    if item is None:
        raise NotFound(_("There is no such agenda item in this session."))
    return item


@transaction.atomic
def open_agenda_item(actor: Any, session_id: int, item_id: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "agenda.open")
    item = _item(session, item_id)
    if session.current_item_id == item.pk:
        raise Conflict(_("This item is already on the agenda now."))
    now = timezone.now()
    AgendaItem.objects.filter(session=session, status=AgendaStatus.OPEN).update(
        status=AgendaStatus.DONE
    )
    item.status = AgendaStatus.OPEN
    item.opened_at = now
    item.save(update_fields=["status", "opened_at"])
    audit.record(
        actor,
        "agenda.item_opened",
        item,
        assembly_id=session.assembly_id,
        before={"current_item": session.current_item_id},
        after={"current_item": item.pk},
    )
    session.current_item = item
    return emit_in_session(
        session,
        events.AgendaItemOpened(item=item.pk, agenda=selectors.agenda_rows(session)),
        "current_item",
    )


@transaction.atomic
def add_agenda_item(
    actor: Any,
    session_id: int,
    title: str,
    minutes_budget: int,
    description: str = "",
    proposal_id: int | None = None,
    commitment_id: int | None = None,
    record_id: int | None = None,
) -> AgendaItem:
    """An agenda item, perhaps about a proposal, a commitment to look at again (follow-up)
    or an adopted decision whose review date has come."""
    session = lock_session(session_id)
    permissions.require(actor, session, "agenda.add")
    title = title.strip()
    if not title:
        raise Invalid(_("Some fields are not valid."), {"title": _("This field is required.")})
    if proposal_id is not None and proposal_id not in selectors.agenda_proposal_ids(session):
        raise Invalid(
            _("Some fields are not valid."),
            {"proposal": _("Choose a proposal of this assembly that is open for discussion.")},
        )
    reviews = selectors.agenda_reviews(session)
    if commitment_id is not None and commitment_id not in {r[0] for r in reviews["followups"]}:
        raise Invalid(
            _("Some fields are not valid."),
            {"commitment": _("Choose an open commitment of this assembly.")},
        )
    if record_id is not None and record_id not in {r[0] for r in reviews["records"]}:
        raise Invalid(
            _("Some fields are not valid."),
            {"record": _("Choose a decision of this assembly that is due for review.")},
        )
    last = AgendaItem.objects.filter(session=session).aggregate(m=Max("position"))["m"]
    item = AgendaItem.objects.create(
        session=session,
        title=title,
        description=description,
        minutes_budget=minutes_budget,
        position=(last or 0) + 1,
        proposal_id=proposal_id,
        commitment_id=commitment_id,
        record_id=record_id,
    )
    audit.record(
        actor,
        "agenda.item_added",
        item,
        assembly_id=session.assembly_id,
        after={
            "title": item.title,
            "position": item.position,
            "proposal": proposal_id,
            "commitment": commitment_id,
            "record": record_id,
        },
    )
    emit_in_session(session, _agenda_changed(session))
    return item


@transaction.atomic
def move_agenda_item(actor: Any, session_id: int, item_id: int, offset: int) -> int:
    """Move an item up (``-1``) or down (``+1``) the agenda."""
    session = lock_session(session_id)
    permissions.require(actor, session, "agenda.move")
    items = list(AgendaItem.objects.filter(session=session))
    index = next((i for i, it in enumerate(items) if it.pk == item_id), None)
    if index is None:
        raise NotFound(_("There is no such agenda item in this session."))
    target = index + offset
    if target < 0 or target >= len(items):
        raise Conflict(_("The item cannot move further."))
    moved = items[index]
    before = moved.position
    items.insert(target, items.pop(index))
    for position, it in enumerate(items, start=1):
        it.position = position
    AgendaItem.objects.bulk_update(items, ["position"])
    audit.record(
        actor,
        "agenda.item_moved",
        moved,
        assembly_id=session.assembly_id,
        before={"position": before},
        after={"position": moved.position},
    )
    return emit_in_session(session, _agenda_changed(session))


@transaction.atomic
def remove_agenda_item(actor: Any, session_id: int, item_id: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "agenda.remove")
    item = _item(session, item_id)
    if item.status != AgendaStatus.PENDING or item.minutes:
        raise Conflict(_("Only items not yet discussed can be removed."))
    audit.record(
        actor,
        "agenda.item_removed",
        ("agendaitem", item.pk),
        assembly_id=session.assembly_id,
        before={"title": item.title, "position": item.position},
    )
    item.delete()
    return emit_in_session(session, _agenda_changed(session))


@transaction.atomic
def save_minutes(actor: Any, session_id: int, item_id: int, text: str) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "minutes.save")
    item = _item(session, item_id)
    if item.minutes == text:
        return session.seq
    now = timezone.now()
    audit.record(
        actor,
        "agenda.minutes_saved",
        item,
        assembly_id=session.assembly_id,
        before={"characters": len(item.minutes)},
        after={"characters": len(text)},
    )
    item.minutes = text
    item.minutes_updated_at = now
    item.minutes_updated_by = actor
    item.save(update_fields=["minutes", "minutes_updated_at", "minutes_updated_by"])
    return emit_in_session(
        session,
        events.MinutesChanged(
            item=item.pk,
            minutes=text,
            updated_at=now.isoformat(),
            by=actor.pk,
            actions=permissions.agenda_item_actions(
                session.status,
                item.status,
                bool(text),
                item.pk == session.current_item_id,
                item.proposal_id is not None,
            ),
        ),
    )


# --- Speaker queue -----------------------------------------------------------------------


@transaction.atomic
def raise_hand(actor: Any, session_id: int, kind: str) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "hand.raise")
    domain.HandKind(kind)
    now = timezone.now()
    hand = Hand.objects.filter(session=session, member=actor, state=Hand.State.WAITING).first()
    if hand is not None and hand.kind == kind:
        return session.seq  # already waiting with this kind: nothing changes
    previous = _order_if_moved(session)
    if hand is not None:
        hand.kind = kind
        hand.raised_at = now
        hand.pinned = None
        hand.pinned_at = None
        hand.save(update_fields=["kind", "raised_at", "pinned", "pinned_at"])
    else:
        hand = Hand.objects.create(session=session, member=actor, kind=kind, raised_at=now)
    audit.record(
        actor, "queue.hand_raised", hand, assembly_id=session.assembly_id, after={"kind": kind}
    )
    _keep_order(session, previous)
    return emit_in_session(session, _queue_event(session))


@transaction.atomic
def lower_hand(actor: Any, session_id: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "hand.lower")
    previous = _order_if_moved(session)
    changed = Hand.objects.filter(session=session, member=actor, state=Hand.State.WAITING).update(
        state=Hand.State.LOWERED, ended_at=timezone.now()
    )
    if not changed:
        return session.seq
    audit.record(actor, "queue.hand_lowered", session, assembly_id=session.assembly_id)
    _keep_order(session, previous)
    return emit_in_session(session, _queue_event(session))


@transaction.atomic
def next_speaker(actor: Any, session_id: int) -> int:
    """End the current turn and give the floor to the head of the queue."""
    session = lock_session(session_id)
    permissions.require(actor, session, "queue.next")
    now = timezone.now()
    ended = _end_current_turn(session, now)
    ordered = selectors.ordered_hands(session.pk)
    if not ended and not ordered and session.timer_ends_at is None:
        return session.seq  # no speaker, nobody waiting, no timer: nothing changes
    audit.record(
        actor,
        "queue.next_speaker",
        session,
        assembly_id=session.assembly_id,
        after={"speaker": ordered[0].member_id if ordered else None},
    )
    if ordered:
        head = ordered[0]
        head.state = Hand.State.TAKEN
        head.ended_at = now
        head.save(update_fields=["state", "ended_at"])
        SpeakingTurn.objects.create(
            session=session,
            member_id=head.member_id,
            kind=head.kind,
            agenda_item_id=session.current_item_id,
            raised_at=head.raised_at,
            started_at=now,
        )
        if any(h.pinned is not None for h in ordered):
            _keep_order(session, ordered)
        session.timer_seconds = session.speaking_seconds
        session.timer_ends_at = now + timedelta(seconds=session.speaking_seconds)
    else:
        session.timer_seconds = None
        session.timer_ends_at = None
    return emit_in_session(session, _queue_event(session), "timer_ends_at", "timer_seconds")


@transaction.atomic
def move_hand(actor: Any, session_id: int, member_id: int, position: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "queue.move")
    ordered = selectors.ordered_hands(session.pk)
    index = next((i for i, h in enumerate(ordered) if h.member_id == member_id), None)
    if index is None:
        raise NotFound(_("This person is not in the speaker queue."))
    position = max(0, min(position, len(ordered) - 1))
    if position == index:
        return session.seq
    now = timezone.now()
    hand = ordered[index]
    moved = {
        h.member: h for h in domain.move([_as_domain(h) for h in ordered], member_id, position, now)
    }
    changed = []
    for h in ordered:
        new = moved[h.member_id]
        if (h.pinned, h.pinned_at) != (new.pinned, new.pinned_at):
            h.pinned, h.pinned_at = new.pinned, new.pinned_at
            changed.append(h)
    Hand.objects.bulk_update(changed, ["pinned", "pinned_at"])
    QueueMove.objects.create(
        session=session,
        hand=hand,
        moved_by=actor,
        from_position=index,
        to_position=position,
        moved_at=now,
    )
    audit.record(
        actor,
        "queue.hand_moved",
        hand,
        assembly_id=session.assembly_id,
        before={"member": member_id, "position": index},
        after={"member": member_id, "position": position},
    )
    return emit_in_session(session, _queue_event(session))


@transaction.atomic
def start_timer(actor: Any, session_id: int, seconds: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "timer.start")
    if not 1 <= seconds <= MAX_TIMER_SECONDS:
        raise Invalid(
            _("Some fields are not valid."),
            {"seconds": _("Between 1 and %(n)s seconds.") % {"n": MAX_TIMER_SECONDS}},
        )
    audit.record(
        actor,
        "queue.timer_started",
        session,
        assembly_id=session.assembly_id,
        before={"seconds": session.timer_seconds},
        after={"seconds": seconds},
    )
    session.timer_seconds = seconds
    session.timer_ends_at = timezone.now() + timedelta(seconds=seconds)
    return emit_in_session(session, _queue_event(session), "timer_ends_at", "timer_seconds")


@transaction.atomic
def stop_timer(actor: Any, session_id: int) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "timer.stop")
    if session.timer_ends_at is None:
        return session.seq
    audit.record(
        actor,
        "queue.timer_stopped",
        session,
        assembly_id=session.assembly_id,
        before={"seconds": session.timer_seconds},
    )
    session.timer_seconds = None
    session.timer_ends_at = None
    return emit_in_session(session, _queue_event(session), "timer_ends_at", "timer_seconds")


# --- Attendance ---------------------------------------------------------------------------


def _presence_frame(session_id: int) -> tuple[int, str]:
    return session_id, event_frame(events.PresenceChanged(**selectors.presence_changed(session_id)))


def publish_presence(session_id: int) -> None:
    # Who is present matters to no one to the tenth of a second, and the frame lists
    # everyone present: in a check-in storm it goes at most once per ORTAK_PRESENCE_SECONDS.
    publish_snapshot(
        f"presence:{session_id}",
        lambda: _presence_frame(session_id),
        window=float(settings.ORTAK_PRESENCE_SECONDS),
    )


@transaction.atomic
def check_in(actor: Any, session_id: int) -> bool:
    """Mark a member present. Returns True when this is a new check-in."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("There is no such session."))
    permissions.require(actor, session, "attendance.check_in")
    if Attendance.objects.filter(session=session, member=actor).exists():
        return False
    try:
        with transaction.atomic():
            row = Attendance.objects.create(
                session=session, member=actor, checked_in_at=timezone.now()
            )
    except IntegrityError:
        return False  # checked in a moment ago from another tab
    audit.record(actor, "attendance.checked_in", row, assembly_id=session.assembly_id)
    publish_presence(session.pk)
    hooks.presence_changed.fire(hooks.PresenceChanged(session=session.pk))
    return True


# --- Tasks: facilitation and note-taking rotate ------------------------------------------------


def _tasks_event(session: Session) -> events.TasksChanged:
    held = selectors.tasks(session.pk)
    return events.TasksChanged(
        **held,
        roles=permissions.task_roles(session, held["facilitators"], held["note_takers"]),
    )


@transaction.atomic
def volunteer(actor: Any, session_id: int, task: str) -> int:
    session = lock_session(session_id)
    permissions.require(actor, session, "task.volunteer")
    Task(task)
    row, created = SessionTask.objects.get_or_create(
        session=session, user=actor, task=task, defaults={"volunteered": True}
    )
    if not created:
        return session.seq
    audit.record(
        actor, "task.volunteered", row, assembly_id=session.assembly_id, after={"task": task}
    )
    return emit_in_session(session, _tasks_event(session))


@transaction.atomic
def step_down(actor: Any, session_id: int, task: str) -> int:
    session = lock_session(session_id)
    deleted, _rows = SessionTask.objects.filter(session=session, user=actor, task=task).delete()
    if not deleted:
        return session.seq
    audit.record(
        actor, "task.stepped_down", session, assembly_id=session.assembly_id, before={"task": task}
    )
    return emit_in_session(session, _tasks_event(session))


# --- Planning ------------------------------------------------------------------------------


@transaction.atomic
def plan_session(
    actor: Any,
    assembly: Assembly,
    *,
    title: str,
    starts_at: datetime,
    visibility: str,
    video_url: str = "",
    speaking_seconds: int | None = None,
    facilitators: list[int] | tuple[int, ...] = (),
    note_takers: list[int] | tuple[int, ...] = (),
    agenda: list[tuple[str, int]] | tuple[tuple[str, int], ...] = (),
) -> Session:
    if not permissions.can_plan_session(actor, assembly):
        raise Forbidden(_("Only members of this assembly can plan its sessions."))
    member_ids = set(
        Membership.objects.filter(assembly=assembly, role=Role.MEMBER).values_list(
            "user_id", flat=True
        )
    )
    strangers = (set(facilitators) | set(note_takers)) - member_ids
    if strangers:
        raise Invalid(
            _("Some fields are not valid."),
            {"facilitators": _("Tasks can only go to members of this assembly.")},
        )
    session = Session.objects.create(
        assembly=assembly,
        title=title.strip(),
        starts_at=starts_at,
        visibility=visibility,
        video_url=video_url,
        speaking_seconds=speaking_seconds or assembly.default_speaking_seconds,
        created_by=actor,
    )
    SessionTask.objects.bulk_create(
        [SessionTask(session=session, user_id=uid, task=Task.FACILITATOR) for uid in facilitators]
        + [SessionTask(session=session, user_id=uid, task=Task.NOTE_TAKER) for uid in note_takers]
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(session=session, title=t, minutes_budget=m, position=i)
            for i, (t, m) in enumerate(agenda, start=1)
        ]
    )
    audit.record(
        actor,
        "session.planned",
        session,
        assembly_id=assembly.pk,
        after={"title": session.title, "status": session.status},
    )
    return session


# --- Working groups ------------------------------------------------------------------------


@transaction.atomic
def join_group(actor: Any, group_id: int) -> bool:
    """Any member of the assembly may join one of its working groups. True when new."""
    group = WorkingGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("There is no such working group."))
    if not permissions.is_member(actor, group.assembly_id):
        raise Forbidden(_("Only members of this assembly can join its working groups."))
    _row, created = WorkingGroupMembership.objects.get_or_create(group=group, user=actor)
    if created:
        audit.record(
            actor, "group.joined", group, assembly_id=group.assembly_id, after={"member": actor.pk}
        )
    return created


@transaction.atomic
def leave_group(actor: Any, group_id: int) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    deleted, _rows = WorkingGroupMembership.objects.filter(group_id=group_id, user=actor).delete()
    if deleted:
        assembly_id = WorkingGroup.objects.filter(pk=group_id).values_list("assembly_id", flat=True)
        audit.record(
            actor,
            "group.left",
            ("workinggroup", group_id),
            assembly_id=assembly_id.get(),
            before={"member": actor.pk},
        )
    return deleted > 0


# --- People --------------------------------------------------------------------------------


INVITATION_DAYS = 14


@transaction.atomic
def create_invitation(actor: Any, assembly: Assembly, role: str = Role.MEMBER) -> Invitation:
    if not permissions.can_invite(actor, assembly):
        raise Forbidden(_("Only members can invite people to this assembly."))
    invitation = Invitation.objects.create(
        assembly=assembly,
        role=Role(role),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        actor,
        "people.invitation_created",
        invitation,
        assembly_id=assembly.pk,
        after={"role": invitation.role},
    )
    return invitation


def valid_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("assembly").filter(token=token).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.expires_at <= timezone.now() or invitation.uses >= invitation.max_uses:
        raise Conflict(_("This invitation link has expired. Ask a member for a new one."))
    return invitation


@transaction.atomic
def accept_invitation(actor: User, token: str) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    valid_invitation(token)
    membership, created = Membership.objects.get_or_create(
        assembly_id=invitation.assembly_id, user=actor, defaults={"role": invitation.role}
    )
    if created:
        invitation.uses += 1
        invitation.save(update_fields=["uses"])
        audit.record(
            actor,
            "people.invitation_accepted",
            membership,
            assembly_id=invitation.assembly_id,
            after={"member": actor.pk, "role": membership.role},
        )
    return membership


@transaction.atomic
def sign_up_with_invitation(
    token: str, *, username: str, display_name: str, password: str, language: str
) -> User:
    """Create an account for someone who has an invitation, and make them a member."""
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    valid_invitation(token)
    if User.objects.filter(username__iexact=username).exists():
        raise Invalid(_("Some fields are not valid."), {"username": _("This username is taken.")})
    user = User(username=username, display_name=display_name.strip(), language=language)
    user.set_password(password)
    user.save()
    membership = Membership.objects.create(
        assembly_id=invitation.assembly_id, user=user, role=invitation.role
    )
    invitation.uses += 1
    invitation.save(update_fields=["uses"])
    audit.record(
        user,
        "people.signed_up",
        membership,
        assembly_id=invitation.assembly_id,
        after={"member": user.pk, "role": membership.role},
    )
    return user


@transaction.atomic
def update_display_preferences(
    actor: User, *, font_size: str | None = None, contrast: str | None = None
) -> User:
    """Remember a member's font size and contrast; ``None`` leaves a setting as it is."""
    if font_size is not None and font_size not in User.FontSize.values:
        raise Invalid(_("There is no such font size."), {"font_size": font_size})
    if contrast is not None and contrast not in User.Contrast.values:
        raise Invalid(_("There is no such contrast setting."), {"contrast": contrast})
    fields: list[str] = []
    if font_size is not None:
        actor.font_size = font_size
        fields.append("font_size")
    if contrast is not None:
        actor.contrast = contrast
        fields.append("contrast")
    if fields:
        actor.save(update_fields=fields)
    return actor


@transaction.atomic
def update_profile(actor: User, *, display_name: str, language: str) -> User:
    old_name, old_language = actor.display_name, actor.language
    actor.display_name = display_name.strip()
    actor.language = User.Language(language)
    actor.save(update_fields=["display_name", "language"])
    # The log keeps that the name changed, never the name: the log cannot be edited,
    # and someone who leaves may ask for their name to disappear.
    before = {"language": old_language}
    after: dict[str, Any] = {"language": actor.language}
    if old_name != actor.display_name:
        after["display_name_changed"] = True
    if old_name != actor.display_name or old_language != actor.language:
        # How a person is named shows in every assembly they belong to.
        for assembly_id in Membership.objects.filter(user=actor).values_list(
            "assembly_id", flat=True
        ):
            audit.record(
                actor,
                "people.profile_updated",
                actor,
                assembly_id=assembly_id,
                before=before,
                after=after,
            )
    return actor
