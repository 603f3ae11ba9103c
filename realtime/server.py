"""Ortak's server: Daphne, with two costs of a live assembly taken out.

Run it exactly like ``daphne`` (same options): ``python -m realtime.server -e
tcp:port=8000:interface=127.0.0.1:backlog=1024 config.asgi:application``.

1. **Broadcast frames are framed once and written straight to the socket.** The
   same event goes to every screen of a session. Through ASGI each copy would be
   re-encoded, re-framed by autobahn, and queued by Twisted, which registers and
   unregisters the socket with the event loop for every single write (two
   ``epoll_ctl`` calls and a loop turn per frame per socket). Here each socket's
   scope carries a :class:`Wire` (the ASGI extension ``ortak.wire``): the hub
   builds the WebSocket frame bytes once and :meth:`Wire.send` hands them to the
   kernel at once when nothing else is waiting to be written on that socket;
   otherwise (or for the rest of a partial write) it queues them behind what is
   waiting, through Twisted, so the order of bytes on the socket never changes.
   Replies and snapshots still go through ASGI as usual.
2. **Rounds close on time from the moment the process starts**, also after a
   restart with nobody connected yet: the deadline watcher (:mod:`voting.scheduler`)
   starts with the server, not with its first request.
3. **No access log unless asked for** (``--access-log FILE`` or ``-`` for standard
   output). Daphne writes two lines per socket by default; nginx in front already logs
   every request, and a join storm of thousands spent a tenth of its event loop on
   formatting and writing them.
4. **No debug text is built for a debug log that is off.** autobahn pretty-prints
   its whole configuration for a debug line on every new connection; the
   printing is made lazy, so it is done only if that line is ever written.

Without this entry point (plain ``daphne``) everything works the same, only slower:
the hub falls back to ASGI sends when a socket has no wire.
"""

from __future__ import annotations

import os
import pprint
import sys
from typing import Any, cast

import autobahn.websocket.protocol as autobahn_protocol
from daphne.cli import CommandLineInterface
from daphne.server import Server as DaphneServer

from realtime.hub import WIRE


class Wire:
    """Writes ready-made frames to one WebSocket connection of Daphne."""

    __slots__ = ("protocol",)

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol

    @classmethod
    def usable(cls, protocol: Any) -> bool:
        """Only over a plain TCP transport (Twisted's); over TLS terminated by Daphne
        itself, frames go through the protocol as usual."""
        transport = getattr(protocol, "transport", None)
        return all(
            hasattr(transport, name)
            for name in ("socket", "writeSomeData", "dataBuffer", "_tempDataBuffer", "offset")
        )

    def send(self, frame: bytes) -> bool:
        """Write one frame; False if the connection is not open (the frame is dropped).

        An unmasked frame without RSV1 is valid whatever extensions were agreed
        (RFC 7692 allows uncompressed messages), so it needs no per-socket work.
        """
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return False
        transport = protocol.transport
        if not transport.connected or transport.disconnecting:
            return False
        queued = (
            protocol.send_queue
            or transport._tempDataBuffer
            or len(transport.dataBuffer) > transport.offset
        )
        if not queued:
            written = transport.writeSomeData(frame)
            if isinstance(written, Exception) or written < 0:
                written = 0  # Twisted notices the broken connection on its next turn
            if written == len(frame):
                return True
            frame = frame[written:]
        transport.write(frame)
        return True


class Server(DaphneServer):
    #: Whether the command line asked for an access log (``--access-log``).
    access_log_asked = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not self.access_log_asked:
            kwargs["action_logger"] = None
        super().__init__(*args, **kwargs)

    def run(self) -> None:
        from twisted.internet import reactor

        # Once the event loop turns: deadlines are watched from the start, not from the
        # first request after a restart.
        cast(Any, reactor).callLater(0, _start_background_work)
        super().run()

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket" and Wire.usable(protocol):
            scope.setdefault("extensions", {})[WIRE] = Wire(protocol)
        return super().create_application(protocol, scope)


def _start_background_work() -> None:
    from django.conf import settings

    from voting import scheduler

    if settings.ORTAK_SCHEDULER:
        scheduler.ensure_started()


class _Lazy:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        return pprint.pformat(self.value)

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


def _lazy_pformat(value: Any, *args: Any, **kwargs: Any) -> Any:
    if args or kwargs:
        return pprint.pformat(value, *args, **kwargs)
    return _Lazy(value)


class CLI(CommandLineInterface):
    server_class = Server

    def run(self, args: list[str]) -> None:
        Server.access_log_asked = any(
            a == "--access-log" or a.startswith("--access-log=") for a in args
        )
        super().run(args)


def main() -> None:
    interval = os.environ.get("ORTAK_GIL_SWITCH_INTERVAL")
    if interval:
        sys.setswitchinterval(float(interval))
    setattr(autobahn_protocol, "pformat", _lazy_pformat)  # noqa: B010 (a module's global)
    CLI.entrypoint()


if __name__ == "__main__":
    main()
