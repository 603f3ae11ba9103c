"""WCAG 2.2 AA on every page, for every kind of reader, and nothing loaded from elsewhere.

axe-core (vendored, see vendor/) checks every page of the URL configuration, filled in
from the Turkish demo, for an anonymous visitor, a member and the facilitator of the live
session, in Turkish and in English, with normal and high contrast: 3 × 2 × 2 passes over
every page in one browser. Language and contrast are switched with the controls in the
page header, as a person would. The high-contrast passes change only colours, so they run
the rules that depend on colours (``COLOUR_RULES``); the others run every A and AA rule.
While it walks, every request the pages make is watched: one to another origin fails.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.pages import AXE, COLOUR_RULES, axe_violations, log_in, page_urls

PERSONAS = {"anonymous": None, "member": "elif", "facilitator": "ayse"}


def choose(page: Any, language: str, contrast: str) -> None:
    """Set the language and the contrast with the header's buttons (no-op when already so)."""
    page.goto("/")
    if page.locator("html").get_attribute("lang") != language:
        page.locator(f"button[name=language][value={language}]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    if page.locator("html").get_attribute("data-contrast") != contrast:
        page.locator("button[name=contrast]").click()
    expect(page.locator("html")).to_have_attribute("data-contrast", contrast)


def other_origin_requests(context: Any, origin: str) -> list[str]:
    """Every request (and WebSocket) the context's pages make to an origin but ``origin``."""
    seen: list[str] = []

    def check(url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if f"{parts.scheme.replace('ws', 'http')}://{parts.netloc}" != origin:
            seen.append(url)

    context.on("request", lambda request: check(request.url))
    context.on("page", lambda page: page.on("websocket", lambda ws: check(ws.url)))
    return seen


def test_every_page_passes_axe_for_every_reader(
    site: Any, demo: dict[str, Any], browser: Any
) -> None:
    urls = page_urls(demo)
    failures: list[str] = []
    foreign: list[str] = []
    swept = 0
    for persona, username in PERSONAS.items():
        context = browser.new_context(base_url=site.url, locale="tr-TR")
        context.set_default_timeout(10_000)
        context.add_init_script(path=str(AXE))
        foreign_here = other_origin_requests(context, site.url)
        page = context.new_page()
        if username:
            log_in(page, username)
        else:
            page.goto("/")
        for language in ("tr", "en"):
            for contrast in ("normal", "high"):
                choose(page, language, contrast)
                # The high-contrast pass changes colours only: it runs the colour rules.
                rules = COLOUR_RULES if contrast == "high" else None
                seen: set[str] = set()
                for name, url in urls.items():
                    page.goto(url)
                    swept += 1
                    if page.url in seen:  # a visitor sent to the login page again
                        continue
                    seen.add(page.url)
                    html = page.locator("html")
                    where = f"{persona}/{language}/{contrast} {name} {url}"
                    if html.get_attribute("lang") != language:
                        failures.append(f"{where}: lang is {html.get_attribute('lang')}")
                    if html.get_attribute("data-contrast") != contrast:
                        failures.append(f"{where}: contrast not kept")
                    failures.extend(
                        f"{where}: {v['impact']} {v['id']} {v['help']} {v['nodes']}"
                        for v in axe_violations(page, rules)
                    )
        foreign += foreign_here
        context.close()
    assert swept == len(urls) * 12
    assert foreign == [], "\n".join(foreign)
    assert failures == [], f"{len(failures)} problems:\n" + "\n".join(failures)


def test_the_sweep_catches_what_it_should(site: Any, browser: Any) -> None:
    """The checker itself: a bad page gives violations, a foreign image is noticed."""
    context = browser.new_context(base_url=site.url)
    context.add_init_script(path=str(AXE))
    foreign = other_origin_requests(context, site.url)
    page = context.new_page()
    page.goto("/")
    page.evaluate(
        """() => { document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="http://images.example.org/a.png"><input type="text">'
        + '<p id="faint">faint</p>');
        // Through the CSSOM: the Content-Security-Policy refuses inline style attributes.
        const faint = document.getElementById('faint');
        faint.style.color = '#bbb'; faint.style.background = '#fff'; }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found
    expect(page.locator("main img")).to_have_count(1)
    page.wait_for_function("() => document.querySelector('main img').complete")
    assert any("images.example.org" in url for url in foreign)
    context.close()
