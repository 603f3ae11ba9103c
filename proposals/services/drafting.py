"""Drafting: proposals, their co-authors, versions and co-signatures."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import (
    Assembly,
    Membership,
    Role,
    WorkingGroup,
    WorkingGroupMembership,
)
from audit import services as audit
from common.errors import Conflict, Forbidden, NotFound
from proposals import domain, hooks, permissions, selectors
from proposals.models import (
    Amendment,
    CoAuthor,
    CoSignature,
    Proposal,
    State,
    Version,
)
from proposals.services.base import (
    _clean,
    _clean_text,
    _invalid,
    _lock,
    _readable_locked,
    _require,
    _set_state,
    _state_conflict,
)

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
