"""The access gates of assemblies and sessions. No other module decides access."""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _

from assembly.models import (
    Assembly,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    Task,
    Visibility,
)
from common.errors import Forbidden, NotFound


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


def can_volunteer(user: Any, session: Session) -> bool:
    return session.status != SessionStatus.CLOSED and is_member(user, session.assembly_id)


# --- Gates that raise -----------------------------------------------------------------


def refuse(user: Any, session: Session, reason: str) -> NoReturn:
    """A gate's refusal: to someone who may not even see the session, that there is no
    such session (whether a members-only session exists is not told, as its pages do);
    to everyone else, the gate's own reason."""
    if not can_view_session(user, session):
        raise NotFound(_("There is no such session."))
    raise Forbidden(reason)


def require_participant(user: Any, session: Session) -> None:
    if not can_take_part(user, session):
        refuse(user, session, _("You are watching only; you cannot ask to speak."))


def require_facilitator(user: Any, session: Session) -> None:
    if not is_facilitator(user, session):
        refuse(user, session, _("Only facilitators can do this."))


def require_note_taker(user: Any, session: Session) -> None:
    if not can_take_notes(user, session):
        refuse(user, session, _("Only the note-taker and facilitators can write the minutes."))
