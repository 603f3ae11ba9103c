"""The access gates of proposals. No other module decides who may read or do what.

- Co-authors: accepted co-authors, and, for a proposal owned by a working group, the
  group's members; in both cases only while they are members of the assembly.
- Readers: a draft, its co-authors and the people invited to co-author it; otherwise the
  members and observers of the owning assembly, and anyone when the assembly is public.
- Members (not observers) of the assembly comment, react, amend and co-sign; in a draft
  only its co-authors comment.
- Any facilitator of a session of the assembly that is not closed moderates comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import (
    Membership,
    Role,
    SessionStatus,
    SessionTask,
    Task,
    WorkingGroupMembership,
)
from common.errors import Forbidden, NotFound
from proposals import domain
from proposals.models import Amendment, CoAuthor, Comment, Proposal, State


def _uid(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def is_member(user: Any, proposal: Proposal) -> bool:
    return assembly_permissions.is_member(user, proposal.assembly_id)


def author_ids(proposal: Proposal) -> list[int]:
    """Who may write the text: accepted co-authors and the owning group's members."""
    members = Membership.objects.filter(assembly_id=proposal.assembly_id, role=Role.MEMBER)
    ids = set(
        CoAuthor.objects.filter(
            proposal_id=proposal.pk,
            status=CoAuthor.Status.ACCEPTED,
            user_id__in=members.values("user_id"),
        ).values_list("user_id", flat=True)
    )
    if proposal.working_group_id is not None:
        ids |= set(
            WorkingGroupMembership.objects.filter(
                group_id=proposal.working_group_id, user_id__in=members.values("user_id")
            ).values_list("user_id", flat=True)
        )
    return sorted(ids)


def is_coauthor(user: Any, proposal: Proposal) -> bool:
    uid = _uid(user)
    return uid is not None and uid in author_ids(proposal)


def is_invited(user: Any, proposal: Proposal) -> bool:
    uid = _uid(user)
    if uid is None:
        return False
    return CoAuthor.objects.filter(
        proposal_id=proposal.pk, user_id=uid, status=CoAuthor.Status.INVITED
    ).exists()


# --- Reading ----------------------------------------------------------------------------


def can_view_proposal(user: Any, proposal: Proposal) -> bool:
    if proposal.state == State.DRAFT:
        return is_coauthor(user, proposal) or is_invited(user, proposal)
    return assembly_permissions.can_view_assembly(user, proposal.assembly)


def readable_proposals(user: Any) -> QuerySet[Proposal]:
    """Every proposal ``user`` may read, as one query (the list form of
    :func:`can_view_proposal`)."""
    uid = _uid(user)
    visible = Q(assembly__is_public=True)
    drafts = Q(pk__in=[])
    if uid is not None:
        visible |= Q(assembly_id__in=Membership.objects.filter(user_id=uid).values("assembly_id"))
        member_of = Q(
            assembly_id__in=Membership.objects.filter(user_id=uid, role=Role.MEMBER).values(
                "assembly_id"
            )
        )
        accepted = Q(
            pk__in=CoAuthor.objects.filter(user_id=uid, status=CoAuthor.Status.ACCEPTED).values(
                "proposal_id"
            )
        )
        group = Q(
            working_group_id__in=WorkingGroupMembership.objects.filter(user_id=uid).values(
                "group_id"
            )
        )
        invited = Q(
            pk__in=CoAuthor.objects.filter(user_id=uid, status=CoAuthor.Status.INVITED).values(
                "proposal_id"
            )
        )
        drafts = ((accepted | group) & member_of) | invited
    return Proposal.objects.filter(
        (~Q(state=State.DRAFT) & visible) | (Q(state=State.DRAFT) & drafts)
    )


def get_proposal_for_user(user: Any, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("assembly", "working_group").filter(pk=proposal_id).first()
    )
    if proposal is None or not can_view_proposal(user, proposal):
        raise NotFound(_("There is no such proposal."))
    return proposal


def get_amendment_for_user(user: Any, amendment_id: int) -> Amendment:
    amendment = (
        Amendment.objects.select_related("proposal__assembly", "base_version")
        .filter(pk=amendment_id)
        .first()
    )
    if amendment is None or not can_view_proposal(user, amendment.proposal):
        raise NotFound(_("There is no such amendment."))
    return amendment


def get_comment_for_user(user: Any, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_related("proposal__assembly", "parent").filter(pk=comment_id).first()
    )
    if comment is None or not can_view_proposal(user, comment.proposal):
        raise NotFound(_("There is no such comment."))
    return comment


# --- Writing ----------------------------------------------------------------------------


def can_create_proposal(user: Any, assembly_id: int) -> bool:
    return assembly_permissions.is_member(user, assembly_id)


def can_edit(user: Any, proposal: Proposal) -> bool:
    """Make versions, accept, decline and promote amendments, invite, change the state."""
    return is_coauthor(user, proposal)


def can_amend(user: Any, proposal: Proposal) -> bool:
    return is_member(user, proposal)


def can_comment(user: Any, proposal: Proposal) -> bool:
    if proposal.state == State.DRAFT:
        return is_coauthor(user, proposal)
    return is_member(user, proposal)


def can_cosign(user: Any, proposal: Proposal) -> bool:
    """Members support a proposal for the agenda; its co-authors support it already."""
    return is_member(user, proposal) and not is_coauthor(user, proposal)


def can_moderate(user: Any, proposal: Proposal) -> bool:
    uid = _uid(user)
    if uid is None or not is_member(user, proposal):
        return False
    return (
        SessionTask.objects.filter(
            user_id=uid, task=Task.FACILITATOR, session__assembly_id=proposal.assembly_id
        )
        .exclude(session__status=SessionStatus.CLOSED)
        .exists()
    )


def is_comment_author(user: Any, comment: Comment) -> bool:
    uid = _uid(user)
    return uid is not None and comment.author_id == uid


def is_insider(uid: int | None, author_id: int | None, moderator: bool) -> bool:
    """Who sees a hidden comment's text, the reasons and the moderation log: its author and
    the moderators."""
    return moderator or (uid is not None and author_id == uid)


def can_see_hidden(user: Any, comment: Comment) -> bool:
    return is_insider(_uid(user), comment.author_id, can_moderate(user, comment.proposal))


def can_read_history(insider: bool, moderated: bool) -> bool:
    """A comment's earlier texts are for everyone, unless moderation ever touched it: what a
    facilitator hid must not come back through the edit history."""
    return insider or not moderated


@dataclass(frozen=True)
class Actions:
    """What ``user`` may do to a proposal now: who they are (the gates above) and what its
    state allows (:func:`domain.allows`). The page draws exactly these; the services refuse
    the rest with the same two rules."""

    edit: bool  # a co-author: decline amendments, see the state actions
    write: bool  # a new version, or accept an amendment
    invite: bool
    amend: bool
    promote: bool
    comment: bool
    react: bool
    cosign: bool
    moderate: bool
    state_actions: tuple[domain.Action, ...]


def actions_for(user: Any, proposal: Proposal, *, open_round: bool) -> Actions:
    """``open_round``: whether a round of a decision on the proposal is open."""
    state = proposal.state
    edit = can_edit(user, proposal)
    commenter = can_comment(user, proposal)
    return Actions(
        edit=edit,
        write=edit and domain.allows(domain.Work.WRITE, state, open_round=open_round),
        invite=edit and domain.allows(domain.Work.INVITE, state),
        amend=can_amend(user, proposal) and domain.allows(domain.Work.AMEND, state),
        promote=edit and domain.allows(domain.Work.PROMOTE, state),
        comment=commenter and domain.allows(domain.Work.COMMENT, state),
        react=commenter,
        cosign=can_cosign(user, proposal) and domain.allows(domain.Work.COSIGN, state),
        moderate=can_moderate(user, proposal),
        state_actions=tuple(domain.author_actions(state, open_round=open_round)) if edit else (),
    )


# --- Gates that raise -------------------------------------------------------------------


def require_edit(user: Any, proposal: Proposal) -> None:
    if not can_edit(user, proposal):
        raise Forbidden(_("Only the co-authors can do this."))


def require_amend(user: Any, proposal: Proposal) -> None:
    if not can_amend(user, proposal):
        raise Forbidden(_("Only members of this assembly can propose amendments."))


def require_comment(user: Any, proposal: Proposal) -> None:
    if not can_comment(user, proposal):
        if proposal.state == State.DRAFT:
            raise Forbidden(_("Only the co-authors discuss a draft."))
        raise Forbidden(_("Only members of this assembly can comment."))


def require_cosign(user: Any, proposal: Proposal) -> None:
    if not can_cosign(user, proposal):
        if is_coauthor(user, proposal):
            raise Forbidden(_("Co-authors support their proposal already."))
        raise Forbidden(_("Only members of this assembly can co-sign."))


def require_moderate(user: Any, proposal: Proposal) -> None:
    if not can_moderate(user, proposal):
        raise Forbidden(_("Only facilitators can do this."))


def require_comment_author(user: Any, comment: Comment) -> None:
    if not is_comment_author(user, comment):
        raise Forbidden(_("Only the comment's author can do this."))
