"""The process's hub: one subscription per session, a shared snapshot, nothing missed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assembly import selectors, services
from assembly.models import Membership, Role
from realtime import hub, protocol, publish
from tests.conftest import make_user
from tests.realtime.conftest import login_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds of a session's shared state."""
    calls: list[int] = []
    real = selectors.shared_state

    def counting(session: Any) -> dict[str, Any]:
        calls.append(session.pk)
        return real(session)

    monkeypatch.setattr(selectors, "shared_state", counting)
    return calls


@sync_to_async
def members(assembly: Any, count: int) -> list[Any]:
    people = []
    for n in range(count):
        user = make_user(f"uye{n}", f"Üye {n}")
        Membership.objects.create(assembly=assembly, user=user, role=Role.MEMBER)
        people.append(user)
    return people


async def test_joins_share_one_snapshot_build(
    sockets, live_session, assembly, member, builds
) -> None:
    people = await members(assembly, 6)
    # Logged in first: on SQLite a login written while another join reads the sessions
    # table would find it locked (shared-cache memory database of the tests).
    cookies = [await sync_to_async(login_cookie)(p) for p in [member, *people]]
    opened = await asyncio.gather(
        *(
            sockets(live_session, p, cookie=c)
            for p, c in zip([member, *people], cookies, strict=True)
        )
    )
    assert all(accepted for accepted, _ in opened)
    assert builds == [live_session.pk]
    # Each socket still gets its own ``you``.
    for (_, socket), person in zip(opened, [member, *people], strict=True):
        assert socket.state["data"]["you"]["member"] == person.pk
        assert socket.state["data"]["you"]["participant"] is True


async def test_one_subscription_per_session_and_process(
    sockets, live_session, member, member2, facilitator
) -> None:
    for person in (member, member2, facilitator):
        await sockets(live_session, person)
    room = hub.current().rooms[live_session.pk]
    assert room.subscribed and len(room.listeners) == 3
    assert subscribers(hub.current().layer, f"session.{live_session.pk}") == [hub.current().channel]


def subscribers(layer: Any, group: str) -> list[str]:
    """The channels of this process subscribed to ``group``, in the in-memory layer or the
    Redis pub/sub layer (whose per-loop layer keeps them under a prefixed name)."""
    if hasattr(layer, "_get_layer"):
        inner = layer._get_layer()
        return sorted(inner.groups.get(inner._get_group_channel_name(group), ()))
    return sorted(layer.groups.get(group, {}))


async def test_the_last_socket_to_leave_ends_the_subscription(
    sockets, live_session, member
) -> None:
    _, socket = await sockets(live_session, member)
    assert live_session.pk in hub.current().rooms
    await socket.communicator.disconnect()
    assert live_session.pk not in hub.current().rooms


async def test_a_frame_invalidates_the_shared_snapshot(
    sockets, live_session, member, member2, builds
) -> None:
    _, first = await sockets(live_session, member)
    await sync_to_async(services.raise_hand)(member, live_session.pk, "speak")
    await first.event("queue.changed", 1)
    _, second = await sockets(live_session, member2)
    assert second.state["seq"] == 1
    assert [e["member"] for e in second.state["data"]["queue"]["queue"]] == [member.pk]
    assert builds == [live_session.pk, live_session.pk]


async def test_a_frame_during_the_join_follows_the_snapshot(
    sockets, live_session, member, member2, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frame that arrives after the socket registered but before its snapshot is sent
    waits, and is written right after the snapshot: nothing is lost, nothing reordered."""
    _, watcher = await sockets(live_session, member)
    text = protocol.frame("queue.changed", 41, {"queue": [], "speaker": None})
    real = hub.Hub.snapshot

    async def slow_snapshot(self: hub.Hub, room: hub.Room, build: Any) -> hub.Snapshot:
        snap = await real(self, room, build)
        await self.deliver(room.session_id, text)  # arrives while the join is unfinished
        return snap

    monkeypatch.setattr(hub.Hub, "snapshot", slow_snapshot)
    _, joiner = await sockets(live_session, member2)
    frame = await joiner.event("queue.changed", 41)
    assert frame["seq"] == 41
    assert (await watcher.event("queue.changed", 41))["seq"] == 41


async def test_a_published_frame_reaches_every_local_socket_once(
    sockets, live_session, member, member2, facilitator
) -> None:
    opened = [(await sockets(live_session, p))[1] for p in (member, member2, facilitator)]
    text = protocol.frame("queue.changed", 7, {"queue": [], "speaker": None})
    await sync_to_async(publish.send_frame)(live_session.pk, text)
    for socket in opened:
        assert (await socket.event("queue.changed", 7))["seq"] == 7
        assert await socket.communicator.receive_nothing(timeout=0.2)


async def test_a_join_with_a_shared_snapshot_costs_the_same_queries_at_any_size(
    sockets, live_session, assembly, member, member2
) -> None:
    """After the first join, a join asks the database who the person is and whether they
    may see the session: a fixed number of queries, whatever the assembly's size."""

    async def join_queries(person: Any) -> int:
        # The sockets' work runs on the pool's threads: count on every connection.
        from realtime import dbpool

        counts: list[int] = []

        def capture() -> CaptureQueriesContext:
            ctx = CaptureQueriesContext(connection)
            ctx.__enter__()
            return ctx

        # One pool thread makes the counting simple and exact.
        monkey = pytest.MonkeyPatch()
        monkey.setattr(dbpool, "_executor", None)
        monkey.setattr(dbpool, "_size", dbpool._size)
        monkey.setattr(dbpool, "size", lambda: 1)
        try:
            ctx = await dbpool.run(capture)
            await sockets(live_session, person)
            await dbpool.run(ctx.__exit__, None, None, None)
            counts.append(len(ctx.captured_queries))
        finally:
            dbpool.close_connections()
            monkey.undo()
        return counts[0]

    await sockets(live_session, member)  # builds and keeps the shared snapshot
    small = await join_queries(member2)
    people = await members(assembly, 30)
    await sync_to_async(lambda: [services.check_in(p, live_session.pk) for p in people])()
    await sockets(live_session, people[0])  # the check-ins changed the state: rebuild
    large = await join_queries(people[1])
    assert small == large
    assert small <= 3


async def test_commands_run_on_the_database_threads(settings) -> None:
    import threading

    from realtime import dbpool

    name = await dbpool.run(lambda: threading.current_thread().name)
    assert name.startswith("ortak-db")
    expected = 1 if connection.vendor == "sqlite" else settings.ORTAK_DB_THREADS
    assert dbpool.size() == expected


# --- The link to the other processes ------------------------------------------------------


async def test_a_missing_beat_sends_every_socket_a_fresh_state(
    sockets, live_session, member, member2
) -> None:
    opened = [(await sockets(live_session, p))[1] for p in (member, member2)]
    the_hub = hub.current()
    # A change whose frame never arrived (lost while the link was down) ...
    await sync_to_async(services.raise_hand)(member, live_session.pk, "speak")
    for socket in opened:
        await socket.event("queue.changed", 1)
    the_hub._beat(the_hub._beat_back + 2)  # ... and a beat after a missing one
    for socket, person in zip(opened, (member, member2), strict=True):
        state = await socket.event("session.state")
        assert state["seq"] == 1
        assert state["data"]["you"]["member"] == person.pk  # each its own again
    assert the_hub.linked


async def test_beats_in_order_send_nothing(sockets, live_session, member) -> None:
    _, socket = await sockets(live_session, member)
    the_hub = hub.current()
    the_hub._beat(the_hub._beat_back + 1)
    the_hub._beat(the_hub._beat_back + 1)
    assert await socket.communicator.receive_nothing(timeout=0.3)


async def test_a_beat_after_a_failed_publish_resyncs(
    sockets, live_session, member, member2, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the layer refuses to publish, this process's own sockets still get the frame;
    the next beat that comes back sends everyone the whole state."""
    opened = [(await sockets(live_session, p))[1] for p in (member, member2)]
    the_hub = hub.current()

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(the_hub.layer, "group_send", refuse)
    await sync_to_async(services.raise_hand)(member2, live_session.pk, "question")
    for socket in opened:
        frame = await socket.event("queue.changed", 1)
        assert [e["member"] for e in frame["data"]["queue"]] == [member2.pk]
    assert the_hub.linked is False
    monkeypatch.undo()
    the_hub._beat(the_hub._beat_back + 1)  # back, in order: still a resync, since we lost it
    for socket in opened:
        assert (await socket.event("session.state"))["seq"] == 1


async def test_a_resync_during_a_join_follows_its_snapshot(
    sockets, live_session, member, member2, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, watcher = await sockets(live_session, member)
    real = hub.Hub.snapshot
    resynced: list[bool] = []

    async def resync_meanwhile(self: hub.Hub, room: hub.Room, build: Any) -> hub.Snapshot:
        snap = await real(self, room, build)
        if not resynced:
            resynced.append(True)
            self._beat(self._beat_back + 5)  # the link came back while this join read
        return snap

    monkeypatch.setattr(hub.Hub, "snapshot", resync_meanwhile)
    _, joiner = await sockets(live_session, member2)
    assert (await joiner.event("session.state"))["seq"] == 0  # the join's, then the resync's
    assert (await watcher.event("session.state"))["seq"] == 0


async def test_late_beats_in_order_send_nothing_again(sockets, live_session, member) -> None:
    """A busy process's beats come back late: that is not a loss, and a thousand
    sockets must not all be sent the whole state for it."""
    _, socket = await sockets(live_session, member)
    the_hub = hub.current()
    the_hub._lost(certain=False)
    assert the_hub.linked is False  # meanwhile its own frames are written here too
    the_hub._beat(the_hub._beat_back + 1)
    assert the_hub.linked is True
    assert await socket.communicator.receive_nothing(timeout=0.3)


class _Recorder:
    """A socket that records what the hub writes to it."""

    def __init__(self) -> None:
        self.writes: list[Any] = []

    async def write_frame(self, frame: Any) -> None:
        self.writes.append(frame)

    async def resync(self) -> None:  # pragma: no cover - not called here
        raise AssertionError("no resync expected")


async def test_frames_that_arrive_together_are_one_write_per_socket(live_session) -> None:
    the_hub = hub.current()
    recorder = _Recorder()
    room = await the_hub.join(live_session.pk, recorder)
    texts = [protocol.frame("queue.changed", n, {"queue": [], "speaker": None}) for n in (1, 2, 3)]
    for text in texts:  # as the reader does with frames already waiting in its queue
        await the_hub.deliver(live_session.pk, text)
    assert recorder.writes == []  # written on the loop's next turn, all together
    await asyncio.sleep(0.05)
    assert len(recorder.writes) == 1
    burst = recorder.writes[0]
    assert [f.text for f in burst.frames] == texts
    assert burst.wire == b"".join(hub.text_frame(t) for t in texts)
    # A frame on its own is written on its own.
    await the_hub.deliver(live_session.pk, texts[0])
    await asyncio.sleep(0.05)
    assert recorder.writes[1].frames == (recorder.writes[1],)
    await the_hub.leave(room.session_id, recorder)
