"""WebSocket commands of decisions, each mapped to one service."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from assembly import permissions as assembly_permissions
from common.errors import ServiceError
from proposals import permissions as proposal_permissions
from realtime.protocol import (
    Boolean,
    Choice,
    CommandContext,
    Integer,
    Mapping,
    Optional,
    OptionalDate,
    Records,
    StringList,
    Text,
    batch,
    command,
)
from voting import domain, selectors, services


@command(
    "decision.create",
    title=Text(max_length=200, allow_blank=False),
    method=Choice(tuple(m.value for m in domain.Method)),
    proposal=Optional(Integer(minimum=1, maximum=2**62, nullable=True)),
    text=Optional(Text(max_length=100_000), default=""),
    policy=Optional(Mapping(max_keys=20)),
    alternatives=Optional(
        Records(
            {
                "title": Text(max_length=200, allow_blank=False),
                "text": Optional(Text(max_length=100_000), default=""),
            },
            max_items=services.MAX_ALTERNATIVES,
        )
    ),
)
def decision_create(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    """A facilitator opens a decision in the session (on an agenda item's proposal, say):
    the same service as the proposal page's "Karara sun" and ``POST /api/v1/decisions/``."""
    session = assembly_permissions.get_session_for_user(ctx.user, ctx.session_id)
    proposal = None
    if data["proposal"] is not None:
        proposal = proposal_permissions.get_proposal_for_user(ctx.user, data["proposal"])
    decision = services.create_decision(
        ctx.user,
        assembly=session.assembly,
        session=session,
        proposal=proposal,
        title=data["title"],
        method=data["method"],
        text=data["text"] or "",
        policy=data["policy"],
        alternatives=[(a["title"], a["text"] or "") for a in data["alternatives"] or []],
    )
    return {"decision": decision.pk, "url": reverse("decision", args=[decision.pk])}


@command(
    "stance.cast",
    decision=Integer(minimum=1),
    option=Optional(Text(max_length=40)),
    ranking=Optional(StringList(max_items=50, max_length=40)),
    reason=Optional(Text(max_length=domain.MAX_REASON), default=""),
)
def stance_cast(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return services.cast_stance(
        ctx.user,
        data["decision"],
        option=data["option"],
        ranking=data["ranking"],
        reason=data["reason"] or "",
        session_id=ctx.session_id,
    )


@batch("stance.cast")
def stance_cast_batch(
    calls: list[tuple[CommandContext, dict[str, Any]]],
) -> list[dict[str, Any] | ServiceError | None]:
    """Many ``stance.cast`` at once: one transaction (see :func:`services.cast_stances`)."""
    casts = [
        services.Cast(
            ctx.user,
            data["decision"],
            option=data["option"],
            ranking=data["ranking"],
            reason=data["reason"] or "",
            session_id=ctx.session_id,
            language=ctx.language,
        )
        for ctx, data in calls
    ]
    return list(services.cast_stances(casts))


@command(
    "round.open",
    decision=Integer(minimum=1),
    seconds=Optional(Integer(minimum=1, maximum=services.MAX_ROUND_SECONDS, nullable=True)),
)
def round_open(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    round_ = services.open_round(
        ctx.user, data["decision"], seconds=data["seconds"], session_id=ctx.session_id
    )
    return {"decision": data["decision"], "round": round_.number}


@command("round.close", decision=Integer(minimum=1), fallback=Optional(Boolean(), default=False))
def round_close(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    round_ = services.close_round(
        ctx.user, data["decision"], fallback=data["fallback"], session_id=ctx.session_id
    )
    return {"decision": data["decision"], "round": round_.number, "outcome": round_.outcome}


@command(
    "decision.record",
    decision=Integer(minimum=1),
    statement=Text(max_length=services.MAX_STATEMENT, allow_blank=False),
    review_at=Optional(OptionalDate()),
    supersedes=Optional(Text(max_length=20)),
)
def decision_record(ctx: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    record = services.record_decision(
        ctx.user,
        data["decision"],
        statement=data["statement"],
        review_at=data["review_at"],
        supersedes=data["supersedes"] or None,
        session_id=ctx.session_id,
    )
    return {"decision": record.decision_id, "ref": record.ref, "url": selectors.record_url(record)}
