"""What pages and the live screen show of decisions: words in the reader's language (stance
labels, outcomes, rules), page contexts, and what a person may do (from the gates).

Presenters read selectors and permissions, never services. The Turkish wording follows the
glossary (first-person stance labels, "Görüş" not "oy").
"""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from common.errors import Forbidden, ServiceError
from proposals import permissions as proposal_permissions
from proposals import selectors as proposal_selectors
from proposals.rendering import word_diff
from voting import domain, permissions, selectors
from voting.forms import ASYNC
from voting.models import Decision, Method, Outcome, Participation, Record, Stance

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

#: One line under each method where a decision is opened.
METHOD_HELP = {
    "consent": gettext_lazy(
        "The proposal passes unless someone objects with a reason. Quick, and it hears "
        "every objection."
    ),
    "consensus": gettext_lazy(
        "Everyone says whether they agree, agree with reservations, stand aside or block."
    ),
    "gradients": gettext_lazy(
        "Each person picks one of 8 steps, from wholehearted support to a block."
    ),
    "temperature": gettext_lazy("Not a decision: a quick look at which way the group leans."),
    "ranked": gettext_lazy(
        "Members rank the alternatives: the text, its promoted amendments, and keeping "
        "things as they are."
    ),
}


def rule_sentences(method: str, policy: dict[str, Any], live: bool) -> list[str]:
    """The rule of a decision in plain words, one short sentence each, as shown before it
    is opened and on its page: what stops it, what adopts it, the quorum and its base,
    secrecy, when counts appear, and the fallback."""
    p = domain.parse_policy(policy)
    said: list[str] = []
    if method == "consent":
        said += [
            _("A reasoned objection stops the decision."),
            _("With no objection the proposal is adopted."),
            _("Objections go to the next round, to be integrated into the text."),
        ]
    elif method == "consensus":
        if p.max_blocks == 0:
            said.append(_("A single block stops the decision."))
        else:
            said.append(
                ngettext(
                    "More than %(n)s block stops the decision.",
                    "More than %(n)s blocks stop the decision.",
                    p.max_blocks,
                )
                % {"n": p.max_blocks}
            )
        said += [
            _("If more than %(share)s of the stances stand aside, it is not adopted.")
            % {"share": _share(p.max_stand_aside)},
            _("Otherwise the proposal is adopted."),
        ]
    elif method == "gradients":
        said += [
            _("Any 8 (a block) stops the decision."),
            _('If at least %(share)s choose 5, "We should talk more", we talk more.')
            % {"share": _share(p.needs_discussion_share)},
            _("If more than half choose 6 or 7, it is not adopted."),
            _("Otherwise the proposal is adopted."),
        ]
    elif method == "temperature":
        said.append(_("This is not a decision: it shows which way the group leans."))
    else:
        said += [
            _("Each member ranks the alternatives, the one they want most first."),
            _("The alternative that beats every other one head to head wins."),
            _('If "Keep things as they are" wins, nothing changes.'),
        ]
    if p.quorum is not None:
        if domain.quorum_base(p, live) == "present":
            said.append(
                _("Quorum: at least %(share)s of those present must respond.")
                % {"share": _share(p.quorum)}
            )
        else:
            said.append(
                _("Quorum: at least %(share)s of everyone who may take part must respond.")
                % {"share": _share(p.quorum)}
            )
    if p.secret:
        said.append(_("Secret: nobody can see who said what; stances cannot be changed."))
    elif p.reveal == "after_close":
        said.append(_("Results appear when the round closes"))
    if p.fallback_after_rounds and p.fallback_share is not None:
        said.append(
            _(
                "After %(rounds)s rounds without agreement, %(share)s on the side of agreement "
                "is enough."
            )
            % {"rounds": p.fallback_after_rounds, "share": _share(p.fallback_share)}
        )
    return [str(sentence) for sentence in said]


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


def resolution_label(resolution: str | None) -> str:
    try:
        return str(Stance.Resolution(resolution or "").label)
    except ValueError:
        return resolution or ""


def resolved_text(stance: Stance) -> str:
    """What a person is told once they resolved an objection."""
    if stance.resolution == Stance.Resolution.WITHDRAWN:
        return _("The objection is withdrawn.")
    if stance.integrated_version is not None:
        return _("The objection is integrated into version %(number)s.") % {
            "number": stance.integrated_version.number
        }
    return _("The objection is marked integrated.")


def status_label(status: str | None) -> str:
    return str(Record.Status(status).label) if status else ""


def record_row(record: Record) -> dict[str, Any]:
    status = selectors.record_status(record)
    return {
        "record": record,
        "url": selectors.record_url(record),
        "outcome": outcome_label(record.outcome),
        "method": method_label(record.method),
        "status": status,
        "status_label": status_label(status),
    }


def method_label(method: str) -> str:
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


def record_page(record: Record, user: Any = None) -> dict[str, Any]:
    tally = record.result.get("tally") or {}
    decision = record.decision

    def said(d: dict[str, Any]) -> dict[str, Any]:
        return {
            **d,
            "label": option_label(record.method, d["option"], decision),
            "resolution_label": resolution_label(d.get("resolution")),
        }

    dissent = [said(d) for d in record.dissent]
    version = record.version
    proposal_id = version.proposal_id if version is not None else None
    rounds = rounds_with_changes(
        [
            {
                **r,
                "outcome_label": outcome_label(r["outcome"]),
                "counts": _counts_rows(
                    record.method, (r.get("tally") or {}).get("counts"), decision
                ),
                "dissent": [said(d) for d in r["dissent"]],
            }
            for r in record.rounds
        ],
        proposal_id,
    )
    pairwise = record.result.get("pairwise")
    alternatives = []
    if pairwise:
        alternatives = [{"key": a.key, "title": a.title} for a in decision.alternatives.all()]
    status = selectors.record_status(record)
    return {
        "record": record,
        "url": selectors.record_url(record),
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
        "proposal": version.proposal if version is not None else None,
        "version": version,
        "version_url": reverse("proposal_version_page", args=[proposal_id, version.number])
        if version is not None
        else None,
        "adopted": record.outcome in selectors.ADOPTED,
    }


def about_proposal(proposal: Any, user: Any) -> dict[str, Any]:
    """What the proposal page shows of the decisions on it: each that ``user`` may see,
    whether they may bring it to a decision, the objections its authors are to integrate,
    and the version the assembly adopted."""
    pending = permissions.pending_on(proposal)
    objections: list[dict[str, Any]] = []
    if (
        pending is not None
        and pending.status == Decision.Status.BETWEEN
        and permissions.can_view_decision(user, pending)
    ):
        objections = open_objections(pending)
    adopted = proposal.adopted_version
    return {
        "decisions": [
            {
                "title": d.title,
                "url": reverse("decision", args=[d.pk]),
                "status": d.get_status_display(),
            }
            for d in selectors.decisions_on_proposal(proposal)
            if permissions.can_view_decision(user, d)
        ],
        "can_bring": permissions.can_bring_to_decision(user, proposal),
        "objections_decision": pending if objections else None,
        "open_objections": objections,
        "adopted_number": adopted.number if adopted is not None else None,
    }


def rounds_about(version: Any, user: Any) -> list[dict[str, Any]]:
    """The rounds of decisions that asked about a proposal version, that ``user`` may see."""
    return [
        {
            "decision": round_.decision.title,
            "url": reverse("decision", args=[round_.decision_id]),
            "round": round_.number,
            "outcome": round_.get_outcome_display() if round_.closed_at else "",
        }
        for round_ in selectors.rounds_asking(version)
        if permissions.can_view_decision(user, round_.decision)
    ]


def open_objections(decision: Decision) -> list[dict[str, Any]]:
    """Objections and blocks of a decision's closed rounds that still stand, for the
    proposal's authors to integrate into a new version (names kept out if secret)."""
    secret = domain.parse_policy(decision.policy).secret
    return [
        {
            "stance": s,
            "label": option_label(decision.method, s.option, decision),
            "name": None if secret or s.member is None else s.member.public_name,
            "round": s.round.number,
            "version": s.round.version.number if s.round.version else None,
            "url": reverse("decision", args=[decision.pk]) + f"#objection-{s.pk}",
        }
        for s in selectors.dissent_for_facilitators(decision)
        if s.resolution == Stance.Resolution.OPEN
    ]


def rounds_with_changes(
    rows: list[dict[str, Any]], proposal_id: int | None
) -> list[dict[str, Any]]:
    """Rounds as the decision page and the register show them: each with the version it
    asked about (and a link to it), and the word diff from the round before when the text
    changed between them. ``rows`` have ``number``, ``version`` and ``text``."""
    shown: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        entry = {**row}
        if proposal_id is not None and row.get("version"):
            entry["version_url"] = reverse(
                "proposal_version_page", args=[proposal_id, row["version"]]
            )
        if previous is not None and (row.get("text") or "") != (previous.get("text") or ""):
            entry["change"] = {
                **word_diff(previous.get("text") or "", row.get("text") or ""),
                "since": previous["number"],
                "from_version": previous.get("version"),
            }
        shown.append(entry)
        previous = row
    return shown


def decision_page(decision: Decision, user: Any) -> dict[str, Any]:
    round_ = selectors.open_round(decision)
    rounds = list(decision.rounds.select_related("version").order_by("number"))
    closed = [r for r in rounds if r.closed_at is not None]
    mine = selectors.member_stance(decision, user)
    policy = domain.parse_policy(decision.policy)
    tally = selectors.live_tally(decision) if round_ else None
    objections = [
        {
            "stance": s,
            "label": option_label(decision.method, s.option, decision),
            "name": None if policy.secret or s.member is None else s.member.public_name,
            "is_mine": s.member_id is not None and s.member_id == getattr(user, "pk", None),
            "round": s.round.number,
        }
        for s in selectors.dissent_for_facilitators(decision)
    ]
    proposal = decision.proposal
    current = proposal_selectors.current_version(proposal) if proposal is not None else None
    asked = rounds[-1].version if rounds else None
    between = decision.status == Decision.Status.BETWEEN
    next_version = None
    if current is not None and between and asked is not None and current.pk != asked.pk:
        next_version = {
            "number": current.number,
            "change": word_diff(rounds[-1].text, current.text),
        }
    can_integrate = permissions.can_integrate_now(user, decision)
    acts = permissions.actions_for(user, decision, rounds[-1].number if rounds else 0)
    return {
        "decision": decision,
        "round": round_,
        "rounds": rounds_with_changes(
            [
                {
                    "number": r.number,
                    "version": r.version.number if r.version else None,
                    "text": r.text,
                    "open": r.closed_at is None,
                    "outcome": outcome_label(r.outcome),
                    "counts": _counts_rows(
                        decision.method, (r.result.get("tally") or {}).get("counts"), decision
                    ),
                    "tally": r.result.get("tally") or {},
                }
                for r in rounds
            ],
            decision.proposal_id,
        ),
        "closed_rounds": closed,
        "proposal": proposal,
        "current_version": current,
        "next_version": next_version,
        "integrate_text": current.text if current is not None else decision.text,
        "can_integrate": can_integrate,
        "method": method_label(decision.method),
        "rule": rule_text(decision.method, decision.policy),
        "rules": rule_sentences(decision.method, decision.policy, decision.session_id is not None),
        "options": options_with_help(decision) if decision.method != "ranked" else [],
        "alternatives": list(decision.alternatives.all()),
        "places": range(1, decision.alternatives.count() + 1),
        "mine": mine,
        "mine_label": option_label(decision.method, mine.option, decision) if mine else "",
        "tally": tally,
        "tally_rows": _counts_rows(decision.method, (tally or {}).get("counts"), decision),
        # What the reader may do now: the gates' actions (voting.permissions.actions_for).
        "may_cast": "stance.cast" in acts,
        "can_open": "round.open" in acts,
        "can_close": "round.close" in acts,
        "can_fallback": "round.fallback" in acts,
        "can_record": "decision.record" in acts,
        "objections": objections,
        "secret": policy.secret,
        "record": getattr(decision, "record", None),
        "resolutions": Stance.Resolution,
        "record_form_statement": "",
        "context_label": pgettext_lazy("decision", "Decision"),
    }


# --- "Karara sun" ---------------------------------------------------------------------------


def bring_page(proposal: Any, user: Any) -> dict[str, Any]:
    """What the page that brings a proposal to a decision offers ``user``: where it may be
    decided (``places``: the sessions they facilitate, and outside a session for a
    co-author), the alternatives of a ranked decision, and why not (``refusal``) when
    nothing may be opened."""
    assembly = proposal.assembly
    sessions = permissions.sessions_to_decide_in(user, assembly)
    places = [
        (
            str(s.pk),
            _("In the session: %(title)s, %(when)s")
            % {"title": s.title, "when": formats.date_format(s.starts_at, "SHORT_DATETIME_FORMAT")},
        )
        for s in sessions
    ]
    if proposal_permissions.is_coauthor(user, proposal):
        places.append((ASYNC, _("Outside a session, over days: the first round opens at once")))
    refusal: ServiceError | None = permissions.bring_conflict(proposal)
    if refusal is None and not places:
        refusal = Forbidden(
            _("The facilitators of a session and the proposal's co-authors bring it to a decision.")
        )
    if refusal is not None:
        places = []
    ranked = proposal_selectors.ranked_choices(proposal)
    current = proposal_selectors.current_version(proposal)
    group_rows = list(assembly.working_groups.order_by("name"))
    return {
        "proposal": proposal,
        "assembly": assembly,
        "current": current,
        "sessions": sessions,
        "places": places,
        "refusal": refusal,
        "ranked": ranked,
        "alternative_choices": [
            (key, _("The current text (version %(n)s)") % {"n": current.number})
            if key == "current"
            else (key, title)
            for key, title, _text in ranked
        ],
        "group_rows": group_rows,
        "groups": [(g.pk, g.name) for g in group_rows],
        "methods": [
            {"value": value, "label": label, "help": str(METHOD_HELP[value])}
            for value, label in Method.choices
        ],
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
            "url": selectors.record_url(record) if record is not None else None,
        }
    return extras


def live_rows(
    decisions: list[dict[str, Any]],
    extras: dict[str, dict[str, Any]],
    you: dict[str, Any],
    now: datetime,
) -> list[dict[str, Any]]:
    """The session's decisions, ready for the live screen's template (live.js draws the same)."""
    return [_live_row(d, extras.get(str(d["id"]), {}), you, now) for d in decisions]


def _live_row(
    d: dict[str, Any],
    extra: dict[str, Any],
    you: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    method, status, number = d["method"], d["status"], d["round"]
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
    # What the reader may do to it now (voting.permissions.decision_actions, by their role).
    allowed = d["actions"].get(you.get("role", "watcher"), [])

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
        "can_cast": "stance.cast" in allowed and not mine.get("secret"),
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
        "may_cast": "stance.cast" in allowed,
        "can_open": "round.open" in allowed,
        "can_close": "round.close" in allowed,
        "can_fallback": "round.fallback" in allowed,
        "can_record": "decision.record" in allowed,
    }
