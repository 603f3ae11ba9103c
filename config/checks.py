"""Production checks: refuse unsafe settings when DEBUG is off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def production_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    errors: list[Error] = []
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        errors.append(
            Error(
                "SECRET_KEY is the development key or too short while DEBUG is off.",
                hint="Set SECRET_KEY to a long random value (at least 32 characters).",
                id="ortak.E001",
            )
        )
    if settings.ORTAK_ALLOW_EMBEDDED:
        return errors
    if str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
        errors.append(
            Error(
                "SQLite is the embedded development database; production needs PostgreSQL.",
                hint="Set DATABASE_URL=postgres://… or ORTAK_ALLOW_EMBEDDED=1 for a "
                "single-process site.",
                id="ortak.E002",
            )
        )
    if str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).endswith("InMemoryChannelLayer"):
        errors.append(
            Error(
                "The in-memory channel layer only works within one process.",
                hint="Set REDIS_URL=redis://… or ORTAK_ALLOW_EMBEDDED=1 for a single-process site.",
                id="ortak.E003",
            )
        )
    return errors
