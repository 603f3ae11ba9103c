"""Row locks of decisions: casts, closes, deadlines and records at the same moment (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from common.errors import ServiceError
from tests.assembly.test_concurrency import run_together
from tests.conftest import make_user, need, uses_postgres
from tests.realtime.verify import recorded_frames
from tests.voting.conftest import check_in, new_decision
from voting import selectors, services
from voting.models import Participation, Record, Round, Stance, StanceChange

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    need(uses_postgres(), "needs PostgreSQL (DATABASE_URL=postgres://…)")


def attempt(call):
    """The call's result, or the service error it raised (the code is what counts)."""

    def run():
        try:
            return call()
        except ServiceError as exc:
            return exc

    return run


def test_deadline_closers_in_many_processes_close_once(async_round, member) -> None:
    Round.objects.filter(decision=async_round).update(closes_at=timezone.now() - timedelta(1))
    results = run_together(*[services.close_due_rounds] * 4)
    assert sum(results) == 1
    [round_] = Round.objects.filter(decision=async_round)
    assert round_.closed_at is not None and round_.closed_by is None


def test_a_live_deadline_is_published_once(live_round, facilitator) -> None:
    Round.objects.filter(decision=live_round).update(closes_at=timezone.now() - timedelta(1))
    with recorded_frames() as sent:
        results = run_together(*[services.close_due_rounds] * 4)
    assert sum(results) == 1
    closed = [f for _sid, f in sent if f["event"] == "decision.round_closed"]
    assert len(closed) == 1


def test_casts_racing_a_close_are_counted_or_refused(
    live_session, assembly, facilitator, member, member2
) -> None:
    from assembly.models import Membership, Role

    voters = [member, member2]
    for n in range(6):
        user = make_user(f"uye{n}", f"Üye {n}")
        Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
        voters.append(user)
    check_in(live_session, facilitator, *voters)
    decision = new_decision(facilitator, session=live_session)
    services.open_round(facilitator, decision.pk)
    casts = [
        attempt(lambda u=u: services.cast_stance(u, decision.pk, option="consent")) for u in voters
    ]
    close = attempt(lambda: services.close_round(facilitator, decision.pk))
    results = run_together(*casts, close)
    round_ = Round.objects.get(decision=decision)
    assert not isinstance(results[-1], ServiceError), results[-1]
    accepted = [r for r in results[:-1] if not isinstance(r, ServiceError)]
    refused = [r for r in results[:-1] if isinstance(r, ServiceError)]
    assert all(r.code == "conflict" for r in refused)
    # Every accepted stance is in the closed round's tally; no stance came after the close.
    assert Stance.objects.filter(round=round_).count() == len(accepted)
    assert round_.result["tally"]["responded"] == len(accepted)


def test_many_first_stances_at_once_are_each_stored_once(
    live_session, assembly, facilitator, member, member2
) -> None:
    """A storm of first stances from many threads, each with its own connection (as the
    consumer's pool of database threads casts them), then a storm of changes."""
    from assembly.models import Membership, Role

    voters = [member, member2]
    for n in range(14):
        user = make_user(f"firtina{n}", f"Üye {n}")
        Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
        voters.append(user)
    check_in(live_session, facilitator, *voters)
    decision = new_decision(facilitator, session=live_session)
    services.open_round(facilitator, decision.pk)

    def option(index: int) -> str:
        return "consent" if index % 3 else "concern"

    results = run_together(
        *[
            lambda u=u, i=i: services.cast_stance(u, decision.pk, option=option(i), reason="Ç.")
            for i, u in enumerate(voters)
        ]
    )
    assert [r["changed"] for r in results] == [False] * len(voters)
    stances = Stance.objects.filter(round__decision=decision)
    assert sorted(stances.values_list("member_id", flat=True)) == sorted(u.pk for u in voters)
    tally = selectors.live_tally(decision)
    assert tally is not None
    expected = {"consent": 0, "concern": 0, "objection": 0}
    for i in range(len(voters)):
        expected[option(i)] += 1
    assert (tally["responded"], tally["counts"]) == (len(voters), expected)
    # Everyone changes their stance at once: still one stance each, the earlier kept.
    results = run_together(
        *[
            lambda u=u: services.cast_stance(u, decision.pk, option="objection", reason="İ.")
            for u in voters
        ]
    )
    assert all(r["changed"] for r in results)
    assert stances.count() == len(voters)
    assert set(stances.values_list("option", flat=True)) == {"objection"}
    earlier = StanceChange.objects.filter(stance__round__decision=decision)
    assert sorted(earlier.values_list("stance__member_id", "option")) == sorted(
        (u.pk, option(i)) for i, u in enumerate(voters)
    )
    tally = selectors.live_tally(decision)
    assert tally is not None and tally["counts"]["objection"] == len(voters)


def test_the_same_member_changing_from_many_tabs_keeps_every_change(live_round, member) -> None:
    """Each change keeps the stance it replaced, even when they come at once."""
    services.cast_stance(member, live_round.pk, option="consent")
    options = ["concern", "objection", "concern", "objection", "consent", "concern"]
    run_together(
        *[
            lambda o=o: services.cast_stance(member, live_round.pk, option=o, reason="R.")
            for o in options
        ]
    )
    stance = Stance.objects.get(member=member)
    kept = list(StanceChange.objects.filter(stance=stance).order_by("id"))
    assert len(kept) == len(options)
    # Serialised on the stance's row lock: the first change kept the first stance, and
    # every later one kept what the change before it stored, none lost, none twice.
    assert kept[0].option == "consent"
    assert sorted([c.option for c in kept[1:]] + [stance.option]) == sorted(options)


def test_the_same_member_casting_twice_at_once_keeps_one_stance(live_round, member) -> None:
    run_together(
        *[
            lambda o=o: services.cast_stance(member, live_round.pk, option=o)
            for o in ("consent", "concern", "consent", "concern")
        ]
    )
    assert Stance.objects.filter(member=member).count() == 1


def test_a_secret_ballot_cast_twice_at_once_counts_once(present, facilitator, member) -> None:
    decision = new_decision(facilitator, session=present, policy={"secret": True})
    services.open_round(facilitator, decision.pk)
    results = run_together(
        *[attempt(lambda: services.cast_stance(member, decision.pk, option="consent"))] * 4
    )
    assert sum(not isinstance(r, ServiceError) for r in results) == 1
    assert all(r.code == "conflict" for r in results if isinstance(r, ServiceError))
    assert Stance.objects.filter(round__decision=decision).count() == 1
    assert Participation.objects.filter(member=member).count() == 1


def test_two_opens_at_once_make_one_round(live_decision, facilitator) -> None:
    results = run_together(
        *[attempt(lambda: services.open_round(facilitator, live_decision.pk))] * 3
    )
    assert sum(not isinstance(r, ServiceError) for r in results) == 1
    assert Round.objects.filter(decision=live_decision).count() == 1


def test_records_at_once_get_consecutive_numbers(assembly, member) -> None:
    decisions = []
    for n in range(4):
        decision = new_decision(member, assembly=assembly, title=f"Karar {n}")
        services.open_round(member, decision.pk, seconds=60)
        services.close_round(member, decision.pk)
        decisions.append(decision)
    run_together(
        *[lambda d=d: services.record_decision(member, d.pk, statement="Kayıt.") for d in decisions]
    )
    assert sorted(Record.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_the_same_decision_recorded_twice_at_once(live_round, facilitator) -> None:
    services.close_round(facilitator, live_round.pk)
    results = run_together(
        *[
            attempt(lambda: services.record_decision(facilitator, live_round.pk, statement="K."))
            for _ in range(3)
        ]
    )
    assert sum(not isinstance(r, ServiceError) for r in results) == 1
    assert all(r.code == "conflict" for r in results if isinstance(r, ServiceError))
    assert Record.objects.count() == 1
