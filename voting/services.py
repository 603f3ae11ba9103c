"""Every write to decisions: create, open and close rounds, cast stances, record.

The same services serve the live screen (WebSocket commands), the proposal
page's plain forms and the API. Outcomes come from :func:`voting.domain.decide`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import Assembly, Session, SessionStatus
from assembly.services import emit_in_session, lock_session
from audit import services as audit
from common.errors import Conflict, Forbidden, Invalid, NotFound
from proposals import services as proposals_services
from voting import domain, eligibility, events, hooks, permissions, secrecy, selectors, tallies
from voting.casting import Cast as Cast
from voting.casting import cast_stance as cast_stance
from voting.casting import cast_stances as cast_stances
from voting.models import (
    Alternative,
    Decision,
    Record,
    Round,
    Stance,
)
from voting.tallies import publish_open_tallies as publish_open_tallies

log = logging.getLogger(__name__)

MAX_ROUND_SECONDS = 60 * 60 * 24 * 60  # sixty days, for asynchronous decisions
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
    permissions.require_in_session(decision, session_id)
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
        tallies.publish_tally(decision.pk)
    if closes_at is not None:
        transaction.on_commit(_wake_scheduler)
    return round_


def _wake_scheduler() -> None:
    from voting import scheduler

    scheduler.wake()


def _close(round_: Round, decision: Decision, actor: Any, fallback: bool) -> Round:
    """Decide the outcome of an open, locked round and publish it."""
    method = domain.Method(decision.method)
    policy = domain.parse_policy(decision.policy)
    stances = [
        domain.Stance(option=s["option"] or None, ranking=tuple(s["ranking"] or ()))
        for s in round_.stances.values("option", "ranking")
    ]
    eligible = eligibility.eligible_count(decision)
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
    permissions.require_in_session(decision, session_id)
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
    if len(note) > domain.MAX_REASON:
        raise Invalid(
            _("Some fields are not valid."),
            {"note": _("At most %(limit)s characters.") % {"limit": domain.MAX_REASON}},
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
    permissions.require_in_session(decision, session_id)
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
