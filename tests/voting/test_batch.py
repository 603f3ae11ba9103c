"""Many casts at once give each cast exactly what it would get alone.

``services.cast_stances`` (the batch form of ``stance.cast``, used when a vote storm
brings many casts together) is checked against ``services.cast_stance`` run one by
one on the same data: the same outcome for every cast, in order, and the same
stances and history stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ServiceError
from tests.conftest import need, uses_postgres
from tests.voting.conftest import new_decision
from voting import services
from voting.models import Decision, Participation, Stance, StanceChange

pytestmark = pytest.mark.django_db

OPTIONS = ["consent", "objection", "stand_aside", "bogus"]


def outcome_of(value: Any) -> Any:
    if isinstance(value, ServiceError):
        return ("error", value.code, str(value.message), value.fields)
    return ("ok", value)


def stored(decision: Decision) -> Any:
    stances = sorted(
        (s.member_id or 0, s.option, s.reason)
        for s in Stance.objects.filter(round__decision=decision)
    )
    changes = sorted(
        (c.stance.member_id or 0, c.option) for c in StanceChange.objects.select_related("stance")
    )
    return stances, changes, Participation.objects.filter(round__decision=decision).count()


def both_ways(decision: Decision, casts: list[services.Cast]) -> tuple[Any, Any]:
    """The outcomes and stored state of the batch, and of the casts one by one; each
    run is rolled back so that both start from the same data."""
    runs = []
    for batched in (True, False):
        with transaction.atomic():
            if batched:
                outcomes = [outcome_of(o) for o in services.cast_stances(casts)]
            else:
                outcomes = []
                for cast in casts:
                    try:
                        with transaction.atomic():
                            result: Any = services.cast_stance(
                                cast.actor,
                                cast.decision_id,
                                option=cast.option,
                                ranking=cast.ranking,
                                reason=cast.reason,
                                session_id=cast.session_id,
                            )
                    except ServiceError as exc:
                        result = exc
                    outcomes.append(outcome_of(result))
            runs.append((outcomes, stored(decision)))
            transaction.set_rollback(True)
    return runs[0], runs[1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(OPTIONS), st.booleans()),
        min_size=1,
        max_size=10,
    ),
    st.booleans(),
)
def test_a_batch_gives_every_cast_what_it_would_get_alone(
    live_round, facilitator, member, member2, observer, outsider, calls, secret
) -> None:
    people = [facilitator, member, member2, observer, outsider]
    decision = live_round
    if secret:
        decision = new_decision(
            facilitator, session=live_round.session, policy={"secret": True}, title="Gizli"
        )
        services.open_round(facilitator, decision.pk)
    casts = [
        services.Cast(
            people[who],
            decision.pk,
            option=option,
            reason="Gerekçem var." if with_reason else "",
            session_id=decision.session_id,
        )
        for who, option, with_reason in calls
    ]
    batched, alone = both_ways(decision, casts)
    assert batched == alone


def test_a_storm_of_first_stances_is_one_insert(
    live_round, facilitator, member, member2, django_assert_max_num_queries
) -> None:
    need(uses_postgres(), "one insert for many stances is PostgreSQL's (SQLite inserts each)")
    casts = [
        services.Cast(p, live_round.pk, option="consent", session_id=live_round.session_id)
        for p in (facilitator, member, member2)
    ]
    # the round (locked) and decision, the standings, one insert; no statement per cast
    with django_assert_max_num_queries(3 + 2):  # and the savepoint pair of the test
        outcomes = services.cast_stances(casts)
    assert all(isinstance(o, dict) and o["changed"] is False for o in outcomes)
    assert Stance.objects.filter(round__decision=live_round).count() == 3


def test_the_same_member_twice_in_a_batch_changes_their_stance(live_round, member) -> None:
    casts = [
        services.Cast(member, live_round.pk, option="consent", session_id=live_round.session_id),
        services.Cast(
            member,
            live_round.pk,
            option="objection",
            reason="Bütçe yetmez.",
            session_id=live_round.session_id,
        ),
    ]
    first, second = services.cast_stances(casts)
    assert isinstance(first, dict) and first["changed"] is False
    assert isinstance(second, dict) and second["changed"] is True
    stance = Stance.objects.get(round__decision=live_round, member=member)
    assert (stance.option, stance.reason) == ("objection", "Bütçe yetmez.")
    assert list(StanceChange.objects.filter(stance=stance).values_list("option", flat=True)) == [
        "consent"
    ]


def test_errors_come_in_the_senders_language(live_round, member, outsider) -> None:
    casts = [
        services.Cast(outsider, live_round.pk, option="consent", language="en"),
        services.Cast(outsider, live_round.pk, option="consent", language="tr"),
    ]
    english, turkish = services.cast_stances(casts)
    assert isinstance(english, ServiceError) and isinstance(turkish, ServiceError)
    assert str(english.message) == "There is no such decision."
    assert str(turkish.message) != str(english.message)
