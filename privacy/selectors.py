"""Everything Ortak keeps about one person, for the "my data" page and its JSON download.

Secret ballots are left out by design: the ballot keeps no link to the person, so it
cannot be found again; only that they took part (the round) is theirs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings

from assembly.models import (
    AgendaItem,
    Attendance,
    Hand,
    Invitation,
    Membership,
    SessionTask,
    SpeakingTurn,
    User,
    WorkingGroupMembership,
)
from audit.models import Entry
from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Reaction,
    Version,
)
from proposals.rendering import render_markdown
from voting.models import Decision, Participation, Record, Stance

FORMAT_VERSION = 1


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def my_data(user: User) -> dict[str, Any]:
    """The export: one dict of sections, each a list of plain JSON rows."""
    return {
        "format": FORMAT_VERSION,
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "left_at": _when(user.left_at),
            "pseudonymised": user.pseudonymised,
        },
        "memberships": [
            {"assembly": m.assembly.name, "role": m.role, "joined_at": _when(m.joined_at)}
            for m in Membership.objects.filter(user=user).select_related("assembly")
        ],
        "working_groups": [
            {
                "group": g.group.name,
                "assembly": g.group.assembly.name,
                "joined_at": _when(g.joined_at),
            }
            for g in WorkingGroupMembership.objects.filter(user=user).select_related(
                "group__assembly"
            )
        ],
        "invitations_created": [
            {
                "assembly": i.assembly.name,
                "role": i.role,
                "created_at": _when(i.created_at),
                "expires_at": _when(i.expires_at),
                "uses": i.uses,
            }
            for i in Invitation.objects.filter(created_by=user).select_related("assembly")
        ],
        "session_tasks": [
            {
                "session": t.session.title,
                "task": t.task,
                "volunteered": t.volunteered,
                "assigned_at": _when(t.assigned_at),
            }
            for t in SessionTask.objects.filter(user=user).select_related("session")
        ],
        "attendance": [
            {"session": a.session.title, "checked_in_at": _when(a.checked_in_at)}
            for a in Attendance.objects.filter(member=user).select_related("session")
        ],
        "hands": [
            {
                "session": h.session.title,
                "kind": h.kind,
                "raised_at": _when(h.raised_at),
                "state": h.state,
                "ended_at": _when(h.ended_at),
            }
            for h in Hand.objects.filter(member=user).select_related("session")
        ],
        "speaking_turns": [
            {
                "session": t.session.title,
                "kind": t.kind,
                "started_at": _when(t.started_at),
                "ended_at": _when(t.ended_at),
            }
            for t in SpeakingTurn.objects.filter(member=user).select_related("session")
        ],
        "minutes_written": [
            {
                "session": i.session.title,
                "agenda_item": i.title,
                "minutes_updated_at": _when(i.minutes_updated_at),
            }
            for i in AgendaItem.objects.filter(minutes_updated_by=user).select_related("session")
        ],
        "proposals": [
            {"title": p.title, "state": p.state, "created_at": _when(p.created_at)}
            for p in Proposal.objects.filter(created_by=user)
        ],
        "coauthorships": [
            {
                "proposal": c.proposal.title,
                "status": c.status,
                "invited_at": _when(c.invited_at),
                "responded_at": _when(c.responded_at),
            }
            for c in CoAuthor.objects.filter(user=user).select_related("proposal")
        ],
        "versions": [
            {
                "proposal": v.proposal.title,
                "number": v.number,
                "note": v.note,
                "text": v.text,
                "created_at": _when(v.created_at),
            }
            for v in Version.objects.filter(author=user).select_related("proposal")
        ],
        "amendments": [
            {
                "proposal": a.proposal.title,
                "status": a.status,
                "rationale": a.rationale,
                "text": a.text,
                "created_at": _when(a.created_at),
            }
            for a in Amendment.objects.filter(author=user).select_related("proposal")
        ],
        "comments": [
            {
                "proposal": c.proposal.title,
                "kind": c.kind,
                "body": c.body,
                "created_at": _when(c.created_at),
                "edited_at": _when(c.edited_at),
                "moderation": c.moderation,
                "hidden_reason": c.hidden_reason,
            }
            for c in Comment.objects.filter(author=user).select_related("proposal")
        ],
        "comment_revisions": [
            {
                "comment": r.comment_id,
                "kind": r.kind,
                "body": r.body,
                "written_at": _when(r.written_at),
                "replaced_at": _when(r.replaced_at),
            }
            for r in CommentRevision.objects.filter(comment__author=user)
        ],
        "reactions": [
            {"comment": r.comment_id, "kind": r.kind, "created_at": _when(r.created_at)}
            for r in Reaction.objects.filter(member=user)
        ],
        "cosignatures": [
            {"proposal": c.proposal.title, "created_at": _when(c.created_at)}
            for c in CoSignature.objects.filter(member=user).select_related("proposal")
        ],
        "moderation": [
            {
                "comment": m.comment_id,
                "action": m.action,
                "note": m.note,
                "created_at": _when(m.created_at),
            }
            for m in ModerationEvent.objects.filter(actor=user)
        ],
        "decisions_created": [
            {"title": d.title, "method": d.method, "created_at": _when(d.created_at)}
            for d in Decision.objects.filter(created_by=user)
        ],
        "stances": [
            {
                "decision": s.round.decision.title,
                "round": s.round.number,
                "option": s.option,
                "ranking": s.ranking,
                "reason": s.reason,
                "cast_at": _when(s.cast_at),
                "updated_at": _when(s.updated_at),
                "resolution": s.resolution,
                "changes": [
                    {
                        "option": c.option,
                        "ranking": c.ranking,
                        "reason": c.reason,
                        "cast_at": _when(c.cast_at),
                    }
                    for c in s.changes.order_by("cast_at", "id")
                ],
            }
            for s in Stance.objects.filter(member=user)
            .select_related("round__decision")
            .prefetch_related("changes")
        ],
        "secret_ballots": [
            {"decision": p.round.decision.title, "round": p.round.number}
            for p in Participation.objects.filter(member=user).select_related("round__decision")
        ],
        "records": [
            {"ref": r.ref, "title": r.title, "recorded_at": _when(r.recorded_at)}
            for r in Record.objects.filter(recorded_by=user)
        ],
        "audit": [
            {
                "at": _when(e.at),
                "assembly": e.assembly.name,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "before": e.before,
                "after": e.after,
            }
            for e in Entry.objects.filter(actor=user)
            .select_related("assembly")
            .order_by("at", "id")
        ],
    }


def records_naming(user: User) -> list[Record]:
    """Register entries whose dissent names ``user``. Only open decisions name people, and
    a named objection always comes from one of the person's stances."""
    candidates = Record.objects.filter(decision__rounds__stances__member=user).distinct()
    return [
        r
        for r in candidates
        if _names(r.dissent, user.pk)
        or any(_names(x.get("dissent", []), user.pk) for x in r.rounds)
    ]


def _names(dissent: list[dict[str, Any]], user_id: int) -> bool:
    return any(d.get("member") == user_id for d in dissent)


@functools.cache
def notice_html() -> str:
    """docs/privacy.md as safe HTML (the same Markdown rendering as proposals)."""
    path = Path(settings.BASE_DIR) / "docs" / "privacy.md"
    return render_markdown(path.read_text(encoding="utf-8"))
