"""A decision taken on the live screen, with the socket: stances, tallies, outcome, record."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_live_session import open_live, wait_connected


def test_a_round_runs_live_on_every_screen(site: Any, person: Any) -> None:
    fx = site.fixture(3)
    session, key = fx["session"], f"d{fx['decision']}"
    facilitator = open_live(person, fx["facilitator"]["sessionid"], session)
    alice = open_live(
        person, fx["members"][1]["sessionid"], session, viewport={"width": 360, "height": 800}
    )
    for page in (facilitator, alice):
        wait_connected(page)
        page.evaluate("() => { window.__stayed = true; }")
    mine, theirs = (p.locator(f'article[data-key="{key}"]') for p in (alice, facilitator))

    mine.get_by_label("İtirazım var").check()
    expect(mine.locator(f'label[for="{key}-reason"]')).to_have_text("Gerekçe (zorunlu)")
    mine.get_by_label("Gerekçe (zorunlu)").fill("Bütçesi yazılmamış.")
    mine.get_by_role("button", name="Gönder").click()
    expect(mine.locator(".saved")).to_contain_text("Yanıtınız kaydedildi: İtirazım var")
    expect(mine.get_by_role("button", name="Yanıtı değiştir")).to_be_visible()
    expect(theirs.locator(".responded")).to_contain_text("3 kişiden 1 kişi yanıt verdi")

    theirs.get_by_role("button", name=re.compile("^Turu kapat")).click()
    expect(alice.locator("#decision-announce")).to_contain_text("Kabul edilmedi")
    theirs.get_by_label(re.compile("^Karar özeti")).fill("Öneri bu haliyle kabul edilmedi.")
    theirs.get_by_role("button", name=re.compile("^Kayda geçir")).click()
    link = mine.locator(".recorded a")
    expect(link).to_contain_text("numarasıyla kaydedildi")
    for page in (facilitator, alice):
        assert page.evaluate("() => window.__stayed === true")
    link.click()
    expect(alice.locator("h1")).to_contain_text("Mahalle su kesintilerine ortak yanıt")
