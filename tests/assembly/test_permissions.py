"""The access gates for each persona (assembly.permissions)."""

from __future__ import annotations

import pytest

from assembly import permissions
from assembly.models import Visibility
from common.errors import NotFound, ServiceError

pytestmark = pytest.mark.django_db

PERSONAS = ["facilitator", "member", "member2", "observer", "outsider", "anonymous"]

# persona: (view members-only session, take part, facilitate, take notes, volunteer)
EXPECTED = {
    "facilitator": (True, True, True, True, True),
    "member": (True, True, False, False, True),
    "member2": (True, True, False, False, True),
    "observer": (True, False, False, False, False),
    "outsider": (False, False, False, False, False),
    "anonymous": (False, False, False, False, False),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_session_gates(request, live_session, persona) -> None:
    user = request.getfixturevalue(persona)
    got = (
        permissions.can_view_session(user, live_session),
        permissions.can_take_part(user, live_session),
        permissions.is_facilitator(user, live_session),
        permissions.can_take_notes(user, live_session),
        permissions.session_role(user, live_session) != "watcher",  # may take on a task
    )
    assert got == EXPECTED[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_anyone_views_a_public_session_but_only_members_act(
    request, public_session, persona
) -> None:
    user = request.getfixturevalue(persona)
    assert permissions.can_view_session(user, public_session)
    assert permissions.get_session_for_user(user, public_session.pk) == public_session
    assert permissions.can_take_part(user, public_session) == EXPECTED[persona][1]
    assert permissions.is_facilitator(user, public_session) == EXPECTED[persona][2]


@pytest.mark.parametrize("persona", ["outsider", "anonymous"])
def test_a_hidden_session_is_not_found(request, live_session, persona) -> None:
    with pytest.raises(NotFound):
        permissions.get_session_for_user(request.getfixturevalue(persona), live_session.pk)


GATES = {
    "take part": lambda user, session: permissions.require(user, session, "hand.raise"),
    "facilitate": lambda user, session: permissions.require(user, session, "queue.next"),
    "take notes": lambda user, session: permissions.require(user, session, "minutes.save"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("visibility", [Visibility.MEMBERS, Visibility.PUBLIC])
def test_a_gate_tells_strangers_only_that_there_is_no_such_session(
    request, live_session, persona, visibility
) -> None:
    """A refusal says why to those who may see the session; to anyone else it says what
    its pages say, that there is no such session (403 would tell that it exists)."""
    live_session.visibility = visibility
    live_session.save(update_fields=["visibility"])
    user = request.getfixturevalue(persona)
    sees = permissions.can_view_session(user, live_session)
    for column, gate in enumerate(GATES.values(), start=1):
        if EXPECTED[persona][column]:
            gate(user, live_session)  # passes
            continue
        with pytest.raises(ServiceError) as refusal:
            gate(user, live_session)
        assert refusal.value.code == ("forbidden" if sees else "not_found")


def test_an_unknown_session_is_not_found(member) -> None:
    with pytest.raises(NotFound):
        permissions.get_session_for_user(member, 10**6)


def test_note_taker_task(live_session, member2_note_taker) -> None:
    assert permissions.can_take_notes(member2_note_taker, live_session)
    assert not permissions.is_facilitator(member2_note_taker, live_session)


def test_a_task_without_membership_gives_no_power(live_session, observer) -> None:
    from assembly.models import SessionTask, Task

    SessionTask.objects.create(session=live_session, user=observer, task=Task.FACILITATOR)
    assert not permissions.is_facilitator(observer, live_session)
    assert not permissions.can_take_notes(observer, live_session)


def test_tasks_belong_to_one_session(live_session, facilitator, assembly) -> None:
    from django.utils import timezone

    from assembly.models import Session

    other = Session.objects.create(assembly=assembly, title="Diğer", starts_at=timezone.now())
    assert permissions.is_facilitator(facilitator, live_session)
    assert not permissions.is_facilitator(facilitator, other)


@pytest.mark.parametrize(
    ("persona", "view", "invite"),
    [
        ("member", True, True),
        ("observer", True, False),
        ("outsider", False, False),
        ("anonymous", False, False),
    ],
)
def test_assembly_gates(request, assembly, persona, view, invite) -> None:
    user = request.getfixturevalue(persona)
    assert permissions.can_view_assembly(user, assembly) == view
    assert permissions.can_invite(user, assembly) == invite
    assert permissions.can_plan_session(user, assembly) == invite
    if view:
        assert permissions.get_assembly_for_user(user, assembly.slug) == assembly
    else:
        with pytest.raises(NotFound):
            permissions.get_assembly_for_user(user, assembly.slug)


def test_a_public_assembly_is_visible_to_all(assembly, anonymous, outsider) -> None:
    assembly.is_public = True
    assembly.save()
    assert permissions.can_view_assembly(anonymous, assembly)
    assert permissions.can_view_assembly(outsider, assembly)
    assert not permissions.can_invite(outsider, assembly)


def test_members_only_is_the_default(session) -> None:
    assert session.visibility == Visibility.MEMBERS
