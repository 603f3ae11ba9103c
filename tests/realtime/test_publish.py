"""Derived snapshots (tallies, presence): a lone change at once, a storm once per window."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from realtime import publish

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("no_pool_checks")]


class Layer:
    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((asyncio.get_running_loop().time(), message["text"]))


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Layer:
    settings.ORTAK_COALESCE_SECONDS = 0.3
    fake = Layer()
    monkeypatch.setattr(publish, "get_channel_layer", lambda: fake)
    return fake


def value(text: str) -> Any:
    return lambda: (1, text)


async def test_a_lone_change_goes_at_once_and_a_storm_once_per_window(layer: Layer) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    publish._touch("tally:1", lambda: (1, "v1"))
    await asyncio.sleep(0.1)
    assert [text for _t, text in layer.sent] == ["v1"]
    assert layer.sent[0][0] - start < 0.1  # not held for the window
    for n in range(2, 6):  # a storm within the window after that send
        publish._touch("tally:1", value(f"v{n}"))
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.4)
    assert [text for _t, text in layer.sent] == ["v1", "v5"]  # one send, the latest value
    assert layer.sent[1][0] - layer.sent[0][0] >= 0.29  # a window apart


async def test_keys_do_not_hold_each_other_back(layer: Layer) -> None:
    publish._touch("tally:1", lambda: (1, "a"))
    publish._touch("presence:1", lambda: (1, "b"))
    await asyncio.sleep(0.1)
    assert sorted(text for _t, text in layer.sent) == ["a", "b"]


async def test_a_key_may_have_a_longer_window_of_its_own(layer: Layer) -> None:
    publish._touch("presence:1", value("p1"), 0.6)
    publish._touch("tally:1", value("t1"))
    await asyncio.sleep(0.05)
    for n in range(2, 4):  # changes to both within their windows
        publish._touch("presence:1", value(f"p{n}"), 0.6)
        publish._touch("tally:1", value(f"t{n}"))
    await asyncio.sleep(0.4)
    sent = {text: at for at, text in layer.sent}
    assert set(sent) == {"p1", "t1", "t3"}  # the tally's window (0.3 s) has ended
    await asyncio.sleep(0.3)
    sent = {text: at for at, text in layer.sent}
    assert set(sent) == {"p1", "t1", "t3", "p3"}
    assert sent["p3"] - sent["p1"] >= 0.59


async def test_presence_goes_at_most_once_per_its_own_window(monkeypatch, settings) -> None:
    from assembly import services

    settings.ORTAK_PRESENCE_SECONDS = 1.5
    seen: list[tuple[str, float | None]] = []
    monkeypatch.setattr(
        services, "publish_snapshot", lambda key, build, window=None: seen.append((key, window))
    )
    services.publish_presence(7)
    assert seen == [("presence:7", 1.5)]
