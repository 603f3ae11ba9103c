"""Create an assembly with N logged-in members in a live session, for load and acceptance tests.

See docs/protocol.md and the README. Refuses to run unless DEBUG is on or
ORTAK_ALLOW_FIXTURES=1, because it writes ready-made login sessions.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from assembly.models import (
    Assembly,
    Attendance,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    Task,
    User,
    Visibility,
)
from proposals.models import Proposal
from voting.domain import PolicyError, parse_policy
from voting.services import create_decision, open_round

METHODS = ("consent", "consensus", "gradients", "temperature", "ranked")
BATCH = 1000


class Command(BaseCommand):
    help = "Create a live session with N logged-in members and write their session cookies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, required=True)
        parser.add_argument("--method", choices=METHODS, default="consent")
        parser.add_argument("--policy", default="{}", help="decision policy as a JSON object")
        parser.add_argument("--alternatives", type=int, default=3)
        parser.add_argument("--public", action="store_true")
        parser.add_argument("--out", required=True, help="file to write the JSON to")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.ORTAK_ALLOW_FIXTURES):
            raise CommandError("live_fixture runs only with DEBUG on or ORTAK_ALLOW_FIXTURES=1.")
        count = options["members"]
        if not 1 <= count <= 100_000:
            raise CommandError("--members must be between 1 and 100000.")
        if not 2 <= options["alternatives"] <= 50:
            raise CommandError("--alternatives must be between 2 and 50.")
        try:
            policy = json.loads(options["policy"])
        except ValueError as exc:
            raise CommandError(f"--policy is not JSON: {exc}") from None
        if not isinstance(policy, dict):
            raise CommandError("--policy must be a JSON object.")
        try:
            parse_policy(policy)
        except PolicyError as exc:
            raise CommandError(f"--policy: {exc}") from None
        result = build_fixture(
            count,
            public=options["public"],
            method=options["method"],
            policy=policy,
            alternatives=options["alternatives"],
        )
        Path(options["out"]).write_text(json.dumps(result), encoding="utf-8")
        self.stdout.write(
            f"assembly {result['assembly']['slug']}: session {result['session']}, "
            f"{count} members → {options['out']}"
        )


ALTERNATIVE_TITLES = [
    "Mahalle meclisleri her ay toplansın",
    "Mahalle meclisleri iki ayda bir toplansın",
    "Yalnız acil durumlarda toplanılsın",
    "Toplantılar dönüşümlü mahallelerde yapılsın",
    "Çevrimiçi ve yüz yüze karma toplantılar",
]


@transaction.atomic
def build_fixture(
    count: int,
    *,
    public: bool,
    method: str = "consent",
    policy: dict[str, Any] | None = None,
    alternatives: int = 3,
) -> dict[str, Any]:
    tag = secrets.token_hex(4)
    now = timezone.now()
    assembly = Assembly.objects.create(
        name=f"Yük deneme meclisi {tag}", slug=f"yuk-{tag}", is_public=public
    )
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"yuk-{tag}-{i}",
                display_name=f"Üye {i}",
                password=unusable,
                language="tr",
            )
            for i in range(1, count + 1)
        ],
        batch_size=BATCH,
    )
    if not all(u.pk for u in users):  # backends that return no ids from bulk_create
        users = list(User.objects.filter(username__startswith=f"yuk-{tag}-").order_by("id"))
    Membership.objects.bulk_create(
        [Membership(assembly=assembly, user=u, role=Role.MEMBER) for u in users],
        batch_size=BATCH,
    )
    session = Session.objects.create(
        assembly=assembly,
        title=f"Yük deneme oturumu {tag}",
        starts_at=now,
        status=SessionStatus.LIVE,
        visibility=Visibility.PUBLIC if public else Visibility.MEMBERS,
        speaking_seconds=assembly.default_speaking_seconds,
    )
    facilitator = users[0]
    SessionTask.objects.create(session=session, user=facilitator, task=Task.FACILITATOR)
    Attendance.objects.bulk_create(
        [Attendance(session=session, member=u, checked_in_at=now) for u in users],
        batch_size=BATCH,
    )
    proposal = Proposal.objects.create(
        assembly=assembly,
        title="Mahalle su kesintilerine ortak yanıt",
        text="Su kesintilerinde mahalle dayanışma ağını harekete geçiririz.",
        created_by=facilitator,
    )
    decision = create_decision(
        facilitator,
        assembly=assembly,
        session=session,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method=method,
        policy=policy or {},
        alternatives=[
            (
                ALTERNATIVE_TITLES[i % len(ALTERNATIVE_TITLES)] + (f" ({i + 1})" if i >= 5 else ""),
                "",
            )
            for i in range(alternatives)
        ]
        if method == "ranked"
        else (),
    )
    open_round(facilitator, decision.pk, seconds=None)
    cookies = _login_sessions(users, now)
    members = [{"id": u.pk, "sessionid": cookies[u.pk]} for u in users]
    return {
        "assembly": {"id": assembly.pk, "slug": assembly.slug},
        "session": session.pk,
        "decision": decision.pk,
        "proposal": proposal.pk,
        "ws_path": f"/ws/sessions/{session.pk}/",
        "alternatives": [
            {"key": a.key, "title": a.title} for a in decision.alternatives.order_by("position")
        ],
        "facilitator": members[0],
        "members": members,
    }


def _login_sessions(users: list[User], now: Any) -> dict[int, str]:
    """Ready-made logged-in sessions in the database backend, without password hashing."""
    store = SessionStore()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows = []
    keys: dict[int, str] = {}
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(
            DjangoSession(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        keys[user.pk] = key
    DjangoSession.objects.bulk_create(rows, batch_size=BATCH)
    return keys
