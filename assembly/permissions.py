"""The access gates of assemblies and sessions. No other module decides access."""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _

from assembly import domain
from assembly.models import (
    AgendaStatus,
    Assembly,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    Task,
    Visibility,
)
from common.errors import Conflict, Forbidden, NotFound


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def membership_role(user: Any, assembly_id: int) -> str | None:
    uid = _user_id(user)
    if uid is None:
        return None
    return (
        Membership.objects.filter(assembly_id=assembly_id, user_id=uid)
        .values_list("role", flat=True)
        .first()
    )


def is_member(user: Any, assembly_id: int) -> bool:
    return membership_role(user, assembly_id) == Role.MEMBER


# --- Assemblies -------------------------------------------------------------------


def can_view_assembly(user: Any, assembly: Assembly) -> bool:
    return assembly.is_public or membership_role(user, assembly.pk) is not None


def get_assembly_for_user(user: Any, slug: str) -> Assembly:
    assembly = Assembly.objects.filter(slug=slug).first()
    if assembly is None or not can_view_assembly(user, assembly):
        raise NotFound(_("There is no such assembly."))
    return assembly


def can_invite(user: Any, assembly: Assembly) -> bool:
    return is_member(user, assembly.pk)


def can_plan_session(user: Any, assembly: Assembly) -> bool:
    return is_member(user, assembly.pk)


# --- Sessions ---------------------------------------------------------------------


def can_view_session(user: Any, session: Session) -> bool:
    if session.visibility == Visibility.PUBLIC:
        return True
    return membership_role(user, session.assembly_id) is not None


def may_view_session(visibility: str, role: str | None) -> bool:
    """:func:`can_view_session` for a reader whose role is already known."""
    return visibility == Visibility.PUBLIC or role is not None


def get_session_for_user(user: Any, session_id: int) -> Session:
    session = Session.objects.select_related("assembly").filter(pk=session_id).first()
    if session is None or not can_view_session(user, session):
        raise NotFound(_("There is no such session."))
    return session


def can_take_part(user: Any, session: Session) -> bool:
    """Members act (raise hands, check in); observers and visitors only watch."""
    return is_member(user, session.assembly_id)


def has_task(user: Any, session: Session, task: str) -> bool:
    uid = _user_id(user)
    if uid is None:
        return False
    return SessionTask.objects.filter(session_id=session.pk, user_id=uid, task=task).exists()


def is_facilitator(user: Any, session: Session) -> bool:
    return has_task(user, session, Task.FACILITATOR) and is_member(user, session.assembly_id)


def can_take_notes(user: Any, session: Session) -> bool:
    uid = _user_id(user)
    if uid is None or not is_member(user, session.assembly_id):
        return False
    return SessionTask.objects.filter(session_id=session.pk, user_id=uid).exists()


# --- What each reader may do in a live session ------------------------------------------

#: Who a reader is in a live session, each able to do all the one before may: ``watcher``
#: (an observer, a visitor), ``member`` (takes part), ``note_taker`` (also writes the
#: minutes), ``facilitator`` (also runs the session). Facilitators take notes too.
ROLES = ("watcher", "member", "note_taker", "facilitator")
_RANK = {role: rank for rank, role in enumerate(ROLES)}

_LIVE = frozenset({SessionStatus.LIVE.value})
_NOT_CLOSED = frozenset(s.value for s in SessionStatus if s != SessionStatus.CLOSED)
_ANY = frozenset(s.value for s in SessionStatus)


def _moves(*actions: domain.SessionAction) -> frozenset[str]:
    """The statuses a session may be in for one of ``actions`` (domain.TRANSITIONS)."""
    return frozenset(str(src) for (src, action) in domain.TRANSITIONS if action in actions)


#: Every live command: the least role that may send it and the session statuses in which
#: it may be sent. The one home of these rules: the services refuse by it (:func:`require`)
#: and the live screen shows the buttons it allows (:func:`session_actions`).
COMMANDS: dict[str, tuple[str, frozenset[str]]] = {
    "hand.raise": ("member", _LIVE),
    "hand.lower": ("member", _ANY),
    "attendance.check_in": ("member", _NOT_CLOSED),
    "task.volunteer": ("member", _NOT_CLOSED),
    "minutes.save": ("note_taker", _NOT_CLOSED),
    "queue.next": ("facilitator", _LIVE),
    "queue.move": ("facilitator", _LIVE),
    "timer.start": ("facilitator", _LIVE),
    "timer.stop": ("facilitator", _ANY),
    "agenda.open": ("facilitator", _LIVE),
    "agenda.add": ("facilitator", _NOT_CLOSED),
    "agenda.move": ("facilitator", _NOT_CLOSED),
    "agenda.remove": ("facilitator", _NOT_CLOSED),
    "decision.create": ("facilitator", _NOT_CLOSED),
    "session.start": (
        "facilitator",
        _moves(domain.SessionAction.START, domain.SessionAction.RESUME),
    ),
    "session.adjourn": ("facilitator", _moves(domain.SessionAction.ADJOURN)),
    "session.close": ("facilitator", _moves(domain.SessionAction.CLOSE)),
}


def session_actions(status: str) -> dict[str, list[str]]:
    """What each role may do in a session in ``status``, as live command names."""
    return {
        role: [
            command
            for command, (least, statuses) in COMMANDS.items()
            if status in statuses and _RANK[role] >= _RANK[least]
        ]
        for role in ROLES
    }


def agenda_item_actions(
    status: str, item_status: str, has_minutes: bool, is_current: bool, has_proposal: bool
) -> dict[str, list[str]]:
    """What each role may do to one agenda item: open it (not the one open now), move it,
    remove it (only one not yet discussed), bring its proposal to a decision."""
    allowed = session_actions(status)["facilitator"]
    item: list[str] = []
    if "agenda.open" in allowed and not is_current:
        item.append("agenda.open")
    if "agenda.move" in allowed:
        item.append("agenda.move")
    if "agenda.remove" in allowed and item_status == AgendaStatus.PENDING and not has_minutes:
        item.append("agenda.remove")
    if "decision.create" in allowed and has_proposal:
        item.append("decision.create")
    return {"watcher": [], "member": [], "note_taker": [], "facilitator": item}


def you(shared: dict[str, Any], user_id: int | None, role: str | None) -> dict[str, Any]:
    """The reader's own part of a session's state: who they are and their role in it,
    from the shared part and their membership role in the assembly."""
    participant = role == Role.MEMBER
    facilitator = participant and user_id in shared["facilitators"]
    note_taker = participant and (user_id in shared["note_takers"] or facilitator)
    return {
        "member": user_id if role is not None else None,
        "participant": participant,
        "facilitator": facilitator,
        "note_taker": note_taker,
        "role": "facilitator"
        if facilitator
        else "note_taker"
        if note_taker
        else "member"
        if participant
        else "watcher",
    }


def task_roles(session: Session, facilitators: list[int], note_takers: list[int]) -> dict[str, str]:
    """The role each task holder has (by user id), as :func:`you` would give it: sent with
    a change of tasks, so that a screen learns its reader's new role from the server."""
    members = set(
        Membership.objects.filter(
            assembly_id=session.assembly_id,
            role=Role.MEMBER,
            user_id__in=[*facilitators, *note_takers],
        ).values_list("user_id", flat=True)
    )
    roles = {str(pk): "note_taker" for pk in note_takers if pk in members}
    roles.update({str(pk): "facilitator" for pk in facilitators if pk in members})
    return roles


def session_role(user: Any, session: Session) -> str:
    """:func:`you`'s role, read from the database."""
    if is_facilitator(user, session):
        return "facilitator"
    if can_take_notes(user, session):
        return "note_taker"
    return "member" if can_take_part(user, session) else "watcher"


_REFUSALS = {
    "member": lambda: _("You are watching only; you cannot ask to speak."),
    "note_taker": lambda: _("Only the note-taker and facilitators can write the minutes."),
    "facilitator": lambda: _("Only facilitators can do this."),
}


def require(user: Any, session: Session, command: str) -> None:
    """``command`` may be sent by ``user`` now: their role (else refused, or told there is
    no such session), then the session's status (else a conflict)."""
    least, statuses = COMMANDS[command]
    if _RANK[session_role(user, session)] < _RANK[least]:
        refuse(user, session, _REFUSALS[least]())
    if session.status not in statuses:
        if statuses == _LIVE:
            raise Conflict(_("The session is not live."))
        if statuses == _NOT_CLOSED:
            raise Conflict(_("This session is closed."))
        raise Conflict(
            _("This cannot be done while the session is %(status)s.")
            % {"status": SessionStatus(session.status).label}
        )


# --- Gates that raise -----------------------------------------------------------------


def refuse(user: Any, session: Session, reason: str) -> NoReturn:
    """A gate's refusal: to someone who may not even see the session, that there is no
    such session (whether a members-only session exists is not told, as its pages do);
    to everyone else, the gate's own reason."""
    if not can_view_session(user, session):
        raise NotFound(_("There is no such session."))
    raise Forbidden(reason)
