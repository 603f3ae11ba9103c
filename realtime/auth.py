"""Who opens a socket: the person behind the handshake's session cookie.

This is :func:`django.contrib.auth.get_user` for one case, the database session
backend with backends that load people as the model backend does (this project's
settings: django-axes' backend, then the model backend), cut to a single
statement that reads the session rows of all the sockets joining together; the
people are read together with their roles by :func:`assembly.selectors.readers`.
A join storm of thousands of sockets made Django's generic path (three ORM
queries, a model per row) the largest cost of a join, and then one round trip
per socket the longest wait. Any other configuration takes Django's own path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as StoredSession
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string


@functools.lru_cache(maxsize=4)
def _model_backends(paths: tuple[str, ...]) -> frozenset[str]:
    """The configured backends that load a person as ``ModelBackend`` does (the model
    backend itself, or one that adds checks at login only, as django-axes' does)."""
    found = set()
    for path in paths:
        backend = import_string(path)
        if issubclass(backend, ModelBackend) and backend.get_user is ModelBackend.get_user:
            found.add(path)
    return frozenset(found)


def model_backends() -> frozenset[str]:
    return _model_backends(tuple(settings.AUTHENTICATION_BACKENDS))


#: Session keys are 32 characters; anything much longer is not looked up.
MAX_KEY_LENGTH = 40


@dataclass(frozen=True)
class Claims:
    """What a session says about who is logged in; verified by :func:`verify`."""

    user_id: int
    auth_hash: str


def fast_path() -> bool:
    """True when this module may stand in for Django's generic ``get_user``."""
    return settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" and bool(
        model_backends()
    )


def claims_many(session_keys: Iterable[str | None]) -> dict[str, Claims]:
    """The logged-in claims of those of ``session_keys`` that name an unexpired session,
    in one statement (sockets that join together are looked up together)."""
    keys = sorted({key for key in session_keys if key and len(key) <= MAX_KEY_LENGTH})
    if not keys:
        return {}
    table = connection.ops.quote_name(StoredSession._meta.db_table)
    marks = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT session_key, session_data FROM {table} "  # noqa: S608
            f"WHERE session_key IN ({marks}) AND expire_date > %s",
            [*keys, timezone.now()],
        )
        rows = cursor.fetchall()
    found: dict[str, Claims] = {}
    for key, encoded in rows:
        claimed = _claims_of(encoded)
        if claimed is not None:
            found[key] = claimed
    return found


def _claims_of(encoded: str) -> Claims | None:
    data: dict[str, Any] = SessionStore().decode(encoded)
    try:
        user_id = int(data[auth.SESSION_KEY])
        backend = data[auth.BACKEND_SESSION_KEY]
        auth_hash = str(data.get(auth.HASH_SESSION_KEY) or "")
    except (KeyError, TypeError, ValueError):
        return None
    if backend not in model_backends() or not auth_hash:
        return None
    return Claims(user_id, auth_hash)


def verify(user: Any, claims: Claims | None) -> bool:
    """Whether ``user`` (read by the claims' id) is who the session says, as Django checks
    it: an active account whose password has not changed since the login. A session
    signed with a fallback secret is not accepted here; Django's path renews it."""
    if user is None or claims is None or user.pk != claims.user_id:
        return False
    if not getattr(user, "is_active", True):
        return False
    return constant_time_compare(claims.auth_hash, user.get_session_auth_hash())


class _Request:
    def __init__(self, session: Any) -> None:
        self.session = session


def generic_user(scope: dict[str, Any]) -> Any:
    """Django's own ``get_user`` for the handshake's session (any configuration)."""
    session = scope.get("session")
    if session is None:
        return AnonymousUser()
    request: Any = _Request(session)
    return auth.get_user(request)
