"""The services of decisions: creating, rounds, stances, outcomes, objections and the register.

Every rule is checked through the service (the same one the socket, the pages and
the API use), against the database it leaves behind. The pure rules themselves
are in tests/unit/test_voting_domain.py.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from assembly.models import (
    Membership,
    Role,
    SessionStatus,
    WorkingGroup,
    WorkingGroupMembership,
)
from common.errors import ServiceError
from tests.assembly.helpers import refused, seq_of
from tests.conftest import make_user
from tests.realtime.verify import snapshot, verify_action
from tests.voting.conftest import TEXT, check_in, new_decision
from voting import domain, selectors, services
from voting.models import Decision, Participation, Record, Round, Stance, StanceChange

pytestmark = pytest.mark.django_db

OBJECTION = "Depo bahçenin tek gölgeli köşesine kuruluyor."


def open_round_of(decision: Decision) -> Round:
    return Round.objects.get(decision=decision, closed_at__isnull=True)


def last_round(decision: Decision) -> Round:
    return Round.objects.filter(decision=decision).order_by("-number").first()  # type: ignore[return-value]


def cast_all(decision: Decision, *stances: tuple) -> None:
    """``(user, option[, reason])`` or ``(user, [ranking])`` for each stance."""
    for user, choice, *reason in stances:
        if isinstance(choice, list):
            services.cast_stance(user, decision.pk, ranking=choice)
        else:
            services.cast_stance(user, decision.pk, option=choice, reason=(reason or [""])[0])


def status_of(decision: Decision) -> str:
    return Decision.objects.values_list("status", flat=True).get(pk=decision.pk)


# --- Creating a decision ------------------------------------------------------------------------


def test_create_stores_the_parsed_policy(assembly, member) -> None:
    decision = new_decision(
        member, assembly=assembly, policy={"quorum": "2/4", "secret": True}, title="  Bütçe  "
    )
    decision.refresh_from_db()
    assert decision.title == "Bütçe"
    assert decision.status == Decision.Status.DRAFT
    assert decision.created_by == member
    # Fractions are stored reduced, as strings; a secret decision reveals after close.
    assert decision.policy["quorum"] == "1/2"
    assert decision.policy["secret"] is True
    assert decision.policy["reveal"] == "after_close"
    assert domain.parse_policy(decision.policy).quorum == domain.Fraction(1, 2)


def test_create_refuses_an_unknown_method(assembly, member) -> None:
    with refused("invalid") as info:
        new_decision(member, assembly=assembly, method="majority")
    assert set(info.value.fields) == {"method"}
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("policy", "fields"),
    [
        ({"quorum": 0.5}, {"quorum"}),  # floats are inexact: refused
        ({"quorum": "3/2"}, {"quorum"}),
        ({"quorum": "yarım"}, {"quorum"}),
        ({"secret": "yes"}, {"secret"}),
        ({"reveal": "sometimes"}, {"reveal"}),
        ({"colour": "red"}, {"colour"}),
        ({"fallback_after_rounds": 2}, {"fallback_share"}),
        ({"fallback_after_rounds": 0, "fallback_share": "1/2"}, {"fallback_after_rounds"}),
        ({"max_blocks": -1, "quorum": 2}, {"max_blocks", "quorum"}),
    ],
)
def test_create_refuses_a_bad_policy_with_field_messages(assembly, member, policy, fields) -> None:
    with refused("invalid") as info:
        new_decision(member, assembly=assembly, policy=policy)
    assert set(info.value.fields) == {"policy"}
    messages = info.value.fields["policy"]
    assert fields <= set(messages)
    assert all(isinstance(m, str) and m for m in messages.values())
    assert not Decision.objects.exists()


def test_ranked_needs_two_alternatives(assembly, member) -> None:
    with refused("invalid") as info:
        new_decision(member, assembly=assembly, method="ranked", alternatives=[("Tek", "")])
    assert "alternatives" in info.value.fields
    assert not Decision.objects.exists()


def test_ranked_gets_the_status_quo_appended(assembly, member) -> None:
    decision = new_decision(
        member,
        assembly=assembly,
        method="ranked",
        alternatives=[("Çatıya depo", "Çatı"), ("Bahçeye depo", "Bahçe")],
    )
    rows = list(decision.alternatives.order_by("position").values_list("key", "title", "text"))
    assert len(rows) == 3
    assert [r[1] for r in rows[:2]] == ["Çatıya depo", "Bahçeye depo"]
    assert [r[2] for r in rows[:2]] == ["Çatı", "Bahçe"]
    assert rows[-1][0] == domain.STATUS_QUO
    assert len({r[0] for r in rows}) == 3
    assert selectors.option_keys(decision) == [r[0] for r in rows]


@pytest.mark.parametrize(
    ("persona", "code"),
    # Those who may not see the members-only assembly are told it does not exist.
    [("observer", "forbidden"), ("outsider", "not_found"), ("anonymous", "not_found")],
)
def test_only_members_put_a_question(assembly, personas, persona, code) -> None:
    with refused(code):
        new_decision(personas[persona], assembly=assembly)
    assert not Decision.objects.exists()


def test_a_session_of_another_assembly_is_refused(live_session, outsider, facilitator) -> None:
    other = Membership.objects.get(user=outsider).assembly
    # Someone who may not see the session is told it does not exist ...
    with refused("not_found"):
        new_decision(outsider, assembly=other, session=live_session)
    # ... and its facilitator, a member of the other assembly too, that it is not that one's.
    Membership.objects.create(assembly=other, user=facilitator, role=Role.MEMBER)
    with refused("invalid") as info:
        new_decision(facilitator, assembly=other, session=live_session)
    assert "session" in info.value.fields
    assert not Decision.objects.exists()


# --- Opening rounds -----------------------------------------------------------------------------


def test_facilitator_opens_a_live_round(live_decision, facilitator) -> None:
    round_ = services.open_round(facilitator, live_decision.pk)
    assert (round_.number, round_.text, round_.closes_at) == (1, TEXT, None)
    assert round_.opened_by == facilitator
    assert status_of(live_decision) == Decision.Status.OPEN


@pytest.mark.parametrize("persona", ["member", "observer"])
def test_only_the_facilitator_opens_a_live_round(live_decision, personas, persona) -> None:
    before = seq_of(live_decision.session)
    with refused("forbidden"):
        services.open_round(personas[persona], live_decision.pk)
    assert not Round.objects.exists()
    assert seq_of(live_decision.session) == before


def test_a_live_round_needs_a_live_session(session, facilitator) -> None:
    decision = new_decision(facilitator, session=session)  # scheduled, not started
    with refused("conflict"):
        services.open_round(facilitator, decision.pk)
    session.status = SessionStatus.ADJOURNED
    session.save(update_fields=["status"])
    with refused("conflict"):
        services.open_round(facilitator, decision.pk)
    assert not Round.objects.exists()
    assert status_of(decision) == Decision.Status.DRAFT


def test_a_round_of_another_session_is_not_found(live_decision, facilitator) -> None:
    with refused("not_found"):
        services.open_round(facilitator, live_decision.pk, session_id=live_decision.session_id + 1)
    with refused("not_found"):
        services.open_round(facilitator, 10**8)


def test_an_async_round_needs_a_deadline(async_decision, member) -> None:
    with refused("invalid") as info:
        services.open_round(member, async_decision.pk)
    assert "closes_at" in info.value.fields
    with refused("invalid"):
        services.open_round(member, async_decision.pk, closes_at=timezone.now() - timedelta(1))
    round_ = services.open_round(member, async_decision.pk, closes_at=timezone.now() + timedelta(3))
    assert round_.closes_at is not None and round_.closes_at > timezone.now()


def test_who_runs_an_async_decision(assembly, facilitator, member, member2, observer) -> None:
    # The person who put it forward runs it; other members and observers do not.
    decision = new_decision(member, assembly=assembly)
    for other in (facilitator, member2, observer):
        with refused("forbidden"):
            services.open_round(other, decision.pk, seconds=60)
    # A working group's decision is run by its members.
    group = WorkingGroup.objects.create(assembly=assembly, name="Bostan", slug="bostan")
    WorkingGroupMembership.objects.create(group=group, user=member2)
    grouped = new_decision(member, assembly=assembly, working_group=group)
    with refused("forbidden"):
        services.open_round(facilitator, grouped.pk, seconds=60)
    assert services.open_round(member2, grouped.pk, seconds=60).number == 1


def test_a_second_open_is_a_conflict(live_round, facilitator) -> None:
    with refused("conflict"):
        services.open_round(facilitator, live_round.pk)
    assert Round.objects.filter(decision=live_round).count() == 1


def test_no_round_after_adoption(live_round, facilitator, member) -> None:
    cast_all(live_round, (member, "consent"))
    assert services.close_round(facilitator, live_round.pk).outcome == "adopted"
    assert status_of(live_round) == Decision.Status.CONCLUDED
    with refused("conflict"):
        services.open_round(facilitator, live_round.pk)
    assert Round.objects.filter(decision=live_round).count() == 1


@pytest.mark.parametrize(
    ("method", "option", "outcome"),
    [("consent", "objection", "not_adopted"), ("consensus", "block", "blocked")],
)
def test_a_new_round_after_no_agreement_uses_the_current_text(
    present, facilitator, member, method, option, outcome
) -> None:
    decision = new_decision(facilitator, session=present, method=method)
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (member, option, OBJECTION))
    assert services.close_round(facilitator, decision.pk).outcome == outcome
    assert status_of(decision) == Decision.Status.BETWEEN
    [stance] = Stance.objects.filter(round__decision=decision)
    services.resolve_dissent(
        facilitator, stance.pk, "integrated", note="Gölgeye dokunulmuyor.", new_text="Yeni metin"
    )
    round2 = services.open_round(facilitator, decision.pk)
    assert (round2.number, round2.text) == (2, "Yeni metin")
    first = Round.objects.get(decision=decision, number=1)
    assert first.text == TEXT  # the text each round decided on is kept
    assert status_of(decision) == Decision.Status.OPEN


# --- Casting stances ----------------------------------------------------------------------------


def test_members_cast_and_are_counted(live_round, facilitator, member, member2) -> None:
    result = services.cast_stance(member, live_round.pk, option="consent")
    assert result == {"decision": live_round.pk, "round": 1, "changed": False}
    services.cast_stance(member2, live_round.pk, option="concern", reason="Bakım kimde?")
    services.cast_stance(facilitator, live_round.pk, option="consent")
    stances = Stance.objects.filter(round__decision=live_round)
    assert sorted(stances.values_list("member_id", "option")) == sorted(
        [(member.pk, "consent"), (member2.pk, "concern"), (facilitator.pk, "consent")]
    )
    tally = selectors.live_tally(live_round)
    assert tally is not None
    assert (tally["responded"], tally["eligible"], tally["present"]) == (3, 3, 3)
    assert tally["counts"] == {"consent": 2, "concern": 1, "objection": 0}


@pytest.mark.parametrize(
    ("persona", "code"),
    [("observer", "forbidden"), ("outsider", "not_found"), ("anonymous", "not_found")],
)
def test_people_outside_cannot_cast(live_round, personas, persona, code) -> None:
    check_in(live_round.session, personas["observer"])  # present, but only watching
    with refused(code):
        services.cast_stance(personas[persona], live_round.pk, option="consent")
    assert not Stance.objects.exists()


def test_outsiders_cannot_cast_in_a_public_session(public_session, facilitator, outsider) -> None:
    check_in(public_session, facilitator)
    decision = new_decision(facilitator, session=public_session)
    services.open_round(facilitator, decision.pk)
    with refused("forbidden"):
        services.cast_stance(outsider, decision.pk, option="consent")
    assert not Stance.objects.exists()


def test_a_live_decision_needs_a_check_in(live_session, facilitator, member) -> None:
    check_in(live_session, facilitator)
    decision = new_decision(facilitator, session=live_session)
    services.open_round(facilitator, decision.pk)
    with refused("forbidden"):
        services.cast_stance(member, decision.pk, option="consent")
    assert not Stance.objects.exists()
    check_in(live_session, member)
    services.cast_stance(member, decision.pk, option="consent")
    assert Stance.objects.filter(member=member).count() == 1


def test_an_async_decision_needs_no_check_in(async_round, facilitator, member2) -> None:
    services.cast_stance(member2, async_round.pk, option="consent")
    services.cast_stance(facilitator, async_round.pk, option="consent")
    assert Stance.objects.filter(round__decision=async_round).count() == 2


def test_a_working_group_decision_is_for_the_group_only(
    assembly, facilitator, member, member2
) -> None:
    group = WorkingGroup.objects.create(assembly=assembly, name="Bostan", slug="bostan")
    for user in (member, member2):
        WorkingGroupMembership.objects.create(group=group, user=user)
    decision = new_decision(member, assembly=assembly, working_group=group)
    services.open_round(member, decision.pk, seconds=3600)
    with refused("forbidden"):  # a member of the assembly, not of the group
        services.cast_stance(facilitator, decision.pk, option="consent")
    services.cast_stance(member2, decision.pk, option="consent")
    tally = selectors.live_tally(decision)
    assert tally is not None
    assert (tally["responded"], tally["eligible"]) == (1, 2)


@pytest.mark.parametrize(
    ("method", "option"),
    [
        ("consent", "objection"),
        ("consensus", "stand_aside"),
        ("consensus", "block"),
        ("gradients", "7"),
        ("gradients", "8"),
    ],
)
def test_a_reason_is_required(present, facilitator, member, method, option) -> None:
    decision = new_decision(facilitator, session=present, method=method)
    services.open_round(facilitator, decision.pk)
    for reason in ("", "   \n "):
        with refused("invalid") as info:
            services.cast_stance(member, decision.pk, option=option, reason=reason)
        assert set(info.value.fields) == {"reason"}
    assert not Stance.objects.exists()
    services.cast_stance(member, decision.pk, option=option, reason=f"  {OBJECTION}  ")
    assert Stance.objects.get().reason == OBJECTION


@pytest.mark.parametrize(
    ("method", "option"),
    [
        ("consent", "concern"),
        ("consensus", "reservations"),
        ("gradients", "5"),
        ("temperature", "0"),
    ],
)
def test_no_reason_needed(present, facilitator, member, method, option) -> None:
    decision = new_decision(facilitator, session=present, method=method)
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option=option)
    assert Stance.objects.get().option == option


@pytest.mark.parametrize("option", ["agree", "", "CONSENT", "9", None])
def test_an_unknown_option_is_invalid(live_round, member, option) -> None:
    with refused("invalid") as info:
        services.cast_stance(member, live_round.pk, option=option)
    assert set(info.value.fields) == {"option"}
    assert not Stance.objects.exists()


def test_a_too_long_reason_is_invalid(live_round, member) -> None:
    with refused("invalid") as info:
        services.cast_stance(member, live_round.pk, option="objection", reason="ç" * 2001)
    assert "reason" in info.value.fields
    assert not Stance.objects.exists()


@pytest.fixture
def ranked(present, facilitator) -> Decision:
    decision = new_decision(
        facilitator,
        session=present,
        method="ranked",
        alternatives=[("Çatıya", ""), ("Bahçeye", ""), ("Otoparka", "")],
    )
    services.open_round(facilitator, decision.pk)
    return decision


@pytest.mark.parametrize(
    "ranking", [[], ["alt-1", "alt-1"], ["alt-1", "nowhere"], ["Çatıya"], ["alt-1", ""]]
)
def test_rankings_are_validated(ranked, member, ranking) -> None:
    keys = selectors.option_keys(ranked)
    ranking = [keys[0] if k == "alt-1" else k for k in ranking]
    with refused("invalid") as info:
        services.cast_stance(member, ranked.pk, ranking=ranking)
    assert set(info.value.fields) == {"ranking"}
    assert not Stance.objects.exists()


def test_a_partial_ranking_is_kept_as_given(ranked, member) -> None:
    keys = selectors.option_keys(ranked)
    services.cast_stance(member, ranked.pk, ranking=[keys[2], keys[0]])
    stance = Stance.objects.get()
    assert (stance.ranking, stance.option) == ([keys[2], keys[0]], "")


def test_a_ranked_decision_takes_no_option(ranked, member) -> None:
    with refused("invalid"):
        services.cast_stance(member, ranked.pk, option="consent")
    assert not Stance.objects.exists()


def test_a_changed_stance_keeps_its_history(live_round, member) -> None:
    services.cast_stance(member, live_round.pk, option="concern", reason="Bakım?")
    result = services.cast_stance(member, live_round.pk, option="objection", reason=OBJECTION)
    assert result["changed"] is True
    services.cast_stance(member, live_round.pk, option="consent")
    stance = Stance.objects.get(round__decision=live_round, member=member)
    assert (stance.option, stance.reason) == ("consent", "")
    history = list(stance.changes.order_by("cast_at", "id").values_list("option", "reason"))
    assert history == [("concern", "Bakım?"), ("objection", OBJECTION)]
    assert StanceChange.objects.count() == 2
    assert selectors.live_tally(live_round)["responded"] == 1  # type: ignore[index]


def test_a_secret_stance_has_no_member(present, facilitator, member) -> None:
    decision = new_decision(facilitator, session=present, policy={"secret": True})
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="objection", reason=OBJECTION)
    stance = Stance.objects.get()
    assert stance.member_id is None
    assert (stance.option, stance.reason) == ("objection", OBJECTION)
    assert list(Participation.objects.values_list("member_id", flat=True)) == [member.pk]
    # It cannot be changed, and a second ballot is refused.
    with refused("conflict"):
        services.cast_stance(member, decision.pk, option="consent")
    assert Stance.objects.count() == 1
    assert Stance.objects.get().option == "objection"
    assert Participation.objects.count() == 1
    assert selectors.member_stance(decision, member) is None


def test_no_cast_after_close(live_round, facilitator, member, member2) -> None:
    services.cast_stance(member, live_round.pk, option="consent")
    services.close_round(facilitator, live_round.pk)
    with refused("conflict"):
        services.cast_stance(member2, live_round.pk, option="consent")
    with refused("conflict"):
        services.cast_stance(member, live_round.pk, option="objection", reason=OBJECTION)
    assert list(Stance.objects.values_list("option", flat=True)) == ["consent"]


def test_no_cast_before_a_round_opens(live_decision, member) -> None:
    with refused("conflict"):
        services.cast_stance(member, live_decision.pk, option="consent")


def test_no_cast_after_the_deadline(async_round, member) -> None:
    Round.objects.filter(decision=async_round).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    with refused("conflict"):
        services.cast_stance(member, async_round.pk, option="consent")
    assert not Stance.objects.exists()


# --- Closing rounds: the outcome of each method ------------------------------------------------


def test_consent_with_an_objection_is_not_adopted(live_round, facilitator, member, member2) -> None:
    cast_all(live_round, (member, "consent"), (member2, "objection", OBJECTION))
    round_ = services.close_round(facilitator, live_round.pk)
    round_.refresh_from_db()
    assert round_.outcome == "not_adopted"
    assert round_.closed_by == facilitator
    assert round_.closed_at is not None
    assert (round_.eligible, round_.present) == (3, 3)
    assert round_.result["tally"]["counts"] == {"consent": 1, "concern": 0, "objection": 1}
    assert status_of(live_round) == Decision.Status.BETWEEN


def test_consensus_with_a_block_is_blocked(present, facilitator, member, member2) -> None:
    decision = new_decision(facilitator, session=present, method="consensus")
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (facilitator, "agree"), (member, "agree"), (member2, "block", OBJECTION))
    assert services.close_round(facilitator, decision.pk).outcome == "blocked"


def test_consensus_allows_blocks_up_to_the_policy(present, facilitator, member, member2) -> None:
    decision = new_decision(
        facilitator, session=present, method="consensus", policy={"max_blocks": 1}
    )
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (facilitator, "agree"), (member, "agree"), (member2, "block", OBJECTION))
    assert services.close_round(facilitator, decision.pk).outcome == "adopted"


def test_gradients_and_temperature(present, facilitator, member, member2) -> None:
    gradients = new_decision(facilitator, session=present, method="gradients")
    services.open_round(facilitator, gradients.pk)
    cast_all(gradients, (facilitator, "1"), (member, "2"), (member2, "5"))
    assert services.close_round(facilitator, gradients.pk).outcome == "needs_discussion"
    temperature = new_decision(facilitator, session=present, method="temperature")
    services.open_round(facilitator, temperature.pk)
    cast_all(temperature, (facilitator, "0"), (member, "5"))
    round_ = services.close_round(facilitator, temperature.pk)
    assert round_.outcome == "informational"
    assert round_.result["tally"]["counts"]["0"] == round_.result["tally"]["counts"]["5"] == 1
    # A temperature check can be taken again: it ends no rounds.
    assert status_of(temperature) == Decision.Status.BETWEEN
    assert services.open_round(facilitator, temperature.pk).number == 2


def test_ranked_close_stores_winner_order_and_pairwise(ranked, facilitator, member, member2):
    a, b, c, sq = selectors.option_keys(ranked)
    cast_all(ranked, (facilitator, [b, a]), (member, [b, c, a]), (member2, [a, b]))
    round_ = services.close_round(facilitator, ranked.pk)
    result = round_.result
    assert round_.outcome == "adopted"
    assert result["winner"] == b
    assert result["order"][0] == [b]
    assert result["order"] == [[b], [a], [c], [sq]]
    assert result["pairwise"][b][a] == 2 and result["pairwise"][a][b] == 1
    assert result["pairwise"][c][sq] == 1  # c named, the status quo left out: c above it
    assert result["tally"]["counts"] == {a: 1, b: 2, c: 0, sq: 0}


def test_ranked_status_quo_winning_is_not_adopted(ranked, facilitator, member, member2) -> None:
    a, _b, _c, sq = selectors.option_keys(ranked)
    cast_all(ranked, (facilitator, [sq]), (member, [sq, a]), (member2, [a]))
    round_ = services.close_round(facilitator, ranked.pk)
    assert (round_.outcome, round_.result["winner"]) == ("not_adopted", sq)


def test_quorum_counts_present_members_in_a_live_round(
    live_session, facilitator, member, member2
) -> None:
    # Three eligible, two checked in, one responds: 1/2 of those present.
    check_in(live_session, facilitator, member)
    decision = new_decision(facilitator, session=live_session, policy={"quorum": "1/2"})
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (member, "consent"))
    round_ = services.close_round(facilitator, decision.pk)
    assert round_.outcome == "adopted"
    assert (round_.eligible, round_.present) == (3, 2)


def test_quorum_counts_eligible_members_in_an_async_round(
    assembly, facilitator, member, member2
) -> None:
    # The same stances asynchronously: 1 of 3 eligible is below a half.
    decision = new_decision(member, assembly=assembly, policy={"quorum": "1/2"})
    services.open_round(member, decision.pk, seconds=3600)
    cast_all(decision, (member, "consent"))
    round_ = services.close_round(member, decision.pk)
    assert round_.outcome == "no_quorum"
    assert round_.eligible == 3
    assert status_of(decision) == Decision.Status.BETWEEN


def test_quorum_ignores_people_present_who_cannot_take_part(
    live_session, facilitator, member, observer
) -> None:
    # An observer checked in is not among those present who count.
    check_in(live_session, facilitator, member, observer)
    decision = new_decision(facilitator, session=live_session, policy={"quorum": "2/3"})
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (member, "consent"))
    round_ = services.close_round(facilitator, decision.pk)
    assert round_.present == 2
    assert round_.outcome == "no_quorum"


def test_an_empty_round_has_no_quorum(live_round, facilitator) -> None:
    assert services.close_round(facilitator, live_round.pk).outcome == "no_quorum"


def test_fallback_only_after_the_rounds_the_policy_says(
    present, facilitator, member, member2
) -> None:
    decision = new_decision(
        facilitator,
        session=present,
        policy={"fallback_after_rounds": 1, "fallback_share": "2/3"},
    )
    stances = ((facilitator, "consent"), (member, "concern"), (member2, "objection", OBJECTION))
    services.open_round(facilitator, decision.pk)
    cast_all(decision, *stances)
    with refused("conflict"):  # round 1: the rule does not apply yet
        services.close_round(facilitator, decision.pk, fallback=True)
    assert services.close_round(facilitator, decision.pk).outcome == "not_adopted"
    services.open_round(facilitator, decision.pk)
    cast_all(decision, *stances)
    round2 = services.close_round(facilitator, decision.pk, fallback=True)
    round2.refresh_from_db()
    assert (round2.number, round2.outcome, round2.fallback_used) == (
        2,
        "adopted_by_fallback",
        True,
    )
    assert status_of(decision) == Decision.Status.CONCLUDED
    with refused("conflict"):  # adopted by fallback counts as adopted
        services.open_round(facilitator, decision.pk)


def test_fallback_below_its_share_changes_nothing(present, facilitator, member, member2) -> None:
    decision = new_decision(
        facilitator,
        session=present,
        policy={"fallback_after_rounds": 1, "fallback_share": "3/4"},
    )
    stances = ((facilitator, "consent"), (member, "concern"), (member2, "objection", OBJECTION))
    for fallback in (False, True):
        services.open_round(facilitator, decision.pk)
        cast_all(decision, *stances)
        round_ = services.close_round(facilitator, decision.pk, fallback=fallback)
    round_.refresh_from_db()
    assert (round_.number, round_.outcome, round_.fallback_used) == (2, "not_adopted", False)
    assert status_of(decision) == Decision.Status.BETWEEN


def test_only_the_facilitator_closes(live_round, member) -> None:
    with refused("forbidden"):
        services.close_round(member, live_round.pk)
    assert open_round_of(live_round).closed_at is None


def test_closing_without_an_open_round_is_a_conflict(live_decision, facilitator) -> None:
    with refused("conflict"):
        services.close_round(facilitator, live_decision.pk)


# --- Deadlines ------------------------------------------------------------------------------------


def test_close_due_rounds_closes_each_past_deadline_once(
    assembly, member, member2, facilitator
) -> None:
    due = new_decision(member, assembly=assembly, title="Süresi doldu")
    later = new_decision(member, assembly=assembly, title="Daha var")
    services.open_round(member, due.pk, seconds=60)
    services.open_round(member, later.pk, seconds=3600)
    cast_all(due, (member, "consent"), (member2, "consent"), (facilitator, "consent"))
    deadline = open_round_of(due).closes_at
    assert deadline is not None
    assert services.next_deadline() == deadline
    moment = deadline + timedelta(seconds=1)
    assert services.close_due_rounds(now=moment) == 1
    assert services.close_due_rounds(now=moment) == 0
    [round_] = Round.objects.filter(decision=due)
    assert round_.closed_at is not None
    assert round_.closed_by is None
    assert round_.outcome == "adopted"
    assert open_round_of(later).closed_at is None
    assert services.next_deadline() == open_round_of(later).closes_at


def test_a_live_deadline_publishes_the_close_once(live_decision, facilitator, member) -> None:
    session_id = live_decision.session_id
    services.open_round(facilitator, live_decision.pk, seconds=30)
    cast_all(live_decision, (member, "consent"))
    deadline = open_round_of(live_decision).closes_at
    assert deadline is not None
    moment = deadline + timedelta(seconds=1)
    closed, frames = verify_action(
        session_id, partial(services.close_due_rounds, now=moment), member
    )
    assert closed == 1
    assert [f["event"] for f in frames] == ["decision.round_closed"]
    assert frames[0]["data"]["outcome"] == "adopted"
    again, frames = verify_action(session_id, partial(services.close_due_rounds, now=moment))
    assert (again, frames) == (0, [])


# --- Objections: integrated or withdrawn ---------------------------------------------------------


@pytest.fixture
def objected(live_round, facilitator, member, member2) -> Stance:
    """Round 1 closed not adopted on the member's objection."""
    cast_all(live_round, (member, "objection", OBJECTION), (member2, "consent"))
    services.close_round(facilitator, live_round.pk)
    return Stance.objects.get(member=member)


def test_the_facilitator_integrates_an_objection(objected, facilitator, member) -> None:
    decision = objected.round.decision
    stance = services.resolve_dissent(
        facilitator,
        objected.pk,
        "integrated",
        note="Depo kuzeye.",
        new_text="Depo kuzeye kurulsun.",
    )
    assert (stance.resolution, stance.resolution_note) == ("integrated", "Depo kuzeye.")
    assert stance.resolved_at is not None
    decision.refresh_from_db()
    assert decision.text == "Depo kuzeye kurulsun."
    assert services.open_round(facilitator, decision.pk).text == "Depo kuzeye kurulsun."
    with refused("conflict"):  # resolved already
        services.resolve_dissent(member, objected.pk, "withdrawn")


def test_only_the_facilitator_integrates(objected, member, member2) -> None:
    for user in (member, member2):
        with refused("forbidden"):
            services.resolve_dissent(user, objected.pk, "integrated", new_text="Başka")
    objected.refresh_from_db()
    objected.round.decision.refresh_from_db()
    assert objected.resolution == "open"
    assert objected.round.decision.text == TEXT


def test_only_its_author_withdraws_an_objection(objected, facilitator, member, member2) -> None:
    for user in (facilitator, member2):
        with refused("forbidden"):
            services.resolve_dissent(user, objected.pk, "withdrawn")
    objected.refresh_from_db()
    assert objected.resolution == "open"
    services.resolve_dissent(member, objected.pk, "withdrawn", note="İkna oldum.")
    objected.refresh_from_db()
    assert objected.resolution == "withdrawn"


def test_an_over_long_note_is_refused_and_changes_nothing(objected, member) -> None:
    with refused("invalid") as caught:
        services.resolve_dissent(member, objected.pk, "withdrawn", note="ç" * 2001)
    assert "note" in caught.value.fields
    objected.refresh_from_db()
    assert (objected.resolution, objected.resolution_note) == ("open", "")
    services.resolve_dissent(member, objected.pk, "withdrawn", note="ç" * 2000)
    objected.refresh_from_db()
    assert objected.resolution_note == "ç" * 2000  # the limit itself is kept whole


@pytest.mark.parametrize(
    ("persona", "code"),
    [("member2", "forbidden"), ("observer", "forbidden"), ("outsider", "not_found")],
)
def test_strangers_are_told_only_that_there_is_no_such_thing(
    objected, personas, persona, code
) -> None:
    """Who may see the decision hears why they may not act; anyone else hears what the
    decision's page says, that there is none (a 403 would tell it exists)."""
    user = personas[persona]
    decision = objected.round.decision
    with refused(code):
        services.open_round(user, decision.pk)
    with refused(code):
        services.record_decision(user, decision.pk, statement="Karar.")
    with refused(code):
        services.resolve_dissent(user, objected.pk, "withdrawn")
    objected.refresh_from_db()
    assert objected.resolution == "open"


def test_unknown_resolutions_and_stances(objected, facilitator) -> None:
    with refused("invalid"):
        services.resolve_dissent(facilitator, objected.pk, "ignored")
    with refused("not_found"):
        services.resolve_dissent(facilitator, 10**8, "integrated")


def test_objections_are_final_once_decided(live_round, facilitator, member) -> None:
    cast_all(live_round, (member, "concern", "Bakım?"))
    services.close_round(facilitator, live_round.pk)  # adopted
    stance = Stance.objects.get()
    with refused("conflict"):
        services.resolve_dissent(member, stance.pk, "withdrawn")


# --- The register ---------------------------------------------------------------------------------


def closed(decision: Decision, runner, *stances: tuple) -> Decision:
    """Open a round (with a deadline when asynchronous), cast, close."""
    services.open_round(runner, decision.pk, seconds=None if decision.session_id else 3600)
    cast_all(decision, *stances)
    services.close_round(runner, decision.pk)
    return decision


def test_records_are_numbered_per_assembly_and_year(assembly, member, outsider) -> None:
    first = closed(
        new_decision(member, assembly=assembly, title="Bir"), member, (member, "consent")
    )
    second = closed(new_decision(member, assembly=assembly, title="İki"), member)
    other_assembly = Membership.objects.get(user=outsider).assembly
    third = closed(
        new_decision(outsider, assembly=other_assembly, title="Üç"), outsider, (outsider, "consent")
    )
    year = timezone.localdate(last_round(first).closed_at).year
    r1 = services.record_decision(member, first.pk, statement="Birinci karar.")
    r2 = services.record_decision(member, second.pk, statement="İkinci karar.")
    r3 = services.record_decision(outsider, third.pk, statement="Başka meclisin kararı.")
    assert (r1.ref, r2.ref, r3.ref) == (f"{year}/1", f"{year}/2", f"{year}/1")
    assert status_of(first) == Decision.Status.RECORDED
    # A decision closed last year is numbered in last year's series.
    old = closed(new_decision(member, assembly=assembly, title="Eski"), member)
    Round.objects.filter(decision=old).update(closed_at=timezone.now() - timedelta(days=400))
    r4 = services.record_decision(member, old.pk, statement="Geçen yılın kararı.")
    assert r4.year == timezone.localdate(timezone.now() - timedelta(days=400)).year
    assert r4.year < year
    assert r4.number == 1
    r5 = closed(new_decision(member, assembly=assembly, title="Beş"), member)
    assert services.record_decision(member, r5.pk, statement="Üçüncü.").ref == f"{year}/3"


def test_the_record_keeps_what_was_decided(live_round, facilitator, member, member2) -> None:
    cast_all(live_round, (member, "consent"), (member2, "concern", "Bakım kimde?"))
    round_ = services.close_round(facilitator, live_round.pk)
    record = services.record_decision(
        facilitator, live_round.pk, statement="  Depo kurulacak.  ", review_at=None
    )
    record.refresh_from_db()
    assert record.statement == "Depo kurulacak."
    assert (record.title, record.text, record.method) == (live_round.title, TEXT, "consent")
    assert record.outcome == round_.outcome == "adopted"
    assert record.decided_at == round_.closed_at
    assert record.round_id == round_.pk
    assert record.assembly_id == live_round.assembly_id
    assert record.recorded_by == facilitator
    assert record.result["tally"]["counts"] == {"consent": 1, "concern": 1, "objection": 0}
    assert [r["number"] for r in record.rounds] == [1]
    assert selectors.record_status(record) == "in_force"


def test_record_twice_is_a_conflict(live_round, facilitator, member) -> None:
    cast_all(live_round, (member, "consent"))
    services.close_round(facilitator, live_round.pk)
    services.record_decision(facilitator, live_round.pk, statement="Kabul.")
    with refused("conflict"):
        services.record_decision(facilitator, live_round.pk, statement="Yine.")
    assert Record.objects.count() == 1
    with refused("conflict"):  # a recorded decision takes no more rounds
        services.open_round(facilitator, live_round.pk)


def test_a_recorded_rejection_takes_no_more_rounds(live_round, facilitator, member) -> None:
    cast_all(live_round, (member, "objection", OBJECTION))
    services.close_round(facilitator, live_round.pk)
    record = services.record_decision(facilitator, live_round.pk, statement="Reddedildi.")
    assert record.outcome == "not_adopted"
    with refused("conflict"):
        services.open_round(facilitator, live_round.pk)


def test_record_before_a_round_closed_is_a_conflict(live_decision, facilitator, member) -> None:
    with refused("conflict"):
        services.record_decision(facilitator, live_decision.pk, statement="Erken.")
    services.open_round(facilitator, live_decision.pk)
    with refused("conflict"):
        services.record_decision(facilitator, live_decision.pk, statement="Erken.")
    assert not Record.objects.exists()


def test_who_records(live_round, facilitator, member, member2_note_taker) -> None:
    cast_all(live_round, (member, "consent"))
    services.close_round(facilitator, live_round.pk)
    with refused("forbidden"):
        services.record_decision(member, live_round.pk, statement="Kabul.")
    record = services.record_decision(member2_note_taker, live_round.pk, statement="Kabul.")
    assert record.recorded_by == member2_note_taker


def test_an_empty_statement_is_invalid(live_round, facilitator, member) -> None:
    cast_all(live_round, (member, "consent"))
    services.close_round(facilitator, live_round.pk)
    with refused("invalid") as info:
        services.record_decision(facilitator, live_round.pk, statement="  \n ")
    assert "statement" in info.value.fields
    assert not Record.objects.exists()


def test_supersedes_links_both_ways(assembly, member) -> None:
    old = closed(new_decision(member, assembly=assembly, title="Eski"), member, (member, "consent"))
    new = closed(new_decision(member, assembly=assembly, title="Yeni"), member, (member, "consent"))
    old_record = services.record_decision(member, old.pk, statement="Eski kural.")
    new_record = services.record_decision(
        member, new.pk, statement="Yeni kural.", supersedes=old_record.ref
    )
    old_record = Record.objects.get(pk=old_record.pk)
    assert new_record.supersedes == old_record
    assert old_record.superseded_by == new_record
    assert selectors.record_status(old_record) == "superseded"
    assert selectors.record_status(Record.objects.get(pk=new_record.pk)) == "in_force"
    url = selectors.record_url(old_record)
    assert selectors.record_json(old_record, url)["superseded_by"] == new_record.ref
    assert selectors.record_json(new_record, url)["supersedes"] == old_record.ref
    # Only once; and the reference must exist in this assembly.
    third = closed(
        new_decision(member, assembly=assembly, title="Üçüncü"), member, (member, "consent")
    )
    with refused("conflict"):
        services.record_decision(member, third.pk, statement="X", supersedes=old_record.ref)
    for ref in ("1999/1", "bozuk", f"{old_record.year}/99"):
        with refused("invalid") as info:
            services.record_decision(member, third.pk, statement="X", supersedes=ref)
        assert "supersedes" in info.value.fields
    assert not Record.objects.filter(decision=third).exists()


def test_only_an_adopted_decision_supersedes(assembly, member) -> None:
    old = closed(new_decision(member, assembly=assembly, title="Eski"), member, (member, "consent"))
    old_record = services.record_decision(member, old.pk, statement="Eski kural.")
    rejected = closed(
        new_decision(member, assembly=assembly, title="Ret"), member, (member, "objection", "x")
    )
    with refused("invalid") as info:
        services.record_decision(
            member, rejected.pk, statement="Kabul edilmedi.", supersedes=old_record.ref
        )
    assert "supersedes" in info.value.fields
    assert selectors.record_status(Record.objects.get(pk=old_record.pk)) == "in_force"
    assert not Record.objects.filter(decision=rejected).exists()


def test_secret_ballots_keep_no_time_or_order_of_their_own(assembly, member, member2) -> None:
    decision = new_decision(member, assembly=assembly, policy={"secret": True})
    round_ = services.open_round(member, decision.pk, seconds=3600)
    services.cast_stance(member2, decision.pk, option="objection", reason="Zarar verir.")
    services.cast_stance(member, decision.pk, option="concern", reason="Bir endişe.")
    ballots = list(Stance.objects.filter(round=round_))
    assert {b.member_id for b in ballots} == {None}
    assert {b.cast_at for b in ballots} == {round_.opened_at}
    dissent = selectors.dissent_json(decision, Round.objects.get(pk=round_.pk))
    assert [d["option"] for d in dissent] == ["concern", "objection"]  # by option, not by time
    assert all(d["name"] is None and d["member"] is None for d in dissent)


def test_a_past_review_date_puts_it_under_review(assembly, member) -> None:
    today = timezone.localdate()
    past = closed(new_decision(member, assembly=assembly), member, (member, "consent"))
    future = closed(new_decision(member, assembly=assembly), member, (member, "consent"))
    r_past = services.record_decision(
        member, past.pk, statement="Gözden geçirilecek.", review_at=today - timedelta(days=1)
    )
    r_future = services.record_decision(
        member, future.pk, statement="Yürürlükte.", review_at=today + timedelta(days=30)
    )
    assert selectors.record_status(r_past) == "under_review"
    assert selectors.record_status(r_future) == "in_force"
    assert selectors.record_status(r_future, today=today + timedelta(days=31)) == "under_review"


@pytest.mark.parametrize("outcome_stance", [("objection", OBJECTION), ("concern", "")])
def test_status_applies_to_adopted_records_only(assembly, member, outcome_stance) -> None:
    decision = closed(new_decision(member, assembly=assembly), member, (member, *outcome_stance))
    record = services.record_decision(member, decision.pk, statement="Sonuç kayda geçti.")
    adopted = record.outcome == "adopted"
    assert record.outcome == ("adopted" if outcome_stance[0] == "concern" else "not_adopted")
    assert (selectors.record_status(record) is not None) == adopted


def test_no_quorum_and_not_adopted_records_have_no_status(assembly, member, member2) -> None:
    empty = closed(new_decision(member, assembly=assembly), member)
    record = services.record_decision(
        member, empty.pk, statement="Yeter sayı yok.", review_at=timezone.localdate()
    )
    assert record.outcome == "no_quorum"
    assert selectors.record_status(record) is None
    assert selectors.record_json(record, "/x/")["status"] is None


def test_the_dissent_is_listed_with_reasons_and_names(
    present, facilitator, member, member2
) -> None:
    decision = new_decision(facilitator, session=present, method="consensus")
    closed(
        decision,
        facilitator,
        (facilitator, "agree"),
        (member, "reservations", "Bütçe belirsiz."),
        (member2, "stand_aside", "Bu işte yokum."),
    )
    record = services.record_decision(facilitator, decision.pk, statement="Uzlaşıyla kabul.")
    assert record.outcome == "adopted"
    dissent = {d["option"]: d for d in record.dissent}
    assert set(dissent) == {"reservations", "stand_aside"}
    assert dissent["reservations"]["reason"] == "Bütçe belirsiz."
    assert dissent["reservations"]["name"] == member.public_name
    assert dissent["reservations"]["member"] == member.pk
    assert dissent["stand_aside"]["name"] == member2.public_name
    public = selectors.record_json(record, "/x/")["dissent"]
    assert {(d["option"], d["reason"], d["name"]) for d in public} == {
        ("reservations", "Bütçe belirsiz.", member.public_name),
        ("stand_aside", "Bu işte yokum.", member2.public_name),
    }


def test_a_secret_decision_keeps_reasons_but_never_who(
    present, facilitator, member, member2
) -> None:
    decision = new_decision(
        facilitator, session=present, method="consensus", policy={"secret": True}
    )
    closed(
        decision,
        facilitator,
        (facilitator, "agree"),
        (member, "reservations", "Bütçe belirsiz."),
        (member2, "stand_aside", "Bu işte yokum."),
    )
    record = services.record_decision(facilitator, decision.pk, statement="Gizli oyla kabul.")
    assert sorted(d["reason"] for d in record.dissent) == ["Bu işte yokum.", "Bütçe belirsiz."]
    for entry in record.dissent:
        assert entry.get("name") is None and entry.get("member") is None
    public = selectors.record_json(record, selectors.record_url(record))
    everything = json.dumps(
        [public, record.dissent, record.rounds, record.result], ensure_ascii=False
    )
    for person in (member, member2):
        assert person.public_name not in everything
    assert all(entry.get("member") is None for r in record.rounds for entry in r["dissent"])
    # The stances themselves carry no member either.
    assert not Stance.objects.filter(round__decision=decision, member__isnull=False).exists()


# --- The tally snapshot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "hidden"),
    [({}, False), ({"reveal": "after_close"}, True), ({"secret": True}, True)],
)
def test_the_tally_hides_counts_until_close_when_asked(
    present, facilitator, member, member2, policy, hidden
) -> None:
    decision = new_decision(facilitator, session=present, policy=policy)
    services.open_round(facilitator, decision.pk)
    cast_all(decision, (member, "consent"), (member2, "objection", OBJECTION))
    tally = selectors.live_tally(decision)
    assert tally is not None
    assert tally["responded"] == 2
    assert (tally["eligible"], tally["present"]) == (3, 3)
    if hidden:
        assert tally["counts"] is None
    else:
        assert tally["counts"] == {"consent": 1, "concern": 0, "objection": 1}
    # Once closed, the counts are there whatever the policy.
    round_ = services.close_round(facilitator, decision.pk)
    assert round_.result["tally"]["counts"] == {"consent": 1, "concern": 0, "objection": 1}
    assert selectors.live_tally(decision) is None


# --- Events: applying them gives the new session state ------------------------------------------


def events(frames) -> list[tuple[str, int | None]]:
    return [(f["event"], f["seq"]) for f in frames]


def test_a_decision_life_keeps_clients_in_step(present, facilitator, member, member2) -> None:
    pk = present.pk
    seq = seq_of(present)
    decision, frames = verify_action(pk, lambda: new_decision(facilitator, session=present), member)
    assert events(frames) == [("decision.added", seq + 1)]
    _, frames = verify_action(
        pk, lambda: services.open_round(facilitator, decision.pk, seconds=600), member
    )
    assert events(frames) == [("decision.round_opened", seq + 2), ("decision.tally_changed", None)]
    assert frames[0]["data"]["options"] == ["consent", "concern", "objection"]
    assert frames[0]["data"]["closes_at"] is not None
    _, frames = verify_action(
        pk, lambda: services.cast_stance(member, decision.pk, option="consent"), member2
    )
    assert events(frames) == [("decision.tally_changed", None)]
    assert frames[0]["data"]["responded"] == 1
    assert frames[0]["data"]["counts"]["consent"] == 1
    verify_action(
        pk,
        lambda: services.cast_stance(member2, decision.pk, option="objection", reason=OBJECTION),
        facilitator,
    )
    _, frames = verify_action(pk, lambda: services.close_round(facilitator, decision.pk), member)
    assert events(frames) == [("decision.round_closed", seq + 3)]
    assert frames[0]["data"]["outcome"] == "not_adopted"
    stance = Stance.objects.get(member=member2)
    verify_action(
        pk,
        lambda: services.resolve_dissent(
            facilitator, stance.pk, "integrated", new_text="Kuzey köşeye."
        ),
        member,
    )
    verify_action(pk, lambda: services.open_round(facilitator, decision.pk), member)
    assert snapshot(pk, member)["decisions"][0]["text"] == "Kuzey köşeye."
    verify_action(pk, lambda: services.cast_stance(member2, decision.pk, option="consent"))
    verify_action(pk, lambda: services.close_round(facilitator, decision.pk), member)
    record, frames = verify_action(
        pk, lambda: services.record_decision(facilitator, decision.pk, statement="Kabul."), member
    )
    assert [e for e, _ in events(frames)] == ["decision.recorded"]
    assert frames[0]["data"] == {
        "decision": decision.pk,
        "ref": record.ref,
        "url": selectors.record_url(record),
        "actions": {"watcher": [], "member": [], "note_taker": [], "facilitator": []},
    }
    entry = snapshot(pk, member)["decisions"][0]
    assert (entry["status"], entry["ref"], entry["round"]) == ("recorded", record.ref, 2)


def test_a_ranked_close_publishes_the_order(ranked, facilitator, member) -> None:
    a, b, _c, _sq = selectors.option_keys(ranked)
    verify_action(ranked.session_id, lambda: services.cast_stance(member, ranked.pk, ranking=[b]))
    _, frames = verify_action(
        ranked.session_id, lambda: services.close_round(facilitator, ranked.pk), member
    )
    data = frames[0]["data"]
    assert (data["outcome"], data["winner"], data["order"][0]) == ("adopted", b, [b])
    assert data["pairwise"][b][a] == 1


def test_a_check_in_updates_the_open_tally(live_session, facilitator, member) -> None:
    from assembly import services as assembly_services

    check_in(live_session, facilitator)
    decision = new_decision(facilitator, session=live_session)
    services.open_round(facilitator, decision.pk)
    _, frames = verify_action(
        live_session.pk, lambda: assembly_services.check_in(member, live_session.pk), facilitator
    )
    assert "presence.changed" in [f["event"] for f in frames]
    tally = snapshot(live_session.pk)["decisions"][0]["tally"]
    assert tally["present"] == 2


def test_refusals_publish_nothing(live_round, facilitator, member, observer) -> None:
    pk = live_round.session_id
    for action, code in (
        (lambda: services.open_round(member, live_round.pk), "forbidden"),
        (lambda: services.open_round(facilitator, live_round.pk), "conflict"),
        (lambda: services.close_round(member, live_round.pk), "forbidden"),
        (lambda: services.cast_stance(observer, live_round.pk, option="consent"), "forbidden"),
        (lambda: services.cast_stance(member, live_round.pk, option="objection"), "invalid"),
        (lambda: services.record_decision(facilitator, live_round.pk, statement="X"), "conflict"),
    ):
        result, frames = verify_action(pk, action, member, may_refuse=True)
        assert result.code == code
        assert frames == []


@pytest.mark.parametrize("seed", range(4))
def test_random_walks_over_decisions(
    seed, present, facilitator, member, member2, member2_note_taker, observer
) -> None:
    rnd = random.Random(seed)
    pk = present.pk
    people = [facilitator, member, member2, observer]
    reasons = ["", OBJECTION]
    decisions: list[int] = []
    methods = ["consent", "consensus", "gradients", "temperature", "ranked"]

    def create(actor: Any = None) -> Decision:
        method = rnd.choice(methods)
        alternatives = [("Bir", ""), ("İki", "")] if method == "ranked" else ()
        policies: list[dict[str, Any]] = [
            {},
            {"secret": True},
            {"reveal": "after_close"},
            {"quorum": "1/2"},
        ]
        policy = rnd.choice(policies)
        decision = new_decision(
            actor or rnd.choice([facilitator, member]),  # only facilitators may: refused
            session=present,
            method=method,
            policy=policy,
            alternatives=alternatives,
        )
        decisions.append(decision.pk)
        return decision

    def some_decision() -> int:
        return rnd.choice(decisions)

    def cast() -> dict:
        decision = Decision.objects.get(pk=some_decision())
        if decision.method == "ranked":
            keys = selectors.option_keys(decision)
            rnd.shuffle(keys)
            return services.cast_stance(
                rnd.choice(people), decision.pk, ranking=keys[: rnd.randint(1, len(keys))]
            )
        return services.cast_stance(
            rnd.choice(people),
            decision.pk,
            option=rnd.choice(domain.OPTIONS[domain.Method(decision.method)]),
            reason=rnd.choice(reasons),
        )

    def resolve() -> Stance:
        ids = list(Stance.objects.filter(round__decision__session=present).values_list("pk"))
        stance_id = rnd.choice(ids)[0] if ids else 10**8
        return services.resolve_dissent(
            rnd.choice(people),
            stance_id,
            rnd.choice(["integrated", "withdrawn"]),
            new_text=rnd.choice([None, "Değişen metin"]),
        )

    actions = [
        (2, lambda: create()),
        (3, lambda: services.open_round(rnd.choice([facilitator, member]), some_decision())),
        (8, cast),
        (3, lambda: services.close_round(rnd.choice([facilitator, member]), some_decision())),
        (
            2,
            lambda: services.record_decision(
                rnd.choice([facilitator, member2_note_taker, member]),
                some_decision(),
                statement="Kayda geçti.",
            ),
        ),
        (1, resolve),
    ]
    weights = [w for w, _ in actions]
    create(facilitator)
    done = 0
    for _ in range(100):
        action = rnd.choices([a for _, a in actions], weights)[0]
        result, _frames = verify_action(pk, action, rnd.choice(people), may_refuse=True)
        done += not isinstance(result, ServiceError)
    assert done > 10  # the walk did things, not only refusals
    assert Round.objects.filter(decision__session=present).exists()


def test_a_new_member_joining_counts_as_eligible(async_round, assembly, member) -> None:
    newcomer = make_user("yeni", "Yeni Üye")
    Membership.objects.create(assembly=assembly, user=newcomer, role=Role.MEMBER)
    services.cast_stance(newcomer, async_round.pk, option="consent")
    tally = selectors.live_tally(async_round)
    assert tally is not None
    assert (tally["responded"], tally["eligible"]) == (1, 2)


@pytest.mark.parametrize("given", ["abc", "", "9" * 40, "-3"])
def test_the_resolve_form_takes_any_decision_field_without_an_error(
    client, objected, member, given
) -> None:
    client.force_login(member)
    response = client.post(
        f"/stances/{objected.pk}/resolve/", {"decision": given, "resolution": "withdrawn"}
    )
    assert response.status_code == 302  # back to a decision page, never a server error
    objected.refresh_from_db()
    assert objected.resolution == "withdrawn"  # the stance's own decision is what counts
