"""Reads shaped for pages, the API and live snapshots."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models import Count, Max, Q
from django.utils import timezone

from assembly import domain, permissions
from assembly.models import (
    AgendaItem,
    Assembly,
    Attendance,
    Hand,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    SpeakingTurn,
    Task,
    User,
    Visibility,
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Parts of the live state -----------------------------------------------------------


def agenda_rows(session: Session) -> list[dict[str, Any]]:
    """The agenda of a session, each item with what each role may do to it."""
    items = AgendaItem.objects.filter(session_id=session.pk).select_related("proposal")
    return [
        {
            "id": item.pk,
            "title": item.title,
            "description": item.description,
            "status": item.status,
            "minutes": item.minutes,
            "minutes_budget": item.minutes_budget,
            "proposal": (
                {"id": item.proposal.pk, "title": item.proposal.title} if item.proposal else None
            ),
            "commitment": item.commitment_id,
            "record": item.record_id,
            "actions": permissions.agenda_item_actions(
                session.status,
                item.status,
                bool(item.minutes),
                item.pk == session.current_item_id,
                item.proposal_id is not None,
            ),
        }
        for item in items
    ]


def live_actions(session: Session) -> dict[str, Any]:
    """What a change of the session's status changes in what each role may do: in the
    session, to each agenda item and to each decision (sent with ``session.*`` events)."""
    return {
        "actions": permissions.session_actions(session.status),
        "agenda": agenda_rows(session),
        "decision_actions": {str(d["id"]): d["actions"] for d in decisions_for_session(session.pk)},
    }


def waiting_hands(session_id: int) -> list[Hand]:
    return list(
        Hand.objects.filter(session_id=session_id, state=Hand.State.WAITING).select_related(
            "member"
        )
    )


def members_who_spoke(session_id: int) -> set[int]:
    return set(
        SpeakingTurn.objects.filter(session_id=session_id).values_list("member_id", flat=True)
    )


def ordered_hands(session_id: int) -> list[Hand]:
    """Waiting hands in speaking order (the rule is :func:`assembly.domain.order_queue`)."""
    hands = waiting_hands(session_id)
    by_member = {hand.member_id: hand for hand in hands}
    ordered = domain.order_queue(
        (
            domain.Hand(
                member=hand.member_id,
                kind=domain.HandKind(hand.kind),
                raised_at=hand.raised_at,
                pinned=hand.pinned,
                pinned_at=hand.pinned_at,
            )
            for hand in hands
        ),
        members_who_spoke(session_id),
    )
    return [by_member[h.member] for h in ordered]


def queue_state(session: Session) -> dict[str, Any]:
    hands = ordered_hands(session.pk)
    turns = list(SpeakingTurn.objects.filter(session_id=session.pk).select_related("member"))
    current = next((t for t in turns if t.ended_at is None), None)
    totals = domain.speaking_totals(
        (domain.Turn(t.member_id, t.started_at, t.ended_at) for t in turns if t.ended_at),
        timezone.now(),
    )
    return {
        "queue": [
            {
                "member": hand.member_id,
                "name": hand.member.public_name,
                "kind": hand.kind,
                "raised_at": iso(hand.raised_at),
                "moved": hand.pinned is not None,
            }
            for hand in hands
        ],
        "speaker": (
            {
                "member": current.member_id,
                "name": current.member.public_name,
                "kind": current.kind,
                "raised_at": iso(current.raised_at),
                "started_at": iso(current.started_at),
            }
            if current
            else None
        ),
        "timer": {"ends_at": iso(session.timer_ends_at), "seconds": session.timer_seconds},
        "totals": {str(member): seconds for member, seconds in sorted(totals.items())},
    }


#: ``presence.changed`` names the latest arrivals only, never everyone present: at a city's
#: assembly the names of all present would be most of every such frame. A screen that
#: meets an id it has no name for asks ``GET /api/v1/sessions/<id>/people/``.
ARRIVALS_NAMED = 50


def presence(session_id: int) -> dict[str, list[int]]:
    """Who is present, in check-in order: ids only (the snapshot carries no names)."""
    rows = (
        Attendance.objects.filter(session_id=session_id)
        .order_by("checked_in_at", "member_id")
        .values_list("member_id", flat=True)
    )
    return {"present": list(rows)}


def presence_changed(session_id: int) -> dict[str, Any]:
    """The data of ``presence.changed``: who is present, and the names of the latest
    :data:`ARRIVALS_NAMED` to check in (those the screens are most likely not to know)."""
    present = presence(session_id)["present"]
    return {"present": present, "arrived": names_of(present[-ARRIVALS_NAMED:])}


def _names(people: models.QuerySet[User]) -> dict[str, str]:
    """Public names by id (as text, the way JSON keys are), in one query, no models."""
    name_from = User.name_from
    return {str(row[0]): name_from(*row) for row in people.values_list(*User.NAME_FIELDS)}


def names_of(ids: Iterable[int]) -> dict[str, str]:
    wanted = set(ids)
    return _names(User.objects.filter(pk__in=wanted)) if wanted else {}


def people_names(session_id: int) -> dict[str, str]:
    """The names a live screen of the session may show: everyone checked in, holding a
    task, or who raised a hand or spoke in it."""
    return _names(
        User.objects.filter(
            Q(pk__in=Attendance.objects.filter(session_id=session_id).values("member_id"))
            | Q(pk__in=SessionTask.objects.filter(session_id=session_id).values("user_id"))
            | Q(pk__in=Hand.objects.filter(session_id=session_id).values("member_id"))
            | Q(pk__in=SpeakingTurn.objects.filter(session_id=session_id).values("member_id"))
        )
    )


def tasks(session_id: int) -> dict[str, list[int]]:
    rows = SessionTask.objects.filter(session_id=session_id).order_by("assigned_at", "user_id")
    return {
        "facilitators": [r.user_id for r in rows if r.task == Task.FACILITATOR],
        "note_takers": [r.user_id for r in rows if r.task == Task.NOTE_TAKER],
    }


def decisions_for_session(session_id: int) -> list[dict[str, Any]]:
    # Decisions build on sessions; the import is here so that assembly does not need voting
    # to load.
    from voting.selectors import decisions_for_session as decisions

    return decisions(session_id)


def agenda_proposals(session: Session) -> list[tuple[int, str, bool]]:
    """Proposals an agenda item of ``session`` may link to: ``(id, title, ready)``, the ones
    co-signed enough to be ready for the agenda first."""
    from proposals.models import Proposal

    rows = Proposal.objects.filter(assembly_id=session.assembly_id).exclude(
        state__in=["draft", "withdrawn"]
    )
    return sorted(
        ((p.pk, p.title, p.ready_at is not None) for p in rows),
        key=lambda row: (not row[2], row[1].casefold()),
    )


def agenda_reviews(session: Session) -> dict[str, list[Any]]:
    """What the assembly should look at again, offered when the agenda is planned: open
    commitments, overdue ones first (``[id, title, overdue]``), and adopted decisions whose
    review date has come (``[id, "2026/3 title"]``)."""
    from followup import selectors as followup_selectors
    from followup.domain import is_overdue
    from followup.models import Commitment

    today = timezone.localdate()
    open_ones = Commitment.objects.filter(
        assembly_id=session.assembly_id, status__in=followup_selectors.OPEN
    )
    followups = sorted(
        ([c.pk, c.title, is_overdue(c.due, c.status, today)] for c in open_ones),
        key=lambda row: (not row[2], str(row[1]).casefold()),
    )
    records = [
        [r.pk, f"{r.ref} {r.title}"]
        for r in followup_selectors.due_for_review(session.assembly_id, today)
    ]
    return {"followups": followups, "records": records}


def agenda_proposal_ids(session: Session) -> set[int]:
    return {pk for pk, _title, _ready in agenda_proposals(session)}


def decisions_in_progress(assembly: Assembly, user: Any) -> list[Any]:
    from voting.selectors import decisions_in_progress as in_progress

    return in_progress(assembly.pk, user)


#: The account fields a live socket needs (names, language, the checks of a login), in
#: the model's order, as ``Model.from_db`` expects them.
READER_FIELDS = tuple(
    f.attname
    for f in User._meta.concrete_fields
    if f.attname
    in {"id", "password", "is_active", "is_staff", "is_superuser", "language", *User.NAME_FIELDS}
)

_READER_BOOLEANS = {
    name for name in READER_FIELDS if isinstance(User._meta.get_field(name), models.BooleanField)
}


def readers(
    session_id: int, user_ids: Collection[int]
) -> tuple[str, dict[int, tuple[str | None, User]]] | None:
    """For sockets joining a session together, in one statement: the session's visibility
    and, for each of ``user_ids`` that has an account, their role in its assembly (None:
    not a member) and the account. None when there is no such session.

    Hand-written SQL: thousands of sockets may join within a second, and the ORM's
    compile-and-build cost was most of a join's.
    """
    low, high = connection.ops.integer_field_range(Session._meta.pk.get_internal_type())
    if not low <= session_id <= high:
        return None  # as the ORM answers out-of-range ids: no such row (SQLite would raise)
    ids: list[int | None] = [*sorted({int(pk) for pk in user_ids if low <= int(pk) <= high})]
    if not ids:
        ids = [None]  # matches no account: the session's row alone
    q = connection.ops.quote_name
    columns = ", ".join(f"u.{q(name)}" for name in READER_FIELDS)
    sql = (
        f"SELECT s.{q('visibility')}, m.{q('role')}, {columns} "  # noqa: S608
        f"FROM {q(Session._meta.db_table)} s "
        f"LEFT JOIN {q(User._meta.db_table)} u ON u.{q('id')} IN ({', '.join(['%s'] * len(ids))}) "
        f"LEFT JOIN {q(Membership._meta.db_table)} m "
        f"ON m.{q('assembly_id')} = s.{q('assembly_id')} AND m.{q('user_id')} = u.{q('id')} "
        f"WHERE s.{q('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, session_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    accounts: dict[int, tuple[str | None, User]] = {}
    for _visibility, role, *values in rows:
        if values[0] is None:
            continue  # none of the ids has an account
        values = [
            bool(v) if name in _READER_BOOLEANS else v
            for name, v in zip(READER_FIELDS, values, strict=True)
        ]
        # The other fields are deferred: Django loads them if anything asks.
        accounts[values[0]] = (role, User.from_db(connection.alias, list(READER_FIELDS), values))
    return rows[0][0], accounts


def session_by_id(session_id: int) -> Session | None:
    return Session.objects.select_related("assembly").filter(pk=session_id).first()


def session_state(session: Session, user: Any = None) -> dict[str, Any]:
    """The whole state of a live session: the first socket frame and the resync body."""
    user_id = int(user.pk) if user is not None and user.is_authenticated else None
    role = None
    if user_id is not None:
        role = (
            Membership.objects.filter(assembly_id=session.assembly_id, user_id=user_id)
            .values_list("role", flat=True)
            .first()
        )
    state = shared_state(session)
    state["you"] = permissions.you(state, user_id, role)
    return state


def shared_state(session: Session) -> dict[str, Any]:
    """Everything of :func:`session_state` but ``you``: the same for every reader, so a
    server may build it once and share it between the sockets that join."""
    return {
        "seq": session.seq,
        "session": {
            "id": session.pk,
            "title": session.title,
            "status": session.status,
            "visibility": session.visibility,
            "starts_at": iso(session.starts_at),
            "video_url": session.video_url,
            "speaking_seconds": session.speaking_seconds,
            # What each role may do in the session now (assembly.permissions.COMMANDS).
            "actions": permissions.session_actions(session.status),
            "assembly": {
                "id": session.assembly_id,
                "slug": session.assembly.slug,
                "name": session.assembly.name,
            },
        },
        "agenda": agenda_rows(session),
        "current_item": session.current_item_id,
        "queue": queue_state(session),
        **presence(session.pk),
        **tasks(session.pk),
        "decisions": decisions_for_session(session.pk),
    }


# --- Pages -------------------------------------------------------------------------


def assemblies_for(user: Any) -> list[Assembly]:
    if not user.is_authenticated:
        return list(Assembly.objects.filter(is_public=True))
    return list(Assembly.objects.filter(Q(is_public=True) | Q(memberships__user=user)).distinct())


def sessions_for_assembly(assembly: Assembly, user: Any) -> list[Session]:
    qs = Session.objects.filter(assembly=assembly).order_by("-starts_at")
    from assembly.permissions import membership_role

    if membership_role(user, assembly.pk) is None:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return list(qs)


def upcoming_and_live(user: Any) -> list[Session]:
    assemblies = assemblies_for(user)
    from assembly.permissions import membership_role

    sessions: list[Session] = []
    for assembly in assemblies:
        qs = Session.objects.filter(
            assembly=assembly,
            status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE, SessionStatus.ADJOURNED],
        ).select_related("assembly")
        if membership_role(user, assembly.pk) is None:
            qs = qs.filter(visibility=Visibility.PUBLIC)
        sessions.extend(qs)
    return sorted(sessions, key=lambda s: (s.status != SessionStatus.LIVE, s.starts_at))


def members_of(assembly: Assembly) -> list[Membership]:
    return list(
        Membership.objects.filter(assembly=assembly)
        .select_related("user")
        .order_by("role", "user__display_name", "user__username")
    )


def facilitator_suggestions(assembly: Assembly, count: int = 5) -> list[domain.Candidate]:
    """Members by rotation: who facilitated least recently (or never) first."""
    rows = (
        User.objects.filter(memberships__assembly=assembly, memberships__role=Role.MEMBER)
        .annotate(
            last=Max(
                "session_tasks__session__starts_at",
                filter=Q(
                    session_tasks__task=Task.FACILITATOR,
                    session_tasks__session__assembly=assembly,
                ),
            ),
            times=Count(
                "session_tasks",
                filter=Q(
                    session_tasks__task=Task.FACILITATOR,
                    session_tasks__session__assembly=assembly,
                ),
            ),
        )
        .distinct()
    )
    candidates = [domain.Candidate(u.pk, u.public_name, u.last, u.times) for u in rows]
    return domain.suggest_facilitators(candidates, count)
