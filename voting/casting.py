"""Casting stances: the hottest write of a live session.

A cast is one read (:data:`_CAST_READ`: the decision, its open round locked, and the
caster's standing by :mod:`voting.eligibility`) and, on PostgreSQL, one write: a first
stance, a change or a secret ballot each take a single statement. Many casts that arrive
together (a vote storm, batched by the socket layer) share one transaction, one read per
decision, one insert for all first stances and one commit (:func:`cast_stances`); a
single cast is the one-item case of it (:func:`cast_stance`).

Other databases (SQLite for development) take the ORM's way for the writes, a few
statements more, through the same checks.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import Conflict, Invalid, NotFound, ServiceError
from voting import domain, eligibility, permissions, selectors, tallies
from voting.models import Decision, Participation, Round, Stance, StanceChange

# The read of a cast: the decision, the open round (locked), and the caster's standing.
# One statement instead of one per fact. The round is locked ``FOR KEY SHARE``: casts do
# not wait for each other, and a close (``FOR UPDATE`` on the round) waits for the casts
# that read the round open, while a cast that comes after a close finds no open round.
# SQLite has no row locks and needs none: it lets one writer in at a time.
_CAST_READ = f"""
WITH open_round AS (
    SELECT id, number, closes_at FROM voting_round
    WHERE decision_id = %(decision)s AND closed_at IS NULL {{lock}}
)
SELECT d.*,
    {eligibility.standing_sql("d", "%(user)s", prefix="cast_")},
    r.id AS cast_round_id,
    r.number AS cast_round_number,
    (r.closes_at IS NOT NULL AND r.closes_at <= %(now)s) AS cast_round_due,
    (SELECT s.id FROM voting_stance s
        WHERE s.round_id = r.id AND s.member_id = %(user)s) AS cast_stance_id
FROM voting_decision d LEFT JOIN open_round r ON TRUE
WHERE d.id = %(decision)s
"""  # noqa: S608 (constant text)

# A first stance, unless the member has one (cast a moment ago from another tab).
_CAST_INSERT = """
INSERT INTO voting_stance (round_id, member_id, option, ranking, reason, cast_at,
    updated_at, resolution, resolution_note, resolved_at)
VALUES (%(round)s, %(user)s, %(option)s, %(ranking)s, %(reason)s, %(now)s, %(now)s,
    %(resolution)s, '', NULL)
ON CONFLICT (round_id, member_id) WHERE member_id IS NOT NULL DO NOTHING
RETURNING id
"""

# A changed stance, its earlier form kept as a StanceChange: ``earlier`` locks the row and
# sees its latest committed form (another tab's change included), the update returns it,
# and the history row is made of it.
_CAST_CHANGE = """
WITH earlier AS (
    SELECT id, option, ranking, reason, updated_at FROM voting_stance
    WHERE round_id = %(round)s AND member_id = %(user)s FOR UPDATE
), changed AS (
    UPDATE voting_stance SET option = %(option)s, ranking = %(ranking)s,
        reason = %(reason)s, updated_at = %(now)s
    FROM earlier WHERE voting_stance.id = earlier.id
    RETURNING earlier.id, earlier.option, earlier.ranking, earlier.reason, earlier.updated_at
)
INSERT INTO voting_stancechange (stance_id, option, ranking, reason, cast_at)
SELECT id, option, ranking, reason, updated_at FROM changed
RETURNING stance_id
"""

# A secret ballot: the participation, and the ballot only if the participation is new.
# The ballot carries the round's opening time, so that no time of its own ties it to
# the participation.
_CAST_BALLOT = """
WITH taking_part AS (
    INSERT INTO voting_participation (id, round_id, member_id)
    VALUES (%(participation)s, %(round)s, %(user)s)
    ON CONFLICT (round_id, member_id) DO NOTHING
    RETURNING round_id
)
INSERT INTO voting_stance (round_id, member_id, option, ranking, reason, cast_at,
    updated_at, resolution, resolution_note, resolved_at)
SELECT r.id, NULL, %(option)s, %(ranking)s, %(reason)s, r.opened_at, r.opened_at,
    %(resolution)s, '', NULL
FROM taking_part JOIN voting_round r ON r.id = taking_part.round_id
RETURNING id
"""


# The standings of many casters at once (see ``_CAST_READ`` for the one-caster form).
_CAST_STANDINGS = f"""
SELECT u.id, {eligibility.standing_sql("d", "u.id")},
    (SELECT s.id FROM voting_stance s WHERE s.round_id = %s AND s.member_id = u.id)
FROM assembly_user u JOIN voting_decision d ON d.id = %s
WHERE u.id IN ({{users}})
"""  # noqa: S608 (constant text)

# First stances of many members in one statement; those who had one are skipped.
_CAST_INSERT_MANY = """
INSERT INTO voting_stance (round_id, member_id, option, ranking, reason, cast_at,
    updated_at, resolution, resolution_note, resolved_at)
SELECT %(round)s, t.member, t.option, t.ranking::jsonb, t.reason, %(now)s, %(now)s,
    %(resolution)s, '', NULL
FROM unnest(%(members)s::bigint[], %(options)s::text[], %(rankings)s::text[],
    %(reasons)s::text[]) AS t(member, option, ranking, reason)
ON CONFLICT (round_id, member_id) WHERE member_id IS NOT NULL DO NOTHING
RETURNING member_id
"""


@dataclass(frozen=True)
class _CastTarget:
    decision: Decision
    standing: eligibility.Standing
    round_id: int | None
    round_number: int | None
    round_due: bool
    stance_id: int | None


def _cast_target(actor: Any, decision_id: int, now: datetime) -> _CastTarget | None:
    """The decision with its open round (locked) and the caster's standing, in one query."""
    lock = "FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    params = {
        "decision": decision_id,
        "user": actor.pk if actor is not None and actor.is_authenticated else None,
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    found = list(Decision.objects.raw(_CAST_READ.format(lock=lock), params))
    if not found:
        return None
    decision = found[0]
    row = vars(decision)  # the columns beyond the decision's own
    return _CastTarget(
        decision=decision,
        standing=eligibility.Standing(
            role=row["cast_role"],
            in_group=bool(row["cast_in_group"]),
            present=bool(row["cast_present"]),
        ),
        round_id=row["cast_round_id"],
        round_number=row["cast_round_number"],
        round_due=bool(row["cast_round_due"]),
        stance_id=row["cast_stance_id"],
    )


def _fast_writes() -> bool:
    """Casts write with single PostgreSQL statements (data-modifying ``WITH``); other
    databases (SQLite for development) take the ORM's way, a few statements more."""
    return connection.vendor == "postgresql"


def _stance_params(
    actor: Any, round_id: int, fields: dict[str, Any], now: datetime
) -> dict[str, Any]:
    ranking = Stance._meta.get_field("ranking")
    return {
        "round": round_id,
        "user": actor.pk,
        "option": fields["option"],
        "ranking": ranking.get_db_prep_save(fields["ranking"], connection),
        "reason": fields["reason"],
        "now": connection.ops.adapt_datetimefield_value(now),
        "resolution": Stance.Resolution.OPEN.value,
    }


def _returned(sql: str, params: dict[str, Any]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _cast_secret(actor: Any, round_id: int, fields: dict[str, Any], now: datetime) -> None:
    if _fast_writes():
        params = _stance_params(actor, round_id, fields, now)
        if not _returned(_CAST_BALLOT, {**params, "participation": uuid.uuid4()}):
            raise Conflict(_("A secret stance cannot be changed."))
        return
    try:
        with transaction.atomic():
            Participation.objects.create(round_id=round_id, member=actor)
    except IntegrityError:
        raise Conflict(_("A secret stance cannot be changed.")) from None
    opened_at = Round.objects.values_list("opened_at", flat=True).get(pk=round_id)
    Stance.objects.create(
        round_id=round_id, member=None, cast_at=opened_at, updated_at=opened_at, **fields
    )


def _cast_first(actor: Any, round_id: int, fields: dict[str, Any], now: datetime) -> bool:
    """Store a first stance; False if the member has one already."""
    return _returned(_CAST_INSERT, _stance_params(actor, round_id, fields, now))


def _cast_change(actor: Any, round_id: int, fields: dict[str, Any], now: datetime) -> None:
    if _fast_writes():
        if not _returned(_CAST_CHANGE, _stance_params(actor, round_id, fields, now)):
            raise Conflict(_("This round is closed."))  # the round is gone
        return
    existing = Stance.objects.select_for_update().filter(round_id=round_id, member=actor).first()
    if existing is None:
        raise Conflict(_("This round is closed."))
    StanceChange.objects.create(
        stance=existing,
        option=existing.option,
        ranking=existing.ranking,
        reason=existing.reason,
        cast_at=existing.updated_at,
    )
    Stance.objects.filter(pk=existing.pk).update(updated_at=now, **fields)


def _check_cast(
    actor: Any,
    target: _CastTarget | None,
    option: str | None,
    ranking: list[str] | tuple[str, ...] | None,
    reason: str,
    session_id: int | None,
) -> tuple[Decision, bool, dict[str, Any]]:
    """Every check of a cast, in the order its errors are given: the decision, whether its
    ballot is secret, and the stance's fields."""
    if target is None or not permissions.can_view_decision_as(
        actor, target.decision, target.standing
    ):
        raise NotFound(_("There is no such decision."))
    decision = target.decision
    permissions.require_in_session(decision, session_id)
    permissions.require_eligible(actor, decision, target.standing)
    if target.round_id is None or target.round_number is None or target.round_due:
        raise Conflict(_("This round is closed."))
    if len(reason) > domain.MAX_REASON:
        raise Invalid(
            _("Some fields are not valid."),
            {"reason": _("At most %(limit)s characters.") % {"limit": domain.MAX_REASON}},
        )
    method = domain.Method(decision.method)
    try:
        stance = domain.check_stance(
            method,
            option=option,
            ranking=None if ranking is None else tuple(ranking),
            reason=reason,
            alternatives=selectors.option_keys(decision) if method is domain.Method.RANKED else (),
        )
    except domain.StanceError as exc:
        raise Invalid(_("Some fields are not valid."), {exc.field: _stance_error(exc)}) from None
    fields = {
        "option": stance.option or "",
        "ranking": list(stance.ranking),
        "reason": stance.reason,
    }
    return decision, domain.parse_policy(decision.policy).secret, fields


def _stance_error(exc: domain.StanceError) -> str:
    if exc.code == "either":
        return _("Give either an option or a ranking.")
    if exc.code == "reason":
        return _("Please give a reason for this stance.")
    return _("Choose one of the options.")


def _store(
    actor: Any, target: _CastTarget, secret: bool, fields: dict[str, Any], now: datetime
) -> bool:
    """Write a checked stance; True if it changed an earlier one."""
    assert target.round_id is not None  # noqa: S101 (checked by _check_cast)
    if secret:
        _cast_secret(actor, target.round_id, fields, now)
        return False
    if target.stance_id is None and _cast_first(actor, target.round_id, fields, now):
        return False
    # A change; or the member's other tab cast a first stance a moment ago.
    _cast_change(actor, target.round_id, fields, now)
    return True


# --- Many casts at once -----------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """One cast of :func:`cast_stances`; ``language`` is the one its errors are given in."""

    actor: Any
    decision_id: int
    option: str | None = None
    ranking: list[str] | tuple[str, ...] | None = None
    reason: str = ""
    session_id: int | None = None
    language: str | None = None


@transaction.atomic
def cast_stances(casts: Sequence[Cast]) -> list[dict[str, Any] | ServiceError]:
    """Many casts in one transaction, as a vote storm brings them: each gets what
    :func:`cast_stance` would give it alone, in the order given (a result, or the error),
    but they share one read per decision, one insert for all first stances and one commit.
    """
    now = timezone.now()
    results: list[dict[str, Any] | ServiceError | None] = [None] * len(casts)
    by_decision: dict[int, list[int]] = {}
    for index, cast in enumerate(casts):
        by_decision.setdefault(cast.decision_id, []).append(index)
    for decision_id, indices in by_decision.items():
        actors = [casts[i].actor for i in indices]
        targets = _cast_targets(actors, decision_id, now)
        firsts: list[tuple[int, _CastTarget, Any, dict[str, Any]]] = []  # one insert for all
        later: list[tuple[int, _CastTarget, bool, dict[str, Any]]] = []  # after the insert
        seen: set[int] = set()
        decision: Decision | None = None
        for index, target in zip(indices, targets, strict=True):
            cast = casts[index]
            with _language(cast.language):
                try:
                    decision, secret, fields = _check_cast(
                        cast.actor, target, cast.option, cast.ranking, cast.reason, cast.session_id
                    )
                except ServiceError as exc:
                    results[index] = exc
                    continue
            assert target is not None  # noqa: S101 (checked by _check_cast)
            member = int(cast.actor.pk)
            if not secret and target.stance_id is None and member not in seen:
                firsts.append((index, target, cast.actor, fields))
            else:
                later.append((index, target, secret, fields))
            seen.add(member)
        if decision is None:
            continue
        round_id, number = targets[0].round_id, targets[0].round_number  # type: ignore[union-attr]
        stored = _cast_firsts(round_id, [(actor, fields) for _i, _t, actor, fields in firsts], now)
        for index, target, actor, fields in firsts:
            if int(actor.pk) in stored:
                results[index] = {"decision": decision.pk, "round": number, "changed": False}
            else:  # another tab of theirs came first, outside this batch
                later.append((index, target, False, fields))
        for index, target, secret, fields in sorted(later, key=lambda item: item[0]):
            cast = casts[index]
            with _language(cast.language):
                try:
                    changed = _store(cast.actor, target, secret, fields, now)
                except ServiceError as exc:
                    results[index] = exc
                    continue
            results[index] = {"decision": decision.pk, "round": number, "changed": changed}
        if decision.session_id is not None and any(isinstance(results[i], dict) for i in indices):
            tallies.publish_tally(decision.pk)
    return [r if r is not None else Invalid(_("Nothing was changed.")) for r in results]


def _language(code: str | None) -> Any:
    """Errors of a cast in its sender's language (unchanged when none is given)."""
    return translation.override(code) if code else contextlib.nullcontext()


def _cast_targets(actors: list[Any], decision_id: int, now: datetime) -> list[_CastTarget | None]:
    """:func:`_cast_target` for many casters of one decision: the decision and its round are
    read (and the round locked) once, the standings of all the casters in one more query."""
    first = _cast_target(actors[0], decision_id, now)
    if first is None or len(actors) == 1:
        return [first] * len(actors)
    users = [a.pk if a is not None and a.is_authenticated else None for a in actors]
    known = [u for u in users if u is not None]
    standings: dict[int, tuple[eligibility.Standing, int | None]] = {}
    if known:
        with connection.cursor() as cursor:
            cursor.execute(
                _CAST_STANDINGS.format(users=", ".join(["%s"] * len(known))),
                [first.round_id, decision_id, *known],
            )
            for user, role, in_group, present, stance_id in cursor.fetchall():
                standings[int(user)] = (
                    eligibility.Standing(role=role, in_group=bool(in_group), present=bool(present)),
                    stance_id,
                )
    nobody = (eligibility.NOBODY, None)
    return [
        replace(first, standing=standings.get(u, nobody)[0], stance_id=standings.get(u, nobody)[1])
        if u is not None
        else replace(first, standing=nobody[0], stance_id=None)
        for u in users
    ]


def _cast_firsts(
    round_id: int | None, stances: list[tuple[Any, dict[str, Any]]], now: datetime
) -> set[int]:
    """Insert first stances; the members whose stance was stored (not those who had one)."""
    if not stances or round_id is None:
        return set()
    if not _fast_writes():
        return {int(a.pk) for a, fields in stances if _cast_first(a, round_id, fields, now)}
    with connection.cursor() as cursor:
        cursor.execute(
            _CAST_INSERT_MANY,
            {
                "round": round_id,
                "members": [int(a.pk) for a, _fields in stances],
                "options": [fields["option"] for _a, fields in stances],
                "rankings": [json.dumps(fields["ranking"]) for _a, fields in stances],
                "reasons": [fields["reason"] for _a, fields in stances],
                "now": connection.ops.adapt_datetimefield_value(now),
                "resolution": Stance.Resolution.OPEN.value,
            },
        )
        return {int(row[0]) for row in cursor.fetchall()}


def cast_stance(
    actor: Any,
    decision_id: int,
    *,
    option: str | None = None,
    ranking: list[str] | tuple[str, ...] | None = None,
    reason: str = "",
    session_id: int | None = None,
) -> dict[str, Any]:
    """Store a member's stance in the open round, or change it (keeping the earlier one):
    the one-item case of :func:`cast_stances`, raising its error."""
    (outcome,) = cast_stances(
        [
            Cast(
                actor,
                decision_id,
                option=option,
                ranking=ranking,
                reason=reason,
                session_id=session_id,
            )
        ]
    )
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome
