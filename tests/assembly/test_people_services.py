"""Planning sessions, invitations and profiles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly import permissions, services
from assembly.models import (
    AgendaItem,
    Invitation,
    Membership,
    Role,
    Session,
    SessionTask,
    Task,
    Visibility,
)
from tests.assembly.helpers import refused
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


# --- plan_session ----------------------------------------------------------------------------


def test_plan_a_session(assembly, member, member2, facilitator) -> None:
    assembly.default_speaking_seconds = 150
    assembly.save()
    starts = timezone.now() + timedelta(days=3)
    session = services.plan_session(
        member,
        assembly,
        title="  Aralık Meclisi ",
        starts_at=starts,
        visibility=Visibility.PUBLIC,
        facilitators=[member2.pk],
        note_takers=[facilitator.pk],
        agenda=[("Açılış", 5), ("Bütçe", 40)],
    )
    assert (session.title, session.status, session.seq) == ("Aralık Meclisi", "scheduled", 0)
    assert session.starts_at == starts
    assert session.speaking_seconds == 150  # the assembly's default
    assert session.created_by == member
    tasks = {(t.user_id, t.task) for t in SessionTask.objects.filter(session=session)}
    assert tasks == {(member2.pk, Task.FACILITATOR), (facilitator.pk, Task.NOTE_TAKER)}
    agenda = list(AgendaItem.objects.filter(session=session))
    assert [(i.title, i.minutes_budget) for i in agenda] == [("Açılış", 5), ("Bütçe", 40)]
    assert agenda[0].position < agenda[1].position
    assert permissions.is_facilitator(member2, session)
    assert not permissions.is_facilitator(member, session)


def test_plan_with_own_speaking_time(assembly, member) -> None:
    session = services.plan_session(
        member,
        assembly,
        title="Kısa",
        starts_at=timezone.now(),
        visibility=Visibility.MEMBERS,
        speaking_seconds=45,
    )
    assert session.speaking_seconds == 45


@pytest.mark.parametrize("persona", ["observer", "outsider"])
@pytest.mark.parametrize("field", ["facilitators", "note_takers"])
def test_tasks_go_only_to_members(request, assembly, member, persona, field) -> None:
    stranger = request.getfixturevalue(persona)
    pks = [member.pk, stranger.pk]
    with refused("invalid") as info:
        services.plan_session(
            member,
            assembly,
            title="X",
            starts_at=timezone.now(),
            visibility=Visibility.MEMBERS,
            facilitators=pks if field == "facilitators" else [],
            note_takers=pks if field == "note_takers" else [],
        )
    assert info.value.fields
    assert not Session.objects.exists()
    assert not SessionTask.objects.exists()


@pytest.mark.parametrize("persona", ["observer", "outsider", "anonymous"])
def test_only_members_plan_sessions(request, assembly, persona) -> None:
    with refused("forbidden"):
        services.plan_session(
            request.getfixturevalue(persona),
            assembly,
            title="X",
            starts_at=timezone.now(),
            visibility=Visibility.MEMBERS,
        )
    assert not Session.objects.exists()


# --- Invitations ---------------------------------------------------------------------------


def test_a_member_invites(assembly, member) -> None:
    invitation = services.create_invitation(member, assembly)
    assert invitation.assembly == assembly
    assert invitation.role == Role.MEMBER
    assert invitation.created_by == member
    assert len(invitation.token) >= 20
    assert invitation.expires_at > timezone.now() + timedelta(days=services.INVITATION_DAYS - 1)
    assert invitation.uses == 0
    other = services.create_invitation(member, assembly, Role.OBSERVER)
    assert other.token != invitation.token
    assert other.role == Role.OBSERVER


@pytest.mark.parametrize("persona", ["observer", "outsider", "anonymous"])
def test_only_members_invite(request, assembly, persona) -> None:
    with refused("forbidden"):
        services.create_invitation(request.getfixturevalue(persona), assembly)
    assert not Invitation.objects.exists()


@pytest.fixture
def newcomer(db):
    return make_user("yeni", "Yeni Üye")


def test_accept_an_invitation(assembly, member, newcomer) -> None:
    invitation = services.create_invitation(member, assembly)
    assert services.valid_invitation(invitation.token) == invitation
    membership = services.accept_invitation(newcomer, invitation.token)
    assert (membership.assembly_id, membership.user_id, membership.role) == (
        assembly.pk,
        newcomer.pk,
        Role.MEMBER,
    )
    invitation.refresh_from_db()
    assert invitation.uses == 1
    assert permissions.is_member(newcomer, assembly.pk)


def test_accepting_twice_does_not_count_twice(assembly, member, newcomer) -> None:
    invitation = services.create_invitation(member, assembly)
    first = services.accept_invitation(newcomer, invitation.token)
    second = services.accept_invitation(newcomer, invitation.token)
    assert first.pk == second.pk
    invitation.refresh_from_db()
    assert invitation.uses == 1
    assert Membership.objects.filter(user=newcomer).count() == 1


def test_an_observer_invitation_makes_an_observer(assembly, member, newcomer) -> None:
    invitation = services.create_invitation(member, assembly, Role.OBSERVER)
    services.accept_invitation(newcomer, invitation.token)
    assert permissions.membership_role(newcomer, assembly.pk) == Role.OBSERVER
    assert not permissions.is_member(newcomer, assembly.pk)


def test_an_expired_invitation_is_refused(assembly, member, newcomer) -> None:
    invitation = services.create_invitation(member, assembly)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with refused("conflict"):
        services.accept_invitation(newcomer, invitation.token)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_used_up_invitation_is_refused(assembly, member, newcomer) -> None:
    invitation = services.create_invitation(member, assembly)
    Invitation.objects.filter(pk=invitation.pk).update(max_uses=1)
    services.accept_invitation(make_user("ilk", "İlk Gelen"), invitation.token)
    with refused("conflict"):
        services.accept_invitation(newcomer, invitation.token)
    invitation.refresh_from_db()
    assert invitation.uses == 1
    assert not Membership.objects.filter(user=newcomer).exists()


def test_an_unknown_invitation(newcomer) -> None:
    with refused("not_found"):
        services.accept_invitation(newcomer, "no-such-token")
    with refused("not_found"):
        services.valid_invitation("no-such-token")


# --- Profile -------------------------------------------------------------------------------------


def test_update_profile(member) -> None:
    services.update_profile(member, display_name="  Memo ", language="en")
    member.refresh_from_db()
    assert (member.display_name, member.language, member.public_name) == ("Memo", "en", "Memo")
    with pytest.raises(ValueError):
        services.update_profile(member, display_name="x", language="xx")
