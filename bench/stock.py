"""Stock Channels: what a Django developer would write instead, for the same job.

The consumer follows the Channels tutorial: ``AuthMiddlewareStack`` +
``AllowedHostsOriginValidator`` + ``URLRouter`` around one
``AsyncJsonWebsocketConsumer`` per socket, ``database_sync_to_async`` for every
database call, and ``group_send`` with a ``type`` handler for every broadcast. It
reuses Ortak's models, services and selectors, so it does the same work on the
same data:

- on connect: ``group_add`` of its own channel to the session's group, the access
  check and ``assembly.selectors.session_state`` built for this socket, then the
  snapshot (``{"event": "session.state", "seq", "data"}``);
- ``stance.cast``: ``voting.services.cast_stance``, the reply, then one
  ``group_send`` per stance of a ``decision.tally_changed`` built from
  ``voting.selectors.live_tally`` (not coalesced: the tutorial pattern), which
  every consumer encodes and sends with ``send_json``;
- ``hand.raise``, ``hand.lower``, ``agenda.open``, ``round.close``,
  ``round.open``: the owning service. The services publish their sequenced events
  to the session's group themselves (``{"type": "frame", "text"}``, after
  commit); the ``frame`` handler sends them on.

Replies use Ortak's envelope: ``{"event": "reply", "seq": null, "in_response",
"ok", "data" | "error"}``. There are no rate limits and no per-field validation
beyond what the services check: it is a comparison, not a second product.

Ortak's own coalesced tally (``voting.tallies.publish_tally``) must be turned off
in a process that serves this app (:func:`without_coalesced_tallies`), or sockets
would get both. ``bench.stock_asgi`` does that and is what Daphne serves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from assembly import permissions as assembly_permissions
from assembly import selectors as assembly_selectors
from assembly import services as assembly_services
from common.errors import ServiceError
from realtime.groups import session_group
from voting import selectors as voting_selectors
from voting import services as voting_services
from voting import tallies
from voting.models import Decision

log = logging.getLogger(__name__)


def without_coalesced_tallies(setattr_: Callable[[Any, str, Any], None] = setattr) -> None:
    """Turn off Ortak's coalesced tally broadcast: this app sends one per stance.

    ``setattr_`` lets a test undo it (``monkeypatch.setattr``).
    """
    setattr_(tallies, "publish_tally", _no_tally)


def _no_tally(decision_id: int) -> None:
    return None


class StockConsumer(AsyncJsonWebsocketConsumer):
    session_id: int
    group: str

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.group = session_group(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await self.load_state()
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close()
            return
        await self.accept()
        await self.send_json({"event": "session.state", "seq": state["seq"], "data": state})

    @database_sync_to_async
    def load_state(self) -> dict[str, Any] | None:
        user = self.scope["user"]
        try:
            session = assembly_permissions.get_session_for_user(user, self.session_id)
        except ServiceError:
            return None
        return assembly_selectors.session_state(session, user)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- inbound ------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        frame_id = content.get("id") if isinstance(content, dict) else None
        kind = content.get("type") if isinstance(content, dict) else None
        data = content.get("data") if isinstance(content, dict) else None
        handler = COMMANDS.get(kind) if isinstance(kind, str) else None
        if handler is None or not isinstance(data, dict):
            await self.reply_error(frame_id, "invalid", "Unknown command.")
            return
        try:
            result = await database_sync_to_async(handler)(self, data)
        except ServiceError as exc:
            await self.reply_error(frame_id, exc.code, str(exc.message), exc.fields)
            return
        except (KeyError, TypeError, ValueError):
            await self.reply_error(frame_id, "invalid", "Some fields are not valid.")
            return
        except Exception:
            log.exception("command %s failed", kind)
            await self.reply_error(frame_id, "invalid", "Something went wrong.")
            return
        await self.send_json(
            {"event": "reply", "seq": None, "in_response": frame_id, "ok": True, "data": result}
        )
        if kind == "stance.cast":
            tally = await self.load_tally(int(result["decision"]))
            if tally is not None:
                await self.channel_layer.group_send(
                    self.group, {"type": "decision.tally_changed", "data": tally}
                )

    async def reply_error(
        self, frame_id: Any, code: str, message: str, fields: dict[str, Any] | None = None
    ) -> None:
        error = {"code": code, "message": message, "fields": fields or {}}
        await self.send_json(
            {"event": "reply", "seq": None, "in_response": frame_id, "ok": False, "error": error}
        )

    @database_sync_to_async
    def load_tally(self, decision_id: int) -> dict[str, Any] | None:
        decision = Decision.objects.get(pk=decision_id)
        return voting_selectors.live_tally(decision)

    # --- group messages -------------------------------------------------------------

    async def decision_tally_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"event": "decision.tally_changed", "seq": None, "data": event["data"]}
        )

    async def frame(self, event: dict[str, Any]) -> None:
        """A sequenced event the services published (already encoded)."""
        await self.send(text_data=event["text"])


# --- commands: each calls the owning service (runs in the database thread) ---------------


def _stance_cast(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    return voting_services.cast_stance(
        consumer.scope["user"],
        int(data["decision"]),
        option=data.get("option"),
        ranking=data.get("ranking"),
        reason=str(data.get("reason") or ""),
        session_id=consumer.session_id,
    )


def _hand_raise(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    user = consumer.scope["user"]
    return {"seq": assembly_services.raise_hand(user, consumer.session_id, str(data["kind"]))}


def _hand_lower(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    return {"seq": assembly_services.lower_hand(consumer.scope["user"], consumer.session_id)}


def _agenda_open(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    user = consumer.scope["user"]
    return {"seq": assembly_services.open_agenda_item(user, consumer.session_id, int(data["item"]))}


def _round_close(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    decision = int(data["decision"])
    round_ = voting_services.close_round(
        consumer.scope["user"],
        decision,
        fallback=bool(data.get("fallback", False)),
        session_id=consumer.session_id,
    )
    return {"decision": decision, "round": round_.number, "outcome": round_.outcome}


def _round_open(consumer: StockConsumer, data: dict[str, Any]) -> dict[str, Any]:
    decision = int(data["decision"])
    seconds = data.get("seconds")
    round_ = voting_services.open_round(
        consumer.scope["user"],
        decision,
        seconds=None if seconds is None else int(seconds),
        session_id=consumer.session_id,
    )
    return {"decision": decision, "round": round_.number}


COMMANDS: dict[str, Callable[[StockConsumer, dict[str, Any]], dict[str, Any]]] = {
    "stance.cast": _stance_cast,
    "hand.raise": _hand_raise,
    "hand.lower": _hand_lower,
    "agenda.open": _agenda_open,
    "round.close": _round_close,
    "round.open": _round_open,
}

websocket_urlpatterns = [path("ws/sessions/<int:session_id>/", StockConsumer.as_asgi())]


def websocket_application() -> Any:
    """The tutorial's stack for the ``websocket`` protocol."""
    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
