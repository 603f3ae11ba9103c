"""Row locks: concurrent commands on one session serialise (PostgreSQL only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection

from assembly import services
from assembly.models import Hand, Session
from tests.conftest import need, uses_postgres
from tests.realtime.verify import recorded_frames

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T = TypeVar("T")


def run_together(*calls: Callable[[], T]) -> list[T]:
    """Run the calls in threads released at the same moment; re-raise any error."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def worker(index: int, call: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return [results[index] for index in range(len(calls))]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    need(uses_postgres(), "needs PostgreSQL (DATABASE_URL=postgres://…)")


def test_the_same_hand_raised_twice_at_once(live_session, member) -> None:
    with recorded_frames() as sent:
        results = run_together(*[lambda: services.raise_hand(member, live_session.pk, "speak")] * 4)
    waiting = Hand.objects.filter(session=live_session, member=member, state="waiting")
    assert waiting.count() == 1
    assert Session.objects.get(pk=live_session.pk).seq == 1
    assert sorted(results) == [1, 1, 1, 1]  # one change, three no-ops that see it
    assert [frame for _sid, frame in sent if frame["seq"] is not None] != []
    assert sorted(f["seq"] for _sid, f in sent) == [1]


def test_different_members_at_once_get_consecutive_seqs(
    live_session, facilitator, member, member2
) -> None:
    users = [facilitator, member, member2]
    with recorded_frames() as sent:
        results = run_together(
            *[lambda u=u: services.raise_hand(u, live_session.pk, "speak") for u in users]
        )
    assert sorted(results) == [1, 2, 3]
    assert Session.objects.get(pk=live_session.pk).seq == 3
    assert Hand.objects.filter(session=live_session, state="waiting").count() == 3
    seqs = sorted(f["seq"] for _sid, f in sent)
    assert seqs == [1, 2, 3]
    # The frame with the highest seq carries the whole queue.
    last = max((f for _sid, f in sent), key=lambda f: f["seq"])
    assert {e["member"] for e in last["data"]["queue"]} == {u.pk for u in users}


def test_changing_kind_concurrently_leaves_one_hand(live_session, member) -> None:
    services.raise_hand(member, live_session.pk, "speak")
    kinds = ["question", "process", "response"]
    results = run_together(
        *[lambda k=k: services.raise_hand(member, live_session.pk, k) for k in kinds]
    )
    assert sorted(results) == [2, 3, 4]
    [hand] = Hand.objects.filter(session=live_session, member=member, state="waiting")
    assert hand.kind in kinds
    assert Session.objects.get(pk=live_session.pk).seq == 4
