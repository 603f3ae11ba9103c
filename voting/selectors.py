"""Reads for decisions: live tallies, session snapshots, the register and its exports."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone

from voting import domain, eligibility
from voting.models import Decision, Record, Round, Stance

ADOPTED = {domain.Outcome.ADOPTED.value, domain.Outcome.ADOPTED_BY_FALLBACK.value}


def fold(text: str) -> str:
    """Fold text for search the Turkish way: İ/I/ı/i are one letter, case is ignored.

    Python's own casing is not Turkish ("İ".lower() is "i̇", "I".lower() is "i"),
    so the dotted and dotless letters are mapped first, then the combining dot dropped.
    """
    text = text.replace("İ", "i").replace("I", "ı").lower()
    text = unicodedata.normalize("NFC", text).replace("\u0307", "")
    return text.replace("ı", "i")


def option_keys(decision: Decision) -> list[str]:
    method = domain.Method(decision.method)
    if method is domain.Method.RANKED:
        # ``all()``: no query when the alternatives were prefetched with the decision.
        return [a.key for a in decision.alternatives.all()]
    return list(domain.OPTIONS[method])


def counted(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Decisions with what their tallies count, in the same query whatever the number of
    members: ``eligible_count``, ``present_count``, and the open round's id and number
    (``open_round_id``, ``open_round_number``, None between rounds)."""
    open_rounds = Round.objects.filter(
        decision_id=OuterRef("pk"), closed_at__isnull=True
    ).order_by()
    return decisions.annotate(
        eligible_count=eligibility.count_eligible(),
        present_count=eligibility.count_present(),
        open_round_id=Subquery(open_rounds.values("pk")[:1]),
        open_round_number=Subquery(open_rounds.values("number")[:1]),
    )


@dataclass(frozen=True)
class _Counted:
    eligible: int
    present: int
    round_id: int | None
    round_number: int | None


def _counts(decision: Decision) -> _Counted:
    row = vars(decision)  # the annotations of counted()
    return _Counted(
        eligible=row["eligible_count"],
        present=row["present_count"],
        round_id=row["open_round_id"],
        round_number=row["open_round_number"],
    )


def present_count(decision: Decision) -> int:
    """How many of those who may take part are checked in to the decision's session."""
    if decision.session_id is None:
        return 0
    found = (
        Decision.objects.filter(pk=decision.pk)
        .annotate(n=eligibility.count_present())
        .values_list("n", flat=True)
        .first()
    )
    return found or 0


def open_round(decision: Decision) -> Round | None:
    return decision.rounds.filter(closed_at__isnull=True).first()


def live_tallies(decisions: list[Decision]) -> dict[int, dict[str, Any]]:
    """The open rounds' tallies of decisions read through :func:`counted`, by decision id,
    as ``decision.tally_changed`` data: one query for all of them (one more for ranked
    decisions' alternatives unless prefetched). Counts are hidden if the policy reveals
    them only after close."""
    open_decisions = [
        (d, c, c.round_id) for d in decisions if (c := _counts(d)).round_id is not None
    ]
    if not open_decisions:
        return {}
    # Stances per round and option, and per first choice for a ranking.
    rows = (
        Stance.objects.filter(round_id__in=[round_id for _d, _c, round_id in open_decisions])
        .order_by()
        .values("round_id", "option", first=KT("ranking__0"))
        .annotate(n=Count("pk"))
    )
    responded: dict[int, int] = {}
    by_option: dict[int, dict[str, int]] = {}
    by_first: dict[int, dict[str, int]] = {}
    for row in rows:
        round_id, n = row["round_id"], row["n"]
        responded[round_id] = responded.get(round_id, 0) + n
        options = by_option.setdefault(round_id, {})
        options[row["option"]] = options.get(row["option"], 0) + n
        if row["first"]:
            firsts = by_first.setdefault(round_id, {})
            firsts[row["first"]] = firsts.get(row["first"], 0) + n
    tallies: dict[int, dict[str, Any]] = {}
    for decision, count, round_id in open_decisions:
        policy = domain.parse_policy(decision.policy)
        method = domain.Method(decision.method)
        tally_counts: dict[str, int] | None = None
        if policy.reveal == "live":
            if method is domain.Method.RANKED:
                tally_counts = dict.fromkeys(option_keys(decision), 0)
                for key, n in by_first.get(round_id, {}).items():
                    tally_counts[key] = tally_counts.get(key, 0) + n
            else:
                found = by_option.get(round_id, {})
                tally_counts = {option: found.get(option, 0) for option in domain.OPTIONS[method]}
        tallies[decision.pk] = {
            "decision": decision.pk,
            "round": count.round_number,
            "responded": responded.get(round_id, 0),
            "eligible": count.eligible,
            "present": count.present,
            "counts": tally_counts,
        }
    return tallies


def live_tally(decision: Decision) -> dict[str, Any] | None:
    """The open round's tally (see :func:`live_tallies`), None between rounds."""
    found = counted(Decision.objects.filter(pk=decision.pk)).first()
    return live_tallies([found]).get(decision.pk) if found is not None else None


def result_json(result: domain.Result) -> dict[str, Any]:
    data: dict[str, Any] = {"outcome": result.outcome.value, "tally": result.tally}
    data["quorum_met"] = result.quorum_met
    data["fallback_used"] = result.fallback_used
    if result.order:
        data.update(
            winner=result.winner,
            order=result.order,
            pairwise=result.pairwise,
            strongest=result.strongest,
            tie_break=result.tie_break,
        )
    return data


def decision_actions(
    status: str, round_number: int, policy: dict[str, Any], session_status: str | None
) -> dict[str, list[str]]:
    from voting.permissions import decision_actions as actions

    return actions(status, round_number, policy, session_status)


def summaries(decisions: QuerySet[Decision]) -> list[dict[str, Any]]:
    """Entries of the session state's ``decisions``, in four queries whatever the number
    of decisions and members: the decisions with their counts and register entries,
    their rounds, their alternatives, and the open rounds' stances."""
    rows = list(
        counted(decisions)
        .select_related("record__assembly", "session")
        .prefetch_related("rounds", "alternatives")
    )
    tallies = live_tallies(rows)
    return [_summary(decision, tallies.get(decision.pk)) for decision in rows]


def decision_summary(decision: Decision) -> dict[str, Any]:
    """One entry of the session state's ``decisions``."""
    return summaries(Decision.objects.filter(pk=decision.pk))[0]


def _summary(decision: Decision, tally: dict[str, Any] | None) -> dict[str, Any]:
    rounds = list(decision.rounds.all())
    current = rounds[-1] if rounds else None
    record = getattr(decision, "record", None)
    summary: dict[str, Any] = {
        "id": decision.pk,
        "title": decision.title,
        # The text of the current round: an objection integrated between rounds changes
        # the decision's text, which clients learn from the next round's round_opened.
        "text": current.text if current else decision.text,
        "method": decision.method,
        "policy": decision.policy,
        "round": current.number if current else 0,
        "status": decision.status,
        "options": option_keys(decision),
        "closes_at": (
            current.closes_at.isoformat()
            if current and current.is_open and current.closes_at
            else None
        ),
        "outcome": current.outcome if current and not current.is_open else None,
        "tally": tally
        if current and current.is_open
        else (current.result.get("tally") if current else None),
        "ref": record.ref if record is not None else None,
        "url": record_url(record) if record is not None else None,
        "winner": (current.result.get("winner") if current and not current.is_open else None),
        # What each role may do now (the gates' rules, voting.permissions.decision_actions).
        "actions": decision_actions(
            decision.status,
            current.number if current else 0,
            decision.policy,
            decision.session.status if decision.session is not None else None,
        ),
    }
    if decision.method == domain.Method.RANKED:
        summary["alternatives"] = [
            {"key": a.key, "title": a.title} for a in decision.alternatives.all()
        ]
    return summary


def decision_detail(decision: Decision) -> dict[str, Any]:
    """``GET /api/v1/decisions/<id>/``: the live summary, the proposal version it asks
    about and every round with the version it asked about, its outcome and tally."""
    detail = decision_summary(decision)
    rounds = list(decision.rounds.select_related("version").order_by("number"))
    current = rounds[-1].version if rounds and rounds[-1].version else None
    if decision.proposal is not None and current is None:
        from proposals.selectors import current_version

        current = current_version(decision.proposal)  # what the first round will ask
    detail["proposal"] = (
        {"id": decision.proposal_id, "version": current.number if current else None}
        if decision.proposal_id is not None
        else None
    )
    detail["rounds"] = [
        {
            "number": r.number,
            "version": r.version.number if r.version else None,
            "outcome": r.outcome or None,
            "tally": r.result.get("tally") if r.closed_at else None,
        }
        for r in rounds
    ]
    detail["page"] = reverse("decision", args=[decision.pk])
    return detail


def record_url(record: Record) -> str:
    return reverse(
        "decision_detail",
        kwargs={"slug": record.assembly.slug, "year": record.year, "number": record.number},
    )


def decisions_for_session(session_id: int) -> list[dict[str, Any]]:
    return summaries(Decision.objects.filter(session_id=session_id).order_by("created_at", "id"))


def dissent_json(decision: Decision, round_: Round) -> list[dict[str, Any]]:
    """Dissent of a round, with reasons; names only when the decision is not secret."""
    method = domain.Method(decision.method)
    secret = domain.parse_policy(decision.policy).secret
    stances = round_.stances.filter(option__in=domain.DISSENT[method]).select_related(
        "member", "integrated_version"
    )
    return [
        {
            "option": s.option,
            "reason": s.reason,
            "member": None if secret or s.member is None else s.member.pk,
            "name": None if secret or s.member is None else s.member.public_name,
            "resolution": s.resolution,
            "resolution_note": s.resolution_note,
            "integrated_version": s.integrated_version.number if s.integrated_version else None,
        }
        # Secret dissent is listed by option and reason, never in the order it came.
        for s in (
            stances.order_by("option", "reason") if secret else stances.order_by("cast_at", "id")
        )
    ]


def rounds_json(decision: Decision) -> list[dict[str, Any]]:
    """The closed rounds of a decision, each with the proposal version it asked about."""
    return [
        {
            "number": r.number,
            "version": r.version.number if r.version else None,
            "opened_at": r.opened_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            "outcome": r.outcome,
            "fallback_used": r.fallback_used,
            "tally": r.result.get("tally"),
            "text": r.text,
            "dissent": dissent_json(decision, r),
        }
        for r in decision.rounds.filter(closed_at__isnull=False)
        .select_related("version")
        .order_by("number")
    ]


def dissent_for_facilitators(decision: Decision) -> list[Stance]:
    """Objections and blocks of the decision's closed rounds, for the facilitator and authors."""
    method = domain.Method(decision.method)
    return list(
        Stance.objects.filter(
            round__decision=decision,
            round__closed_at__isnull=False,
            option__in=domain.REASON_REQUIRED[method],
        )
        .select_related("member", "round__version", "integrated_version")
        .order_by("round__number", "cast_at")
    )


def member_stance(decision: Decision, user: Any) -> Stance | None:
    round_ = open_round(decision)
    if round_ is None or not user.is_authenticated:
        return None
    return round_.stances.filter(member=user).first()


# --- The register -------------------------------------------------------------------------------


def record_status(record: Record, today: date | None = None) -> str | None:
    if record.outcome not in ADOPTED:
        return None
    if getattr(record, "superseded_by", None) is not None:
        return Record.Status.SUPERSEDED.value
    today = today or timezone.localdate()
    if record.review_at is not None and record.review_at <= today:
        return Record.Status.UNDER_REVIEW.value
    return Record.Status.IN_FORCE.value


def visible_records(user: Any) -> QuerySet[Record]:
    qs = Record.objects.select_related(
        "assembly", "superseded_by", "supersedes", "version"
    ).prefetch_related(*RECORD_PREFETCH)
    if user is not None and user.is_authenticated:
        return qs.filter(
            Q(assembly__is_public=True) | Q(assembly__memberships__user=user)
        ).distinct()
    return qs.filter(assembly__is_public=True)


def visible_record(user: Any, slug: str, year: int, number: int) -> Record | None:
    """A register entry by its assembly and reference (``2026/14``), if ``user`` may read it."""
    return visible_records(user).filter(assembly__slug=slug, year=year, number=number).first()


def visible_record_of(user: Any, decision_id: int) -> Record | None:
    """The register entry of a decision, if ``user`` may read it."""
    return visible_records(user).filter(decision_id=decision_id).first()


def alternative_choices(decision: Decision) -> list[tuple[str, str]]:
    """A ranked decision's alternatives as ``(key, title)``, in their order."""
    return [(a.key, a.title) for a in decision.alternatives.all()]


def search_records(user: Any, params: Any) -> QuerySet[Record]:
    """Filter the register by ``q``, ``assembly``, ``year``, ``status`` and ``method``."""
    qs = visible_records(user)
    q = (params.get("q") or "").strip()
    if q:
        for word in fold(q).split()[:10]:
            qs = qs.filter(search_text__contains=word)
    if params.get("assembly"):
        qs = qs.filter(assembly__slug=params["assembly"])
    year = params.get("year") or ""
    if year:
        qs = qs.filter(year=int(year)) if str(year).isdigit() else qs.none()
    if params.get("method"):
        qs = qs.filter(method=params["method"])
    status = params.get("status")
    if status:
        today = timezone.localdate()
        adopted = qs.filter(outcome__in=ADOPTED)
        if status == "superseded":
            qs = adopted.filter(superseded_by__isnull=False)
        elif status == "under_review":
            qs = adopted.filter(superseded_by__isnull=True, review_at__lte=today)
        elif status == "in_force":
            qs = adopted.filter(superseded_by__isnull=True).filter(
                Q(review_at__isnull=True) | Q(review_at__gt=today)
            )
        else:
            qs = qs.none()
    return qs.order_by("-decided_at", "-id")


def record_json(record: Record, url: str) -> dict[str, Any]:
    return {
        "ref": record.ref,
        "decision": record.decision_id,
        "assembly": record.assembly.slug,
        "title": record.title,
        "statement": record.statement,
        "text": record.text,
        "method": record.method,
        "policy": record.policy,
        "outcome": record.outcome,
        "decided_at": record.decided_at.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "tally": record.result.get("tally"),
        "result": record.result,
        "dissent": [
            {k: v for k, v in d.items() if k in {"option", "reason", "name", "resolution"}}
            for d in record.dissent
        ],
        "rounds": len(record.rounds),
        "review_at": record.review_at.isoformat() if record.review_at else None,
        "status": record_status(record),
        "supersedes": record.supersedes.ref if record.supersedes else None,
        "superseded_by": (
            record.superseded_by.ref if getattr(record, "superseded_by", None) else None
        ),
        "url": url,
        "proposal": (
            {"id": record.version.proposal_id, "version": record.version.number}
            if record.version is not None
            else None
        ),
        "followups": followups_json(record),
    }


def followups_json(record: Record) -> list[dict[str, Any]]:
    """The commitments that carry out a register entry, with their timelines: public
    wherever the entry is (``prefetch`` them with :data:`RECORD_PREFETCH`)."""
    return [
        {
            "id": c.pk,
            "title": c.title,
            "status": c.status,
            "due": c.due.isoformat() if c.due else None,
            "updates": [
                {"at": u.at.isoformat(), "note": u.note, "status": u.status}
                for u in c.updates.all()
            ],
        }
        for c in record.commitments.all()
    ]


#: What :func:`record_json` reads beyond the entry, for lists of entries.
RECORD_PREFETCH = ("commitments__updates",)


def decisions_on_proposal(proposal: Any) -> QuerySet[Decision]:
    return Decision.objects.filter(proposal=proposal).select_related("assembly", "session")


def rounds_asking(version: Any) -> QuerySet[Round]:
    """The rounds that asked about a proposal version, oldest first."""
    return (
        Round.objects.filter(version=version)
        .select_related("decision__assembly", "decision__session")
        .order_by("opened_at", "id")
    )


def decisions_in_progress(assembly_id: int, user: Any) -> list[Decision]:
    """Decisions of an assembly not yet recorded, that ``user`` may see."""
    from voting.permissions import can_view_decision

    decisions = (
        Decision.objects.filter(assembly_id=assembly_id)
        .exclude(status=Decision.Status.RECORDED)
        .select_related("assembly", "session", "working_group")
        .order_by("-created_at")
    )
    return [d for d in decisions if can_view_decision(user, d)]
