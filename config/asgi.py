"""ASGI entry point: HTTP through Django, WebSockets through the one session consumer.

The socket's user is resolved by the consumer itself, on its database threads, together
with the session and the membership (one job per join), rather than by Channels'
``AuthMiddleware`` on the single shared ORM thread.

At most ``ORTAK_HTTP_AT_ONCE`` HTTP requests of a process run at once; the others wait
on the event loop, holding nothing. Django gives each running request a thread and,
when it reads the database, a connection of its own: without the bound, a burst (every
screen of a large assembly fetching the state at once) would ask PostgreSQL for more
connections than it allows.
"""

import asyncio
import os
import weakref
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import SessionMiddlewareStack
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402
from voting.scheduler import with_deadlines  # noqa: E402


def at_most(limit: int, app: Any) -> Any:
    """Run at most ``limit`` calls of ``app`` at once per event loop; the rest wait."""
    gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
        weakref.WeakKeyDictionary()
    )

    async def bounded(scope: Any, receive: Any, send: Any) -> Any:
        loop = asyncio.get_running_loop()
        gate = gates.get(loop)
        if gate is None:
            gate = gates[loop] = asyncio.Semaphore(limit)
        async with gate:
            return await app(scope, receive, send)

    return bounded


application = with_deadlines(
    ProtocolTypeRouter(
        {
            "http": at_most(settings.ORTAK_HTTP_AT_ONCE, django_asgi_app),
            "websocket": AllowedHostsOriginValidator(
                SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
