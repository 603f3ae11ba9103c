"""The discussion: comments, their edits, moderation and reactions."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import (
    AgendaItem,
    Session,
    SessionStatus,
    Visibility,
)
from assembly.services import emit_in_session, lock_session
from audit import services as audit
from common.errors import Conflict, NotFound
from proposals import domain, events, permissions, selectors
from proposals.models import (
    Amendment,
    Comment,
    CommentRevision,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
    Version,
)
from proposals.services.amendments import _check_paragraph
from proposals.services.base import _clean, _invalid, _require

# --- Discussion ---------------------------------------------------------------------------


def _anchor(proposal: Proposal, anchor: Any) -> tuple[Version | None, int | None]:
    if anchor is None:
        return None, None
    if not isinstance(anchor, dict):
        raise _invalid("anchor", _('Give {"version": n, "paragraph": i} or null.'))
    number = anchor.get("version")
    if isinstance(number, bool) or not isinstance(number, int):
        raise _invalid("anchor", _("Enter a version number."))
    version = Version.objects.filter(proposal=proposal, number=number).first()
    if version is None:
        raise _invalid("anchor", _("There is no such version."))
    paragraph = anchor.get("paragraph")
    if paragraph is None:
        raise _invalid("anchor", _("Enter a paragraph number (from 0)."))
    return version, _check_paragraph("anchor", version, paragraph)


@transaction.atomic
def add_comment(
    actor: Any,
    proposal_id: int,
    *,
    kind: str,
    body: str,
    parent: int | None = None,
    anchor: dict[str, Any] | None = None,
    amendment_id: int | None = None,
) -> Comment:
    proposal = permissions.get_proposal_for_user(actor, proposal_id)
    permissions.require_comment(actor, proposal)
    try:
        kind = domain.CommentKind(kind).value
    except ValueError:
        raise _invalid(
            "kind",
            _("Choose one of: %(choices)s")
            % {"choices": ", ".join(k.value for k in domain.CommentKind)},
        ) from None
    body = _clean("body", body, domain.MAX_COMMENT).strip()
    amendment = None
    if amendment_id is not None:
        amendment = Amendment.objects.filter(pk=amendment_id, proposal=proposal).first()
        if amendment is None:
            raise NotFound(_("There is no such amendment."))
    parent_comment = None
    if parent is not None:
        parent_comment = Comment.objects.filter(pk=parent, proposal=proposal).first()
        if parent_comment is None or parent_comment.amendment_id != amendment_id:
            raise _invalid("parent", _("There is no such comment here."))
        if parent_comment.parent_id is not None:
            raise _invalid("parent", _("Replies are one level deep: answer the first comment."))
    anchor_version, anchor_paragraph = _anchor(proposal, anchor)
    _require(proposal, domain.Work.COMMENT)
    comment = Comment.objects.create(
        proposal=proposal,
        amendment=amendment,
        parent=parent_comment,
        author=actor,
        kind=kind,
        body=body,
        anchor_version=anchor_version,
        anchor_paragraph=anchor_paragraph,
    )
    audit.record(
        actor,
        "discussion.comment_added",
        comment,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "kind": kind},
    )
    _publish_comment(proposal, comment)
    return comment


def _publish_comment(proposal: Proposal, comment: Comment) -> None:
    """Send the new comment to every live session whose open item is this proposal.

    Only to sessions whose audience may read the proposal: a public session of an
    assembly that is not public gets nothing.
    """
    if proposal.state == State.DRAFT:
        return
    session_ids = list(
        Session.objects.filter(
            status=SessionStatus.LIVE, current_item__proposal_id=proposal.pk
        ).values_list("pk", flat=True)
    )
    if not session_ids:
        return
    data = selectors.comment_json(comment, reveal=False)
    if comment.parent_id is None:
        data["replies"] = []
    for session_id in sorted(session_ids):
        session = lock_session(session_id)
        if (
            session.status != SessionStatus.LIVE
            or session.current_item_id is None
            or not AgendaItem.objects.filter(pk=session.current_item_id, proposal=proposal).exists()
        ):
            continue
        if session.visibility == Visibility.PUBLIC and not session.assembly.is_public:
            continue
        emit_in_session(session, events.CommentAdded(proposal=proposal.pk, comment=data))


def _lock_comment(actor: Any, comment_id: int) -> Comment:
    found = permissions.get_comment_for_user(actor, comment_id)
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("proposal__assembly")
        .get(pk=found.pk)
    )


@transaction.atomic
def edit_comment(actor: Any, comment_id: int, *, body: str, kind: str | None = None) -> Comment:
    """The author edits; the earlier text is kept as a :class:`CommentRevision`."""
    comment = _lock_comment(actor, comment_id)
    permissions.require_comment_author(actor, comment)
    body = _clean("body", body, domain.MAX_COMMENT).strip()
    if kind is not None:
        try:
            kind = domain.CommentKind(kind).value
        except ValueError:
            raise _invalid("kind", _("Unknown kind.")) from None
    new_kind = kind or comment.kind
    if body == comment.body and new_kind == comment.kind:
        return comment
    now = timezone.now()
    audit.record(
        actor,
        "discussion.comment_edited",
        comment,
        assembly_id=comment.proposal.assembly_id,
        before={"kind": comment.kind, "characters": len(comment.body)},
        after={"kind": new_kind, "characters": len(body)},
    )
    CommentRevision.objects.create(
        comment=comment,
        kind=comment.kind,
        body=comment.body,
        written_at=comment.edited_at or comment.created_at,
        replaced_at=now,
    )
    comment.body = body
    comment.kind = new_kind
    comment.edited_at = now
    comment.save(update_fields=["body", "kind", "edited_at"])
    if comment.is_hidden:
        ModerationEvent.objects.create(
            comment=comment, actor=actor, action=ModerationEvent.Action.EDITED
        )
    return comment


def _moderation_conflict(moderation: str, act: domain.ModerationAct) -> Conflict:
    if act is domain.ModerationAct.HIDE:
        return Conflict(_("This comment is hidden already."))
    if moderation == domain.Moderation.RESTORE_REQUESTED:
        return Conflict(_("Restoring it has been asked for already."))
    return Conflict(_("This comment is not hidden."))


@transaction.atomic
def moderate(actor: Any, comment_id: int, act: str, *, note: str = "") -> Comment:
    """One step of moderation (:data:`domain.MODERATION`): a facilitator hides a comment
    saying why (``hide``, the note is the reason its author sees) or shows it again
    (``restore``); its author answers the reason (``answer``) or asks for it to be shown
    again (``request_restore``). Every step is kept in the comment's moderation log."""
    comment = _lock_comment(actor, comment_id)
    try:
        step = domain.ModerationAct(act)
    except ValueError:
        raise _invalid("action", _("Unknown action.")) from None
    rule = domain.MODERATION_RULES[step]
    if rule.by == "moderator":
        permissions.require_moderate(actor, comment.proposal)
    else:
        permissions.require_comment_author(actor, comment)
    field = "reason" if step is domain.ModerationAct.HIDE else "note"
    note = _clean(field, note, domain.MAX_REASON, required=rule.note_required).strip()
    try:
        moderation = domain.MODERATION.transition(comment.moderation, step)
    except domain.InvalidTransition:
        raise _moderation_conflict(comment.moderation, step) from None
    if step is domain.ModerationAct.HIDE:
        comment.hidden_reason = note
    elif step is domain.ModerationAct.RESTORE:
        comment.hidden_reason = ""
    comment.moderation = moderation
    comment.save(update_fields=["moderation", "hidden_reason"])
    ModerationEvent.objects.create(comment=comment, actor=actor, action=rule.event, note=note)
    audit.record(
        actor,
        rule.audit,
        comment,
        assembly_id=comment.proposal.assembly_id,
        after={"moderation": comment.moderation},
    )
    return comment


@transaction.atomic
def react(actor: Any, comment_id: int, kind: str) -> Reaction:
    """Set the member's one reaction to a comment (replacing an earlier one)."""
    comment = permissions.get_comment_for_user(actor, comment_id)
    permissions.require_comment(actor, comment.proposal)
    if kind not in domain.REACTIONS:
        raise _invalid(
            "reaction", _("Choose one of: %(choices)s") % {"choices": ", ".join(domain.REACTIONS)}
        )
    if comment.is_hidden:
        raise Conflict(_("This comment is hidden."))
    try:
        with transaction.atomic():
            reaction, _created = Reaction.objects.update_or_create(
                comment=comment, member=actor, defaults={"kind": kind}
            )
    except IntegrityError:  # the same member's other tab got there first
        Reaction.objects.filter(comment=comment, member=actor).update(kind=kind)
        reaction = Reaction.objects.get(comment=comment, member=actor)
    audit.record(
        actor,
        "discussion.reacted",
        comment,
        assembly_id=comment.proposal.assembly_id,
        after={"kind": kind},
    )
    return reaction


@transaction.atomic
def unreact(actor: Any, comment_id: int) -> bool:
    comment = permissions.get_comment_for_user(actor, comment_id)
    permissions.require_comment(actor, comment.proposal)
    deleted, _rows = Reaction.objects.filter(comment=comment, member=actor).delete()
    if deleted:
        audit.record(
            actor, "discussion.reaction_removed", comment, assembly_id=comment.proposal.assembly_id
        )
    return deleted > 0
