"""The one WebSocket consumer: authenticate, snapshot, relay commands, fan out frames.

It holds no rules. Commands are validated by :mod:`realtime.protocol` and run
by the owning app's services; frames from the group are written as they are.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from assembly import permissions, selectors
from realtime import protocol
from realtime.errors import RateLimited, ServiceError
from realtime.groups import session_group
from realtime.ratelimit import TokenBucket, member_allows

log = logging.getLogger(__name__)


class SessionConsumer(AsyncWebsocketConsumer):
    session_id: int
    group: str
    language: str

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Broadcast frames touch no ORM: skip Channels' per-message thread hop.
        if message["type"] == "frame":
            await self.send(text_data=message["text"])
            return
        await super().dispatch(message)

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.group = session_group(self.session_id)
        user = self.scope.get("user")
        self.language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        self.bucket = TokenBucket.full(
            settings.ORTAK_WS_RATE_PER_SECOND, settings.ORTAK_WS_RATE_BURST, time.monotonic()
        )
        # Join first, then read the state: an event committed in between arrives
        # after the snapshot with a seq the client already has, and is skipped.
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await database_sync_to_async(self._snapshot)(user)
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close()  # before accept: the handshake is refused with 403
            return
        await self.accept()
        await self.send(text_data=protocol.frame("session.state", state["seq"], state))

    def _snapshot(self, user: Any) -> dict[str, Any] | None:
        try:
            session = permissions.get_session_for_user(user, self.session_id)
        except ServiceError:
            return None
        return selectors.session_state(session, user)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

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
        reply = await database_sync_to_async(self._run)(command, inbound.id, data)
        await self.send(text_data=reply)

    def _run(self, command: protocol.Command, frame_id: str, data: dict[str, Any]) -> str:
        """Run one command in the worker thread; every outcome becomes one reply."""
        user = self.scope.get("user")
        ctx = protocol.CommandContext(user=user, session_id=self.session_id)
        with translation.override(self.language):
            if getattr(user, "is_authenticated", False) and not member_allows(
                user.pk, settings.ORTAK_WS_MEMBER_RATE_PER_SECOND, time.time()
            ):
                exc = self._rate_limited()
                return protocol.reply_error(frame_id, exc.code, str(exc.message))
            try:
                result = command.handler(ctx, data)
            except ServiceError as exc:
                return protocol.reply_error(frame_id, exc.code, str(exc.message), exc.fields)
            except Exception:
                log.exception("command %s failed", command.type)
                return protocol.reply_error(
                    frame_id, "invalid", _("Something went wrong. Nothing was changed.")
                )
            return protocol.reply_ok(frame_id, result)

    @staticmethod
    def _rate_limited() -> RateLimited:
        return RateLimited(_("Too many messages. Please wait a moment."))

    async def _error(self, frame_id: str | None, exc: ServiceError) -> None:
        await self.send(
            text_data=protocol.reply_error(frame_id, exc.code, str(exc.message), exc.fields)
        )
