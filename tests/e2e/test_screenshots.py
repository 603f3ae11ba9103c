"""The main screens in Turkish, on a phone and on a desktop, as the README shows them.

Every run takes the screenshots (so the screens render on both sizes) and checks that each
one the README shows exists. To refresh the README's pictures, write them into the project:

    ORTAK_SCREENSHOTS=docs/screenshots make test-e2e
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.pages import in_turkish, log_in
from tests.e2e.test_live_session import wait_connected

SIZES: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def screens(demo: dict[str, Any]) -> dict[str, str]:
    year, number = demo["record"]
    return {
        "home": "/",
        "live": f"/sessions/{demo['session']}/",
        "decision": f"/decision/{demo['decision']}/",
        "proposal": f"/proposals/{demo['proposal']}/",
        "register": "/decisions/",
        # The loop (docs/decisions.md): bring a proposal to a decision, its rounds on
        # versions, the register entry with its follow-up, and one commitment.
        "loop-bring": f"/proposals/{demo['decidable']}/decide/",
        "loop-rounds": f"/decision/{demo['loop_decision']}/#rounds",
        "loop-record": f"/decisions/{demo['slug']}/{year}/{number}/#followup",
        "loop-followup": f"/followups/{demo['commitment']}/",
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    wanted = os.environ.get("ORTAK_SCREENSHOTS")
    return (ROOT / wanted) if wanted else tmp_path


def test_the_main_screens_on_a_phone_and_a_desktop(
    site: Any, demo: dict[str, Any], browser: Any, folder: Path
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for size, options in SIZES.items():
        context = browser.new_context(base_url=site.url, locale="tr-TR", **options)
        page = context.new_page()
        log_in(page, "ayse")
        in_turkish(page)
        for name, url in screens(demo).items():
            page.goto(url)
            if name == "live":
                wait_connected(page)
            page.screenshot(path=str(folder / f"{name}-{size}.png"), animations="disabled")
        context.close()
    shown = re.findall(r"\]\(docs/screenshots/([\w-]+\.png)\)", (ROOT / "README.md").read_text())
    assert shown, "the README shows no screenshots"
    shown += re.findall(
        r"\]\(screenshots/([\w-]+\.png)\)", (ROOT / "docs" / "decisions.md").read_text()
    )
    expected = {f"{name}-{size}.png" for name in screens(demo) for size in SIZES}
    assert set(shown) <= expected
    committed = {p.name for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert set(shown) <= committed, f"missing in docs/screenshots: {set(shown) - committed}"
