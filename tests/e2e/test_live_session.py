"""Two members and a facilitator share one live session in Chromium."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def open_live(person: Any, sessionid: str, session: int, **options: Any) -> Any:
    page = person(sessionid, **options)
    page.goto(f"/sessions/{session}/")
    return page


def wait_connected(page: Any) -> None:
    # live.js marks the screen once the socket is open and the snapshot applied.
    page.wait_for_function(
        "() => document.querySelector('#live')?.dataset.connected === 'true'", timeout=10_000
    )


def test_raised_hand_and_next_speaker_reach_every_screen(site: Any, person: Any) -> None:
    fx = site.fixture(3)
    session = fx["session"]
    facilitator = open_live(person, fx["facilitator"]["sessionid"], session)
    alice = open_live(person, fx["members"][1]["sessionid"], session)
    bob = open_live(person, fx["members"][2]["sessionid"], session)
    for page in (facilitator, alice, bob):
        wait_connected(page)
        # A marker that a reload would wipe: updates must come over the socket.
        page.evaluate("() => { window.__stayed = true; }")

    alice.select_option("#raise-kind", "speak")
    alice.locator("#raise-form button[type=submit]").click()

    queue = facilitator.locator("#queue-list li[data-key]")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("Üye 2")
    expect(bob.locator("#queue-list li[data-key]")).to_have_count(1)
    expect(alice.locator("#lower-form")).to_be_visible()

    facilitator.locator("#next-speaker").click()
    for page in (facilitator, alice, bob):
        expect(page.locator("#speaker")).to_contain_text("Üye 2")
        expect(page.locator("#queue-list li[data-key]")).to_have_count(0)
        assert page.evaluate("() => window.__stayed === true")
    expect(alice.locator("#hand-hint")).to_contain_text("Söz sizde")
    expect(facilitator.locator("#timer")).to_contain_text("Kalan süre")


def test_the_live_screen_works_without_javascript(site: Any, person: Any) -> None:
    fx = site.fixture(2)
    session = fx["session"]
    facilitator = open_live(
        person, fx["facilitator"]["sessionid"], session, java_script_enabled=False
    )
    member = open_live(person, fx["members"][1]["sessionid"], session, java_script_enabled=False)

    member.select_option("#raise-kind", "question")
    member.locator("#raise-form button[type=submit]").click()
    expect(member.locator("#lower-form")).to_be_visible()

    facilitator.reload()
    expect(facilitator.locator("#queue-list li[data-key]")).to_have_count(1)
    facilitator.locator("#next-speaker").click()
    expect(facilitator.locator("#speaker")).to_contain_text("Üye 2")
    member.reload()
    expect(member.locator("#hand-hint")).to_contain_text("Söz sizde")


def test_an_observer_of_a_public_session_only_watches(site: Any, person: Any) -> None:
    fx = site.fixture(2, "--public")
    visitor = person(None)
    visitor.goto(f"/sessions/{fx['session']}/")
    wait_connected(visitor)
    expect(visitor.locator(".watching")).to_be_visible()
    expect(visitor.locator("#raise-form")).to_have_count(0)
    member = open_live(person, fx["members"][1]["sessionid"], fx["session"])
    wait_connected(member)
    member.locator("#raise-form button[type=submit]").click()
    expect(visitor.locator("#queue-list li[data-key]")).to_have_count(1)
