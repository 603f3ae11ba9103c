"""Two members and a facilitator share one live session in Chromium."""

from __future__ import annotations

import json
from collections.abc import Callable
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


def absent(site: Any, *members: dict[str, Any]) -> None:
    """Undo the fixture's check-in of ``members``: they arrive when they open the page."""
    ids = [m["id"] for m in members]
    site.manage(
        "shell",
        "-c",
        "from assembly.models import Attendance; "
        f"Attendance.objects.filter(member_id__in={ids}).delete()",
    )


def between(page: Any, down: Callable[[str], str | None]) -> None:
    """Pass the page's live socket through ``down``: each text frame from the server is
    given to the page as ``down`` returns it, or not at all (None)."""

    def route(ws: Any) -> None:
        server = ws.connect_to_server()

        def relay(message: str | bytes) -> None:
            kept = down(message) if isinstance(message, str) else message
            if kept is not None:
                ws.send(kept)

        server.on_message(relay)
        ws.on_message(server.send)

    page.context.route_web_socket("**/ws/sessions/**", route)


def present_entry(page: Any, member: dict[str, Any]) -> Any:
    return page.locator(f"#present-list li[data-key='p{member['id']}']")


def test_an_arrival_is_named_on_screens_already_open(site: Any, person: Any) -> None:
    fx = site.fixture(3)
    session, newcomer = fx["session"], fx["members"][2]
    assert newcomer["id"] != 3  # the fallback "Üye <id>" must differ from the name "Üye 3"
    absent(site, newcomer)
    facilitator = open_live(person, fx["facilitator"]["sessionid"], session)
    wait_connected(facilitator)
    expect(present_entry(facilitator, newcomer)).to_have_count(0)
    requests: list[str] = []
    facilitator.on("request", lambda r: requests.append(r.url))

    open_live(person, newcomer["sessionid"], session)  # opening the page checks in

    expect(present_entry(facilitator, newcomer)).to_have_text("Üye 3")
    expect(facilitator.locator("#present-count")).to_contain_text("3")
    # The name came with presence.changed: nobody had to ask for it.
    assert not [u for u in requests if "/people/" in u]


def test_a_name_no_frame_carried_is_asked_for(site: Any, person: Any) -> None:
    fx = site.fixture(3)
    session, newcomer = fx["session"], fx["members"][2]
    absent(site, newcomer)
    facilitator = person(fx["facilitator"]["sessionid"])

    def strip_names(message: str) -> str | None:
        # As if the newcomer were not among the latest arrivals named by the frame.
        if '"presence.changed"' not in message:
            return message
        frame = json.loads(message)
        frame["data"]["arrived"] = {}
        return json.dumps(frame)

    between(facilitator, strip_names)
    facilitator.goto(f"/sessions/{session}/")
    wait_connected(facilitator)

    with facilitator.expect_request(lambda r: f"/api/v1/sessions/{session}/people/" in r.url):
        open_live(person, newcomer["sessionid"], session)
    expect(present_entry(facilitator, newcomer)).to_have_text("Üye 3")


def raise_hand(page: Any, kind: str = "speak") -> None:
    page.select_option("#raise-kind", kind)
    page.locator("#raise-form button[type=submit]").click()
    expect(page.locator("#lower-form")).to_be_visible()


def test_a_lost_frame_is_made_good_from_the_state(site: Any, person: Any) -> None:
    fx = site.fixture(3)
    session = fx["session"]
    dropped: list[str] = []
    facilitator = person(fx["facilitator"]["sessionid"])

    def drop_one(message: str) -> str | None:
        # The first queue change never reaches the facilitator's screen.
        if not dropped and '"queue.changed"' in message:
            dropped.append(message)
            return None
        return message

    between(facilitator, drop_one)
    facilitator.goto(f"/sessions/{session}/")
    wait_connected(facilitator)
    alice = open_live(person, fx["members"][1]["sessionid"], session)
    bob = open_live(person, fx["members"][2]["sessionid"], session)
    wait_connected(alice)
    wait_connected(bob)

    raise_hand(alice)
    expect(bob.locator("#queue-list li[data-key]")).to_have_count(1)
    assert dropped
    expect(facilitator.locator("#queue-list li[data-key]")).to_have_count(0)
    # Bob's hand comes with the next seq: the screen sees the gap, waits a moment for a
    # state the server might send by itself, then asks for it.
    with facilitator.expect_request(f"**/api/v1/sessions/{session}/state/", timeout=6_000):
        raise_hand(bob)
    expect(facilitator.locator("#queue-list li[data-key]")).to_have_count(2)
    expect(facilitator.locator("#queue-list")).to_contain_text("Üye 2")
