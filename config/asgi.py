"""ASGI entry point: HTTP through Django, WebSockets through the one session consumer.

The socket's user is resolved by the consumer itself, on its database threads, together
with the session and the membership (one job per join), rather than by Channels'
``AuthMiddleware`` on the single shared ORM thread.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import SessionMiddlewareStack
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from realtime.routing import websocket_urlpatterns  # noqa: E402
from voting.scheduler import with_deadlines  # noqa: E402

application = with_deadlines(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(
                SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
