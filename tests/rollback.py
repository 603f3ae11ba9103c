"""Trying a write without keeping it: for tests that ask whether the server would accept
something, in every state, without changing the state they walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from common.errors import ServiceError


class _RolledBack(Exception):
    pass


def accepted(act: Callable[[], Any]) -> bool:
    """Whether ``act`` goes through (a :class:`ServiceError` says it was refused); all it
    changed is rolled back either way."""
    try:
        with transaction.atomic():
            act()
            raise _RolledBack
    except _RolledBack:
        return True
    except ServiceError:
        return False
