"""The one WebSocket consumer: authenticate, snapshot, relay commands.

It holds no rules. Commands are validated by :mod:`realtime.protocol` and run by
the owning app's services on a database thread (:mod:`realtime.dbpool`); frames
for the session reach the socket through this process's :mod:`realtime.hub`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.translation import gettext as _

from assembly import permissions, selectors
from common.errors import RateLimited, ServiceError, Unavailable
from realtime import auth, dbpool, hub, protocol
from realtime.ratelimit import TokenBucket, member_windows

log = logging.getLogger(__name__)

#: The close code of a socket the server cannot serve for now (its database is away):
#: "try again later" in the private range, since WebSocket servers may not send 1013.
TRY_LATER = 4503


def _shared_state(session_id: int) -> dict[str, Any] | None:
    session = selectors.session_by_id(session_id)
    return None if session is None else selectors.shared_state(session)


def _with_you(shared_text: str, seq: int, you: dict[str, Any]) -> str:
    """The ``session.state`` frame: the shared state's text with the reader's ``you``
    spliced in, so that the shared part is encoded once for every socket."""
    you_text = protocol.encode(you)
    return f'{{"event":"session.state","seq":{seq},"data":{shared_text[:-1]},"you":{you_text}}}}}'


def _admit_together(sockets: list[SessionConsumer]) -> list[Any]:
    """On a database thread: who each of ``sockets`` (joining together) is, and whether
    they may see their session. The usual case, a logged-in database session, takes two
    statements for all of them (:func:`auth.claims_many`, :func:`selectors.readers`);
    any other configuration takes Django's own path, one socket at a time."""
    cookie = settings.SESSION_COOKIE_NAME
    fast = auth.fast_path()
    # The sockets that may take the short way, with their session keys.
    keys = {
        s: s.scope.get("cookies", {}).get(cookie) for s in sockets if fast and "user" not in s.scope
    }
    claimed = auth.claims_many(keys.values())
    claims = {s: claimed.get(key or "") for s, key in keys.items()}
    wanted: dict[int, set[int]] = {}
    for s, c in claims.items():
        wanted.setdefault(s.session_id, set()).update([c.user_id] if c else [])
    found = {session_id: selectors.readers(session_id, ids) for session_id, ids in wanted.items()}
    outcomes: list[Any] = []
    for s in sockets:
        try:
            if s in claims:
                outcomes.append(s._admit(found[s.session_id], claims[s]))
            else:
                outcomes.append(s._access())
        except dbpool.TRANSIENT:
            raise  # all of them are tried again (see dbpool)
        except Exception as exc:  # this socket's answer; the others go on
            outcomes.append(exc)
    return outcomes


class SessionConsumer(AsyncWebsocketConsumer):
    """One socket of a live session.

    It has no channel-layer channel of its own (the alias names no layer): the hub
    subscribes once per session and process, and writes each frame to the sockets.
    """

    channel_layer_alias = "ortak.hub-only"
    session_id: int
    language: str = settings.LANGUAGE_CODE
    room: hub.Room | None = None
    role: str | None = None
    ready = False
    #: Set when the hub asked for a resync while the socket was still joining.
    stale = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first hops to its one shared ORM thread to close old
        connections, for every message: a queue all sockets of the process wait in. No
        handler here touches the database on the event loop (that work runs on the pool,
        whose threads look after their own connections), so the hop is left out."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        # Joins go through a few at a time, in the order they came: in a storm the first
        # to arrive are the first served, instead of every join advancing a little and
        # all of them missing the handshake's time limit together.
        async with hub.current().admission:
            await self._connect()

    async def _connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.bucket = TokenBucket.full(
            settings.ORTAK_WS_RATE_PER_SECOND, settings.ORTAK_WS_RATE_BURST, time.monotonic()
        )
        self.pending: list[hub.Frame] = []
        self.wire = self.scope.get("extensions", {}).get(hub.WIRE)
        the_hub = hub.current()
        # Register first, then read the state: a frame that arrives in between waits in
        # ``pending`` and follows the snapshot (the client skips what it already has).
        self.room = await the_hub.join(self.session_id, self)
        try:
            outcome = await hub.current().together("join", _admit_together).add(self)
            if isinstance(outcome, BaseException):
                raise outcome
            allowed, self.role = outcome
            if not allowed:
                raise LookupError("no access")
            snap = await self._snapshot()
        except LookupError:
            await self._leave()
            await self.close()  # before accept: the handshake is refused with 403
            return
        except Unavailable:
            # The database is away for now: the handshake completes and the socket
            # closes with TRY_LATER, and the live page tries again, as after any close.
            await self._leave()
            await self.accept()
            await self.close(code=TRY_LATER)
            return
        await self.accept()
        await self._send_state(snap)
        if self.stale:
            await self.resync()

    async def _snapshot(self) -> hub.Snapshot:
        room = self.room
        if room is None:
            raise LookupError("the socket has left")
        session_id = self.session_id
        return await hub.current().snapshot(room, lambda: _shared_state(session_id))

    async def _send_state(self, snap: hub.Snapshot) -> None:
        """Send ``session.state``, then the frames that came while it was being read."""
        you = permissions.you(snap.state, self._user_id(), self.role)
        await self.send(text_data=_with_you(snap.text, snap.state["seq"], you))
        self.ready = True
        self.stale = False
        pending, self.pending = self.pending, []
        for frame in pending:
            await self.write_frame(frame)

    async def resync(self) -> None:
        """Called by the hub when frames may have been lost: the whole state again."""
        if self.room is None:
            return
        if not self.ready:
            self.stale = True  # still joining: once its snapshot is sent
            return
        self.ready = False
        try:
            snap = await self._snapshot()
        except LookupError:  # the session is gone
            await self.close()
            return
        except Unavailable:
            await self.close(code=TRY_LATER)
            return
        await self._send_state(snap)

    def _admit(
        self,
        found: tuple[str, dict[int, tuple[str | None, Any]]] | None,
        claims: auth.Claims | None,
    ) -> tuple[bool, str | None]:
        """Whether this socket may see its session, and its role in the session's assembly
        (None: not a member), from what :func:`_admit_together` read for it."""
        if found is None:
            return False, None  # no such session
        visibility, accounts = found
        user: Any = AnonymousUser()
        role = None
        if claims is not None and claims.user_id in accounts:
            role, account = accounts[claims.user_id]
            if auth.verify(account, claims):
                user = account
            else:
                role = None
        return self._as(user, visibility, role)

    def _access(self) -> tuple[bool, str | None]:
        """On a database thread, Django's own way (any session or auth configuration, or a
        scope that already has its user): who this is, and as :meth:`_admit` answers."""
        user = self.scope.get("user") or auth.generic_user(self.scope)
        session = selectors.session_by_id(self.session_id)
        if session is None:
            return False, None
        role = permissions.membership_role(user, session.assembly_id)
        return self._as(user, session.visibility, role)

    def _as(self, user: Any, visibility: str, role: str | None) -> tuple[bool, str | None]:
        self.scope["user"] = user
        self.language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        return permissions.may_view_session(visibility, role), role

    def _user_id(self) -> int | None:
        user = self.scope.get("user")
        return int(user.pk) if getattr(user, "is_authenticated", False) else None

    async def write_frame(self, frame: hub.Frame | hub.Burst) -> None:
        """Called by the hub with a frame (or several, in order) for this socket's session."""
        if not self.ready:
            self.pending.extend(frame.frames)
        elif self.wire is not None:
            self.wire.send(frame.wire)
        else:
            for one in frame.frames:
                await self.base_send(one.message)

    async def _leave(self) -> None:
        room, self.room = self.room, None
        self.ready = False
        if room is not None:
            await hub.current().leave(room.session_id, self)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        frame_id: str | None = None
        # Every frame costs a token, a bad one too: a flood of garbage is a flood.
        limited = not self.bucket.take(time.monotonic())
        try:
            inbound = protocol.parse_frame(text_data, settings.ORTAK_WS_MAX_FRAME)
            frame_id = inbound.id
            if limited:
                raise self._rate_limited()
            command = protocol.REGISTRY[inbound.type]
            data = protocol.validate(command, inbound.data)
        except protocol.InvalidFor as exc:
            await self._error(exc.inbound.id, self._rate_limited() if limited else exc)
            return
        except ServiceError as exc:
            await self._error(frame_id, self._rate_limited() if limited else exc)
            return
        member = self._user_id()
        if member is not None and not member_windows.allows(
            member, settings.ORTAK_WS_MEMBER_RATE_PER_SECOND, time.monotonic()
        ):
            await self._error(frame_id, self._rate_limited())
            return
        ctx = protocol.CommandContext(
            user=self.scope.get("user"), session_id=self.session_id, language=self.language
        )
        if command.batch is not None:
            outcome = await hub.current().batcher(command).submit(ctx, data)
        else:
            try:
                outcome = await dbpool.run(self._run, command, ctx, data)
            except Unavailable as exc:
                outcome = exc
        await self.send(text_data=self._reply(command, inbound.id, outcome))

    def _run(
        self, command: protocol.Command, ctx: protocol.CommandContext, data: dict[str, Any]
    ) -> Any:
        """Run one command on a database thread: its result, or the error it raised."""
        with translation.override(self.language):
            try:
                return command.handler(ctx, data)
            except dbpool.TRANSIENT:
                raise  # tried again by the pool
            except Exception as exc:  # a ServiceError is the answer; others are logged
                return exc

    def _reply(self, command: protocol.Command, frame_id: str, outcome: Any) -> str:
        """Every outcome of a command becomes one reply."""
        if isinstance(outcome, ServiceError):
            return protocol.reply_error(
                frame_id, outcome.code, str(outcome.message), outcome.fields
            )
        if isinstance(outcome, BaseException):
            log.error("command %s failed", command.type, exc_info=outcome)
            return protocol.reply_error(
                frame_id, "invalid", _("Something went wrong. Nothing was changed.")
            )
        return protocol.reply_ok(frame_id, outcome)

    @staticmethod
    def _rate_limited() -> RateLimited:
        return RateLimited(_("Too many messages. Please wait a moment."))

    async def _error(self, frame_id: str | None, exc: ServiceError) -> None:
        await self.send(
            text_data=protocol.reply_error(frame_id, exc.code, str(exc.message), exc.fields)
        )
