"""An amendment on the proposal page, taken in by its co-author, and the new version's diff.

Run with JavaScript and without it: every step is a plain form. The fixture's proposal has a
round of its decision open, and the text cannot change while it is: a member objects on the
decision page and the facilitator closes the round first, as an assembly would.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_live_session import open_live, wait_connected

ADDED = "12 saat içinde"


def amend(page: Any, proposal: int) -> int:
    page.goto(f"/proposals/{proposal}/")
    page.locator("#amend > summary").click()
    text = page.locator("#amendment-text")
    current = text.input_value()
    assert "dayanışma ağını harekete" in current
    text.fill(current.replace("ağını harekete", f"ağını {ADDED} harekete"))
    page.locator("#amendment-rationale").fill("Uzun kesintide geç kalmayalım.")
    page.locator("#amend button[type=submit]").click()
    expect(page.locator(".message--success")).to_have_count(1)
    article = page.locator("article.amendment")
    expect(article).to_have_count(1)
    expect(article.locator(".diff ins")).to_contain_text(ADDED)
    return int(str(article.get_attribute("id")).removeprefix("amendment-"))


def close_the_round(member: Any, facilitator: Any, decision: int) -> None:
    member.goto(f"/decision/{decision}/")
    member.locator("#option-objection").check()
    member.locator("#reason").fill("Süre yazılmamış.")
    member.locator("form.stance-form button[type=submit]").click()
    expect(member.locator(".message--success")).to_have_count(1)
    facilitator.goto(f"/decision/{decision}/")
    facilitator.locator("button[name=action][value=close]").click()
    expect(facilitator.locator(".message--success")).to_have_count(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_amendment_is_accepted_and_its_diff_shown(
    site: Any, person: Any, javascript: bool
) -> None:
    fx = site.fixture(3)
    proposal = fx["proposal"]
    options = {"java_script_enabled": javascript}
    author = person(fx["facilitator"]["sessionid"], **options)
    member = person(
        fx["members"][1]["sessionid"], viewport={"width": 360, "height": 740}, **options
    )

    amendment = amend(member, proposal)
    # While the round is open the co-author cannot take it in yet.
    author.goto(f"/proposals/{proposal}/")
    accept = author.locator(f'form[action="/amendments/{amendment}/accept/"] button')
    expect(accept).to_have_count(0)

    close_the_round(member, author, fx["decision"])
    author.goto(f"/proposals/{proposal}/#amendment-{amendment}")
    accept.click()
    expect(author.locator(".message--success")).to_have_count(1)
    expect(author.locator("#text .proposal-text")).to_contain_text(ADDED)
    expect(author.locator(f"#amendment-{amendment} .tag--accepted")).to_have_count(1)

    # The member follows the version history to the word diff of version 2.
    member.goto(f"/proposals/{proposal}/")
    member.locator(f'#versions a[href="/proposals/{proposal}/diff/?from=1&to=2"]').click()
    expect(member.locator("h1")).to_be_visible()
    inserted = member.locator("#diff ins")
    expect(inserted).to_have_count(1)
    expect(inserted).to_contain_text(ADDED)
    marker = inserted.locator(".visually-hidden").first
    assert marker.text_content().strip()  # spoken, not only coloured
    box = marker.bounding_box()
    assert box is None or box["width"] <= 1
    style = inserted.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in style
    width = member.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360


def test_a_new_comment_reaches_the_live_screen(site: Any, person: Any) -> None:
    fx = site.fixture(2)
    session, proposal = fx["session"], fx["proposal"]
    # The proposal is the open agenda item (set up beside the server, before the pages load).
    site.manage(
        "shell",
        "-c",
        "from assembly.models import AgendaItem, User; "
        "from assembly.services import open_agenda_item; "
        "from proposals.models import Proposal; "
        f"p = Proposal.objects.get(pk={proposal}); "
        f"item = AgendaItem.objects.create(session_id={session}, position=1, title=p.title, "
        "proposal=p); "
        f"open_agenda_item(User.objects.get(pk={fx['facilitator']['id']}), {session}, item.pk)",
    )
    screen = open_live(person, fx["facilitator"]["sessionid"], session)
    wait_connected(screen)
    screen.evaluate("() => { window.__stayed = true; }")
    expect(screen.locator("#proposal .proposal-title a")).to_have_attribute(
        "href", f"/proposals/{proposal}/"
    )
    expect(screen.locator("#proposal-comments li")).to_have_count(0)

    member = person(fx["members"][1]["sessionid"], viewport={"width": 360, "height": 740})
    member.goto(f"/proposals/{proposal}/?paragraph=0#new-comment")
    member.locator("#new-comment input[value=question]").check()
    member.locator("#comment-body").fill("Gönüllüler **nasıl** haberleşecek?")
    member.locator("#new-comment button[type=submit]").click()
    expect(member.locator(".message--success")).to_have_count(1)

    comments = screen.locator("#proposal-comments li")
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("Gönüllüler nasıl haberleşecek?")
    expect(comments.first.locator("strong", has_text="nasıl")).to_have_count(1)
    expect(screen.locator("#proposal-comments-empty")).to_be_hidden()
    assert screen.evaluate("() => window.__stayed === true")
