"""How a round of stances becomes an outcome. Pure: standard library only.

``decide(method, policy, stances, eligible, present)`` covers every method of
docs/decisions.md; ``schulze(ballots, alternatives)`` is the ranked method's core.
Shares are exact :class:`fractions.Fraction` values, never floats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class Method(StrEnum):
    CONSENT = "consent"
    CONSENSUS = "consensus"
    GRADIENTS = "gradients"
    TEMPERATURE = "temperature"
    RANKED = "ranked"


class Outcome(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_BY_FALLBACK = "adopted_by_fallback"
    NOT_ADOPTED = "not_adopted"
    BLOCKED = "blocked"
    NEEDS_DISCUSSION = "needs_discussion"
    NO_QUORUM = "no_quorum"
    INFORMATIONAL = "informational"


STATUS_QUO = "status_quo"

#: The options of each method, in display order (ranked: the alternatives' keys).
OPTIONS: dict[Method, tuple[str, ...]] = {
    Method.CONSENT: ("consent", "concern", "objection"),
    Method.CONSENSUS: ("agree", "reservations", "stand_aside", "block"),
    Method.GRADIENTS: tuple(str(n) for n in range(1, 9)),
    Method.TEMPERATURE: tuple(str(n) for n in range(6)),
    Method.RANKED: (),
}

#: Options whose stance must give a reason.
REASON_REQUIRED: dict[Method, frozenset[str]] = {
    Method.CONSENT: frozenset({"objection"}),
    Method.CONSENSUS: frozenset({"stand_aside", "block"}),
    Method.GRADIENTS: frozenset({"7", "8"}),
    Method.TEMPERATURE: frozenset(),
    Method.RANKED: frozenset(),
}

#: Options on the side of agreement, counted by the fallback rule.
AGREE_SIDE: dict[Method, frozenset[str]] = {
    Method.CONSENT: frozenset({"consent", "concern"}),
    Method.CONSENSUS: frozenset({"agree", "reservations"}),
    Method.GRADIENTS: frozenset({"1", "2", "3", "6"}),
    Method.TEMPERATURE: frozenset(),
    Method.RANKED: frozenset(),
}

#: Options that are dissent, listed with their reasons in the record.
DISSENT: dict[Method, frozenset[str]] = {
    Method.CONSENT: frozenset({"concern", "objection"}),
    Method.CONSENSUS: frozenset({"reservations", "stand_aside", "block"}),
    Method.GRADIENTS: frozenset({"5", "6", "7", "8"}),
    Method.TEMPERATURE: frozenset(),
    Method.RANKED: frozenset(),
}


class PolicyError(ValueError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


#: What a quorum is counted against: those present (checked in) or all who may take part.
QUORUM_BASES = ("present", "eligible")


@dataclass(frozen=True)
class Policy:
    quorum: Fraction | None = None
    #: ``present`` or ``eligible``; None: present in a live round, eligible otherwise.
    quorum_of: str | None = None
    secret: bool = False
    reveal: str = "live"
    fallback_after_rounds: int | None = None
    fallback_share: Fraction | None = None
    max_blocks: int = 0
    max_stand_aside: Fraction = Fraction(1, 3)
    needs_discussion_share: Fraction = Fraction(1, 4)

    def as_json(self) -> dict[str, Any]:
        def frac(value: Fraction | None) -> str | None:
            return None if value is None else f"{value.numerator}/{value.denominator}"

        return {
            "quorum": frac(self.quorum),
            "quorum_of": self.quorum_of,
            "secret": self.secret,
            "reveal": self.reveal,
            "fallback_after_rounds": self.fallback_after_rounds,
            "fallback_share": frac(self.fallback_share),
            "max_blocks": self.max_blocks,
            "max_stand_aside": frac(self.max_stand_aside),
            "needs_discussion_share": frac(self.needs_discussion_share),
        }


def parse_fraction(value: Any) -> Fraction:
    """``"3/4"``, ``"0.75"`` or an integer 0/1; never a float (floats are inexact)."""
    if isinstance(value, (bool, float)):
        raise ValueError('write shares as a string such as "3/4"')
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            result = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError('not a fraction such as "3/4"') from None
    else:
        raise ValueError('not a fraction such as "3/4"')
    if not 0 <= result <= 1:
        raise ValueError("must be between 0 and 1")
    return result


def parse_policy(raw: Mapping[str, Any] | None) -> Policy:
    """Read a policy from JSON; unknown keys and bad values are refused with field messages."""
    raw = dict(raw or {})
    errors: dict[str, str] = {}
    known = set(Policy.__dataclass_fields__)
    for key in raw:
        if key not in known:
            errors[key] = "unknown policy field"
    values: dict[str, Any] = {}
    for key in ("quorum", "fallback_share", "max_stand_aside", "needs_discussion_share"):
        if raw.get(key) is not None:
            try:
                values[key] = parse_fraction(raw[key])
            except ValueError as exc:
                errors[key] = str(exc)
    if "secret" in raw:
        if isinstance(raw["secret"], bool):
            values["secret"] = raw["secret"]
        else:
            errors["secret"] = "must be true or false"  # noqa: S105
    if "reveal" in raw:
        if raw["reveal"] in ("live", "after_close"):
            values["reveal"] = raw["reveal"]
        else:
            errors["reveal"] = 'must be "live" or "after_close"'
    elif values.get("secret"):
        values["reveal"] = "after_close"
    if raw.get("quorum_of") is not None:
        if raw["quorum_of"] in QUORUM_BASES:
            values["quorum_of"] = raw["quorum_of"]
        else:
            errors["quorum_of"] = 'must be "present" or "eligible"'
    for key, low in (("fallback_after_rounds", 1), ("max_blocks", 0)):
        if raw.get(key) is not None:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 1000:
                errors[key] = f"must be a whole number from {low} to 1000"
            else:
                values[key] = value
    if ("fallback_after_rounds" in values) != ("fallback_share" in values):
        errors.setdefault("fallback_share", "fallback_after_rounds and fallback_share go together")
    if errors:
        raise PolicyError(errors)
    return Policy(**values)


#: The longest reason a stance may give (characters).
MAX_REASON = 2000


@dataclass(frozen=True)
class Stance:
    """One member's stance in a round: an option, or for ``ranked`` a ranking."""

    option: str | None = None
    ranking: tuple[str, ...] = ()
    reason: str = ""


class StanceError(ValueError):
    """A stance that does not fit its method: ``field`` is the one at fault, ``code`` one of
    ``either`` (give an option or a ranking, not both nor neither), ``choice`` (not one of
    the method's options or alternatives) and ``reason`` (this stance needs a reason)."""

    def __init__(self, field_name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.code = code


def check_stance(
    method: Method,
    *,
    option: str | None = None,
    ranking: Sequence[str] | None = None,
    reason: str = "",
    alternatives: Sequence[str] = (),
) -> Stance:
    """Validate one stance as given (``ranking`` None when none was given) against its
    method; returns it normalised."""
    if (option is None) == (ranking is None):
        raise StanceError("option", "either", "give either an option or a ranking")
    if method is Method.RANKED:
        ranked = tuple(ranking or ())
        if not ranked:
            raise StanceError("ranking", "choice", "rank at least one alternative")
        if len(set(ranked)) != len(ranked):
            raise StanceError("ranking", "choice", "each alternative at most once")
        unknown = [key for key in ranked if key not in alternatives]
        if unknown:
            raise StanceError("ranking", "choice", f"unknown alternative: {unknown[0]}")
        return Stance(ranking=ranked, reason=reason.strip())
    if option not in OPTIONS[method]:
        raise StanceError("option", "choice", "choose one of: " + ", ".join(OPTIONS[method]))
    reason = reason.strip()
    if option in REASON_REQUIRED[method] and not reason:
        raise StanceError("reason", "reason", "a reason is required for this stance")
    return Stance(option=option, reason=reason)


# --- Schulze ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchulzeResult:
    order: list[list[str]]
    pairwise: dict[str, dict[str, int]]
    strongest: dict[str, dict[str, int]]


def pairwise_matrix(
    ballots: Iterable[Sequence[str]], alternatives: Sequence[str]
) -> dict[str, dict[str, int]]:
    """d[a][b]: voters preferring a over b. Unranked alternatives tie below all ranked ones."""
    d = {a: {b: 0 for b in alternatives if b != a} for a in alternatives}
    for ballot in ballots:
        rank = {key: i for i, key in enumerate(ballot)}
        bottom = len(ballot)
        for a in alternatives:
            ra = rank.get(a, bottom)
            if ra == bottom:
                continue  # an unranked alternative is preferred over nothing
            for b in alternatives:
                if a != b and ra < rank.get(b, bottom):
                    d[a][b] += 1
    return d


def schulze(ballots: Iterable[Sequence[str]], alternatives: Sequence[str]) -> SchulzeResult:
    """The Schulze method: pairwise matrix, strongest paths, and the order in tiers."""
    alts = list(alternatives)
    d = pairwise_matrix(ballots, alts)
    p = {a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in alts if b != a} for a in alts}
    for k in alts:
        for i in alts:
            if i == k:
                continue
            for j in alts:
                if j in (i, k):
                    continue
                p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    remaining = list(alts)
    order: list[list[str]] = []
    while remaining:
        tier = [a for a in remaining if all(p[a][b] >= p[b][a] for b in remaining if b != a)]
        if not tier:  # cannot happen: the Schulze relation is transitive
            tier = list(remaining)
        order.append(tier)
        remaining = [a for a in remaining if a not in tier]
    return SchulzeResult(order=order, pairwise=d, strongest=p)


def break_tie(
    tied: Sequence[str], ballots: Sequence[Sequence[str]], alternatives: Sequence[str]
) -> tuple[str, str]:
    """Pick one of several alternatives tied at the top, and say which rule did it.

    1. If the status quo is among them, it stays: a change needs a clear preference.
    2. Otherwise the alternative ranked first on the most ballots.
    3. Otherwise the one listed first among the alternatives (the order they were put forward).
    """
    if STATUS_QUO in tied:
        return STATUS_QUO, "status_quo_stays"
    firsts = Counter(ballot[0] for ballot in ballots if ballot)
    best = max(firsts.get(a, 0) for a in tied)
    leaders = [a for a in tied if firsts.get(a, 0) == best]
    if len(leaders) == 1:
        return leaders[0], "most_first_preferences"
    position = {a: i for i, a in enumerate(alternatives)}
    return min(leaders, key=lambda a: position[a]), "listed_first"


# --- decide -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    responded: int
    eligible: int
    present: int
    counts: dict[str, int]
    quorum_met: bool
    fallback_used: bool = False
    winner: str | None = None
    order: list[list[str]] = field(default_factory=list)
    pairwise: dict[str, dict[str, int]] = field(default_factory=dict)
    strongest: dict[str, dict[str, int]] = field(default_factory=dict)
    tie_break: str | None = None

    @property
    def tally(self) -> dict[str, Any]:
        return {
            "responded": self.responded,
            "eligible": self.eligible,
            "present": self.present,
            "counts": dict(self.counts),
        }


def quorum_base(policy: Policy, live: bool) -> str:
    """What the quorum is counted against: the policy's choice, or by default those present
    in a live round and all eligible in an asynchronous one."""
    return policy.quorum_of or ("present" if live else "eligible")


def quorum_met(policy: Policy, responded: int, eligible: int, present: int, live: bool) -> bool:
    if responded == 0:
        return False
    if policy.quorum is None:
        return True
    base = present if quorum_base(policy, live) == "present" else eligible
    if base == 0:
        return False
    return Fraction(responded, base) >= policy.quorum


def decide(
    method: Method | str,
    policy: Policy,
    stances: Iterable[Stance],
    eligible: int,
    present: int,
    *,
    live: bool = True,
    round_number: int = 1,
    fallback: bool = False,
    alternatives: Sequence[str] = (),
) -> Result:
    """The outcome of one closed round.

    ``eligible`` and ``present`` are head counts; quorum is counted against the policy's
    ``quorum_of``, by default ``present`` in a live round and ``eligible`` in an
    asynchronous one (:func:`quorum_base`).
    ``fallback`` asks for the fallback rule, which applies only after
    ``policy.fallback_after_rounds`` rounds without agreement.
    """
    method = Method(method)
    stances = list(stances)
    responded = len(stances)
    met = quorum_met(policy, responded, eligible, present, live)

    def result(outcome: Outcome, counts: dict[str, int], **extra: Any) -> Result:
        return Result(outcome, responded, eligible, present, counts, met, **extra)

    if method is Method.RANKED:
        alts = list(alternatives)
        ballots = [s.ranking for s in stances]
        firsts = Counter(b[0] for b in ballots if b)
        counts = {a: firsts.get(a, 0) for a in alts}
        if not met:
            return result(Outcome.NO_QUORUM, counts)
        ranked = schulze(ballots, alts)
        top = ranked.order[0] if ranked.order else []
        tie_break = None
        if len(top) == 1:
            winner = top[0]
        else:
            winner, tie_break = break_tie(top, ballots, alts)
        outcome = Outcome.NOT_ADOPTED if winner == STATUS_QUO else Outcome.ADOPTED
        return result(
            outcome,
            counts,
            winner=winner,
            order=ranked.order,
            pairwise=ranked.pairwise,
            strongest=ranked.strongest,
            tie_break=tie_break,
        )

    tally = Counter(s.option for s in stances)
    counts = {option: tally.get(option, 0) for option in OPTIONS[method]}
    if not met:
        return result(Outcome.NO_QUORUM, counts)
    outcome = _rule(method, policy, counts, responded)
    if (
        fallback
        and outcome not in (Outcome.ADOPTED, Outcome.INFORMATIONAL)
        and fallback_available(policy, round_number)
        and policy.fallback_share is not None
        and Fraction(sum(counts[o] for o in AGREE_SIDE[method]), responded) >= policy.fallback_share
    ):
        return result(Outcome.ADOPTED_BY_FALLBACK, counts, fallback_used=True)
    return result(outcome, counts)


def fallback_available(policy: Policy, round_number: int) -> bool:
    """The fallback rule may close round ``round_number`` once enough rounds went by."""
    return policy.fallback_after_rounds is not None and round_number > policy.fallback_after_rounds


def _rule(method: Method, policy: Policy, counts: Mapping[str, int], n: int) -> Outcome:
    if method is Method.CONSENT:
        return Outcome.NOT_ADOPTED if counts["objection"] else Outcome.ADOPTED
    if method is Method.CONSENSUS:
        if counts["block"] > policy.max_blocks:
            return Outcome.BLOCKED
        if Fraction(counts["stand_aside"], n) > policy.max_stand_aside:
            return Outcome.NOT_ADOPTED
        return Outcome.ADOPTED
    if method is Method.GRADIENTS:
        if counts["8"]:
            return Outcome.BLOCKED
        if Fraction(counts["5"], n) >= policy.needs_discussion_share:
            return Outcome.NEEDS_DISCUSSION
        if Fraction(counts["6"] + counts["7"], n) > Fraction(1, 2):
            return Outcome.NOT_ADOPTED
        return Outcome.ADOPTED
    return Outcome.INFORMATIONAL
