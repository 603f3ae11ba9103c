"""Light enough for a cheap phone on a slow connection.

The live screen's first load (the page, its styles, scripts and icon) must weigh at most
100 KB compressed, and the live screen must work over a throttled "slow 3G" connection.
"""

from __future__ import annotations

import gzip
from typing import Any

from playwright.sync_api import expect

from tests.e2e.pages import log_in
from tests.e2e.test_live_session import wait_connected

BUDGET = 100 * 1024

# Chrome DevTools' "Slow 3G" preset: 400 ms round trip × 5, 500 kbit/s × 0.8 each way.
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 500 * 1024 / 8 * 0.8,
    "uploadThroughput": 500 * 1024 / 8 * 0.8,
}


def test_the_live_screens_first_load_fits_in_100_kb(
    site: Any, demo: dict[str, Any], browser: Any
) -> None:
    context = browser.new_context(base_url=site.url, locale="tr-TR")
    log_in(context.new_page(), "elif")
    page = context.new_page()  # a fresh tab: nothing from the login is still arriving
    loaded: list[Any] = []
    page.on("response", lambda response: loaded.append(response))
    page.goto(f"/sessions/{demo['session']}/")
    wait_connected(page)
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in loaded:
        body = response.body()
        # What a server that compresses (gzip, level 6) sends, and what this one sends.
        sizes[response.url] = (len(gzip.compress(body, compresslevel=6)), len(body))
    kinds = {response.request.resource_type for response in loaded}
    assert {"document", "stylesheet", "script"} <= kinds, kinds
    compressed = sum(c for c, _raw in sizes.values())
    report = "\n".join(f"{c:>7} {raw:>7}  {url}" for url, (c, raw) in sizes.items())
    assert compressed <= BUDGET, f"{compressed} bytes compressed:\n{report}"
    context.close()


def test_the_live_screen_works_on_slow_3g(site: Any, person: Any) -> None:
    fx = site.fixture(2)
    page = person(fx["members"][1]["sessionid"])
    page.set_default_timeout(60_000)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.goto(f"/sessions/{fx['session']}/", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#live')?.dataset.connected === 'true'", timeout=60_000
    )
    page.select_option("#raise-kind", "speak")
    page.locator("#raise-form button[type=submit]").click()
    expect(page.locator("#queue-list li[data-key]")).to_have_count(1, timeout=60_000)
    expect(page.locator("#lower-form")).to_be_visible(timeout=60_000)
