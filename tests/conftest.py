"""Fixed personas and a live session to act in.

Personas: facilitator, member, observer, outsider, anonymous, and for the
permission matrix wg_member and operator. The facilitator and the member are
members of ``assembly``; the observer watches; the outsider belongs to another
assembly; the working-group member is a member of ``assembly`` and of its
working group ``water``; the operator runs the site (staff) and belongs to no
assembly.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import hypothesis
import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from assembly.models import (
    AgendaItem,
    Assembly,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    Task,
    User,
    Visibility,
    WorkingGroup,
    WorkingGroupMembership,
)
from realtime import dbpool, publish

STRICT = os.environ.get("ORTAK_TEST_STRICT") == "1"

# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
hypothesis.settings.register_profile("ortak", deadline=None)
hypothesis.settings.load_profile("ortak")


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail under ORTAK_TEST_STRICT=1."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"ORTAK_TEST_STRICT=1 and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On SQLite, the test database is a file rather than Django's shared in-memory one.
    The live path reads on its own database threads; in a shared-cache memory database a
    write that meets another thread's read fails at once ("database table is locked")
    instead of waiting its turn, as it does in a file."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    folder = Path(tempfile.gettempdir())
    test: dict[str, Any] = dict(cast("dict[str, Any]", database.get("TEST") or {}))
    test["NAME"] = str(folder / f"ortak-test-{os.getpid()}.sqlite3")
    database["TEST"] = test


@pytest.fixture(scope="session", autouse=True)
def _live_connections_closed_last(django_db_setup: Any) -> Any:
    """The live path's database threads keep their connections between jobs: close them
    before the test database is dropped (which PostgreSQL refuses while they are open)."""
    yield
    dbpool.close_connections()


@pytest.fixture
def no_pool_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests without the database that still run jobs on the live path's threads: a
    thread that ran an earlier test's job keeps its connection, and checking it (every
    ``CHECK_EVERY_SECONDS``, so depending on timing) would touch the database that
    pytest-django forbids here. Threads that never had a connection check nothing."""
    monkeypatch.setattr(dbpool, "CHECK_EVERY_SECONDS", float("inf"))


@pytest.fixture(autouse=True)
def _fast_coalescing(settings: Any) -> None:
    settings.ORTAK_COALESCE_SECONDS = 0.01
    settings.ORTAK_PRESENCE_SECONDS = 0.01
    settings.ORTAK_WS_MEMBER_RATE_PER_SECOND = 1000
    settings.ORTAK_SCHEDULER = False  # tests of deadlines turn it on
    publish._pending.clear()
    publish._last_sent.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(request: pytest.FixtureRequest, settings: Any) -> None:
    # PBKDF2 takes a good part of a second per persona; in-process tests need no strong
    # hashes. Browser tests log in to a separate server, which must read the hashes.
    if "tests/e2e/" not in request.node.nodeid:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, name: str, **extra: Any) -> User:
    return User.objects.create_user(username=username, password="x", display_name=name, **extra)


@pytest.fixture
def assembly(db: Any) -> Assembly:
    return Assembly.objects.create(name="İKHM Genel Meclisi", slug="ikhm")


@pytest.fixture
def facilitator(assembly: Assembly) -> User:
    user = make_user("ayse", "Ayşe Yılmaz")
    Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def member(assembly: Assembly) -> User:
    user = make_user("mehmet", "Mehmet Demir")
    Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def member2(assembly: Assembly) -> User:
    user = make_user("zeynep", "Zeynep Kaya")
    Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def observer(assembly: Assembly) -> User:
    user = make_user("gozlem", "Gül İzler")
    Membership.objects.create(assembly=assembly, user=user, role=Role.OBSERVER)
    return user


@pytest.fixture
def outsider(db: Any) -> User:
    other = Assembly.objects.create(name="Başka Meclis", slug="baska")
    user = make_user("disarida", "Oğuz Dışarıda")
    Membership.objects.create(assembly=other, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def working_group(assembly: Assembly) -> WorkingGroup:
    return WorkingGroup.objects.create(assembly=assembly, name="Su Çalışma Grubu", slug="su")


@pytest.fixture
def wg_member(assembly: Assembly, working_group: WorkingGroup) -> User:
    user = make_user("elif", "Elif Su")
    Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
    WorkingGroupMembership.objects.create(group=working_group, user=user)
    return user


@pytest.fixture
def operator(db: Any) -> User:
    """Runs the site (Django admin); no member of any assembly."""
    return make_user("operator", "İşletmen", is_staff=True, is_superuser=True)


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()


@pytest.fixture
def session(assembly: Assembly, facilitator: User) -> Session:
    """A scheduled, members-only session with two agenda items; Ayşe facilitates."""
    session = Session.objects.create(
        assembly=assembly,
        title="Kasım Genel Meclisi",
        starts_at=timezone.now() + timedelta(hours=1),
        speaking_seconds=120,
    )
    SessionTask.objects.create(session=session, user=facilitator, task=Task.FACILITATOR)
    AgendaItem.objects.create(session=session, position=1, title="Açılış", minutes_budget=5)
    AgendaItem.objects.create(
        session=session, position=2, title="Su kesintileri", minutes_budget=30
    )
    return session


@pytest.fixture
def live_session(session: Session) -> Session:
    session.status = SessionStatus.LIVE
    session.save(update_fields=["status"])
    return session


@pytest.fixture
def public_session(live_session: Session) -> Session:
    live_session.visibility = Visibility.PUBLIC
    live_session.save(update_fields=["visibility"])
    return live_session


@pytest.fixture
def member2_note_taker(live_session: Session, member2: User) -> User:
    """Zeynep takes the notes of the live session."""
    SessionTask.objects.create(session=live_session, user=member2, task=Task.NOTE_TAKER)
    return member2


def uses_postgres() -> bool:
    from django.conf import settings

    return str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")


def uses_redis() -> bool:
    from django.conf import settings

    return str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).startswith("channels_redis")
