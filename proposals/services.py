"""Every write to proposals: drafting, versions, amendments, discussion, co-signing.

Each service checks access through :mod:`proposals.permissions`, applies the rule from
:mod:`proposals.domain` and writes in one transaction; errors are
:mod:`common.errors` (400, 403, 404, 409 in the API). The order of checks is: the
thing exists and may be read (404), the actor may do this (403), the input is valid
(400), the proposal's state allows it (409).

``decision_round_opened``, ``decision_round_closed`` and ``decision_recorded`` keep a
proposal's state in step with the decisions taken on it: they follow :mod:`voting.hooks`
(connected in ``ProposalsConfig.ready``), in the transaction that opens or closes a round
or records a decision.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import (
    AgendaItem,
    Assembly,
    Membership,
    Role,
    Session,
    SessionStatus,
    Visibility,
    WorkingGroup,
    WorkingGroupMembership,
)
from assembly.services import emit_in_session, lock_session
from audit import services as audit
from common.errors import Conflict, Forbidden, Invalid, NotFound
from proposals import domain, events, hooks, permissions, selectors
from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
    Version,
)
from voting import hooks as voting_hooks

log = logging.getLogger(__name__)

ADOPTED_OUTCOMES = frozenset(selectors.ADOPTED_OUTCOMES)


# --- Helpers ------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields are not valid."), {field: message})


def _too_long(limit: int, count: int) -> str:
    return _("At most %(limit)s characters (you wrote %(count)s).") % {
        "limit": limit,
        "count": count,
    }


def _clean(field: str, value: Any, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise _invalid(field, _("Enter text."))
    value = domain.normalise(value)
    if len(value) > limit:
        raise _invalid(field, _too_long(limit, len(value)))
    if required and not value.strip():
        raise _invalid(field, _("This field is required."))
    return value


def _clean_text(value: Any, field: str = "text") -> str:
    return _clean(field, value, domain.MAX_TEXT).rstrip()


def _lock(proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("assembly")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound(_("There is no such proposal."))
    return proposal


def lock_proposal(proposal_id: int) -> Proposal:
    """The proposal, locked for the rest of the transaction (decisions open on it)."""
    return _lock(proposal_id)


def current_text(proposal: Proposal) -> str:
    return selectors.current_version(proposal).text


def _readable_locked(actor: Any, proposal_id: int) -> Proposal:
    """The proposal, if ``actor`` may read it, locked for the rest of the transaction."""
    permissions.get_proposal_for_user(actor, proposal_id)
    return _lock(proposal_id)


def _set_state(proposal: Proposal, action: domain.Action, actor: Any = None) -> None:
    """Move ``proposal`` by ``action`` (raises :class:`domain.InvalidTransition`).
    No ``actor`` when the state follows a decision."""
    before = proposal.state
    proposal.state = domain.transition(proposal.state, action)
    audit.record(
        actor,
        "proposal.state_changed",
        proposal,
        assembly_id=proposal.assembly_id,
        before={"state": before},
        after={"state": proposal.state},
    )
    proposal.state_changed_at = timezone.now()
    proposal.save(update_fields=["state", "state_changed_at"])


def _state_conflict(proposal: Proposal) -> Conflict:
    return Conflict(
        _("This cannot be done while the proposal is: %(state)s.")
        % {"state": State(proposal.state).label}
    )


def _require(proposal: Proposal, work: domain.Work) -> None:
    """The proposal's state allows ``work`` (:data:`domain.WORK_STATES`); work on the text
    also waits for an open round to close."""
    if not domain.allows(work, proposal.state):
        if work is domain.Work.COMMENT:
            raise Conflict(_("The discussion of this proposal is closed."))
        raise _state_conflict(proposal)
    if work in domain.WAITS_FOR_ROUND and selectors.has_open_round(proposal):
        raise Conflict(_("A round of the decision on this proposal is open."))


# --- Proposals ----------------------------------------------------------------------------


@transaction.atomic
def create_proposal(
    actor: Any,
    *,
    assembly: Assembly,
    title: str,
    text: str,
    working_group: WorkingGroup | None = None,
) -> Proposal:
    """A new draft: version 1, the actor its first co-author (the group's members too)."""
    if not permissions.can_create_proposal(actor, assembly.pk):
        raise Forbidden(_("Only members of this assembly can write proposals."))
    title = _clean("title", title, domain.MAX_TITLE).strip()
    text = _clean_text(text)
    if working_group is not None:
        if working_group.assembly_id != assembly.pk:
            raise _invalid("working_group", _("This group belongs to another assembly."))
        if not WorkingGroupMembership.objects.filter(group=working_group, user=actor).exists():
            raise _invalid("working_group", _("Only the group's members write in its name."))
    proposal = Proposal.objects.create(
        assembly=assembly,
        working_group=working_group,
        title=title,
        text=text,
        state=State.DRAFT,
        created_by=actor,
        state_changed_at=timezone.now(),
    )
    audit.record(
        actor,
        "proposal.created",
        proposal,
        assembly_id=assembly.pk,
        after={"title": title, "state": proposal.state, "group": proposal.working_group_id},
    )
    return proposal


@transaction.atomic
def change_state(actor: Any, proposal_id: int, action: str) -> Proposal:
    """Open a draft for discussion, withdraw, or take it back to discussion after a round."""
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_edit(actor, proposal)
    try:
        act = domain.Action(action)
    except ValueError:
        raise _invalid("action", _("Unknown action.")) from None
    if act not in domain.AUTHOR_ACTIONS:
        raise _invalid("action", _("This follows from the decision; it cannot be chosen."))
    if act not in domain.author_actions(proposal.state):
        raise _state_conflict(proposal)
    if act not in domain.author_actions(
        proposal.state, open_round=selectors.has_open_round(proposal)
    ):
        raise Conflict(_("A round of the decision on this proposal is open."))
    _set_state(proposal, act, actor)
    return proposal


# --- Co-authors ---------------------------------------------------------------------------


@transaction.atomic
def invite_coauthor(actor: Any, proposal_id: int, member_id: int) -> CoAuthor:
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_edit(actor, proposal)
    if not Membership.objects.filter(
        assembly_id=proposal.assembly_id, user_id=member_id, role=Role.MEMBER
    ).exists():
        raise _invalid("member", _("Only members of this assembly can co-author."))
    _require(proposal, domain.Work.INVITE)
    if member_id in permissions.author_ids(proposal):
        raise Conflict(_("This member is a co-author already."))
    row, created = CoAuthor.objects.get_or_create(
        proposal=proposal, user_id=member_id, defaults={"invited_by": actor}
    )
    if not created and row.status != CoAuthor.Status.INVITED:
        row.status = CoAuthor.Status.INVITED
        row.invited_by = actor
        row.invited_at = timezone.now()
        row.responded_at = None
        row.save(update_fields=["status", "invited_by", "invited_at", "responded_at"])
    audit.record(
        actor,
        "proposal.coauthor_invited",
        row,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "member": member_id},
    )
    return row


@transaction.atomic
def respond_to_invitation(actor: Any, proposal_id: int, *, accept: bool) -> CoAuthor:
    proposal = _readable_locked(actor, proposal_id)
    row = (
        CoAuthor.objects.select_for_update()
        .filter(proposal=proposal, user_id=actor.pk if actor.is_authenticated else 0)
        .first()
    )
    if row is None:
        raise NotFound(_("There is no invitation to co-author this proposal."))
    if row.status != CoAuthor.Status.INVITED:
        raise Conflict(_("This invitation has been answered already."))
    if accept and not permissions.is_member(actor, proposal):
        raise Forbidden(_("Only members of this assembly can co-author."))
    audit.record(
        actor,
        "proposal.coauthor_responded",
        row,
        assembly_id=proposal.assembly_id,
        before={"status": row.status},
        after={"status": CoAuthor.Status.ACCEPTED if accept else CoAuthor.Status.DECLINED},
    )
    row.status = CoAuthor.Status.ACCEPTED if accept else CoAuthor.Status.DECLINED
    row.responded_at = timezone.now()
    row.save(update_fields=["status", "responded_at"])
    return row


# --- Versions -----------------------------------------------------------------------------


def _new_version(
    proposal: Proposal, text: str, note: str, author: Any, amendment: Amendment | None = None
) -> Version:
    """Version n+1 of a locked proposal; those who follow proposals are told
    (``hooks.version_created``: decisions not yet taken show its text)."""
    last = Version.objects.filter(proposal=proposal).aggregate(n=Max("number"))["n"] or 0
    version = Version.objects.create(
        proposal=proposal,
        number=last + 1,
        text=text,
        note=note[: domain.MAX_NOTE],
        author=author if author is not None and author.is_authenticated else None,
        amendment=amendment,
    )
    proposal.text = text
    proposal.save(update_fields=["text"])
    hooks.version_created.fire(
        hooks.VersionCreated(proposal=proposal.pk, number=version.number, text=text)
    )
    return version


@transaction.atomic
def create_version(actor: Any, proposal_id: int, *, text: str, note: str) -> Version:
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_edit(actor, proposal)
    text = _clean_text(text)
    note = _clean("note", note, domain.MAX_NOTE).strip()
    _require(proposal, domain.Work.WRITE)
    if text == selectors.current_version(proposal).text:
        raise _invalid("text", _("The text has not changed."))
    version = _new_version(proposal, text, note, actor)
    audit.record(
        actor,
        "proposal.version_created",
        version,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "number": version.number},
    )
    return version


def version_for_round(proposal_id: int) -> Version:
    """The version a round of a decision on the proposal asks about: the current one, the
    proposal locked so that no version is made while the round opens."""
    proposal = _lock(proposal_id)
    if not domain.allows(domain.Work.DECIDE, proposal.state):
        raise Conflict(
            _("No round can open while the proposal is: %(state)s.")
            % {"state": State(proposal.state).label}
        )
    return selectors.current_version(proposal)


def _integration_note(objection: dict[str, Any], actor: Any, note: str) -> str:
    reason = " ".join(str(objection.get("reason") or "").split())
    if len(reason) > 160:
        reason = reason[:159].rstrip() + "…"
    who = getattr(actor, "public_name", "") or "?"
    if objection.get("name"):
        text = _(
            "Integrates the objection of round %(round)s by %(name)s (“%(reason)s”). "
            "Integrated by: %(by)s."
        ) % {"round": objection["round"], "name": objection["name"], "reason": reason, "by": who}
    else:
        text = _(
            "Integrates an objection of round %(round)s (“%(reason)s”). Integrated by: %(by)s."
        ) % {"round": objection["round"], "reason": reason, "by": who}
    if note.strip():
        text = f"{text} {note.strip()}"
    return text[: domain.MAX_NOTE]


@transaction.atomic
def integrate_objection(
    actor: Any,
    proposal_id: int,
    *,
    text: str | None,
    objection: dict[str, Any],
    note: str = "",
    since: int | None = None,
) -> Version | None:
    """An objection to a decision on the proposal is integrated: with ``text`` a new
    version is made, its note naming the objection and who integrated it; without it the
    objection was met by a version made since the round (``since``) asked, if any.
    The decision's gate (who may integrate) is checked by voting, which calls this."""
    proposal = _lock(proposal_id)
    _require(proposal, domain.Work.WRITE)
    current = selectors.current_version(proposal)
    if text is None or domain.normalise(text).rstrip() == current.text.rstrip():
        return current if current.pk != since else None
    text = _clean_text(text)
    version = _new_version(proposal, text, _integration_note(objection, actor, note), actor)
    audit.record(
        actor,
        "proposal.version_created",
        version,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "number": version.number, "integrates": True},
    )
    return version


def adopted_version(proposal_id: int) -> Version | None:
    proposal = Proposal.objects.select_related("adopted_version").filter(pk=proposal_id).first()
    return proposal.adopted_version if proposal is not None else None


# --- Amendments ---------------------------------------------------------------------------


def _base_version(proposal: Proposal, number: Any) -> Version:
    if isinstance(number, bool) or not isinstance(number, int):
        raise _invalid("base_version", _("Enter a version number."))
    version = Version.objects.filter(proposal=proposal, number=number).first()
    if version is None:
        raise _invalid("base_version", _("There is no such version."))
    return version


def _check_paragraph(field: str, version: Version, paragraph: Any) -> int | None:
    if paragraph is None:
        return None
    if isinstance(paragraph, bool) or not isinstance(paragraph, int):
        raise _invalid(field, _("Enter a paragraph number (from 0)."))
    count = len(domain.paragraphs(version.text))
    if not 0 <= paragraph < count:
        raise _invalid(
            field,
            _("Version %(version)s has paragraphs 0 to %(last)s.")
            % {"version": version.number, "last": count - 1},
        )
    return paragraph


@transaction.atomic
def propose_amendment(
    actor: Any,
    proposal_id: int,
    *,
    base_version: int,
    text: str,
    rationale: str,
    paragraph: int | None = None,
) -> Amendment:
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_amend(actor, proposal)
    base = _base_version(proposal, base_version)
    text = _clean_text(text)
    rationale = _clean("rationale", rationale, domain.MAX_RATIONALE).strip()
    paragraph = _check_paragraph("paragraph", base, paragraph)
    if text == base.text:
        raise _invalid("text", _("The amendment does not change the text."))
    _require(proposal, domain.Work.AMEND)
    amendment = Amendment.objects.create(
        proposal=proposal,
        base_version=base,
        text=text,
        rationale=rationale,
        paragraph=paragraph,
        author=actor,
    )
    audit.record(
        actor,
        "proposal.amendment_proposed",
        amendment,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "version": base.number, "status": amendment.status},
    )
    return amendment


def _lock_amendment(actor: Any, amendment_id: int) -> tuple[Amendment, Proposal]:
    found = permissions.get_amendment_for_user(actor, amendment_id)
    proposal = _lock(found.proposal_id)
    amendment = (
        Amendment.objects.select_for_update(of=("self",))
        .select_related("base_version")
        .get(pk=found.pk)
    )
    return amendment, proposal


def _require_open(amendment: Amendment) -> None:
    if amendment.status != Amendment.Status.OPEN:
        raise Conflict(
            _("This amendment is not open: %(status)s.")
            % {"status": Amendment.Status(amendment.status).label}
        )


def accept_amendment(actor: Any, amendment_id: int) -> Version:
    """Accept: the amendment's change becomes a new version.

    If its base is no longer the current version, the change is re-applied onto the
    current text (:func:`domain.reapply`); when the paragraphs it changes have changed
    since, it is marked ``needs_rebase`` (that mark is kept) and this raises Conflict.
    """
    version = _accept(actor, amendment_id)
    if version is None:
        raise Conflict(
            _(
                "The text changed where this amendment changes it. "
                "Its author needs to redo it on the current version."
            ),
            {"needs_rebase": True},
        )
    return version


@transaction.atomic
def _accept(actor: Any, amendment_id: int) -> Version | None:
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    _require_open(amendment)
    _require(proposal, domain.Work.WRITE)
    current = selectors.current_version(proposal)
    merged = domain.reapply(amendment.base_version.text, amendment.text, current.text)
    if merged is None:
        if not amendment.needs_rebase:
            amendment.needs_rebase = True
            amendment.save(update_fields=["needs_rebase", "updated_at"])
        return None
    if merged == current.text:
        version = current  # the same change was made by hand already
    else:
        version = _new_version(
            proposal,
            merged,
            _("Amendment #%(id)s accepted.") % {"id": amendment.pk},
            amendment.author,
            amendment,
        )
    _mark_accepted(actor, amendment, proposal, version)
    return version


def _mark_accepted(actor: Any, amendment: Amendment, proposal: Proposal, version: Version) -> None:
    """The amendment became ``version``: by a co-author's acceptance (``actor``), or by
    winning a ranked choice (no actor; who promoted it stays its decider)."""
    audit.record(
        actor,
        "proposal.amendment_accepted",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.ACCEPTED, "version": version.number},
    )
    amendment.status = Amendment.Status.ACCEPTED
    amendment.needs_rebase = False
    amendment.version = version
    if actor is not None:
        amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()


@transaction.atomic
def decline_amendment(actor: Any, amendment_id: int, *, reason: str) -> Amendment:
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    reason = _clean("reason", reason, domain.MAX_REASON).strip()
    _require_open(amendment)
    audit.record(
        actor,
        "proposal.amendment_declined",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.DECLINED},
    )
    amendment.status = Amendment.Status.DECLINED
    amendment.reason = reason
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()
    return amendment


@transaction.atomic
def promote_amendment(actor: Any, amendment_id: int) -> Amendment:
    """Make the amendment a competing alternative for a ranked decision
    (see :func:`ranked_alternatives`)."""
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    _require_open(amendment)
    _require(proposal, domain.Work.PROMOTE)
    audit.record(
        actor,
        "proposal.amendment_promoted",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.PROMOTED},
    )
    amendment.status = Amendment.Status.PROMOTED
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()
    return amendment


@transaction.atomic
def rebase_amendment(
    actor: Any,
    amendment_id: int,
    *,
    base_version: int,
    text: str,
    rationale: str | None = None,
) -> Amendment:
    """The author redoes an open amendment on another (usually the current) version."""
    amendment, proposal = _lock_amendment(actor, amendment_id)
    if amendment.author_id is None or amendment.author_id != getattr(actor, "pk", None):
        raise Forbidden(_("Only the amendment's author can redo it."))
    base = _base_version(proposal, base_version)
    text = _clean_text(text)
    if rationale is not None:
        amendment.rationale = _clean("rationale", rationale, domain.MAX_RATIONALE).strip()
    if text == base.text:
        raise _invalid("text", _("The amendment does not change the text."))
    _require_open(amendment)
    if amendment.paragraph is not None and amendment.paragraph >= len(domain.paragraphs(base.text)):
        amendment.paragraph = None
    audit.record(
        actor,
        "proposal.amendment_rebased",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"version": amendment.base_version.number},
        after={"version": base.number},
    )
    amendment.base_version = base
    amendment.text = text
    amendment.needs_rebase = False
    amendment.save()
    return amendment


def ranked_alternatives(proposal: Proposal) -> list[tuple[str, str]]:
    """``(title, text)`` pairs for ``voting.services.create_decision(method="ranked",
    proposal=proposal, alternatives=...)``: the current text first, then each promoted
    amendment, oldest first. ``status_quo`` is added by voting."""
    return [(title, text) for _key, title, text in selectors.ranked_choices(proposal)]


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


# --- Readiness ------------------------------------------------------------------------------


def _update_readiness(proposal: Proposal) -> bool:
    ready = domain.is_ready(selectors.cosign_count(proposal), proposal.assembly.cosign_threshold)
    if ready and proposal.ready_at is None:
        proposal.ready_at = timezone.now()
        proposal.save(update_fields=["ready_at"])
    elif not ready and proposal.ready_at is not None:
        proposal.ready_at = None
        proposal.save(update_fields=["ready_at"])
    return ready


@transaction.atomic
def cosign(actor: Any, proposal_id: int) -> bool:
    """A member co-signs a proposal in discussion. Returns whether it is ready now."""
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_cosign(actor, proposal)
    _require(proposal, domain.Work.COSIGN)
    _row, created = CoSignature.objects.get_or_create(proposal=proposal, member=actor)
    ready = _update_readiness(proposal)
    if created:
        audit.record(
            actor,
            "proposal.cosigned",
            proposal,
            assembly_id=proposal.assembly_id,
            after={"member": actor.pk, "ready": ready},
        )
    return ready


@transaction.atomic
def withdraw_cosign(actor: Any, proposal_id: int) -> bool:
    proposal = _readable_locked(actor, proposal_id)
    if not actor.is_authenticated:
        raise Forbidden(_("Log in first."))
    deleted, _rows = CoSignature.objects.filter(proposal=proposal, member=actor).delete()
    if not deleted:
        raise NotFound(_("You have not co-signed this proposal."))
    audit.record(
        actor,
        "proposal.cosign_withdrawn",
        proposal,
        assembly_id=proposal.assembly_id,
        before={"member": actor.pk},
    )
    if proposal.state != State.DISCUSSION:
        return proposal.ready_at is not None
    return _update_readiness(proposal)


# --- Following the decisions ----------------------------------------------------------------


def _follow(proposal: Proposal, action: domain.Action) -> bool:
    try:
        _set_state(proposal, action)
    except domain.InvalidTransition:
        log.debug("proposal %s stays %s (%s)", proposal.pk, proposal.state, action)
        return False
    return True


def decision_round_opened(event: voting_hooks.RoundOpened) -> None:
    """A round of a decision on a proposal opened: the proposal is being decided (a
    temperature check is not a decision and does not move it)."""
    if event.proposal is None or event.method == "temperature":
        return
    proposal = _lock(event.proposal)
    if proposal.state == State.DISCUSSION:
        _follow(proposal, domain.Action.PUT_TO_DECISION)


def decision_round_closed(event: voting_hooks.RoundClosed) -> None:
    """A round closed adopted: the proposal is adopted at the version the round asked
    about. For a ranked decision won by a promoted amendment, that amendment's text becomes
    the last version first, and the adopted one."""
    if event.proposal is None or event.outcome not in ADOPTED_OUTCOMES:
        return
    proposal = _lock(event.proposal)
    if proposal.state != State.DECISION:
        return
    adopted = Version.objects.filter(pk=event.version).first() if event.version else None
    if event.method == "ranked" and event.winner_text and event.winner_text != proposal.text:
        amendment = (
            Amendment.objects.filter(
                proposal=proposal, status=Amendment.Status.PROMOTED, text=event.winner_text
            )
            .order_by("id")
            .first()
        )
        if amendment is not None:
            version = _new_version(
                proposal,
                amendment.text,
                _("Amendment #%(id)s adopted by ranked choice.") % {"id": amendment.pk},
                amendment.author,
                amendment,
            )
            _mark_accepted(None, amendment, proposal, version)
            adopted = version
    if _follow(proposal, domain.Action.ADOPT):
        # The version the assembly adopted: what the round asked about (or the amendment
        # that won a ranked choice); the register entry cites it.
        proposal.adopted_version = adopted or selectors.current_version(proposal)
        proposal.save(update_fields=["adopted_version"])


def decision_recorded(event: voting_hooks.Recorded) -> None:
    """A decision on the proposal entered the register without adopting it: the proposal
    is not adopted (or, for ``needs_discussion``, back in discussion)."""
    if (
        event.proposal is None
        or event.outcome in ADOPTED_OUTCOMES
        or event.method == "temperature"
        or event.outcome == "informational"
    ):
        return
    proposal = _lock(event.proposal)
    if proposal.state != State.DECISION or selectors.has_open_round(proposal):
        return
    _follow(
        proposal,
        domain.Action.RETURN_TO_DISCUSSION
        if event.outcome == "needs_discussion"
        else domain.Action.NOT_ADOPT,
    )
