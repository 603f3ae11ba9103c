"""Typed readers for environment variables.

Every setting that comes from the environment goes through one of these
helpers, so a malformed value stops the process with a clear message
instead of being silently misread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class DatabaseURL:
    engine: str
    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict[str, str]

    @property
    def is_sqlite(self) -> bool:
        return self.engine == "django.db.backends.sqlite3"

    def as_django(self) -> dict[str, object]:
        """Django's ``DATABASES`` entry.

        On PostgreSQL a connection lives as long as its job, not longer. Django runs
        each HTTP request of an ASGI server on a thread of its own, so connections kept
        for reuse (``CONN_MAX_AGE``) would stay open, one per thread that ever ran a
        request, until PostgreSQL refuses more. The live path keeps its own few threads'
        connections (:mod:`realtime.dbpool`), and ``config.asgi`` bounds how many HTTP
        requests of a process run at once, which bounds their connections too."""
        config: dict[str, object] = {"ENGINE": self.engine, "NAME": self.name}
        if self.is_sqlite:
            config["OPTIONS"] = {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
            return config
        config.update(
            USER=self.user,
            PASSWORD=self.password,
            HOST=self.host,
            PORT=self.port,
            CONN_MAX_AGE=0,
            CONN_HEALTH_CHECKS=True,
            OPTIONS=dict(self.options),
        )
        return config


def parse_database_url(url: str, base_dir: str) -> DatabaseURL:
    """Parse ``sqlite:///relative/path`` or ``postgres://user:pw@host:port/name``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path.strip("/"):  # before joining: "sqlite:///" is not the base directory
            raise ImproperlyConfigured("DATABASE_URL: sqlite needs a file path")
        if path.startswith("//"):  # sqlite:////absolute/path
            path = path[1:]
        elif path.startswith("/"):
            path = os.path.join(base_dir, path[1:])
        return DatabaseURL("django.db.backends.sqlite3", path, "", "", "", "", {})
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL: postgres needs a database name")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("DATABASE_URL: the port must be a number") from None
        return DatabaseURL(
            "django.db.backends.postgresql",
            name,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            parts.hostname or "",
            str(port or ""),
            options,
        )
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, not {parts.scheme!r}"
    )


def validate_redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, not {url!r}")
    return url
