"""This process's live sessions: local sockets, one subscription each, shared snapshots.

A frame for a session is published once on the channel layer (one Redis PUBLISH).
Each server process subscribes **once per session** it has sockets for, not once
per socket, and writes the one encoded frame to each of its local sockets in a
plain loop: no per-socket queue, task wake-up or channel-layer message.

The hub also keeps the shared part of each session's snapshot (the state minus
the reader's own ``you``), so that a thousand members joining at once cost one
build, not a thousand. It stays correct by ordering, not by timers alone:

* a socket registers with its room *before* it reads a snapshot; frames that
  arrive before it has sent the snapshot wait in its own small buffer and follow it;
* every frame for a session bumps the room's generation, and a snapshot is
  shared only with sockets that registered in the generation it was built in.
  So a socket never receives a snapshot older than a frame it missed;
* a snapshot is also rebuilt after ``ORTAK_SNAPSHOT_MAX_AGE`` seconds, for
  changes that send no frame at all.

Snapshots are kept only while the process is subscribed to the session, because
only then do its frames arrive to invalidate them.

The link to the other processes can break (Redis restarts). The hub notices, by a
small numbered beat it sends itself through the layer every
``ORTAK_HUB_BEAT_SECONDS`` (a publish that fails, or a beat that comes back after a
missing number), and by its own publishes failing. Beats that are only late (a
busy process) are not a loss: nobody is sent anything again for them.
While the link is down, a frame published here is also written to this process's
own sockets directly (a client skips a ``seq`` it already has). Once beats come
back, the hub subscribes again to what it could not, and sends every socket a
fresh ``session.state``, since frames of other processes may have been lost
meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.conf import settings

from realtime import dbpool
from realtime.batch import Batcher, Together, run_batch
from realtime.groups import session_group
from realtime.protocol import Command, encode

log = logging.getLogger(__name__)


#: The ASGI scope extension under which :mod:`realtime.server` gives a socket its wire.
WIRE = "ortak.wire"


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends."""
    payload = text.encode("utf-8")
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class Frame:
    """One frame for every socket of a session: the ASGI message, and the bytes on the
    wire, built at most once whatever the number of sockets."""

    __slots__ = ("_wire", "message", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.message = {"type": "websocket.send", "text": text}
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = text_frame(self.text)
        return self._wire

    @property
    def frames(self) -> tuple[Frame, ...]:
        return (self,)


class Burst:
    """Frames of one session that arrived together, in order: one write on the wire for
    each socket instead of one per frame (a socket write is most of a broadcast's cost)."""

    __slots__ = ("frames", "wire")

    def __init__(self, frames: list[Frame]) -> None:
        self.frames = tuple(frames)
        self.wire = b"".join(frame.wire for frame in frames)


class Listener(Protocol):
    """A local socket: the hub writes frames to it."""

    async def write_frame(self, frame: Frame | Burst) -> None: ...

    async def resync(self) -> None:
        """Send the socket the whole state again (frames may have been lost)."""


@dataclass
class Snapshot:
    generation: int
    built_at: float
    state: dict[str, Any]
    text: str  # the encoded state, shared by every socket


@dataclass
class Room:
    """One session as seen by this process."""

    session_id: int
    listeners: dict[Listener, None] = field(default_factory=dict)  # insertion-ordered set
    subscribed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    generation: int = 0
    snapshot: Snapshot | None = None
    building: tuple[int, asyncio.Future[Snapshot]] | None = None  # (generation, task)
    outbox: list[Frame] = field(default_factory=list)  # arrived, not yet written
    flushing: bool = False


class Hub:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.rooms: dict[int, Room] = {}
        self.channel: str | None = None
        self._reader: asyncio.Task[None] | None = None
        self._start = asyncio.Lock()
        #: Joins in progress at once in this process (see ``SessionConsumer.connect``).
        self.admission = asyncio.Semaphore(int(settings.ORTAK_JOINS_AT_ONCE))
        self.batchers: dict[str, Batcher] = {}
        self.queues: dict[str, Together[Any]] = {}
        #: Whether frames published through the layer are known to come back.
        self.linked = True
        #: A publish failed since the last beat came back: frames were surely lost.
        self._frames_lost = False
        self._beats_sent = 0
        self._beat_back = 0
        self._beat_back_at = time.monotonic()
        self._keeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    def batcher(self, command: Command) -> Batcher:
        """This process's queue for a command with a batch form (see :mod:`realtime.batch`)."""
        found = self.batchers.get(command.type)
        if found is None or found.command is not command:
            found = self.batchers[command.type] = Batcher(command, run_batch)
        return found

    def together(self, name: str, run: Callable[[list[Any]], list[Any]]) -> Together[Any]:
        """This process's queue ``name`` of calls that run together (:mod:`realtime.batch`)."""
        found = self.queues.get(name)
        if found is None or found.run is not run:
            found = self.queues[name] = Together(run)
        return found

    # --- Membership of sockets ---------------------------------------------------------

    async def join(self, session_id: int, listener: Listener) -> Room:
        """Register ``listener`` for the session's frames; returns once they flow."""
        room = self.rooms.get(session_id)
        if room is None:
            room = self.rooms[session_id] = Room(session_id)
        room.listeners[listener] = None
        self._ensure_keeper()
        if not room.subscribed:
            try:
                await self._subscribe(room)
            except Exception:  # the layer is away: local frames still flow, see _keep_link
                log.warning("could not subscribe to session %s for now", session_id)
                self._lost()
        return room

    async def _subscribe(self, room: Room) -> None:
        async with room.lock:
            if not room.subscribed:
                channel = await self._ensure_reader()
                await self.layer.group_add(session_group(room.session_id), channel)
                room.subscribed = True
                room.generation += 1

    async def leave(self, session_id: int, listener: Listener) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        room.listeners.pop(listener, None)
        if room.listeners:
            return
        async with room.lock:
            if room.listeners or not room.subscribed:
                return
            room.subscribed = False
            room.generation += 1
            room.snapshot = None
            try:
                await self.layer.group_discard(session_group(session_id), self.channel)
            except Exception:
                log.exception("could not leave session %s", session_id)
            if not room.listeners and self.rooms.get(session_id) is room:
                del self.rooms[session_id]

    async def _ensure_reader(self) -> str:
        async with self._start:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
            if self._reader is None or self._reader.done():
                self._reader = asyncio.ensure_future(self._read(self.channel))
            return self.channel

    # --- Frames --------------------------------------------------------------------------

    async def _read(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
                if message.get("type") == BEAT:
                    self._beat(int(message["n"]))
                    continue
                await self.deliver(int(message["session"]), message["text"])
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad message must not stop the session's frames
                log.exception("could not deliver a frame")

    async def deliver(self, session_id: int, text: str) -> None:
        """Write one encoded frame to every local socket of the session.

        It is written on the loop's next turn, together with the session's other frames
        that arrived meanwhile: a storm of frames costs one write per socket per turn,
        not one per frame. The snapshot is invalidated at once (see ``snapshot``)."""
        room = self.rooms.get(session_id)
        if room is None:
            return
        room.generation += 1
        room.snapshot = None
        room.outbox.append(Frame(text))
        if not room.flushing:
            room.flushing = True
            self._background(self._flush(room))

    async def _flush(self, room: Room) -> None:
        """Write the room's waiting frames, in order, until none are left."""
        try:
            while room.outbox:
                frames, room.outbox = room.outbox, []
                out: Frame | Burst = frames[0] if len(frames) == 1 else Burst(frames)
                for listener in list(room.listeners):
                    try:
                        await listener.write_frame(out)
                    except Exception:  # a socket that just went away
                        log.debug("could not write to a socket", exc_info=True)
        finally:
            room.flushing = False

    def deliver_here(self, session_id: int, text: str) -> None:
        """A frame this process could not publish: its own sockets get it all the same,
        and the others get a fresh state once the link is back."""
        self._lost()
        self.deliver_soon(session_id, text)

    def deliver_soon(self, session_id: int, text: str) -> None:
        """A frame published while the link is down: written here too, in case the layer
        does not bring it back (subscriptions are restored a moment after Redis is)."""
        self._background(self.deliver(session_id, text))

    # --- The link to the other processes ---------------------------------------------------

    def _ensure_keeper(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.ensure_future(self._keep_link())

    async def _keep_link(self) -> None:
        """Every beat: subscribe what could not be, and send the next numbered beat."""
        every = float(settings.ORTAK_HUB_BEAT_SECONDS)
        while True:
            await asyncio.sleep(every)
            if not self.rooms:
                continue
            try:
                for room in list(self.rooms.values()):
                    if not room.subscribed and room.listeners:
                        await self._subscribe(room)
                channel = await self._ensure_reader()
                self._beats_sent += 1
                await self.layer.send(channel, {"type": BEAT, "n": self._beats_sent})
            except asyncio.CancelledError:
                raise
            except Exception:
                self._lost()
                continue
            if time.monotonic() - self._beat_back_at > 2.5 * every:
                # Late beats may only mean a busy process: write our own frames here too
                # meanwhile, but send everyone the state again only if one never comes.
                self._lost(certain=False)

    def _beat(self, number: int) -> None:
        """One of our own beats came back through the layer."""
        missed = number != self._beat_back + 1
        self._beat_back = max(self._beat_back, number)
        self._beat_back_at = time.monotonic()
        if missed or self._frames_lost:
            self.linked = True
            self._frames_lost = False
            log.warning("the channel layer is back: sending every socket a fresh state")
            self._background(self.resync_all())
        elif not self.linked:
            self.linked = True  # it was slow, not gone: nothing was lost

    def _background(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lost(self, *, certain: bool = True) -> None:
        """The link is down (``certain``: a publish failed), or may be (beats are late)."""
        if certain and not self._frames_lost:
            log.warning("lost the channel layer: frames of other processes may be missed")
            self._frames_lost = True
        self.linked = False

    async def resync_all(self) -> None:
        """Send every local socket the session's state again."""
        jobs: list[Coroutine[Any, Any, None]] = []
        for room in list(self.rooms.values()):
            room.generation += 1
            room.snapshot = None
            jobs.extend(listener.resync() for listener in list(room.listeners))
        for outcome in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.warning("could not resync a socket", exc_info=outcome)

    # --- Shared snapshots ----------------------------------------------------------------

    async def snapshot(self, room: Room, build: Callable[[], dict[str, Any] | None]) -> Snapshot:
        """The shared state for a socket that registered with ``room`` in its current
        generation: reused, awaited while another socket builds it, or built now."""
        generation = room.generation
        cached = room.snapshot
        max_age = float(settings.ORTAK_SNAPSHOT_MAX_AGE)
        if (
            cached is not None
            and cached.generation == generation
            and time.monotonic() - cached.built_at < max_age
        ):
            return cached
        if room.building is None or room.building[0] != generation:
            task = asyncio.ensure_future(self._build(room, generation, build))
            room.building = (generation, task)
        # Shielded: a socket that goes away while waiting must not cancel the build
        # that the other sockets wait for.
        return await asyncio.shield(room.building[1])

    async def _build(
        self, room: Room, generation: int, build: Callable[[], dict[str, Any] | None]
    ) -> Snapshot:
        try:
            built_at = time.monotonic()
            state = await dbpool.run(build)
            if state is None:
                raise LookupError(f"session {room.session_id} is gone")
            snap = Snapshot(generation, built_at, state, encode(state))
            if room.generation == generation and room.subscribed:
                room.snapshot = snap
            return snap
        finally:
            if room.building is not None and room.building[0] == generation:
                room.building = None


#: The message type of a hub's beat to itself.
BEAT = "hub.beat"

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def of_loop(loop: asyncio.AbstractEventLoop) -> Hub | None:
    """The hub of ``loop``, if it has one (callable from any thread)."""
    return _hubs.get(loop)


def current() -> Hub:
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = Hub(layer)
    return hub
