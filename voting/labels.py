"""Words for decisions, in the reader's language: stance labels, outcomes, rules.

Used by pages, the live screen and the register; the Turkish wording follows the
glossary (first-person stance labels, "Görüş" not "oy").
"""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from realtime.errors import ServiceError
from voting import domain, permissions, selectors, services
from voting.models import Decision, Outcome, Participation, Record, Stance

OPTION_LABELS: dict[str, dict[str, tuple[Any, Any]]] = {
    "consent": {
        "consent": (gettext_lazy("I don't object"), gettext_lazy("I can live with it.")),
        "concern": (
            gettext_lazy("I have a concern"),
            gettext_lazy("Not an objection; a point I want taken into account."),
        ),
        "objection": (
            gettext_lazy("I object"),
            gettext_lazy("As it stands it would do harm. A reason is required."),
        ),
    },
    "consensus": {
        "agree": (gettext_lazy("I agree"), gettext_lazy("I support the proposal.")),
        "reservations": (
            gettext_lazy("I agree with reservations"),
            gettext_lazy("I agree, but I have reservations."),
        ),
        "stand_aside": (
            gettext_lazy("I stand aside"),
            gettext_lazy("I won't stop it, but I won't take part. A reason is required."),
        ),
        "block": (
            gettext_lazy("I block"),
            gettext_lazy("This decision should not be taken. A reason is required."),
        ),
    },
    "gradients": {
        "1": (gettext_lazy("I wholeheartedly support it"), ""),
        "2": (gettext_lazy("I agree, with a minor point"), ""),
        "3": (gettext_lazy("I support it with reservations"), ""),
        "4": (gettext_lazy("I abstain"), ""),
        "5": (gettext_lazy("We should talk more"), ""),
        "6": (gettext_lazy("I don't like it but I support it"), ""),
        "7": (gettext_lazy("I am seriously against it"), gettext_lazy("A reason is required.")),
        "8": (gettext_lazy("I block"), gettext_lazy("A reason is required.")),
    },
    "temperature": {
        "0": (gettext_lazy("I am against it"), ""),
        "1": (gettext_lazy("I have major concerns"), ""),
        "2": (gettext_lazy("I have some concerns"), ""),
        "3": (gettext_lazy("It could work"), ""),
        "4": (gettext_lazy("I support it"), ""),
        "5": (gettext_lazy("I strongly support it"), ""),
    },
}

METHOD_RULES = {
    "consent": gettext_lazy("Consent: the proposal is adopted when no reasoned objection stands."),
    "consensus": gettext_lazy(
        "Consensus: blocked when blocks exceed %(max_blocks)s; not adopted when more than "
        "%(max_stand_aside)s of the stances stand aside; otherwise adopted."
    ),
    "gradients": gettext_lazy(
        "Gradients of agreement: any 8 blocks; if at least %(needs_discussion_share)s choose 5, "
        "we talk more; if more than half choose 6 or 7, not adopted; otherwise adopted."
    ),
    "temperature": gettext_lazy(
        "Temperature check: not a decision; it shows which way the group leans."
    ),
    "ranked": gettext_lazy(
        "Ranked choice (Schulze): the alternative that beats every other in head-to-head "
        'comparisons wins; if "keep things as they are" wins, nothing changes.'
    ),
}

TIE_BREAKS = {
    "status_quo_stays": gettext_lazy(
        "There was a tie at the top; keeping things as they are won the tie."
    ),
    "most_first_preferences": gettext_lazy(
        "There was a tie at the top; the alternative ranked first most often won the tie."
    ),
    "listed_first": gettext_lazy(
        "There was a tie at the top; the alternative put forward first won the tie."
    ),
}


STATUS_QUO_LABEL = gettext_lazy("Keep things as they are")


def option_label(method: str, key: str, decision: Decision | None = None) -> str:
    if method == "ranked":
        if key == domain.STATUS_QUO:
            return str(STATUS_QUO_LABEL)
        if decision is not None:
            title = decision.alternatives.filter(key=key).values_list("title", flat=True).first()
            if title:
                return str(title)
        return key
    return str(OPTION_LABELS.get(method, {}).get(key, (key, ""))[0])


def options_for(method: str) -> list[dict[str, Any]]:
    """The options of a method in display order, with their one-line help (none for ranked)."""
    if method not in OPTION_LABELS:
        return []
    required = domain.REASON_REQUIRED[domain.Method(method)]
    return [
        {
            "key": key,
            "label": str(label),
            "help": str(help_text),
            "reason_required": key in required,
        }
        for key, (label, help_text) in OPTION_LABELS[method].items()
    ]


def options_with_help(decision: Decision) -> list[dict[str, Any]]:
    return options_for(decision.method)


def outcome_label(outcome: str | None) -> str:
    if not outcome:
        return ""
    try:
        return str(Outcome(outcome).label)
    except ValueError:
        return outcome


def rule_text(method: str, policy: dict[str, Any]) -> str:
    parsed = domain.parse_policy(policy)
    text = str(METHOD_RULES[method]) % {
        "max_blocks": parsed.max_blocks,
        "max_stand_aside": _share(parsed.max_stand_aside),
        "needs_discussion_share": _share(parsed.needs_discussion_share),
    }
    extra = []
    if parsed.quorum is not None:
        extra.append(_("Quorum: %(share)s.") % {"share": _share(parsed.quorum)})
    if parsed.secret:
        extra.append(_("Secret: nobody can see who said what; stances cannot be changed."))
    if parsed.fallback_after_rounds and parsed.fallback_share is not None:
        extra.append(
            _(
                "After %(rounds)s rounds without agreement, %(share)s on the side of agreement "
                "is enough."
            )
            % {"rounds": parsed.fallback_after_rounds, "share": _share(parsed.fallback_share)}
        )
    return " ".join([text, *extra])


def _share(value: Any) -> str:
    """A share as a per cent, Turkish style ("%25"), rounded half up like the live screen."""
    if value is None:
        return ""
    return f"%{math.floor(Fraction(value) * 100 + Fraction(1, 2)):d}"


def error_text(exc: ServiceError) -> str:
    detail = "; ".join(str(v) for v in exc.fields.values() if isinstance(v, str))
    return f"{exc.message} {detail}".strip()


def status_label(status: str | None) -> str:
    return str(Record.Status(status).label) if status else ""


def record_row(record: Record) -> dict[str, Any]:
    status = selectors.record_status(record)
    return {
        "record": record,
        "url": services.record_url(record),
        "outcome": outcome_label(record.outcome),
        "method": method_label(record.method),
        "status": status,
        "status_label": status_label(status),
    }


def method_label(method: str) -> str:
    from voting.models import Method

    try:
        return str(Method(method).label)
    except ValueError:
        return method


def _counts_rows(method: str, counts: dict[str, int] | None, decision: Decision) -> list[Any]:
    if not counts:
        return []
    return [
        {"key": key, "label": option_label(method, key, decision), "count": count}
        for key, count in counts.items()
    ]


def record_page(record: Record) -> dict[str, Any]:
    tally = record.result.get("tally") or {}
    decision = record.decision
    dissent = [
        {**d, "label": option_label(record.method, d["option"], decision)} for d in record.dissent
    ]
    rounds = [
        {
            **r,
            "outcome_label": outcome_label(r["outcome"]),
            "counts": _counts_rows(record.method, (r.get("tally") or {}).get("counts"), decision),
            "dissent": [
                {**d, "label": option_label(record.method, d["option"], decision)}
                for d in r["dissent"]
            ],
        }
        for r in record.rounds
    ]
    pairwise = record.result.get("pairwise")
    alternatives = []
    if pairwise:
        alternatives = [{"key": a.key, "title": a.title} for a in decision.alternatives.all()]
    status = selectors.record_status(record)
    return {
        "record": record,
        "url": services.record_url(record),
        "outcome": outcome_label(record.outcome),
        "method": method_label(record.method),
        "rule": rule_text(record.method, record.policy),
        "tally": tally,
        "counts": _counts_rows(record.method, tally.get("counts"), decision),
        "dissent": dissent,
        "rounds": rounds,
        "pairwise": pairwise,
        "alternatives": alternatives,
        "order": record.result.get("order"),
        "winner": record.result.get("winner"),
        "tie_break": str(TIE_BREAKS[record.result["tie_break"]])
        if record.result.get("tie_break")
        else "",
        "status": status,
        "status_label": status_label(status),
        "secret": domain.parse_policy(record.policy).secret,
    }


def decision_page(decision: Decision, user: Any) -> dict[str, Any]:
    round_ = selectors.open_round(decision)
    closed = list(decision.rounds.filter(closed_at__isnull=False).order_by("number"))
    mine = selectors.member_stance(decision, user)
    policy = domain.parse_policy(decision.policy)
    tally = selectors.live_tally(decision) if round_ else None
    objections = [
        {
            "stance": s,
            "label": option_label(decision.method, s.option, decision),
            "name": None if policy.secret or s.member is None else s.member.public_name,
            "is_mine": s.member_id is not None and s.member_id == getattr(user, "pk", None),
        }
        for s in selectors.dissent_for_facilitators(decision)
    ]
    return {
        "decision": decision,
        "round": round_,
        "closed_rounds": [
            {
                "round": r,
                "outcome": outcome_label(r.outcome),
                "counts": _counts_rows(
                    decision.method, (r.result.get("tally") or {}).get("counts"), decision
                ),
                "tally": r.result.get("tally") or {},
            }
            for r in closed
        ],
        "method": method_label(decision.method),
        "rule": rule_text(decision.method, decision.policy),
        "options": options_with_help(decision) if decision.method != "ranked" else [],
        "alternatives": list(decision.alternatives.all()),
        "places": range(1, decision.alternatives.count() + 1),
        "mine": mine,
        "mine_label": option_label(decision.method, mine.option, decision) if mine else "",
        "tally": tally,
        "tally_rows": _counts_rows(decision.method, (tally or {}).get("counts"), decision),
        "can_take_part": permissions.is_eligible(user, decision),
        "can_run": permissions.can_run_decision(user, decision),
        "can_record": permissions.can_record_decision(user, decision)
        and decision.status in services.RECORDABLE,
        "fallback_available": bool(round_ and domain.fallback_available(policy, round_.number)),
        "objections": objections,
        "secret": policy.secret,
        "record": getattr(decision, "record", None),
        "resolutions": Stance.Resolution,
        "record_form_statement": "",
        "context_label": pgettext_lazy("decision", "Decision"),
    }


# --- The live session screen ------------------------------------------------------------------


def live_strings() -> dict[str, Any]:
    """The words the live screen's script needs for decisions (the template uses the same)."""
    return {
        "heading": _("Decisions"),
        "none": _("No decisions in this session yet."),
        "new": _("New decision"),
        "page": _("Decision page"),
        "rules": {m: str(text) for m, text in METHOD_RULES.items()},
        "quorum": _("Quorum: %(share)s."),
        "secret_rule": _("Secret: nobody can see who said what; stances cannot be changed."),
        "fallback_rule": _(
            "After %(rounds)s rounds without agreement, %(share)s on the side of agreement "
            "is enough."
        ),
        "options": {m: options_for(m) for m in OPTION_LABELS},
        "status_quo": str(STATUS_QUO_LABEL),
        "outcomes": {value: str(label) for value, label in Outcome.choices},
        "not_opened": _("No round has been opened yet."),
        "round_open": _("Round %(n)s is open"),
        "closes_in": _("Round closes in %(seconds)s s"),
        "outcome_of": _("Outcome of round %(n)s: %(outcome)s"),
        "winner": _("Winner: %(title)s"),
        "recorded": _("Decision recorded as %(ref)s"),
        "responded": [
            ngettext(
                "%(responded)s of %(eligible)s has responded",
                "%(responded)s of %(eligible)s have responded",
                1,
            ),
            ngettext(
                "%(responded)s of %(eligible)s has responded",
                "%(responded)s of %(eligible)s have responded",
                2,
            ),
        ],
        "no_responses": _("No responses yet"),
        "no_one_responded": _("No one responded"),
        "first_choices": _("First choices"),
        "results_later": _("Results appear when the round closes"),
        "your_stance": _("Your stance"),
        "rank_legend": _("Rank the alternatives, starting with the one you want most."),
        "place": _("Choice %(n)s"),
        "reason": _("Reason"),
        "reason_required": _("Reason (required)"),
        "send": _("Send"),
        "change": _("Change response"),
        "saved": _("Your response has been saved"),
        "saved_as": _("Your response has been saved: %(stance)s"),
        "saved_secret": _("Your response has been saved. A secret response cannot be changed."),
        "open": _("Open round"),
        "close": _("Close round"),
        "fallback": _("Close with the fallback rule"),
        "seconds": _("Time limit in seconds (optional)"),
        "seconds_help": _("Leave it empty to keep the round open until you close it."),
        "record_heading": _("Record the decision"),
        "statement": _("Decision statement"),
        "required": _("required"),
        "review_at": _("Review date"),
        "supersedes": _("Supersedes (reference number)"),
        "supersedes_help": _("For example 2026/3"),
        "record": _("Record"),
    }


def _responded_text(responded: int, eligible: int, open_: bool = True) -> str:
    if not responded:
        return _("No responses yet") if open_ else _("No one responded")
    return ngettext(
        "%(responded)s of %(eligible)s has responded",
        "%(responded)s of %(eligible)s have responded",
        responded,
    ) % {"responded": responded, "eligible": eligible}


def _mine(decision: Decision, user: Any) -> dict[str, Any] | None:
    """The member's own stance in the open round, as far as it may be known."""
    round_ = selectors.open_round(decision)
    if round_ is None or user is None or not user.is_authenticated:
        return None
    if domain.parse_policy(decision.policy).secret:
        if Participation.objects.filter(round=round_, member=user).exists():
            return {"round": round_.number, "secret": True}
        return None
    stance = round_.stances.filter(member=user).first()
    if stance is None:
        return None
    return {
        "round": round_.number,
        "option": stance.option,
        "reason": stance.reason,
        "ranking": list(stance.ranking or []),
    }


def live_extras(decisions: list[dict[str, Any]], user: Any) -> dict[str, dict[str, Any]]:
    """What the session state does not carry, per decision id: the member's own stance,
    a ranked round's winner and the register link."""
    ids = [d["id"] for d in decisions]
    extras: dict[str, dict[str, Any]] = {}
    for decision in Decision.objects.filter(pk__in=ids).select_related("record__assembly"):
        last = decision.rounds.filter(closed_at__isnull=False).order_by("-number").first()
        record = getattr(decision, "record", None)
        extras[str(decision.pk)] = {
            "mine": _mine(decision, user) if decision.status == Decision.Status.OPEN else None,
            "winner": (last.result or {}).get("winner") if last else None,
            "url": services.record_url(record) if record is not None else None,
        }
    return extras


def live_rows(
    decisions: list[dict[str, Any]],
    extras: dict[str, dict[str, Any]],
    you: dict[str, Any],
    session_status: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The session's decisions, ready for the live screen's template (live.js draws the same)."""
    return [_live_row(d, extras.get(str(d["id"]), {}), you, session_status, now) for d in decisions]


def _live_row(
    d: dict[str, Any],
    extra: dict[str, Any],
    you: dict[str, Any],
    session_status: str,
    now: datetime,
) -> dict[str, Any]:
    method, status, number = d["method"], d["status"], d["round"]
    policy = domain.parse_policy(d["policy"])
    alternatives = d.get("alternatives") or []
    options = options_for(method)
    labels = {o["key"]: o["label"] for o in options}
    labels.update({a["key"]: a["title"] for a in alternatives})
    labels[domain.STATUS_QUO] = str(STATUS_QUO_LABEL)
    mine = extra.get("mine") if status == "open" else None
    if mine and mine.get("round") != number:
        mine = None
    mine = mine or {}
    chosen = mine.get("option") or ""
    ranking = mine.get("ranking") or []
    tally = d.get("tally") or {}
    counts = tally.get("counts")
    responded = tally.get("responded", 0)
    facilitator = bool(you.get("facilitator"))

    if mine.get("secret"):
        mine_text = _("Your response has been saved. A secret response cannot be changed.")
    elif mine:
        stance = ", ".join(
            f"{n}. {labels.get(k, k)}" for n, k in enumerate(ranking, start=1)
        ) or labels.get(chosen, chosen)
        mine_text = _("Your response has been saved: %(stance)s") % {"stance": stance}
    else:
        mine_text = ""
    if status == "open":
        status_text = _("Round %(n)s is open") % {"n": number}
    elif d.get("outcome"):
        status_text = _("Outcome of round %(n)s: %(outcome)s") % {
            "n": number,
            "outcome": outcome_label(d["outcome"]),
        }
    else:
        status_text = _("No round has been opened yet.")
    winner = extra.get("winner") if method == "ranked" and status != "open" else None
    closes_in = None
    if status == "open" and d.get("closes_at"):
        closes_in = math.ceil((datetime.fromisoformat(d["closes_at"]) - now).total_seconds())
    return {
        **d,
        "key": f"d{d['id']}",
        "rule": rule_text(method, d["policy"]),
        "status_text": status_text,
        "closes_in": closes_in,
        "winner_text": _("Winner: %(title)s") % {"title": labels.get(winner, winner)}
        if winner
        else "",
        "url": extra.get("url"),
        "tally": tally,
        "responded_text": _responded_text(responded, tally.get("eligible", 0), status == "open")
        if tally
        else "",
        "bars_caption": _("First choices") if method == "ranked" else "",
        "bars": [
            {"key": k, "label": labels.get(k, k), "count": n, "max": max(responded, 1)}
            for k, n in (counts or {}).items()
        ],
        "results_later": bool(tally) and counts is None and status == "open",
        "can_cast": bool(you.get("participant")) and status == "open" and not mine.get("secret"),
        "mine": mine,
        "mine_text": mine_text,
        "options": [{**o, "checked": o["key"] == chosen} for o in options],
        "reason_required": any(o["reason_required"] for o in options if o["key"] == chosen),
        "reason": mine.get("reason") or "",
        "places": [
            {
                "n": n,
                "choices": [
                    {
                        "key": a["key"],
                        "title": labels[a["key"]],
                        "selected": len(ranking) >= n and ranking[n - 1] == a["key"],
                    }
                    for a in alternatives
                ],
            }
            for n in range(1, len(alternatives) + 1)
        ],
        "can_open": facilitator and session_status == "live" and status in {"draft", "between"},
        "can_close": facilitator and status == "open",
        "can_fallback": facilitator
        and status == "open"
        and domain.fallback_available(policy, number),
        "can_record": bool(you.get("note_taker")) and status in {"between", "concluded"},
    }
