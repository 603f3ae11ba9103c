"""A socket command without a test fails the suite."""

from __future__ import annotations

import importlib
import importlib.util

from realtime.protocol import REGISTRY
from tests.realtime.coverage import COMMAND_TEST_MODULES, COVERED


def _importable(module: str) -> bool:
    package = module.rsplit(".", 1)[0]
    return importlib.util.find_spec(package) is not None and (
        importlib.util.find_spec(module) is not None
    )


def test_every_registered_command_has_a_test() -> None:
    for module in COMMAND_TEST_MODULES:
        if _importable(module):
            importlib.import_module(module)
    missing = sorted(set(REGISTRY) - set(COVERED))
    assert not missing, f"socket commands without a test: {missing}"
