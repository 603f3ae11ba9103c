"""The vote path at assembly scale: how many statements a stance and a tally take.

A stance is one read and one write whatever the assembly's size; tallies and the
session's decisions take a number of queries that does not grow with the number of
members or of decisions. Inside a test's transaction the service's own transaction is a
savepoint, so each count here includes its SAVEPOINT and RELEASE.
"""

from __future__ import annotations

from typing import Any

import pytest

from assembly.models import Membership, Role, Session, User, WorkingGroup, WorkingGroupMembership
from common.errors import ServiceError
from tests.conftest import make_user, need, uses_postgres
from tests.voting.conftest import check_in, new_decision
from voting import eligibility, selectors, services, tallies
from voting.models import Decision, Participation, Record, Stance, StanceChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    # The counts are PostgreSQL's (SQLite, for development, takes a few more to write).
    need(uses_postgres(), "needs PostgreSQL (DATABASE_URL=postgres://…)")


def statements(captured: Any) -> list[str]:
    """The first word of each captured statement but the savepoints of the test's transaction."""
    words = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
    return [w for w in words if w not in {"SAVEPOINT", "RELEASE", "ROLLBACK"}]


def crowd(session: Session, size: int, *, present: int | None = None) -> list[User]:
    """``size`` more members of the session's assembly, the first ``present`` checked in."""
    users = []
    for n in range(size):
        user = make_user(f"kalabalik{session.pk}-{n}", f"Üye {n}")
        Membership.objects.create(assembly=session.assembly, user=user, role=Role.MEMBER)
        users.append(user)
    check_in(session, *users[: size if present is None else present])
    return users


# --- A stance -------------------------------------------------------------------------------------


def test_a_first_stance_is_one_read_and_one_write(
    live_round, member, django_assert_num_queries
) -> None:
    with django_assert_num_queries(4) as captured:
        result = services.cast_stance(member, live_round.pk, option="consent")
    assert statements(captured) == ["WITH", "INSERT"]
    assert "FOR KEY SHARE" in captured.captured_queries[1]["sql"]
    assert result["changed"] is False
    assert Stance.objects.get(member=member).option == "consent"


def test_a_changed_stance_is_one_read_and_one_write(
    live_round, member, django_assert_num_queries
) -> None:
    services.cast_stance(member, live_round.pk, option="concern", reason="Gölge kalmıyor.")
    first = Stance.objects.get(member=member)
    with django_assert_num_queries(4) as captured:
        result = services.cast_stance(member, live_round.pk, option="consent")
    assert statements(captured) == ["WITH", "WITH"]
    assert result["changed"] is True
    stance = Stance.objects.get(member=member)
    assert (stance.pk, stance.option, stance.reason) == (first.pk, "consent", "")
    [earlier] = StanceChange.objects.filter(stance=stance)
    assert (earlier.option, earlier.reason) == ("concern", "Gölge kalmıyor.")
    assert earlier.cast_at == first.updated_at


def test_a_secret_stance_is_one_read_and_one_write(
    present, facilitator, member, django_assert_num_queries, django_assert_max_num_queries
) -> None:
    decision = new_decision(facilitator, session=present, policy={"secret": True})
    round_ = services.open_round(facilitator, decision.pk)
    with django_assert_num_queries(4) as captured:
        services.cast_stance(member, decision.pk, option="consent")
    assert statements(captured) == ["WITH", "WITH"]
    [ballot] = Stance.objects.filter(round=round_)
    assert ballot.member_id is None
    assert ballot.cast_at == ballot.updated_at == round_.opened_at
    assert Participation.objects.filter(round=round_, member=member).count() == 1
    # A second ballot changes nothing, in as many statements.
    with django_assert_max_num_queries(5) as captured, pytest.raises(ServiceError) as error:
        services.cast_stance(member, decision.pk, option="concern", reason="Hayır.")
    assert error.value.code == "conflict"
    assert statements(captured) == ["WITH", "WITH"]
    assert list(Stance.objects.filter(round=round_).values_list("option", flat=True)) == ["consent"]


def test_a_stance_in_an_asynchronous_decision_is_one_read_and_one_write(
    async_round, member, django_assert_num_queries
) -> None:
    with django_assert_num_queries(4):
        services.cast_stance(member, async_round.pk, option="consent")


def test_a_refused_stance_is_one_read(live_round, observer, django_assert_max_num_queries) -> None:
    absent = crowd(live_round.session, 1, present=0)[0]
    for user, code in ((observer, "forbidden"), (absent, "forbidden")):
        with django_assert_max_num_queries(4) as captured, pytest.raises(ServiceError) as error:
            services.cast_stance(user, live_round.pk, option="consent")
        assert error.value.code == code
        assert statements(captured) == ["WITH"]
    assert not Stance.objects.exists()


def test_a_stance_takes_as_many_statements_in_a_big_assembly(
    live_round, member, django_assert_num_queries
) -> None:
    crowd(live_round.session, 50)
    with django_assert_num_queries(4):
        services.cast_stance(member, live_round.pk, option="consent")


# --- Tallies and the session's decisions ---------------------------------------------------------


@pytest.mark.parametrize("size", [5, 50])
def test_a_tally_takes_two_queries_whatever_the_size(
    live_round, size, django_assert_num_queries
) -> None:
    voters = crowd(live_round.session, size)
    for user in voters[: size // 2]:
        services.cast_stance(user, live_round.pk, option="consent")
    with django_assert_num_queries(2):
        built = tallies._tally_frame(live_round.pk)
    assert built is not None
    with django_assert_num_queries(2):
        tally = selectors.live_tally(live_round)
    assert tally is not None
    # The facilitator, the member and member2 are checked in by the fixture.
    assert (tally["eligible"], tally["present"], tally["responded"]) == (
        size + 3,
        size + 3,
        size // 2,
    )
    assert tally["counts"]["consent"] == size // 2
    with django_assert_num_queries(1):
        assert selectors.present_count(live_round) == size + 3


def session_with_decisions(session: Session, facilitator: User, count: int) -> None:
    """``count`` decisions of every kind: open, open ranked, closed and recorded."""
    for n in range(count):
        kind = n % 4
        if kind == 1:
            decision = new_decision(
                facilitator,
                session=session,
                method="ranked",
                title=f"Sıralı {n}",
                alternatives=[("Kuzey", ""), ("Güney", "")],
            )
        else:
            decision = new_decision(facilitator, session=session, title=f"Karar {n}")
        services.open_round(facilitator, decision.pk)
        if kind == 1:
            keys = selectors.option_keys(decision)
            services.cast_stance(facilitator, decision.pk, ranking=keys)
        else:
            services.cast_stance(facilitator, decision.pk, option="consent")
        if kind >= 2:
            services.close_round(facilitator, decision.pk)
        if kind == 3:
            services.record_decision(facilitator, decision.pk, statement="Kabul edildi.")


@pytest.mark.parametrize(("members", "decisions"), [(5, 1), (50, 4), (50, 8)])
def test_the_session_decisions_take_four_queries_whatever_the_size(
    present,
    facilitator,
    members,
    decisions,
    django_assert_num_queries,
    django_assert_max_num_queries,
) -> None:
    crowd(present, members)
    session_with_decisions(present, facilitator, decisions)
    with django_assert_num_queries(4):
        summaries = selectors.decisions_for_session(present.pk)
    assert len(summaries) == decisions
    recorded = [s for s in summaries if s["ref"]]
    assert len(recorded) == decisions // 4
    assert all(s["url"] for s in recorded)
    for summary in summaries:
        if summary["status"] == Decision.Status.OPEN:
            assert summary["tally"]["responded"] == 1
            assert summary["tally"]["eligible"] == members + 3
        if summary["method"] == "ranked":
            first = summary["alternatives"][0]["key"]
            assert summary["tally"]["counts"][first] == 1
    for one in Decision.objects.filter(session=present):
        with django_assert_max_num_queries(4):
            selectors.decision_summary(one)


def test_the_summaries_are_those_of_each_decision(present, facilitator) -> None:
    """Summaries read together match summaries read one by one."""
    session_with_decisions(present, facilitator, 4)
    together = selectors.decisions_for_session(present.pk)
    alone = [
        selectors.decision_summary(d)
        for d in Decision.objects.filter(session=present).order_by("created_at", "id")
    ]
    assert together == alone
    assert Record.objects.count() == 1


def test_counts_follow_the_working_group(assembly, present, facilitator, member, member2) -> None:
    """Eligible and present, counted for many decisions in one query, agree with the rule
    for one decision: a working group's decision counts its members only."""
    absent = crowd(present, 4, present=1)
    group = WorkingGroup.objects.create(assembly=assembly, name="Bostan", slug="bostan")
    for user in (member, absent[0], absent[1]):
        WorkingGroupMembership.objects.create(group=group, user=user)
    whole = new_decision(facilitator, session=present, title="Herkes")
    grouped = new_decision(facilitator, session=present, working_group=group, title="Grup")
    elsewhere = new_decision(member, assembly=assembly, title="Zaman uyumsuz")
    counted = {d.pk: d for d in selectors.counted(Decision.objects.all())}
    for decision in (whole, grouped, elsewhere):
        row = vars(counted[decision.pk])
        assert row["eligible_count"] == eligibility.eligible_count(decision)
    assert vars(counted[whole.pk])["eligible_count"] == 3 + 4
    assert vars(counted[whole.pk])["present_count"] == 3 + 1
    assert vars(counted[grouped.pk])["eligible_count"] == 3
    assert vars(counted[grouped.pk])["present_count"] == 2  # the member and absent[0]
    assert vars(counted[elsewhere.pk])["present_count"] == 0
