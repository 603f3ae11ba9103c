"""Headings and field names of the human-readable "my data" page."""

from __future__ import annotations

import json
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SECTIONS: dict[str, Promise] = {
    "profile": _("Profile"),
    "memberships": _("Memberships"),
    "working_groups": _("Working groups"),
    "invitations_created": _("Invitation links you created"),
    "session_tasks": _("Facilitation and note-taking"),
    "attendance": _("Attendance"),
    "hands": _("Raised hands"),
    "speaking_turns": _("Speaking turns"),
    "minutes_written": _("Minutes you wrote"),
    "proposals": _("Proposals you started"),
    "coauthorships": _("Co-authorships"),
    "versions": _("Versions you wrote"),
    "amendments": _("Amendments"),
    "comments": _("Comments"),
    "comment_revisions": _("Earlier texts of your comments"),
    "reactions": _("Reactions"),
    "cosignatures": _("Co-signatures"),
    "moderation": _("Moderation steps you took"),
    "decisions_created": _("Questions you put to decision"),
    "stances": _("Your stances (open decisions)"),
    "secret_ballots": _("Secret decisions you took part in (how you decided is not linked to you)"),
    "records": _("Decisions you recorded in the register"),
    "audit": _("Your entries in the audit log"),
}

FIELDS: dict[str, Promise] = {
    "username": _("username"),
    "display_name": _("display name"),
    "first_name": _("first name"),
    "last_name": _("last name"),
    "email": _("email"),
    "language": _("language"),
    "date_joined": _("account made"),
    "last_login": _("last login"),
    "left_at": _("left on"),
    "pseudonymised": _("name replaced"),
    "assembly": _("assembly"),
    "role": _("role"),
    "joined_at": _("joined"),
    "group": _("working group"),
    "created_at": _("created"),
    "expires_at": _("expires"),
    "uses": _("uses"),
    "session": _("session"),
    "task": _("task"),
    "volunteered": _("volunteered"),
    "assigned_at": _("assigned"),
    "checked_in_at": _("checked in"),
    "kind": _("kind"),
    "raised_at": _("raised"),
    "state": _("state"),
    "ended_at": _("ended"),
    "started_at": _("started"),
    "agenda_item": _("agenda item"),
    "minutes_updated_at": _("last written"),
    "title": _("title"),
    "status": _("status"),
    "invited_at": _("invited"),
    "responded_at": _("answered"),
    "proposal": _("proposal"),
    "number": _("number"),
    "note": _("note"),
    "text": _("text"),
    "rationale": _("rationale"),
    "body": _("text"),
    "edited_at": _("edited"),
    "moderation": _("moderation"),
    "hidden_reason": _("reason for hiding"),
    "comment": _("comment"),
    "written_at": _("written"),
    "replaced_at": _("replaced"),
    "action": _("action"),
    "decision": _("decision"),
    "method": _("method"),
    "round": _("round"),
    "option": _("stance"),
    "ranking": _("ranking"),
    "reason": _("reason"),
    "cast_at": _("taken"),
    "updated_at": _("last changed"),
    "resolution": _("resolution"),
    "changes": _("earlier stances"),
    "ref": _("reference"),
    "recorded_at": _("recorded"),
    "at": _("when"),
    "object_type": _("object"),
    "object_id": _("object number"),
    "before": _("before"),
    "after": _("after"),
}


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _pairs(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(FIELDS.get(k, k)), _text(v)) for k, v in row.items()]


def readable(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export as headed sections of label/value lists, for the page."""
    sections = []
    for key, title in SECTIONS.items():
        value = data.get(key)
        rows = [value] if isinstance(value, dict) else list(value or [])
        sections.append({"key": key, "title": str(title), "rows": [_pairs(row) for row in rows]})
    return sections
