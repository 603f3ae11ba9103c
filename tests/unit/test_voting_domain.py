"""The decision methods as truth tables, and Hypothesis properties of decide() and schulze()."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from voting.domain import (
    OPTIONS,
    STATUS_QUO,
    Method,
    Outcome,
    Policy,
    PolicyError,
    Stance,
    StanceError,
    break_tie,
    check_stance,
    decide,
    pairwise_matrix,
    parse_policy,
    quorum_base,
    schulze,
)


def stances(**counts: int) -> list[Stance]:
    """``stances(agree=3, block=1)``; gradient/temperature options as ``_5=2``."""
    result = []
    for option, n in counts.items():
        result += [Stance(option=option.lstrip("_"), reason="gerekçe")] * n
    return result


# --- Truth tables: one row per rule of each method --------------------------------------

CASES = [
    # consent
    (Method.CONSENT, {}, {"consent": 5}, Outcome.ADOPTED),
    (Method.CONSENT, {}, {"consent": 3, "concern": 2}, Outcome.ADOPTED),
    (Method.CONSENT, {}, {"consent": 9, "objection": 1}, Outcome.NOT_ADOPTED),
    (Method.CONSENT, {}, {"concern": 4}, Outcome.ADOPTED),
    # consensus: blocks over max_blocks, then stand-asides over the share
    (Method.CONSENSUS, {}, {"agree": 5}, Outcome.ADOPTED),
    (Method.CONSENSUS, {}, {"agree": 4, "reservations": 3}, Outcome.ADOPTED),
    (Method.CONSENSUS, {}, {"agree": 9, "block": 1}, Outcome.BLOCKED),
    (Method.CONSENSUS, {"max_blocks": 1}, {"agree": 9, "block": 1}, Outcome.ADOPTED),
    (Method.CONSENSUS, {"max_blocks": 1}, {"agree": 8, "block": 2}, Outcome.BLOCKED),
    (Method.CONSENSUS, {}, {"agree": 2, "stand_aside": 1}, Outcome.ADOPTED),  # exactly 1/3
    (Method.CONSENSUS, {}, {"agree": 1, "stand_aside": 1}, Outcome.NOT_ADOPTED),
    (Method.CONSENSUS, {"max_stand_aside": "1/2"}, {"agree": 1, "stand_aside": 1}, Outcome.ADOPTED),
    (Method.CONSENSUS, {}, {"stand_aside": 5, "block": 1}, Outcome.BLOCKED),  # block first
    # gradients
    (Method.GRADIENTS, {}, {"_1": 4, "_2": 2}, Outcome.ADOPTED),
    (Method.GRADIENTS, {}, {"_1": 9, "_8": 1}, Outcome.BLOCKED),
    (Method.GRADIENTS, {}, {"_1": 3, "_5": 1}, Outcome.NEEDS_DISCUSSION),  # exactly 1/4
    (Method.GRADIENTS, {}, {"_1": 4, "_5": 1}, Outcome.ADOPTED),
    (Method.GRADIENTS, {}, {"_1": 2, "_6": 2, "_7": 1}, Outcome.NOT_ADOPTED),
    (Method.GRADIENTS, {}, {"_1": 2, "_6": 1, "_7": 1}, Outcome.ADOPTED),  # exactly half
    (Method.GRADIENTS, {}, {"_5": 3, "_8": 1}, Outcome.BLOCKED),
    (Method.GRADIENTS, {"needs_discussion_share": "1/2"}, {"_1": 3, "_5": 1}, Outcome.ADOPTED),
    # temperature
    (Method.TEMPERATURE, {}, {"_0": 3, "_5": 2}, Outcome.INFORMATIONAL),
]


@pytest.mark.parametrize(("method", "policy", "counts", "expected"), CASES)
def test_truth_table(method, policy, counts, expected):
    given_stances = stances(**counts)
    result = decide(method, parse_policy(policy), given_stances, 20, 20)
    assert result.outcome == expected
    assert result.responded == len(given_stances)
    assert sum(result.counts.values()) == len(given_stances)


@pytest.mark.parametrize(
    ("quorum", "base", "present", "eligible", "live", "expected"),
    [
        ("1/2", None, 10, 40, True, Outcome.ADOPTED),  # 5 of 10 present
        ("1/2", None, 12, 40, True, Outcome.NO_QUORUM),  # 5 of 12 present
        ("1/2", None, 10, 40, False, Outcome.NO_QUORUM),  # asynchronous: 5 of 40 eligible
        ("1/8", None, 10, 40, False, Outcome.ADOPTED),  # 5 of 40 = 1/8
        (None, None, 10, 40, True, Outcome.ADOPTED),
        # Chosen per decision: a live round may count all who may take part.
        ("1/2", "eligible", 10, 40, True, Outcome.NO_QUORUM),  # 5 of 40 eligible
        ("1/8", "eligible", 10, 40, True, Outcome.ADOPTED),
        ("1/2", "present", 10, 40, True, Outcome.ADOPTED),
        ("1/2", "present", 10, 40, False, Outcome.ADOPTED),  # 5 of 10 present
        ("1/2", "present", 0, 40, False, Outcome.NO_QUORUM),  # nobody present
    ],
)
def test_quorum(quorum, base, present, eligible, live, expected):
    raw = {"quorum": quorum, "quorum_of": base} if quorum else {}
    policy = parse_policy(raw)
    result = decide("consent", policy, stances(consent=5), eligible, present, live=live)
    assert result.outcome == expected


def test_quorum_base_defaults_by_mode_and_is_kept_in_json():
    assert quorum_base(Policy(), live=True) == "present"
    assert quorum_base(Policy(), live=False) == "eligible"
    assert quorum_base(parse_policy({"quorum_of": "eligible"}), live=True) == "eligible"
    assert parse_policy({"quorum_of": "present"}).as_json()["quorum_of"] == "present"
    assert Policy().as_json()["quorum_of"] is None
    assert parse_policy(Policy().as_json()) == Policy()


def test_nobody_responded_is_no_quorum():
    assert decide("consent", Policy(), [], 10, 10).outcome == Outcome.NO_QUORUM


FALLBACK = {"fallback_after_rounds": 2, "fallback_share": "3/4"}


@pytest.mark.parametrize(
    ("round_number", "asked", "counts", "expected"),
    [
        (3, True, {"agree": 6, "reservations": 2, "block": 1}, Outcome.ADOPTED_BY_FALLBACK),
        (2, True, {"agree": 6, "reservations": 2, "block": 1}, Outcome.BLOCKED),  # too early
        (3, False, {"agree": 6, "reservations": 2, "block": 1}, Outcome.BLOCKED),  # not asked
        (3, True, {"agree": 5, "block": 2}, Outcome.BLOCKED),  # 5/7 < 3/4
        (3, True, {"agree": 3, "block": 1}, Outcome.ADOPTED_BY_FALLBACK),  # 3/4 exactly
        (3, True, {"agree": 4}, Outcome.ADOPTED),  # agreement needs no fallback
    ],
)
def test_fallback(round_number, asked, counts, expected):
    result = decide(
        "consensus",
        parse_policy(FALLBACK),
        stances(**counts),
        20,
        20,
        round_number=round_number,
        fallback=asked,
    )
    assert result.outcome == expected
    assert result.fallback_used == (expected == Outcome.ADOPTED_BY_FALLBACK)


# --- Policies and stances ---------------------------------------------------------------


def test_policy_defaults_and_secret_reveal():
    assert Policy().reveal == "live"
    assert parse_policy({"secret": True}).reveal == "after_close"
    assert parse_policy({"secret": True, "reveal": "live"}).reveal == "live"
    assert parse_policy({"quorum": "2/3"}).quorum == Fraction(2, 3)
    assert parse_policy({"quorum": "2/3"}).as_json()["quorum"] == "2/3"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"quorum": 0.5}, "quorum"),  # floats are inexact
        ({"quorum": "3/2"}, "quorum"),
        ({"quorum": "abc"}, "quorum"),
        ({"secret": "yes"}, "secret"),
        ({"reveal": "never"}, "reveal"),
        ({"quorum_of": "everyone"}, "quorum_of"),
        ({"quorum_of": 1}, "quorum_of"),
        ({"max_blocks": -1}, "max_blocks"),
        ({"fallback_after_rounds": 2}, "fallback_share"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_policy(raw, field):
    with pytest.raises(PolicyError) as info:
        parse_policy(raw)
    assert field in info.value.fields


@pytest.mark.parametrize(
    ("method", "stance", "field"),
    [
        (Method.CONSENT, Stance("objection"), "reason"),
        (Method.CONSENT, Stance("objection", reason="   "), "reason"),
        (Method.CONSENSUS, Stance("block"), "reason"),
        (Method.CONSENSUS, Stance("stand_aside"), "reason"),
        (Method.GRADIENTS, Stance("7"), "reason"),
        (Method.GRADIENTS, Stance("9"), "option"),
        (Method.TEMPERATURE, Stance("6"), "option"),
        (Method.CONSENT, Stance("agree"), "option"),
    ],
)
def test_bad_stance(method, stance, field):
    with pytest.raises(StanceError) as info:
        check_stance(method, option=stance.option, reason=stance.reason)
    assert info.value.field == field


def test_ranked_stance_checks():
    alts = ("a", "b", STATUS_QUO)
    assert check_stance(Method.RANKED, ranking=("b",), alternatives=alts).ranking == ("b",)
    for bad in ((), ("a", "a"), ("a", "zz")):
        with pytest.raises(StanceError) as info:
            check_stance(Method.RANKED, ranking=bad, alternatives=alts)
        assert (info.value.field, info.value.code) == ("ranking", "choice")


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize(("option", "ranking"), [(None, None), ("consent", ("a",)), ("agree", ())])
def test_a_stance_gives_an_option_or_a_ranking(method, option, ranking):
    """Neither or both is refused first, whatever the method, before any other check."""
    with pytest.raises(StanceError) as info:
        check_stance(method, option=option, ranking=ranking, alternatives=("a", STATUS_QUO))
    assert (info.value.field, info.value.code) == ("option", "either")


def test_the_option_errors_carry_their_codes():
    with pytest.raises(StanceError) as info:
        check_stance(Method.CONSENT, option="objection")
    assert info.value.code == "reason"
    with pytest.raises(StanceError) as info:
        check_stance(Method.CONSENT, option="agree")
    assert info.value.code == "choice"


# --- Schulze ---------------------------------------------------------------------------------

WIKIPEDIA = (
    [list("ACBED")] * 5
    + [list("ADECB")] * 5
    + [list("BEDAC")] * 8
    + [list("CABED")] * 3
    + [list("CAEBD")] * 7
    + [list("CBADE")] * 2
    + [list("DCEBA")] * 7
    + [list("EBADC")] * 8
)


def test_wikipedia_45_voters_elect_e():
    result = schulze(WIKIPEDIA, list("ABCDE"))
    assert result.order == [["E"], ["A"], ["C"], ["B"], ["D"]]
    # The published pairwise matrix and strongest paths.
    assert result.pairwise["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert result.pairwise["E"] == {"A": 23, "B": 27, "C": 21, "D": 31}
    assert result.strongest["E"] == {"A": 25, "B": 28, "C": 28, "D": 31}
    assert result.strongest["A"] == {"B": 28, "C": 28, "D": 30, "E": 24}
    outcome = decide(
        "ranked",
        Policy(),
        [Stance(ranking=tuple(b)) for b in WIKIPEDIA],
        45,
        45,
        alternatives=list("ABCDE"),
    )
    assert outcome.winner == "E"
    assert outcome.outcome == Outcome.ADOPTED


def test_partial_rankings_tie_the_rest_below():
    d = pairwise_matrix([["a"]], ["a", "b", "c"])
    assert d["a"] == {"b": 1, "c": 1}
    assert d["b"] == {"a": 0, "c": 0}


def test_status_quo_winning_is_not_adopted():
    alts = ["a", STATUS_QUO]
    result = decide(
        "ranked",
        Policy(),
        [Stance(ranking=(STATUS_QUO, "a"))] * 3 + [Stance(ranking=("a",))],
        4,
        4,
        alternatives=alts,
    )
    assert result.winner == STATUS_QUO
    assert result.outcome == Outcome.NOT_ADOPTED


def test_tie_breaks():
    assert break_tie(["a", STATUS_QUO], [["a"], [STATUS_QUO]], ["a", STATUS_QUO]) == (
        STATUS_QUO,
        "status_quo_stays",
    )
    ballots = [["a", "b"], ["b", "a"], ["b", "a"], ["a", "b"], ["a"], ["c", "a", "b"]]
    assert break_tie(["a", "b"], ballots, ["b", "a", "c"]) == ("a", "most_first_preferences")
    assert break_tie(["a", "b"], [["a"], ["b"]], ["b", "a"]) == ("b", "listed_first")
    result = decide(
        "ranked",
        Policy(),
        [Stance(ranking=("a",)), Stance(ranking=("b",))],
        2,
        2,
        alternatives=["a", "b", STATUS_QUO],
    )
    assert result.tie_break == "listed_first"
    assert result.winner == "a"


# --- Properties -----------------------------------------------------------------------------

NON_RANKED = [m for m in Method if m is not Method.RANKED]


@st.composite
def round_of(draw, method=None):
    method = method or draw(st.sampled_from(NON_RANKED))
    options = OPTIONS[method]
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=40))
    return method, [Stance(option=o, reason="r") for o in chosen]


policies = st.builds(
    lambda q, b, s: parse_policy({"quorum": q, "max_blocks": b, "max_stand_aside": s}),
    st.sampled_from([None, "1/4", "1/2", "2/3"]),
    st.integers(0, 3),
    st.sampled_from(["0", "1/3", "1/2", "1"]),
)


@given(round_of(), policies, st.randoms(use_true_random=False))
def test_order_of_stances_never_matters(case, policy, rnd):
    method, given_stances = case
    shuffled = list(given_stances)
    rnd.shuffle(shuffled)
    n = len(given_stances)
    assert decide(method, policy, given_stances, n + 5, n) == decide(
        method, policy, shuffled, n + 5, n
    )


@given(round_of(method=Method.CONSENSUS), policies)
def test_adding_a_block_never_turns_blocked_into_adopted(case, policy):
    method, given_stances = case
    n = len(given_stances) + 1
    before = decide(method, policy, given_stances, n, n).outcome
    after = decide(method, policy, [*given_stances, Stance("block", reason="r")], n, n).outcome
    if before == Outcome.BLOCKED:
        assert after == Outcome.BLOCKED
    if policy.max_blocks == 0:
        assert after == Outcome.BLOCKED


@given(round_of(method=Method.GRADIENTS))
def test_any_gradient_block_blocks(case):
    method, given_stances = case
    n = len(given_stances) + 1
    outcome = decide(method, Policy(), [*given_stances, Stance("8", reason="r")], n, n).outcome
    assert outcome == Outcome.BLOCKED


@given(round_of(method=Method.CONSENT))
def test_adding_an_objection_never_adopts(case):
    method, given_stances = case
    n = len(given_stances) + 1
    result = decide(method, Policy(), [*given_stances, Stance("objection", reason="r")], n, n)
    assert result.outcome == Outcome.NOT_ADOPTED


ALTS = ["a", "b", "c", "d", STATUS_QUO]
rankings = st.lists(
    st.permutations(ALTS).flatmap(lambda p: st.integers(1, len(p)).map(lambda k: tuple(p[:k]))),
    min_size=1,
    max_size=25,
)


def condorcet_winner(ballots, alts):
    d = pairwise_matrix(ballots, alts)
    for a in alts:
        if all(d[a][b] > d[b][a] for b in alts if b != a):
            return a
    return None


@given(rankings)
def test_a_condorcet_winner_always_wins(ballots):
    winner = condorcet_winner(ballots, ALTS)
    assume(winner is not None)
    result = decide(
        "ranked", Policy(), [Stance(ranking=b) for b in ballots], 30, 30, alternatives=ALTS
    )
    assert result.winner == winner
    assert result.order[0] == [winner]


@given(rankings, st.randoms(use_true_random=False))
def test_ranked_order_of_ballots_never_matters(ballots, rnd):
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    first = schulze(ballots, ALTS)
    assert first == schulze(shuffled, ALTS)
    # the tiers partition the alternatives
    assert sorted(a for tier in first.order for a in tier) == sorted(ALTS)


@given(rankings, st.data())
def test_cloning_a_losing_alternative_keeps_the_winner(ballots, data):
    result = schulze(ballots, ALTS)
    assume(len(result.order[0]) == 1)
    winner = result.order[0][0]
    loser = data.draw(st.sampled_from([a for a in ALTS if a != winner]))
    clone = f"{loser}_clone"

    def with_clone(ballot):
        out = []
        for key in ballot:
            out.append(key)
            if key == loser:
                out.append(clone)  # the clone sits right after its original
        return tuple(out)

    cloned = schulze([with_clone(b) for b in ballots], [*ALTS, clone])
    assert cloned.order[0] == [winner]
