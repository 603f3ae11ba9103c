"""Who may read drafts, edit, amend, comment, co-sign and hide comments."""

from __future__ import annotations

import pytest

from assembly.models import Membership, Role, WorkingGroup, WorkingGroupMembership
from proposals import permissions, services
from proposals.models import Proposal
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db


def readers(proposal: Proposal, personas: dict) -> set[str]:
    return {
        name for name, user in personas.items() if permissions.can_view_proposal(user, proposal)
    }


def test_a_draft_is_for_its_co_authors_and_invitees(draft, personas, member2) -> None:
    assert readers(draft, personas) == {"facilitator"}
    services.invite_coauthor(personas["facilitator"], draft.pk, member2.pk)
    assert readers(draft, personas) == {"facilitator", "member2"}


def test_in_discussion_the_assembly_reads(proposal, personas) -> None:
    assert readers(proposal, personas) == {"facilitator", "member", "member2", "observer"}


def test_in_a_public_assembly_anyone_reads(proposal, personas, assembly) -> None:
    assembly.is_public = True
    assembly.save()
    proposal.refresh_from_db()
    assert readers(proposal, personas) == set(personas)


def test_a_public_assembly_does_not_open_drafts(draft, personas, assembly) -> None:
    assembly.is_public = True
    assembly.save()
    draft.refresh_from_db()
    assert readers(draft, personas) == {"facilitator"}


def test_the_list_of_readable_proposals_agrees(draft, proposal, personas, assembly, member) -> None:
    other = make_proposal(member, assembly)  # a draft of the member's
    for name, user in personas.items():
        listed = set(permissions.readable_proposals(user).values_list("pk", flat=True))
        allowed = {p.pk for p in Proposal.objects.all() if permissions.can_view_proposal(user, p)}
        assert listed == allowed, name
    assert other.pk in permissions.readable_proposals(member).values_list("pk", flat=True)


def test_who_edits(proposal, personas) -> None:
    editors = {n for n, u in personas.items() if permissions.can_edit(u, proposal)}
    assert editors == {"facilitator"}


def test_a_working_groups_members_co_author(assembly, facilitator, member, observer) -> None:
    group = WorkingGroup.objects.create(assembly=assembly, name="Suya Erişim", slug="su")
    for user in (facilitator, member, observer):
        WorkingGroupMembership.objects.create(group=group, user=user)
    proposal = make_proposal(facilitator, assembly, working_group=group)
    assert permissions.can_edit(member, proposal)
    assert permissions.can_view_proposal(member, proposal)  # a draft, but theirs
    assert not permissions.can_edit(observer, proposal)  # observers do not write
    assert permissions.author_ids(proposal) == sorted([facilitator.pk, member.pk])


def test_a_co_author_who_left_the_assembly_no_longer_edits(proposal, facilitator) -> None:
    Membership.objects.filter(user=facilitator).delete()
    assert not permissions.can_edit(facilitator, proposal)


def test_who_amends_comments_and_co_signs(proposal, personas) -> None:
    amenders = {n for n, u in personas.items() if permissions.can_amend(u, proposal)}
    assert amenders == {"facilitator", "member", "member2"}
    commenters = {n for n, u in personas.items() if permissions.can_comment(u, proposal)}
    assert commenters == {"facilitator", "member", "member2"}
    cosigners = {n for n, u in personas.items() if permissions.can_cosign(u, proposal)}
    assert cosigners == {"member", "member2"}  # the co-author supports it already


def test_only_co_authors_discuss_a_draft(draft, personas) -> None:
    commenters = {n for n, u in personas.items() if permissions.can_comment(u, draft)}
    assert commenters == {"facilitator"}


def test_facilitators_of_open_sessions_moderate(
    proposal, personas, session, closed_session
) -> None:
    # Ayşe facilitates the scheduled session; Mehmet only facilitated a closed one.
    moderators = {n for n, u in personas.items() if permissions.can_moderate(u, proposal)}
    assert moderators == {"facilitator"}


def test_a_facilitator_who_is_no_longer_a_member_does_not_moderate(
    proposal, facilitator, session
) -> None:
    Membership.objects.filter(user=facilitator).update(role=Role.OBSERVER)
    assert not permissions.can_moderate(facilitator, proposal)
