"""What the pages and the live screen show of proposals: the proposal page's context (its
text, versions, amendments, discussion and forms), the buttons a person may press (from
:mod:`proposals.permissions`) and the live screen's panel. Presenters read selectors and
permissions, never services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assembly import selectors as assembly_selectors
from assembly.models import Assembly, Role
from common.errors import ServiceError
from proposals import domain, permissions, selectors
from proposals.forms import (
    AmendmentForm,
    CommentEditForm,
    CommentForm,
    CompareForm,
    DeclineForm,
    InviteForm,
    NoteForm,
    ReasonForm,
    RebaseForm,
    VersionForm,
    paragraph_choices,
)
from proposals.models import (
    Amendment,
    CommentKind,
    CommentRevision,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
    Version,
)
from proposals.rendering import diff_counts as _diff_counts
from proposals.rendering import marked_diff, render_markdown

Bound = dict[str, forms.Form]

#: How many of the latest comments the live screen shows.
LIVE_COMMENTS = 8


def _uid(user: Any) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def list_context(user: Any, assembly: Assembly, state: str | None) -> dict[str, Any]:
    """The assembly's proposals that ``user`` may read, by state, with those ready for the
    agenda and the next session they could go to."""
    if state not in {s.value for s in State}:
        state = None
    rows = list(
        selectors.proposal_list(user, assembly=assembly.slug, state=state).select_related(
            "working_group"
        )
    )
    counts = selectors.cosign_counts(rows)
    suggestions = selectors.agenda_suggestions(assembly)
    readable = {p.pk for p in rows}
    return {
        "assembly": assembly,
        "rows": [
            {"proposal": p, "state_label": State(p.state).label, "cosigns": counts.get(p.pk, 0)}
            for p in rows
        ],
        "states": State.choices,
        "state": state,
        "ready": [p for p in suggestions["proposals"] if p.pk in readable],
        "next_session": suggestions["session"],
        "can_create": permissions.can_create_proposal(user, assembly.pk),
        "threshold": assembly.cosign_threshold,
    }


def paragraphs(text: str) -> list[dict[str, Any]]:
    """The text cut where comments anchor (``domain.paragraphs``), each rendered alone."""
    return [
        {"index": i, "number": i + 1, "html": mark_safe(render_markdown(p))}  # noqa: S308
        for i, p in enumerate(domain.paragraphs(text))
    ]


def reactions(comment: dict[str, Any], can_react: bool) -> list[dict[str, Any]]:
    labels = dict(Reaction.Kind.choices)
    return [
        {
            "kind": kind,
            "label": labels.get(kind, kind),
            "count": comment["reactions"].get(kind, 0),
            "pressed": comment["my_reaction"] == kind,
        }
        for kind in domain.REACTIONS
        if can_react or comment["reactions"].get(kind, 0)
    ]


class Discussion:
    """Decorates the selector's comment dicts with what the page needs to draw them."""

    def __init__(
        self,
        user: Any,
        proposal: Proposal,
        bound: Bound,
        current: Version,
        can: permissions.Actions,
    ) -> None:
        self.user = user
        self.proposal = proposal
        self.bound = bound
        self.current = current
        self.uid = _uid(user)
        self.can_comment = can.comment
        self.can_react = can.react
        self.moderator = can.moderate
        self.kinds = dict(CommentKind.choices)
        self.actions = dict(ModerationEvent.Action.choices)

    def decorate(self, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        flat = [c for t in threads for c in [t, *t["replies"]]]
        ids = [c["id"] for c in flat]
        logs = selectors.moderation_logs(ids)
        revisions = selectors.revisions(ids)
        names = selectors.names({e.actor_id for events in logs.values() for e in events})
        for c in flat:
            self._one(c, logs.get(c["id"], []), revisions.get(c["id"], []), names)
        return threads

    def _one(
        self,
        c: dict[str, Any],
        log: list[ModerationEvent],
        revisions: list[CommentRevision],
        names: dict[int, str],
    ) -> None:
        cid = c["id"]
        mine = self.uid is not None and c["author"] == self.uid
        insider = permissions.is_insider(self.uid, c["author"], self.moderator)
        c["kind_label"] = self.kinds.get(c["kind"], c["kind"])
        c["created"] = datetime.fromisoformat(c["created_at"])
        c["mine"] = mine
        c["anchor_here"] = bool(c["anchor"] and c["anchor"]["version"] == self.current.number)
        if c["anchor"]:
            c["anchor_number"] = c["anchor"]["paragraph"] + 1
        c["reaction_rows"] = reactions(c, self.can_react and not c["hidden"])
        c["can_react"] = self.can_react and not c["hidden"]
        if revisions and permissions.can_read_history(insider, moderated=bool(log)):
            c["revisions"] = [
                {
                    "kind_label": self.kinds.get(r.kind, r.kind),
                    "html": mark_safe(render_markdown(r.body)),  # noqa: S308
                    "written_at": r.written_at,
                    "replaced_at": r.replaced_at,
                }
                for r in revisions
            ]
        c["edit_count"] = len(revisions)
        if insider and log:
            c["log"] = [
                {
                    "label": self.actions.get(e.action, e.action),
                    "actor": names.get(e.actor_id or 0, ""),
                    "note": e.note,
                    "at": e.created_at,
                }
                for e in log
            ]
        c["restore_requested"] = bool(
            c["moderation"] and c["moderation"]["state"] == "restore_requested"
        )
        prefix = f"c{cid}"
        if self.can_comment and c["parent"] is None and not c["hidden"]:
            c["reply_form"] = self.bound.get(f"reply-{cid}") or CommentForm(
                initial={"kind": c["kind"], "parent": cid, "amendment": c["amendment"]},
                radios=False,
                auto_id=f"{prefix}-reply-%s",
            )
        if mine and c["body"] is not None:
            c["edit_form"] = self.bound.get(f"edit-{cid}") or CommentEditForm(
                initial={"kind": c["kind"], "body": c["body"]}, auto_id=f"{prefix}-edit-%s"
            )
        if mine and c["hidden"]:
            c["answer_form"] = self.bound.get(f"answer-{cid}") or NoteForm(
                label=_("Your answer"), auto_id=f"{prefix}-answer-%s"
            )
            if not c["restore_requested"]:
                c["request_form"] = self.bound.get(f"request-{cid}") or NoteForm(
                    label=_("Note (optional)"), required=False, auto_id=f"{prefix}-request-%s"
                )
        if self.moderator and not c["hidden"]:
            c["hide_form"] = self.bound.get(f"hide-{cid}") or ReasonForm(
                auto_id=f"{prefix}-hide-%s"
            )
        if self.moderator and c["hidden"]:
            c["restore_form"] = self.bound.get(f"restore-{cid}") or NoteForm(
                label=_("Note (optional)"), required=False, auto_id=f"{prefix}-restore-%s"
            )
        c["open_form"] = next(
            (
                key
                for key in ("reply", "edit", "answer", "request", "hide", "restore")
                if f"{key}-{cid}" in self.bound
            ),
            None,
        )


def page_context(
    user: Any, proposal: Proposal, bound: Bound, paragraph_param: str = ""
) -> dict[str, Any]:
    """Everything the proposal page draws for ``user``: the text, versions, amendments,
    discussion and the forms (``bound``: forms drawn again with what was typed);
    ``paragraph_param`` preselects the paragraph a new comment is about."""
    uid = _uid(user)
    detail = selectors.proposal_detail(proposal)
    versions = selectors.versions(proposal)
    current = versions[-1]
    numbers = [v.number for v in versions]
    amendments = selectors.amendments(proposal)
    open_round = selectors.has_open_round(proposal)
    can = permissions.actions_for(user, proposal, open_round=open_round)
    names = selectors.names(
        {
            *detail["authors"],
            *detail["invited"],
            *(v.author_id for v in versions),
            *(a.author_id for a in amendments),
            *(a.decided_by_id for a in amendments),
        }
    )
    paragraph_rows = paragraphs(current.text)
    anchor_choices = paragraph_choices(current.text, _("The whole proposal"))
    discussion = Discussion(user, proposal, bound, current, can)

    amendment_rows = []
    status_labels = dict(Amendment.Status.choices)
    for a in amendments:
        is_open = a.status == Amendment.Status.OPEN
        aid = a.pk
        diff = domain.diff_html(a.base_version.text, a.text)
        row: dict[str, Any] = {
            "amendment": a,
            "author": names.get(a.author_id or 0, ""),
            "decided_by": names.get(a.decided_by_id or 0, ""),
            "status_label": status_labels.get(a.status, a.status),
            "diff": marked_diff(diff),
            "counts": _diff_counts(diff),
            "paragraph_number": a.paragraph + 1 if a.paragraph is not None else None,
            "outdated": a.base_version_id != current.pk,
            "mine": uid is not None and a.author_id == uid,
            "comments": discussion.decorate(selectors.comments(proposal, user, amendment=a)),
        }
        if can.edit and is_open:
            row["can_accept"] = can.write
            row["can_promote"] = can.promote
            row["decline_form"] = bound.get(f"decline-{aid}") or DeclineForm(
                auto_id=f"a{aid}-decline-%s"
            )
        if row["mine"] and is_open and (a.needs_rebase or row["outdated"]):
            row["rebase_form"] = bound.get(f"rebase-{aid}") or RebaseForm(
                initial={
                    "base_version": current.number,
                    "text": current.text,
                    "rationale": a.rationale,
                },
                auto_id=f"a{aid}-rebase-%s",
            )
        if discussion.can_comment:
            row["comment_form"] = bound.get(f"amendment-comment-{aid}") or CommentForm(
                initial={"amendment": aid}, radios=False, auto_id=f"a{aid}-comment-%s"
            )
        row["open_form"] = next(
            (k for k in ("decline", "rebase", "amendment-comment") if f"{k}-{aid}" in bound), None
        )
        amendment_rows.append(row)

    version_rows = [
        {
            "version": v,
            "author": names.get(v.author_id or 0, ""),
            "previous": v.number - 1 if v.number > 1 else None,
        }
        for v in reversed(versions)
    ]
    invite_form = None
    if can.invite:
        taken = set(detail["authors"]) | set(detail["invited"])
        members = [
            (m.user_id, m.user.public_name)
            for m in assembly_selectors.members_of(proposal.assembly)
            if m.role == Role.MEMBER and m.user_id not in taken
        ]
        if members:
            invite_form = bound.get("invite") or InviteForm(members=members, auto_id="invite-%s")
    comment_initial: dict[str, Any] = {}
    if paragraph_param.isdigit() and int(paragraph_param) < len(paragraph_rows):
        comment_initial["paragraph"] = int(paragraph_param)
    cosigned = selectors.has_cosigned(proposal, uid)
    threads = discussion.decorate(selectors.comments(proposal, user))
    return {
        "proposal": proposal,
        "assembly": proposal.assembly,
        "state_label": State(proposal.state).label,
        "state": proposal.state,
        "current": current,
        "paragraphs": paragraph_rows,
        "versions": version_rows,
        "record": detail["record"],
        "authors": [names.get(pk, "") for pk in detail["authors"]],
        "invited": [names.get(pk, "") for pk in detail["invited"]],
        "is_invited": permissions.is_invited(user, proposal),
        "can_edit": can.edit,
        "can_amend": can.amend,
        "can_comment": can.comment,
        "can_cosign": can.cosign,
        "is_member": permissions.is_member(user, proposal),
        "moderator": discussion.moderator,
        "cosigned": cosigned,
        "cosigns": detail["cosigns"],
        "threshold": max(1, proposal.assembly.cosign_threshold),
        "ready": proposal.ready_at is not None,
        "open_round": open_round,
        "text_open": can.write,
        "state_actions": state_actions(can.state_actions),
        "amendments": amendment_rows,
        "open_amendments": sum(1 for a in amendments if a.status == Amendment.Status.OPEN),
        "threads": threads,
        "comment_count": sum(1 + len(t["replies"]) for t in threads),
        "version_form": bound.get("version")
        or VersionForm(initial={"text": current.text}, auto_id="version-%s"),
        "amendment_form": bound.get("amendment")
        or AmendmentForm(
            initial={"base_version": current.number, "text": current.text},
            versions=numbers,
            paragraphs=paragraph_choices(current.text, _("No paragraph in particular")),
            auto_id="amendment-%s",
        ),
        "comment_form": bound.get("comment")
        or CommentForm(initial=comment_initial, paragraphs=anchor_choices, auto_id="comment-%s"),
        "invite_form": invite_form,
        "compare_form": CompareForm(
            initial={"from": max(1, current.number - 1), "to": current.number},
            versions=numbers,
            auto_id="compare-%s",
        ),
        "open_form": next((k for k in ("version", "amendment", "invite") if k in bound), None),
    }


def state_actions(actions: tuple[domain.Action, ...]) -> list[dict[str, str]]:
    """The state changes the reader may choose now, with their button labels."""
    labels = {
        domain.Action.OPEN_DISCUSSION: _("Open for discussion"),
        domain.Action.RETURN_TO_DISCUSSION: _("Back to discussion"),
        domain.Action.WITHDRAW: _("Withdraw"),
    }
    return [{"action": action.value, "label": labels[action]} for action in actions]


def live_strings() -> dict[str, Any]:
    return {
        "heading": _("Proposal on the agenda"),
        "comments": _("Latest comments"),
        "none": _("No comments yet."),
        "read": _("Read the whole discussion and comment"),
        "reply": _("reply"),
        "members_only": _("Its discussion is for the members of the assembly."),
        "kinds": {value: str(label) for value, label in CommentKind.choices},
    }


def live_comment(c: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """A comment as ``proposal.comment_added`` has it (the fields live.js reads), labelled."""
    return {
        **{k: c[k] for k in ("id", "parent", "author_name", "kind", "html", "created_at")},
        "kind_label": kinds.get(c["kind"], c["kind"]),
    }


def live_panel(state: dict[str, Any], user: Any) -> dict[str, Any]:
    """The proposal of the open agenda item and its latest comments, for the live screen.

    ``comments`` are the latest visible comments and replies, oldest first, as
    ``proposal.comment_added`` carries them (live.js appends those events).
    """
    item = next((i for i in state["agenda"] if i["id"] == state["current_item"]), None)
    ref = item.get("proposal") if item else None
    panel: dict[str, Any] = {"proposal": None, "comments": [], "strings": live_strings()}
    if not ref:
        return panel
    panel["proposal"] = {"id": ref["id"], "title": ref["title"], "readable": False}
    try:
        proposal = permissions.get_proposal_for_user(user, ref["id"])
    except ServiceError:
        return panel
    flat = [c for t in selectors.comments(proposal, user) for c in [t, *t["replies"]]]
    flat = sorted((c for c in flat if not c["hidden"]), key=lambda c: (c["created_at"], c["id"]))
    panel["proposal"]["readable"] = True
    panel["proposal"]["url"] = selectors.proposal_url(proposal)
    kinds = {value: str(label) for value, label in CommentKind.choices}
    panel["comments"] = [live_comment(c, kinds) for c in flat[-LIVE_COMMENTS:]]
    return panel
