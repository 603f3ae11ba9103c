"""Secret ballots, once their round closes, cannot be linked to the people who cast them,
not even by whoever holds the database: the rows, their transaction ids and physical order,
the stances' serial ids, their times, the audit log, and a ``pg_dump``.

Each voter gives a reason only they gave, so a ballot that could be tied to a participation
row (which names the member) would name its voter. The attacks are tried while the round is
open, where the database's own bookkeeping still pairs them (docs/privacy.md says so), and
after it closes, where nothing may.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
from django.db import connection

from audit.models import Entry
from tests.conftest import make_user, need, uses_postgres
from tests.voting.conftest import check_in, new_decision
from voting import services
from voting.models import Participation, Stance

VOTERS = 12


@pytest.fixture
def secret_round(assembly: Any, present: Any, facilitator: Any) -> tuple[Any, dict[int, str]]:
    """A secret consent round in which twelve members (each checked in) cast, in order, a
    concern with a reason of their own. Returns the decision and member id → reason."""
    decision = new_decision(facilitator, session=present, policy={"secret": True})
    services.open_round(facilitator, decision.pk)
    truth: dict[int, str] = {}
    for n in range(VOTERS):
        voter = make_user(f"gizli{n}", f"Gizli Üye {n}")
        assembly.memberships.create(user=voter, role="member")
        check_in(present, voter)
        reason = f"Kendi gerekçem {n:02d}"
        services.cast_stance(voter, decision.pk, option="concern", reason=reason)
        truth[voter.pk] = reason
    return decision, truth


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def link_by_transaction(round_id: int) -> dict[int, str]:
    """An operator's attack: a participation and a ballot written in one transaction carry
    the same ``xmin``; where exactly one of each shares it, they belong together."""
    ballots = _rows("SELECT xmin::text, reason FROM voting_stance WHERE round_id = %s", [round_id])
    takers = _rows(
        "SELECT xmin::text, member_id FROM voting_participation WHERE round_id = %s", [round_id]
    )
    linked = {}
    for xmin, member in takers:
        same = [reason for x, reason in ballots if x == xmin]
        if len(same) == 1:
            linked[member] = same[0]
    return linked


def link_by_order(round_id: int) -> dict[int, str]:
    """Pair the n-th participation and the n-th ballot in the tables' physical order
    (``ctid``, which is also the order a ``pg_dump`` writes them in)."""
    ballots = _rows(
        "SELECT reason FROM voting_stance WHERE round_id = %s ORDER BY ctid", [round_id]
    )
    takers = _rows(
        "SELECT member_id FROM voting_participation WHERE round_id = %s ORDER BY ctid", [round_id]
    )
    return {m: r for (m,), (r,) in zip(takers, ballots, strict=True)}


def _dump(*tables: str) -> str:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--data-only", "--no-owner"]
    for table in tables:
        command += ["--table", table]
    command += [
        "-h",
        settings.get("HOST") or "127.0.0.1",
        "-p",
        str(settings.get("PORT") or 5432),
        "-U",
        settings.get("USER") or "postgres",
        settings["NAME"],
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def _copy_rows(dump: str, table: str) -> list[dict[str, str]]:
    """The rows of one table's ``COPY`` block, in the order the dump wrote them."""
    lines = dump.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"COPY public.{table} "))
    columns = lines[start].split("(", 1)[1].split(")", 1)[0].split(", ")
    rows = []
    for line in lines[start + 1 :]:
        if line == "\\.":
            break
        rows.append(dict(zip(columns, line.split("\t"), strict=True)))
    return rows


def test_the_ballots_keep_what_was_said_and_lose_their_order(secret_round, facilitator) -> None:
    decision, truth = secret_round
    round_ = decision.rounds.get()
    before_ids = set(Stance.objects.filter(round=round_).values_list("pk", flat=True))
    before_takers = set(Participation.objects.filter(round=round_).values_list("pk", flat=True))
    services.close_round(facilitator, decision.pk)
    ballots = list(Stance.objects.filter(round=round_).values("pk", "member", "reason", "cast_at"))
    # Nothing said is lost or doubled; nobody's name is on a ballot.
    assert sorted(b["reason"] for b in ballots) == sorted(truth.values())
    assert {b["member"] for b in ballots} == {None}
    assert set(Participation.objects.filter(round=round_).values_list("member_id", flat=True)) == (
        set(truth)
    )
    # New serial ids and participation keys: the old ones told the order of casting.
    assert not before_ids & {b["pk"] for b in ballots}
    assert not before_takers & set(
        Participation.objects.filter(round=round_).values_list("pk", flat=True)
    )
    # Every ballot carries the round's opening time.
    assert {b["cast_at"] for b in ballots} == {round_.opened_at}
    # The id order is not the order of casting (chance: 1 in 12!).
    by_id = [b["reason"] for b in sorted(ballots, key=lambda b: b["pk"])]
    assert by_id != sorted(truth.values())
    # The tally of the closed round is the one the voters gave.
    round_.refresh_from_db()
    assert round_.result["tally"]["counts"]["concern"] == VOTERS


def test_the_audit_log_names_no_ballot(secret_round, facilitator) -> None:
    decision, _truth = secret_round
    services.close_round(facilitator, decision.pk)
    assert not Entry.objects.filter(object_type__in=["stance", "participation"]).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_operator_cannot_link_a_closed_rounds_ballots(secret_round, facilitator) -> None:
    need(uses_postgres(), "this attack reads PostgreSQL's own bookkeeping (xmin, ctid, pg_dump)")
    decision, truth = secret_round
    round_id = decision.rounds.get().pk

    # While the round is open, the database itself pairs ballot and person (documented).
    assert link_by_transaction(round_id) == truth
    assert link_by_order(round_id) == truth

    services.close_round(facilitator, decision.pk)

    assert link_by_transaction(round_id) == {}  # all share the closing transaction's id
    assert (
        len(
            {
                x
                for (x,) in _rows(
                    "SELECT xmin::text FROM voting_stance WHERE round_id = %s "
                    "UNION SELECT xmin::text FROM voting_participation WHERE round_id = %s",
                    [round_id, round_id],
                )
            }
        )
        == 1
    )
    assert link_by_order(round_id) != truth  # chance: 1 in 12!

    dump = _dump("voting_stance", "voting_participation", "audit_entry")
    ballots = [r for r in _copy_rows(dump, "voting_stance") if r["round_id"] == str(round_id)]
    takers = [r for r in _copy_rows(dump, "voting_participation") if r["round_id"] == str(round_id)]
    assert len(ballots) == len(takers) == VOTERS
    assert {b["member_id"] for b in ballots} == {"\\N"}
    assert len({(b["cast_at"], b["updated_at"]) for b in ballots}) == 1
    # The dump's order of ballots, by row or by id, is not the order people cast them in;
    # pairing the dump's rows in order does not name the voters.
    dumped = [b["reason"] for b in ballots]
    by_id = [b["reason"] for b in sorted(ballots, key=lambda b: int(b["id"]))]
    cast_order = [truth[m] for m in sorted(truth)]
    assert dumped != cast_order and by_id != cast_order
    paired = {int(t["member_id"]): b["reason"] for t, b in zip(takers, ballots, strict=True)}
    assert paired != truth
    # The audit log knows the decision, never a ballot.
    audit = _copy_rows(dump, "audit_entry")
    assert not [a for a in audit if a["object_type"] in {"stance", "participation"}]
