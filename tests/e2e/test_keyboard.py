"""Every main flow with the keyboard alone, with a visible focus at every stop.

No clicks: ``tab_to`` presses Tab (a bounded number of times) until the wanted control has
the focus, and checks on the way that every element that takes the focus shows it (an
outline or a shadow). Then Enter, Space, arrows and typing do the rest, as a person who
cannot use a mouse would. Live regions carry what others do to the screen.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.pages import DEMO_PASSWORD
from tests.e2e.test_live_session import open_live, wait_connected

# Focus on <body> means it has left the page for the browser's own controls, as it does
# past the last link; the next Tab comes back to the top.
STOP = """sel => {
  const e = document.activeElement, s = getComputedStyle(e);
  const shown = e === document.body
    || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
  const text = (e.textContent || '').trim().slice(0, 30);
  return {match: e.matches(sel), shown, what: e.tagName + (e.id ? '#' + e.id : '') + ' ' + text};
}"""


def tab_to(page: Any, selector: str, limit: int = 80, back: bool = False) -> None:
    """Tab until ``selector`` has the focus; every stop on the way must show its focus."""
    unseen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        stop = page.evaluate(STOP, selector)
        if not stop["shown"]:
            unseen.append(stop["what"])
        if stop["match"]:
            assert unseen == [], f"focus not visible on: {unseen}"
            return
    raise AssertionError(f"{selector} not reached in {limit} Tabs")


def test_log_in_and_read_the_register_by_keyboard(
    site: Any, demo: dict[str, Any], person: Any
) -> None:
    page = person(None)
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_to(page, "a[href^='/accounts/login/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    tab_to(page, "#id_username")
    page.keyboard.type("deniz")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)

    tab_to(page, "nav a[href='/decisions/']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Karar kaydı")
    tab_to(page, "#register h2 a")
    title = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(title.split("·")[-1].strip())


def test_join_raise_a_hand_and_take_part_in_a_round_by_keyboard(site: Any, person: Any) -> None:
    fx = site.fixture(2)
    session, key = fx["session"], f"d{fx['decision']}"
    chair = open_live(person, fx["facilitator"]["sessionid"], session)
    wait_connected(chair)

    member = person(fx["members"][1]["sessionid"])
    member.goto("/")
    tab_to(member, f"main a[href='/sessions/{session}/']")
    member.keyboard.press("Enter")
    wait_connected(member)

    tab_to(member, "#raise-form button[type=submit]")
    member.keyboard.press("Enter")
    expect(member.locator("#lower-form")).to_be_visible()
    # The chair's queue is a polite live region: the new hand is read out there.
    region = chair.locator("#queue-list").locator("xpath=ancestor::*[@aria-live][1]")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_contain_text("Üye 2")

    # The chair starts a 61-second timer; a minute before the end it is said once, politely,
    # while the visible countdown (role=timer) stays silent.
    tab_to(chair, "#timer-seconds")
    chair.keyboard.press("Control+A")
    chair.keyboard.type("61")
    chair.keyboard.press("Enter")
    expect(member.locator("#timer")).to_have_attribute("role", "timer")
    expect(member.locator("#timer-announce")).to_have_attribute("aria-live", "polite")
    expect(member.locator("#timer-announce")).to_have_text("Son bir dakika", timeout=10_000)

    # A stance with a reason: into the radio group with Tab, then arrows.
    card = f'article[data-key="{key}"]'
    tab_to(member, f"{card} input[name=option]")
    for _ in range(6):
        if member.evaluate("() => document.activeElement.value") == "objection":
            break
        member.keyboard.press("ArrowDown")
    expect(member.locator(f"#{key}-oobjection")).to_be_checked()
    tab_to(member, f"#{key}-reason")
    member.keyboard.type("Bütçesi yazılmamış.")
    tab_to(member, f"{card} form.stance-form button[type=submit]")
    member.keyboard.press("Enter")
    expect(member.locator(f"{card} .saved")).to_contain_text("İtirazım var")

    # The chair closes the round by keyboard; the outcome is announced on the member's screen.
    close = "form:has(input[value='round.close']):not(:has(input[name=fallback])) button"
    tab_to(chair, f"{card} {close}")
    chair.keyboard.press("Enter")
    announce = member.locator("#decision-announce")
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(announce).to_contain_text("Kabul edilmedi")
    # The next round opens; the member hears it once, in the same polite region.
    tab_to(chair, f"{card} form.round-form button[type=submit]")
    chair.keyboard.press("Enter")
    expect(announce).to_contain_text("2. tur açık")


def test_comment_and_amend_by_keyboard(site: Any, person: Any) -> None:
    fx = site.fixture(2)
    proposal = fx["proposal"]
    member = person(fx["members"][1]["sessionid"])
    member.goto(f"/proposals/{proposal}/")

    tab_to(member, "#new-comment input[name=kind]")
    member.keyboard.press("Space")
    tab_to(member, "#comment-body")
    member.keyboard.type("Gönüllüler nasıl haberleşecek?")
    tab_to(member, "#new-comment button[type=submit]")
    member.keyboard.press("Enter")
    expect(member.locator(".message--success")).to_have_count(1)
    expect(member.locator(".comment")).to_contain_text("Gönüllüler nasıl haberleşecek?")

    member.goto(f"/proposals/{proposal}/")
    tab_to(member, "#amend > summary")
    member.keyboard.press("Enter")
    tab_to(member, "#amendment-text")
    member.keyboard.press("End")
    member.keyboard.type(" Ağ 12 saat içinde toplanır.")
    tab_to(member, "#amendment-rationale")
    member.keyboard.type("Gecikmeyelim.")
    tab_to(member, "#amend button[type=submit]")
    member.keyboard.press("Enter")
    expect(member.locator(".message--success")).to_have_count(1)
    expect(member.locator("article.amendment .diff ins")).to_contain_text("12 saat")
