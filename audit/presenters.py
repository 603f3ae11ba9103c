"""What the audit pages show: the words for areas, actions, objects and fields in the
reader's language, and the rows of the log and of the stance trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from audit.models import Entry
from audit.selectors import TrailRow
from voting import domain as voting_domain
from voting import presenters as voting_presenters
from voting.models import Alternative, Decision

AREAS: dict[str, Promise] = {
    "session": _("Sessions"),
    "agenda": _("Agenda and minutes"),
    "queue": _("Speaker queue and timer"),
    "attendance": _("Attendance"),
    "task": _("Facilitation and note-taking"),
    "group": _("Working groups"),
    "people": _("People and invitations"),
    "proposal": _("Proposals"),
    "discussion": _("Discussion"),
    "decision": _("Decisions"),
    "followup": _("Follow-up"),
}

ACTIONS: dict[str, Promise] = {
    "session.planned": _("planned a session"),
    "session.started": _("started or resumed the session"),
    "session.adjourned": _("adjourned the session"),
    "session.closed": _("closed the session"),
    "agenda.item_added": _("added an agenda item"),
    "agenda.item_opened": _("opened an agenda item"),
    "agenda.item_moved": _("moved an agenda item"),
    "agenda.item_removed": _("removed an agenda item"),
    "agenda.minutes_saved": _("wrote the minutes"),
    "queue.hand_raised": _("asked to speak"),
    "queue.hand_lowered": _("lowered their hand"),
    "queue.next_speaker": _("gave the floor to the next speaker"),
    "queue.hand_moved": _("moved someone in the speaker queue"),
    "queue.timer_started": _("started the timer"),
    "queue.timer_stopped": _("stopped the timer"),
    "attendance.checked_in": _("checked in"),
    "task.volunteered": _("took on a task"),
    "task.stepped_down": _("stepped down from a task"),
    "group.joined": _("joined a working group"),
    "group.left": _("left a working group"),
    "people.invitation_created": _("created an invitation link"),
    "people.invitation_accepted": _("joined with an invitation"),
    "people.signed_up": _("made an account with an invitation"),
    "people.profile_updated": _("changed their profile"),
    "people.left": _("left the assembly"),
    "proposal.created": _("wrote a proposal"),
    "proposal.state_changed": _("changed the state of a proposal"),
    "proposal.coauthor_invited": _("invited a co-author"),
    "proposal.coauthor_responded": _("answered an invitation to co-author"),
    "proposal.version_created": _("saved a new version"),
    "proposal.amendment_proposed": _("proposed an amendment"),
    "proposal.amendment_accepted": _("accepted an amendment"),
    "proposal.amendment_declined": _("declined an amendment"),
    "proposal.amendment_promoted": _("put an amendment to a ranked decision"),
    "proposal.amendment_rebased": _("redid an amendment on another version"),
    "proposal.cosigned": _("co-signed a proposal"),
    "proposal.cosign_withdrawn": _("withdrew a co-signature"),
    "discussion.comment_added": _("commented"),
    "discussion.comment_edited": _("edited a comment"),
    "discussion.comment_hidden": _("hid a comment"),
    "discussion.moderation_answered": _("answered a moderation"),
    "discussion.restore_requested": _("asked for a comment to be restored"),
    "discussion.comment_restored": _("restored a comment"),
    "discussion.reacted": _("reacted to a comment"),
    "discussion.reaction_removed": _("took back a reaction"),
    "decision.created": _("put a question to decision"),
    "decision.round_opened": _("opened a round"),
    "decision.round_closed": _("closed a round"),
    "decision.dissent_resolved": _("resolved an objection"),
    "decision.recorded": _("recorded a decision in the register"),
    "followup.added": _("added a commitment to a decision"),
    "followup.carried": _("took on a commitment"),
    "followup.stepped_back": _("stepped back from a commitment"),
    "followup.updated": _("wrote an update on a commitment"),
}

OBJECTS: dict[str, Promise] = {
    "assembly": _("assembly"),
    "session": _("session"),
    "agendaitem": _("agenda item"),
    "hand": _("raised hand"),
    "attendance": _("check-in"),
    "sessiontask": _("task"),
    "workinggroup": _("working group"),
    "invitation": _("invitation"),
    "membership": _("membership"),
    "user": _("person"),
    "proposal": _("proposal"),
    "coauthor": _("co-authorship"),
    "version": _("version"),
    "amendment": _("amendment"),
    "comment": _("comment"),
    "reaction": _("reaction"),
    "cosignature": _("co-signature"),
    "decision": _("decision"),
    "round": _("round"),
    "stance": _("stance"),
    "record": _("register entry"),
    "commitment": _("commitment"),
}

FIELDS: dict[str, Promise] = {
    "status": _("status"),
    "state": _("state"),
    "title": _("title"),
    "position": _("position"),
    "kind": _("kind"),
    "member": _("member"),
    "role": _("role"),
    "task": _("task"),
    "seconds": _("seconds"),
    "characters": _("characters"),
    "number": _("number"),
    "version": _("version"),
    "outcome": _("outcome"),
    "closes_at": _("deadline"),
    "ref": _("reference"),
    "resolution": _("resolution"),
    "moderation": _("moderation"),
    "ready": _("ready for the agenda"),
    "display_name_changed": _("new display name"),
    "language": _("language"),
    "speaker": _("speaker"),
    "current_item": _("current agenda item"),
    "from_position": _("from position"),
    "to_position": _("to position"),
    "group": _("working group"),
    "proposal": _("proposal"),
    "method": _("method"),
    "pseudonymised": _("name replaced"),
    "due": _("due date"),
    "note": _("note"),
    "session": _("session"),
    "policy": _("policy"),
    "integrates": _("integrates an objection"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def object_label(object_type: str) -> str:
    return str(OBJECTS.get(object_type, object_type))


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))


def show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    return str(value)


# --- Rows of the log and of the stance trail ------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def changes(entry: Entry) -> list[Change]:
    keys = list(dict.fromkeys([*entry.before, *entry.after]))
    return [
        Change(
            field=field_label(k),
            before=show(entry.before.get(k)),
            after=show(entry.after.get(k)),
        )
        for k in keys
    ]


def entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "entry": entry,
        "actor": entry.actor.public_name if entry.actor is not None else None,
        "action": action_label(entry.action),
        "object": object_label(entry.object_type),
        "changes": changes(entry),
    }


def with_labels(rows: Iterable[TrailRow]) -> list[TrailRow]:
    """Put the options' words on the rows of one page (alternatives in one query)."""
    rows = list(rows)
    ranked = {r.decision.pk for r in rows if r.ranking}
    titles = {
        (decision_id, key): title
        for decision_id, key, title in Alternative.objects.filter(
            decision_id__in=ranked
        ).values_list("decision_id", "key", "title")
    }

    def word(decision: Decision, key: str) -> str:
        if key == voting_domain.STATUS_QUO:
            return str(voting_presenters.STATUS_QUO_LABEL)
        if (decision.pk, key) in titles:
            return titles[(decision.pk, key)]
        return voting_presenters.option_label(decision.method, key)

    return [
        row
        if row.secret
        else replace(
            row,
            option=" > ".join(word(row.decision, k) for k in row.ranking)
            if row.ranking
            else word(row.decision, row.option_key),
        )
        for row in rows
    ]
