"""Proposals to act on, written by the facilitator persona (Ayşe) of ``assembly``.

- ``draft``: a draft of three paragraphs; Ayşe is its only co-author.
- ``proposal``: the same, opened for discussion.
- ``closed_session``: a closed session of the assembly where the member facilitated
  (facilitating a closed session does not make anyone a moderator).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assembly.models import Assembly, Session, SessionStatus, SessionTask, Task, User
from proposals import services
from proposals.models import Proposal
from tests.realtime.conftest import db_seq, personas, sockets  # noqa: F401  (fixtures)

TEXT = (
    "Mahalle bostanına yağmur suyu deposu kurulur.\n\n"
    "Depo, İzmir'de yazın sulamaya yetecek büyüklükte olur.\n\n"
    "Bakımını gönüllüler sırayla üstlenir."
)


def make_proposal(author: User, assembly: Assembly, *, text: str = TEXT, **extra: Any) -> Proposal:
    return services.create_proposal(
        author, assembly=assembly, title="Yağmur suyu deposu", text=text, **extra
    )


@pytest.fixture
def draft(assembly: Assembly, facilitator: User) -> Proposal:
    return make_proposal(facilitator, assembly)


@pytest.fixture
def proposal(draft: Proposal, facilitator: User) -> Proposal:
    return services.change_state(facilitator, draft.pk, "open_discussion")


@pytest.fixture
def closed_session(assembly: Assembly, member: User) -> Session:
    session = Session.objects.create(
        assembly=assembly,
        title="Ekim Genel Meclisi",
        starts_at=timezone.now() - timedelta(days=30),
        status=SessionStatus.CLOSED,
    )
    SessionTask.objects.create(session=session, user=member, task=Task.FACILITATOR)
    return session


def client_for(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client
