"""ASGI entry point of the stock Channels comparison app (``bench.stock``).

As the Channels tutorial's ``asgi.py``: HTTP through Django (so Ortak's REST API,
e.g. comments, works as in Ortak), WebSockets through the stock stack. Served by
plain Daphne: ``daphne bench.stock_asgi:application`` with
``DJANGO_SETTINGS_MODULE=bench.stock_settings``.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.stock_settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from bench import stock  # noqa: E402

stock.without_coalesced_tallies()

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": stock.websocket_application()}
)
