"""Small helpers for service tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from assembly.models import Session
from common.errors import ServiceError


def seq_of(session: Session) -> int:
    return Session.objects.values_list("seq", flat=True).get(pk=session.pk)


@contextmanager
def refused(code: str) -> Iterator[pytest.ExceptionInfo[ServiceError]]:
    """The block raises the service error with this protocol ``code``."""
    with pytest.raises(ServiceError) as info:
        yield info
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value}"


@contextmanager
def unchanged(session: Session) -> Iterator[None]:
    """The block changes nothing that counts: ``seq`` stays where it was."""
    before = seq_of(session)
    yield
    assert seq_of(session) == before


def refusal(persona: str) -> str:
    """What a gate answers: who may see the members-only session hears why; a stranger
    hears that there is no such session."""
    return "not_found" if persona in {"outsider", "anonymous"} else "forbidden"
