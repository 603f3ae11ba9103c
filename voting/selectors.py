"""Reads for decisions: live tallies, session snapshots, the register and its exports."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assembly.models import Attendance
from voting import domain
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
        return list(decision.alternatives.values_list("key", flat=True))
    return list(domain.OPTIONS[method])


def present_count(decision: Decision) -> int:
    if decision.session_id is None:
        return 0
    from voting.permissions import eligible_ids

    return Attendance.objects.filter(
        session_id=decision.session_id, member_id__in=eligible_ids(decision)
    ).count()


def open_round(decision: Decision) -> Round | None:
    return decision.rounds.filter(closed_at__isnull=True).first()


def live_tally(decision: Decision) -> dict[str, Any] | None:
    """The open round's tally as ``decision.tally_changed`` data, counts hidden if the
    policy reveals them only after close."""
    round_ = open_round(decision)
    if round_ is None:
        return None
    from voting.permissions import eligible_ids

    policy = domain.parse_policy(decision.policy)
    method = domain.Method(decision.method)
    responded = round_.stances.count()
    counts: dict[str, int] | None = None
    if policy.reveal == "live":
        if method is domain.Method.RANKED:
            first: dict[str, int] = dict.fromkeys(option_keys(decision), 0)
            for ranking in round_.stances.values_list("ranking", flat=True):
                if ranking:
                    first[ranking[0]] = first.get(ranking[0], 0) + 1
            counts = first
        else:
            rows = dict(
                round_.stances.values("option").annotate(n=Count("id")).values_list("option", "n")
            )
            counts = {option: rows.get(option, 0) for option in domain.OPTIONS[method]}
    return {
        "decision": decision.pk,
        "round": round_.number,
        "responded": responded,
        "eligible": eligible_ids(decision).count(),
        "present": present_count(decision),
        "counts": counts,
    }


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


def decision_summary(decision: Decision) -> dict[str, Any]:
    """One entry of the session state's ``decisions``."""
    rounds = list(decision.rounds.all())
    current = rounds[-1] if rounds else None
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
        "tally": live_tally(decision)
        if current and current.is_open
        else (current.result.get("tally") if current else None),
        "ref": decision.record.ref if hasattr(decision, "record") else None,
        "url": record_url(decision.record) if hasattr(decision, "record") else None,
        "winner": (current.result.get("winner") if current and not current.is_open else None),
    }
    if decision.method == domain.Method.RANKED:
        summary["alternatives"] = [
            {"key": a.key, "title": a.title} for a in decision.alternatives.all()
        ]
    return summary


def record_url(record: Record) -> str:
    return reverse(
        "decision_detail",
        kwargs={"slug": record.assembly.slug, "year": record.year, "number": record.number},
    )


def decisions_for_session(session_id: int) -> list[dict[str, Any]]:
    decisions = Decision.objects.filter(session_id=session_id).order_by("created_at", "id")
    return [decision_summary(d) for d in decisions.select_related("record")]


def dissent_json(decision: Decision, round_: Round) -> list[dict[str, Any]]:
    """Dissent of a round, with reasons; names only when the decision is not secret."""
    method = domain.Method(decision.method)
    secret = domain.parse_policy(decision.policy).secret
    stances = round_.stances.filter(option__in=domain.DISSENT[method]).select_related("member")
    return [
        {
            "option": s.option,
            "reason": s.reason,
            "member": None if secret or s.member is None else s.member.pk,
            "name": None if secret or s.member is None else s.member.public_name,
            "resolution": s.resolution,
            "resolution_note": s.resolution_note,
        }
        # Secret dissent is listed by option and reason, never in the order it came.
        for s in (
            stances.order_by("option", "reason") if secret else stances.order_by("cast_at", "id")
        )
    ]


def rounds_json(decision: Decision) -> list[dict[str, Any]]:
    return [
        {
            "number": r.number,
            "opened_at": r.opened_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            "outcome": r.outcome,
            "fallback_used": r.fallback_used,
            "tally": r.result.get("tally"),
            "text": r.text,
            "dissent": dissent_json(decision, r),
        }
        for r in decision.rounds.filter(closed_at__isnull=False).order_by("number")
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
        .select_related("member", "round")
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
    qs = Record.objects.select_related("assembly", "superseded_by", "supersedes")
    if user is not None and user.is_authenticated:
        return qs.filter(
            Q(assembly__is_public=True) | Q(assembly__memberships__user=user)
        ).distinct()
    return qs.filter(assembly__is_public=True)


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
    }


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
