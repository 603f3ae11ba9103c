"""Which socket commands have a test, and a valid example of each command's data.

Decorate a command test with ``@covers("hand.raise")``; list the module in
``COMMAND_TEST_MODULES``. ``test_every_registered_command_has_a_test`` fails
for a command in ``realtime.protocol.REGISTRY`` that no test covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

COVERED: dict[str, list[str]] = {}

COMMAND_TEST_MODULES = [
    "tests.realtime.test_commands",
    "tests.voting.test_commands",  # when voting's commands arrive
]


def covers(*commands: str) -> Callable[[F], F]:
    def decorator(test: F) -> F:
        for command in commands:
            COVERED.setdefault(command, []).append(test.__name__)
        return test

    return decorator


def sample_data(command: str, *, item: int, member: int) -> dict[str, Any]:
    """Valid data for ``command`` (valid in form: it passes protocol validation)."""
    samples: dict[str, dict[str, Any]] = {
        "hand.raise": {"kind": "speak"},
        "hand.lower": {},
        "session.start": {},
        "session.adjourn": {},
        "session.close": {},
        "agenda.open": {"item": item},
        "queue.next": {},
        "queue.move": {"member": member, "position": 0},
        "timer.start": {"seconds": 60},
        "timer.stop": {},
        "minutes.save": {"item": item, "text": "Tutanak"},
        "attendance.check_in": {},
        "task.volunteer": {"task": "note_taker"},
    }
    if command not in samples:
        raise AssertionError(f"add an example of {command!r} to tests/realtime/coverage.py")
    return samples[command]
