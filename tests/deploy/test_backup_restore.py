"""A backup restores the register exactly (docs/deploy.md, "Backups and restore").

The register is filled through the services, dumped with ``pg_dump``, restored with
``pg_restore`` into a fresh database, and the register's JSON and CSV exports of both
databases, made by the same code in a separate process, must be byte-identical.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from assembly.models import Assembly, Membership, Role
from tests.conftest import make_user, need, uses_postgres
from tests.voting.conftest import new_decision
from voting import services
from voting.models import Record

pytestmark = pytest.mark.django_db(transaction=True)

# Run in a fresh process against one database: the exports a member sees.
EXPORT = """
import sys
import django
django.setup()
from django.test import Client
from assembly.models import User
client = Client()
client.force_login(User.objects.get(username="alev"))
for url, path in (("/decisions/export.json", sys.argv[1]), ("/decisions/export.csv", sys.argv[2])):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    with open(path, "wb") as handle:
        handle.write(response.content)
"""


def _conninfo(name: str) -> tuple[list[str], str]:
    """libpq options for the client tools, and a DATABASE_URL, for database ``name``."""
    db = settings.DATABASES["default"]
    host, port, user = (str(db.get(key) or "") for key in ("HOST", "PORT", "USER"))
    options = [*(["-h", host] if host else []), *(["-p", port] if port else [])]
    options += ["-U", user] if user else []
    auth = f"{user}@" if user else ""
    return options, f"postgres://{auth}{host}{':' + port if port else ''}/{name}"


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGPASSWORD": str(settings.DATABASES["default"].get("PASSWORD") or "")}
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, **kwargs)


def _export(name: str, folder: Path) -> tuple[bytes, bytes]:
    _options, url = _conninfo(name)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DEBUG"}
    }
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="testserver",
        ORTAK_ALLOW_EMBEDDED="1",
    )
    json_path, csv_path = folder / f"{name}.json", folder / f"{name}.csv"
    subprocess.run(
        [sys.executable, "-c", EXPORT, str(json_path), str(csv_path)],
        check=True,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return json_path.read_bytes(), csv_path.read_bytes()


def _fill_register() -> list[Record]:
    """Records of every kind: adopted with named dissent, ranked with its matrix, secret,
    superseded, under review, of a public and of a members-only assembly."""
    public = Assembly.objects.create(name="İKHM Genel Meclisi", slug="ikhm", is_public=True)
    closed = Assembly.objects.create(name="Konut Hakkı Çalışma Grubu", slug="konut")
    people = [make_user(u, n) for u, n in (("alev", "Alev Şahin"), ("cem", "Cem Öztürk"))]
    people.append(make_user("ilke", "İlke Ağaoğlu"))
    for assembly in (public, closed):
        for person in people:
            Membership.objects.create(assembly=assembly, user=person, role=Role.MEMBER)
    alev, cem, ilke = people
    records = []

    def decide(assembly: Assembly, stances: list[tuple[Any, ...]], **kwargs: Any) -> Any:
        decision = new_decision(alev, assembly=assembly, **kwargs)
        services.open_round(alev, decision.pk, seconds=3600)
        for user, choice, *reason in stances:
            if isinstance(choice, list):
                services.cast_stance(user, decision.pk, ranking=choice)
            else:
                services.cast_stance(user, decision.pk, option=choice, reason=(reason or [""])[0])
        services.close_round(alev, decision.pk)
        return decision

    first = decide(
        public,
        [(alev, "consent"), (cem, "concern", 'Gölge "kalmaz"; =1+1'), (ilke, "consent")],
        title="Yağmur suyu deposu",
    )
    records.append(services.record_decision(alev, first.pk, statement="Depo kurulsun."))
    ranked = decide(
        public,
        [
            (alev, ["alt-1", "alt-2", "status_quo"]),
            (cem, ["alt-2", "alt-1", "status_quo"]),
            (ilke, ["alt-1", "status_quo", "alt-2"]),
        ],
        title="Bostanın yeri",
        method="ranked",
        alternatives=[("Parkın kuzeyi", "Kuzey."), ("Okulun yanı", "Okul.")],
    )
    records.append(
        services.record_decision(
            alev,
            ranked.pk,
            statement="Bostan parkın kuzeyine.",
            review_at=timezone.localdate() - timedelta(days=1),
        )
    )
    secret = decide(
        closed,
        [(alev, "consent"), (cem, "objection", "Kira artar."), (ilke, "concern", "Süre kısa.")],
        title="Kira dayanışması",
        policy={"secret": True},
    )
    records.append(services.record_decision(alev, secret.pk, statement="Yeniden görüşülecek."))
    later = decide(public, [(alev, "consent"), (cem, "consent")], title="Yeni depo")
    records.append(
        services.record_decision(
            alev, later.pk, statement="Depo büyütülsün.", supersedes=records[0].ref
        )
    )
    return records


def test_a_restored_dump_reproduces_the_register_exactly(tmp_path) -> None:
    need(uses_postgres(), "PostgreSQL is not configured (DATABASE_URL)")
    for tool in ("pg_dump", "pg_restore", "psql"):
        need(shutil.which(tool) is not None, f"{tool} is not installed")
    records = _fill_register()
    assert len(records) == 4
    source = str(settings.DATABASES["default"]["NAME"])
    restored = f"{source}_restored"
    options, _url = _conninfo(source)
    dump = tmp_path / "ortak.dump"
    _run(["pg_dump", *options, "--format=custom", "--no-owner", f"--file={dump}", source])
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        _run(["pg_restore", *options, "--no-owner", "--exit-on-error", "-d", restored, str(dump)])
        original_json, original_csv = _export(source, tmp_path)
        restored_json, restored_csv = _export(restored, tmp_path)
        assert original_json == restored_json
        assert original_csv == restored_csv
        # The exports hold the whole register, Turkish letters and dissent included.
        text = original_json.decode()
        for ref in (r.ref for r in records):
            assert f'"ref": "{ref}"' in text
        assert "Cem Öztürk" in text  # a named concern
        assert "Kira artar." in text  # a secret objection's reason, without a name
        assert '"winner": "alt-1"' in text  # the ranked decision's result
        assert original_csv.decode().count("\n") >= 5
        # The backup keeps the audit log's guard: the restored log refuses changes too.
        failed = subprocess.run(
            ["psql", *options, "-d", restored, "-c", "UPDATE audit_entry SET action = 'x'"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert failed.returncode != 0 and "append-only" in failed.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
