"""Settings of the stock Channels comparison app: Ortak's, with the stock Redis layer.

Only the channel layer changes: ``channels_redis.core.RedisChannelLayer`` (the
layer the Channels tutorial configures), on the same Redis and with the same
prefix variable as Ortak. Two caveats (PERFORMANCE.md) are set as anyone who met
them would: redis-py's default ``socket_timeout`` (5 s) equals the layer's
``BZPOPMIN`` timeout, so idle consumers would fail every 5 s; and its default pool
of 100 connections throws under a join storm. Everything else (``capacity`` 100,
``expiry`` 60 s) stays at the layer's defaults.

Without ``REDIS_URL`` (the embedded mode) the in-memory layer stays, as in Ortak.
"""

from __future__ import annotations

from config.env import env_str
from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": 1000,
                    }
                ],
                "prefix": env_str("ORTAK_CHANNEL_PREFIX", "ortak"),
            },
        }
    }
