"""Every write to decisions: create, open and close rounds, cast stances, record.

The same services serve the live screen (WebSocket commands), the proposal
page's plain forms and the API. Outcomes come from :func:`voting.domain.decide`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assembly.models import Assembly, Session, SessionStatus
from assembly.services import emit_in_session, lock_session
from audit import services as audit
from common.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from proposals import services as proposals_services
from realtime.protocol import frame
from realtime.publish import publish_snapshot
from voting import domain, events, hooks, permissions, secrecy, selectors
from voting.models import (
    Alternative,
    Decision,
    Participation,
    Record,
    Round,
    Stance,
    StanceChange,
)

log = logging.getLogger(__name__)

MAX_ROUND_SECONDS = 60 * 60 * 24 * 60  # sixty days, for asynchronous decisions
MAX_REASON = 2000
MAX_STATEMENT = 10_000


# --- Creating -----------------------------------------------------------------------------


def _policy_message(message: str) -> str:
    """The pure core words its policy errors in English; say them in the reader's language."""
    if message.startswith("write shares"):
        return _('Write shares as text, such as "3/4".')
    if message.startswith("not a fraction"):
        return _('Write a share such as "3/4".')
    if message.startswith("must be between 0 and 1"):
        return _("A share is between 0 and 1.")
    if message.startswith("unknown"):
        return _("Unknown policy field.")
    if message.startswith("must be true or false"):
        return _("Choose true or false.")
    if message.startswith("must be a whole number"):
        return _("Enter a whole number from 0 to 1000.")
    if message.startswith('must be "live"'):
        return _("Show the counts live or only when the round closes.")
    if message.startswith('must be "present"'):
        return _("Count the quorum against those present or all who may take part.")
    if message.startswith("fallback_after_rounds and fallback_share"):
        return _("The fallback needs both a number of rounds and a share.")
    return _("Not a valid value.")


def _policy(raw: dict[str, Any] | None) -> domain.Policy:
    try:
        return domain.parse_policy(raw)
    except domain.PolicyError as exc:
        fields = {key: _policy_message(message) for key, message in exc.fields.items()}
        raise Invalid(_("The policy is not valid."), {"policy": fields}) from None


#: Alternatives a ranked decision may have, ``status_quo`` not counted.
MAX_ALTERNATIVES = 20


def _check_proposal(assembly: Assembly, proposal: Any, method: domain.Method, text: str) -> str:
    """A decision may be opened on a proposal of this assembly that is being discussed or
    decided, with no other decision on it under way; it asks about the current version."""
    if proposal.assembly_id != assembly.pk:
        raise Invalid(_("Some fields are not valid."), {"proposal": _("Another assembly's.")})
    locked = proposals_services.lock_proposal(proposal.pk)
    conflict = permissions.bring_conflict(locked, method.value)
    if conflict is not None:
        raise conflict
    current: str = proposals_services.current_text(locked)
    if text and text.replace("\r\n", "\n").rstrip() != current.rstrip():
        raise Invalid(
            _("Some fields are not valid."),
            {"text": _("A decision on a proposal asks about its current version; leave it out.")},
        )
    return current


def _check_alternatives(
    method: domain.Method, alternatives: Sequence[tuple[str, str]], proposal: Any
) -> list[tuple[str, str]]:
    if method is not domain.Method.RANKED:
        if alternatives:
            raise Invalid(
                _("Some fields are not valid."),
                {"alternatives": _("Only a ranked decision has alternatives.")},
            )
        return []
    chosen = list(alternatives)
    if not chosen and proposal is not None:
        chosen = proposals_services.ranked_alternatives(proposal)
    cleaned = []
    for title, body in chosen:
        title = (title or "").strip()
        if not title or len(title) > 200 or len(body or "") > 100_000:
            raise Invalid(
                _("Some fields are not valid."),
                {"alternatives": _("Each alternative needs a title of 1 to 200 characters.")},
            )
        cleaned.append((title, body or ""))
    if len(cleaned) < 2:
        message = (
            _("A ranked decision needs at least two alternatives: promote an amendment first.")
            if proposal is not None
            else _("A ranked decision needs at least two alternatives.")
        )
        raise Invalid(_("Some fields are not valid."), {"alternatives": message})
    if len(cleaned) > MAX_ALTERNATIVES:
        raise Invalid(
            _("Some fields are not valid."),
            {"alternatives": _("At most %(limit)s alternatives.") % {"limit": MAX_ALTERNATIVES}},
        )
    return cleaned


def _live_policy(parsed: domain.Policy, live: bool) -> domain.Policy:
    """The quorum's base made explicit: those present in a live decision unless chosen
    otherwise; an asynchronous one has nobody present, so all who may take part."""
    if parsed.quorum_of is None:
        return replace(parsed, quorum_of="present" if live else "eligible")
    if not live and parsed.quorum_of == "present":
        raise Invalid(
            _("The policy is not valid."),
            {
                "policy": {
                    "quorum_of": _(
                        "A decision outside a session has nobody present: "
                        "count the quorum against all who may take part."
                    )
                }
            },
        )
    return parsed


@transaction.atomic
def create_decision(
    actor: Any,
    *,
    assembly: Assembly,
    title: str,
    method: str,
    text: str = "",
    policy: dict[str, Any] | None = None,
    session: Session | None = None,
    proposal: Any = None,
    working_group: Any = None,
    alternatives: Sequence[tuple[str, str]] = (),
) -> Decision:
    """Open a decision: the one path of the proposal page's "Karara sun", the live
    screen's command, the session and assembly forms and ``POST /api/v1/decisions/``.

    With ``proposal`` it asks about the proposal's current version (each round records
    the version current when it opens) and, for ``ranked``, the alternatives default to
    the current text and the promoted amendments; ``status_quo`` is always last.
    """
    permissions.require_open_decision(actor, assembly, session, proposal)
    try:
        method = domain.Method(method)
    except ValueError:
        raise Invalid(_("Some fields are not valid."), {"method": _("Unknown method.")}) from None
    parsed = _live_policy(_policy(policy), session is not None)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("Some fields are not valid."), {"title": _("1 to 200 characters.")})
    if len(text or "") > 100_000:
        raise Invalid(_("Some fields are not valid."), {"text": _("Too long.")})
    if session is not None:
        if session.assembly_id != assembly.pk:
            raise Invalid(_("Some fields are not valid."), {"session": _("Another assembly's.")})
        if session.status == SessionStatus.CLOSED:
            raise Conflict(_("The session is closed."))
    if working_group is not None and working_group.assembly_id != assembly.pk:
        raise Invalid(_("Some fields are not valid."), {"working_group": _("Another assembly's.")})
    if proposal is not None:
        text = _check_proposal(assembly, proposal, method, text or "")
    chosen = _check_alternatives(method, alternatives, proposal)
    decision = Decision.objects.create(
        assembly=assembly,
        session=session,
        proposal=proposal,
        working_group=working_group,
        title=title,
        text=text or "",
        method=method,
        policy=parsed.as_json(),
        created_by=actor,
    )
    if method is domain.Method.RANKED:
        rows = [
            Alternative(decision=decision, key=f"alt-{i}", title=t[:200], text=body, position=i)
            for i, (t, body) in enumerate(chosen, start=1)
        ]
        rows.append(
            Alternative(
                decision=decision,
                key=domain.STATUS_QUO,
                title="Mevcut durum kalsın",
                position=len(rows) + 1,
            )
        )
        Alternative.objects.bulk_create(rows)
    audit.record(
        actor,
        "decision.created",
        decision,
        assembly_id=assembly.pk,
        after={
            "title": decision.title,
            "method": decision.method,
            "status": decision.status,
            "proposal": decision.proposal_id,
            "group": decision.working_group_id,
            "session": decision.session_id,
            "policy": decision.policy,
        },
    )
    if session is not None:
        locked = lock_session(session.pk)
        emit_in_session(locked, events.DecisionAdded(decision=selectors.decision_summary(decision)))
    return decision


@transaction.atomic
def create_and_open(actor: Any, *, closes_at: datetime, **fields: Any) -> Decision:
    """An asynchronous decision whose first round opens at once, until ``closes_at``: both
    or neither (a deadline in the past leaves no decision behind)."""
    decision = create_decision(actor, **fields)
    open_round(actor, decision.pk, closes_at=closes_at)
    return decision


def check_policy(policy: dict[str, Any] | None, live: bool) -> domain.Policy:
    """The policy a decision would get, or the errors :func:`create_decision` would give
    (for a page that shows the rule in words before the decision is opened)."""
    return _live_policy(_policy(policy), live)


# --- Rounds -------------------------------------------------------------------------------


def _lock_decision(decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("session", "assembly")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise NotFound(_("There is no such decision."))
    return decision


def _in_session(decision: Decision, session_id: int | None) -> None:
    """A command on a session's socket may only touch that session's decisions."""
    if session_id is not None and decision.session_id != session_id:
        raise NotFound(_("There is no such decision in this session."))


@transaction.atomic
def open_round(
    actor: Any,
    decision_id: int,
    *,
    seconds: int | None = None,
    closes_at: datetime | None = None,
    session_id: int | None = None,
) -> Round:
    decision = _lock_decision(decision_id)
    _in_session(decision, session_id)
    permissions.require_run(actor, decision)
    if decision.status == Decision.Status.OPEN:
        raise Conflict(_("A round of this decision is open already."))
    if decision.status not in permissions.OPENABLE:
        raise Conflict(_("This decision has been taken; no more rounds."))
    now = timezone.now()
    if seconds is not None:
        if not 1 <= seconds <= MAX_ROUND_SECONDS:
            raise Invalid(_("Some fields are not valid."), {"seconds": _("Out of range.")})
        closes_at = now + timedelta(seconds=seconds)
    if closes_at is not None and closes_at <= now:
        raise Invalid(_("Some fields are not valid."), {"closes_at": _("Must be in the future.")})
    if decision.session is None and closes_at is None:
        raise Invalid(
            _("Some fields are not valid."),
            {"closes_at": _("An asynchronous round needs a deadline.")},
        )
    version = None
    if decision.proposal_id is not None:
        # The proposal is locked first: a new version made at this moment either comes
        # before the round (which then asks about it) or is refused while the round is open.
        version = proposals_services.version_for_round(decision.proposal_id)
        if decision.method != domain.Method.RANKED:
            decision.text = version.text
    session = None
    if decision.session_id is not None:
        session = lock_session(decision.session_id)
        if session.status != SessionStatus.LIVE:
            raise Conflict(_("The session is not live."))
    last = decision.rounds.aggregate(n=Max("number"))["n"] or 0
    round_ = Round.objects.create(
        decision=decision,
        number=last + 1,
        text=decision.text,
        version=version,
        opened_at=now,
        closes_at=closes_at,
        opened_by=actor,
    )
    audit.record(
        actor,
        "decision.round_opened",
        decision,
        assembly_id=decision.assembly_id,
        before={"status": decision.status},
        after={
            "status": Decision.Status.OPEN,
            "number": round_.number,
            "closes_at": closes_at,
            "version": version.number if version is not None else None,
        },
    )
    decision.status = Decision.Status.OPEN
    decision.save(update_fields=["status", "text"])
    hooks.round_opened.fire(
        hooks.RoundOpened(
            decision=decision.pk,
            proposal=decision.proposal_id,
            method=decision.method,
            round=round_.number,
        )
    )
    if session is not None:
        emit_in_session(
            session,
            events.RoundOpened(
                decision=decision.pk,
                round=round_.number,
                closes_at=closes_at.isoformat() if closes_at else None,
                options=selectors.option_keys(decision),
                text=round_.text,
                actions=permissions.decision_actions(
                    decision.status, round_.number, decision.policy, session.status
                ),
            ),
        )
        publish_tally(decision.pk)
    if closes_at is not None:
        transaction.on_commit(_wake_scheduler)
    return round_


def _wake_scheduler() -> None:
    from voting import scheduler

    scheduler.wake()


# The read of a cast: the decision, the open round (locked), and the caster's standing.
# One statement instead of one per fact. The round is locked ``FOR KEY SHARE``: casts do
# not wait for each other, and a close (``FOR UPDATE`` on the round) waits for the casts
# that read the round open, while a cast that comes after a close finds no open round.
# SQLite has no row locks and needs none: it lets one writer in at a time.
_CAST_READ = """
WITH open_round AS (
    SELECT id, number, closes_at FROM voting_round
    WHERE decision_id = %(decision)s AND closed_at IS NULL {lock}
)
SELECT d.*,
    (SELECT m.role FROM assembly_membership m
        WHERE m.assembly_id = d.assembly_id AND m.user_id = %(user)s) AS cast_role,
    (d.working_group_id IS NULL OR EXISTS (
        SELECT 1 FROM assembly_workinggroupmembership g
        WHERE g.group_id = d.working_group_id AND g.user_id = %(user)s)) AS cast_in_group,
    EXISTS (SELECT 1 FROM assembly_attendance a
        WHERE a.session_id = d.session_id AND a.member_id = %(user)s) AS cast_present,
    r.id AS cast_round_id,
    r.number AS cast_round_number,
    (r.closes_at IS NOT NULL AND r.closes_at <= %(now)s) AS cast_round_due,
    (SELECT s.id FROM voting_stance s
        WHERE s.round_id = r.id AND s.member_id = %(user)s) AS cast_stance_id
FROM voting_decision d LEFT JOIN open_round r ON TRUE
WHERE d.id = %(decision)s
"""

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
_CAST_STANDINGS = """
SELECT u.id,
    (SELECT m.role FROM assembly_membership m
        WHERE m.assembly_id = d.assembly_id AND m.user_id = u.id),
    (d.working_group_id IS NULL OR EXISTS (
        SELECT 1 FROM assembly_workinggroupmembership g
        WHERE g.group_id = d.working_group_id AND g.user_id = u.id)),
    EXISTS (SELECT 1 FROM assembly_attendance a
        WHERE a.session_id = d.session_id AND a.member_id = u.id),
    (SELECT s.id FROM voting_stance s WHERE s.round_id = %s AND s.member_id = u.id)
FROM assembly_user u JOIN voting_decision d ON d.id = %s
WHERE u.id IN ({users})
"""

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
    standing: permissions.Standing
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
        standing=permissions.Standing(
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


@transaction.atomic
def cast_stance(
    actor: Any,
    decision_id: int,
    *,
    option: str | None = None,
    ranking: list[str] | tuple[str, ...] | None = None,
    reason: str = "",
    session_id: int | None = None,
) -> dict[str, Any]:
    """Store a member's stance in the open round, or change it (keeping the earlier one).

    On PostgreSQL a stance is one read (:data:`_CAST_READ`) and one write: a first
    stance, a change or a secret ballot each take a single statement.
    """
    now = timezone.now()
    target = _cast_target(actor, decision_id, now)
    decision, secret, fields = _check_cast(actor, target, option, ranking, reason, session_id)
    assert target is not None  # noqa: S101 (checked by _check_cast)
    changed = _store(actor, target, secret, fields, now)
    if decision.session_id is not None:
        publish_tally(decision.pk)
    return {"decision": decision.pk, "round": target.round_number, "changed": changed}


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
    _in_session(decision, session_id)
    permissions.require_eligible(actor, decision, target.standing)
    if target.round_id is None or target.round_number is None or target.round_due:
        raise Conflict(_("This round is closed."))
    if len(reason) > MAX_REASON:
        raise Invalid(
            _("Some fields are not valid."),
            {"reason": _("At most %(limit)s characters.") % {"limit": MAX_REASON}},
        )
    method = domain.Method(decision.method)
    try:
        stance = domain.check_stance(
            method,
            domain.Stance(option=option, ranking=tuple(ranking or ()), reason=reason),
            selectors.option_keys(decision) if method is domain.Method.RANKED else (),
        )
    except domain.StanceError as exc:
        message = (
            _("Please give a reason for this stance.")
            if exc.field == "reason"
            else _("Choose one of the options.")
        )
        raise Invalid(_("Some fields are not valid."), {exc.field: message}) from None
    fields = {
        "option": stance.option or "",
        "ranking": list(stance.ranking),
        "reason": stance.reason,
    }
    return decision, domain.parse_policy(decision.policy).secret, fields


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
            publish_tally(decision.pk)
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
    standings: dict[int, tuple[permissions.Standing, int | None]] = {}
    if known:
        with connection.cursor() as cursor:
            cursor.execute(
                _CAST_STANDINGS.format(users=", ".join(["%s"] * len(known))),
                [first.round_id, decision_id, *known],
            )
            for user, role, in_group, present, stance_id in cursor.fetchall():
                standings[int(user)] = (
                    permissions.Standing(role=role, in_group=bool(in_group), present=bool(present)),
                    stance_id,
                )
    nobody = (permissions.Standing(role=None, in_group=False, present=False), None)
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


def _close(round_: Round, decision: Decision, actor: Any, fallback: bool) -> Round:
    """Decide the outcome of an open, locked round and publish it."""
    method = domain.Method(decision.method)
    policy = domain.parse_policy(decision.policy)
    stances = [
        domain.Stance(option=s["option"] or None, ranking=tuple(s["ranking"] or ()))
        for s in round_.stances.values("option", "ranking")
    ]
    eligible = permissions.eligible_ids(decision).count()
    present = selectors.present_count(decision)
    result = domain.decide(
        method,
        policy,
        stances,
        eligible,
        present,
        live=decision.session_id is not None,
        round_number=round_.number,
        fallback=fallback,
        alternatives=selectors.option_keys(decision) if method is domain.Method.RANKED else (),
    )
    now = timezone.now()
    round_.closed_at = now
    round_.closed_by = actor if actor is not None and actor.is_authenticated else None
    round_.outcome = result.outcome.value
    round_.fallback_used = result.fallback_used
    round_.eligible = eligible
    round_.present = present
    round_.result = selectors.result_json(result)
    round_.save()
    if policy.secret:
        secrecy.unlink(round_)
    # A temperature check may be taken again; only an adoption ends the rounds.
    final = {domain.Outcome.ADOPTED, domain.Outcome.ADOPTED_BY_FALLBACK}
    status = Decision.Status.CONCLUDED if result.outcome in final else Decision.Status.BETWEEN
    # Without an actor the deadline closed it: the system acted.
    audit.record(
        round_.closed_by,
        "decision.round_closed",
        decision,
        assembly_id=decision.assembly_id,
        before={"status": decision.status},
        after={"status": status, "number": round_.number, "outcome": round_.outcome},
    )
    decision.status = status
    decision.save(update_fields=["status"])
    hooks.round_closed.fire(
        hooks.RoundClosed(
            decision=decision.pk,
            proposal=decision.proposal_id,
            method=decision.method,
            round=round_.number,
            outcome=round_.outcome,
            version=round_.version_id,
            winner_text=_winner_text(decision, result) if method is domain.Method.RANKED else None,
        )
    )
    if decision.session_id is not None:
        session = lock_session(decision.session_id)
        ranked = method is domain.Method.RANKED
        emit_in_session(
            session,
            events.RoundClosed(
                decision=decision.pk,
                round=round_.number,
                outcome=result.outcome.value,
                tally=result.tally,
                fallback_used=result.fallback_used,
                status=status,
                actions=permissions.decision_actions(
                    status, round_.number, decision.policy, session.status
                ),
                winner=result.winner if ranked else None,
                order=result.order if ranked else None,
                pairwise=result.pairwise if ranked else None,
                tie_break=result.tie_break if ranked else None,
            ),
        )
    return round_


def _winner_text(decision: Decision, result: domain.Result) -> str | None:
    """The text of a ranked round's winning alternative (an amendment's, perhaps)."""
    if result.winner is None:
        return None
    return (
        Alternative.objects.filter(decision=decision, key=result.winner)
        .values_list("text", flat=True)
        .first()
    )


@transaction.atomic
def close_round(
    actor: Any, decision_id: int, *, fallback: bool = False, session_id: int | None = None
) -> Round:
    decision = _lock_decision(decision_id)
    _in_session(decision, session_id)
    permissions.require_run(actor, decision)
    round_ = Round.objects.select_for_update().filter(decision=decision, closed_at__isnull=True)
    open_round_ = round_.first()
    if open_round_ is None:
        raise Conflict(_("This round is closed."))
    if fallback and not domain.fallback_available(
        domain.parse_policy(decision.policy), open_round_.number
    ):
        raise Conflict(_("The fallback rule does not apply to this round."))
    return _close(open_round_, decision, actor, fallback)


def close_due_rounds(now: datetime | None = None) -> int:
    """Close every round whose deadline has passed. Safe to run in many processes at once:
    each round is closed exactly once (row lock, and the open check under the lock)."""
    now = now or timezone.now()
    due = list(
        Round.objects.filter(closed_at__isnull=True, closes_at__lte=now).values_list(
            "pk", "decision_id"
        )
    )
    closed = 0
    for round_id, decision_id in due:
        with transaction.atomic():
            decision = (
                Decision.objects.select_for_update(skip_locked=True).filter(pk=decision_id).first()
            )
            if decision is None:
                continue  # another process is closing it right now
            round_ = (
                Round.objects.select_for_update()
                .filter(pk=round_id, closed_at__isnull=True, closes_at__lte=now)
                .first()
            )
            if round_ is None:
                continue
            _close(round_, decision, None, fallback=False)
            closed += 1
    return closed


def next_deadline() -> datetime | None:
    """The earliest deadline of an open round, if any."""
    return (
        Round.objects.filter(closed_at__isnull=True, closes_at__isnull=False)
        .order_by("closes_at")
        .values_list("closes_at", flat=True)
        .first()
    )


# --- Tallies ----------------------------------------------------------------------------------


def _tally_frame(decision_id: int) -> tuple[int, str] | None:
    """The coalesced tally frame: two queries whatever the number of members."""
    decision = selectors.counted(Decision.objects.filter(pk=decision_id)).first()
    if decision is None or decision.session_id is None:
        return None
    tally = selectors.live_tallies([decision]).get(decision.pk)
    if tally is None:
        return None
    return decision.session_id, frame(events.TallyChanged.name, None, tally)


def publish_tally(decision_id: int) -> None:
    publish_snapshot(f"tally:{decision_id}", lambda: _tally_frame(decision_id))


def publish_open_tallies(session_id: int) -> None:
    """Who is present changed: the open rounds' tallies count them (``present``)."""
    open_ids = Decision.objects.filter(session_id=session_id, status=Decision.Status.OPEN)
    for decision_id in open_ids.values_list("pk", flat=True):
        publish_tally(decision_id)


# --- Objections: integrated or withdrawn ---------------------------------------------------


@transaction.atomic
def resolve_dissent(
    actor: Any, stance_id: int, resolution: str, note: str = "", new_text: str | None = None
) -> Stance:
    """An objection (or block) of a closed round is integrated into the text, or withdrawn
    by the person who raised it.

    Integrating one into a decision on a proposal makes a new immutable version of the
    proposal, whose note names the objection and who integrated it; the next round asks
    about it. Without ``new_text`` the objection is marked integrated into the current
    version (a co-author may have written it already). A decision on no proposal keeps
    its text on the decision, and each round keeps the text it asked about.
    """
    if len(note) > MAX_REASON:
        raise Invalid(
            _("Some fields are not valid."),
            {"note": _("At most %(limit)s characters.") % {"limit": MAX_REASON}},
        )
    stance = Stance.objects.select_related("round__decision", "member").filter(pk=stance_id).first()
    if stance is None:
        raise NotFound(_("There is no such stance."))
    decision = _lock_decision(stance.round.decision_id)
    if not permissions.can_view_decision(actor, decision):
        raise NotFound(_("There is no such stance."))  # nor is its decision's state told
    if decision.status not in (Decision.Status.BETWEEN, Decision.Status.OPEN):
        raise Conflict(_("This decision has been taken; objections can no longer change."))
    if stance.resolution != Stance.Resolution.OPEN:
        raise Conflict(_("This has been resolved already."))
    secret = domain.parse_policy(decision.policy).secret
    version = None
    if resolution == Stance.Resolution.WITHDRAWN:
        if stance.member_id is None or stance.member_id != getattr(actor, "pk", None):
            # The decision is visible to the actor (checked above): say why.
            raise Forbidden(_("Only the person who raised it can withdraw it."))
    elif resolution == Stance.Resolution.INTEGRATED:
        permissions.require_integrate(actor, decision)
        if new_text is not None and len(new_text) > 100_000:
            raise Invalid(_("Some fields are not valid."), {"text": _("Too long.")})
        if decision.proposal_id is not None:
            version = proposals_services.integrate_objection(
                actor,
                decision.proposal_id,
                text=new_text,
                objection=_objection_words(stance, secret),
                note=note,
                since=stance.round.version_id,
            )
        elif new_text is not None:
            if decision.status == Decision.Status.OPEN:
                raise Conflict(_("A round is open; the text cannot change until it closes."))
            decision.text = new_text
            decision.save(update_fields=["text"])
    else:
        raise Invalid(_("Some fields are not valid."), {"resolution": _("Unknown.")})
    audit.record(
        actor,
        "decision.dissent_resolved",
        # A secret stance is named by its decision only: its id would tell the order of casting.
        decision if secret else stance,
        assembly_id=decision.assembly_id,
        before={"resolution": stance.resolution},
        after={
            "resolution": resolution,
            "version": version.number if version is not None else None,
        },
    )
    stance.resolution = resolution
    stance.resolution_note = note
    stance.resolved_at = timezone.now()
    stance.resolved_by = actor if resolution == Stance.Resolution.INTEGRATED else None
    stance.integrated_version = version
    stance.save(
        update_fields=[
            "resolution",
            "resolution_note",
            "resolved_at",
            "resolved_by",
            "integrated_version",
        ]
    )
    return stance


def _objection_words(stance: Stance, secret: bool) -> dict[str, Any]:
    """What a version's note says of the objection it integrates: never who raised a
    secret one."""
    name = None
    if not secret and stance.member_id is not None:
        name = stance.member.public_name if stance.member else None
    return {"round": stance.round.number, "name": name, "reason": stance.reason}


# --- The register -----------------------------------------------------------------------------


@transaction.atomic
def record_decision(
    actor: Any,
    decision_id: int,
    *,
    statement: str,
    review_at: date | None = None,
    supersedes: str | None = None,
    session_id: int | None = None,
) -> Record:
    decision = _lock_decision(decision_id)
    _in_session(decision, session_id)
    permissions.require_record(actor, decision)
    if decision.status == Decision.Status.RECORDED:
        raise Conflict(_("This decision is in the register already."))
    if decision.status not in permissions.RECORDABLE:
        raise Conflict(_("No round of this decision has closed yet."))
    statement = statement.strip()
    if not statement or len(statement) > MAX_STATEMENT:
        raise Invalid(
            _("Some fields are not valid."),
            {"statement": _("1 to %(limit)s characters.") % {"limit": MAX_STATEMENT}},
        )
    last = decision.rounds.filter(closed_at__isnull=False).order_by("-number").first()
    if last is None or last.closed_at is None:
        raise Conflict(_("No round of this decision has closed yet."))
    previous = None
    if supersedes:
        ref_year, _sep, ref_number = supersedes.partition("/")
        previous = (
            Record.objects.select_for_update()
            .filter(assembly=decision.assembly, year=int(ref_year), number=int(ref_number))
            .first()
            if ref_year.isdigit() and ref_number.isdigit()
            else None
        )
        if previous is None:
            raise Invalid(_("Some fields are not valid."), {"supersedes": _("No such record.")})
        if last.outcome not in selectors.ADOPTED:
            raise Invalid(
                _("Some fields are not valid."),
                {"supersedes": _("Only an adopted decision can supersede another.")},
            )
        if Record.objects.filter(supersedes=previous).exists():
            raise Conflict(_("That decision has been superseded already."))
    Assembly.objects.select_for_update().filter(pk=decision.assembly_id).first()
    year = timezone.localdate(last.closed_at).year
    number = (
        Record.objects.filter(assembly_id=decision.assembly_id, year=year).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    now = timezone.now()
    record = Record.objects.create(
        decision=decision,
        round=last,
        version=_recorded_version(decision, last),
        assembly=decision.assembly,
        year=year,
        number=number,
        title=decision.title,
        statement=statement,
        text=last.text,
        search_text=selectors.fold(" ".join((decision.title, statement, last.text))),
        method=decision.method,
        policy=decision.policy,
        outcome=last.outcome,
        result=last.result,
        dissent=selectors.dissent_json(decision, last),
        rounds=selectors.rounds_json(decision),
        decided_at=last.closed_at,
        recorded_at=now,
        review_at=review_at,
        supersedes=previous,
        recorded_by=actor,
    )
    audit.record(
        actor,
        "decision.recorded",
        decision,
        assembly_id=decision.assembly_id,
        before={"status": decision.status},
        after={"status": Decision.Status.RECORDED, "ref": record.ref},
    )
    decision.status = Decision.Status.RECORDED
    decision.save(update_fields=["status"])
    hooks.recorded.fire(
        hooks.Recorded(
            decision=decision.pk,
            proposal=decision.proposal_id,
            method=decision.method,
            outcome=record.outcome,
        )
    )
    if decision.session_id is not None:
        session = lock_session(decision.session_id)
        emit_in_session(
            session,
            events.Recorded(
                decision=decision.pk,
                ref=record.ref,
                url=selectors.record_url(record),
                actions=permissions.decision_actions(
                    decision.status, last.number, decision.policy, session.status
                ),
            ),
        )
    return record


def _recorded_version(decision: Decision, last: Round) -> Any:
    """The proposal version a register entry cites: the one adopted (for a ranked
    decision won by an amendment, the version made of it), else the one last asked about."""
    if decision.proposal_id is None:
        return None
    if last.outcome in selectors.ADOPTED:
        adopted = proposals_services.adopted_version(decision.proposal_id)
        if adopted is not None:
            return adopted
    return last.version


@transaction.atomic
def close_due_round(round_: Round, decision: Decision) -> Round:
    """Close an open round without anyone acting: at its deadline, or when loading
    decisions taken elsewhere (the demo's earlier sessions)."""
    return _close(round_, decision, None, fallback=False)
