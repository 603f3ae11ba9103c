"""A world shared by a whole test module (tests/security/world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.security.world import World, build_world, make_people


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """One world for the whole module, inside a transaction rolled back at the end.

    Tests that use it mark themselves ``django_db``: each runs in a savepoint within it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            people, assembly, group = make_people()
            yield build_world(people, assembly, group)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
