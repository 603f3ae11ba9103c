"""The centre's whole cycle in Chromium, through the pages only, with no fixture: people of
the Turkish demo log in with their passwords and do everything a person would.

Zeynep drafts a proposal and opens it for discussion; Hasan comments, Hasan and Elif
co-sign; Ayşe, who facilitates the live session, puts it on the agenda and brings it to a
decision from the agenda item; on the live screen (two browsers) she opens a consent
round, Hasan objects, the round closes not adopted; the objection is integrated into
version 2 on the decision page; the second round adopts it; it is recorded; a commitment
is added and marked done; and a visitor who is not logged in reads all of it in the
register: the statement, both rounds with their versions, the word diff between them,
and the commitment's timeline.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.pages import in_turkish, log_in
from tests.e2e.test_live_session import wait_connected

TITLE = "Mahalle bostanına yağmur suyu deposu"
TEXT = (
    "Mahalle bostanına yağmur suyu deposu kurulur.\n\nBakımını bostan gönüllüleri sırayla üstlenir."
)
ADDED = "Depo için mahalle bütçesinden pay ayrılır."
OBJECTION = "Deponun parası nereden gelecek, yazılmamış."


def someone(person: Any, username: str, **options: Any) -> Any:
    """A demo person logged in, reading Turkish (another test may have left them in English:
    the language is kept on their profile)."""
    page = person(None, **options)
    log_in(page, username)
    in_turkish(page)
    return page


def test_from_a_draft_to_the_register_and_its_follow_up(
    site: Any, demo: dict[str, Any], person: Any
) -> None:
    session = demo["session"]

    # A co-author drafts the proposal and opens it for discussion.
    zeynep = someone(person, "zeynep")
    zeynep.goto(f"/a/{demo['slug']}/proposals/new/")
    zeynep.locator("#id_title").fill(TITLE)
    zeynep.locator("#id_text").fill(TEXT)
    zeynep.get_by_role("button", name="Taslağı kaydet").click()
    expect(zeynep.locator("h1")).to_have_text(TITLE)
    zeynep.get_by_role("button", name="Tartışmaya aç").click()
    expect(zeynep.locator(".tag--discussion")).to_have_count(1)
    proposal_url = re.sub(r"[?#].*$", "", zeynep.url)
    proposal = int(proposal_url.rstrip("/").rsplit("/", 1)[1])

    # Members discuss it and co-sign it for the agenda (Hasan on a phone).
    hasan = someone(person, "hasan", viewport={"width": 360, "height": 740})
    hasan.goto(proposal_url)
    hasan.locator("#new-comment input[value=question]").check()
    hasan.locator("#comment-body").fill("Depoyu kim dolduracak?")
    hasan.locator("#new-comment button[type=submit]").click()
    expect(hasan.locator(".message--success")).to_have_count(1)
    hasan.locator("#cosign button[value=cosign]").click()
    expect(hasan.locator("#cosign")).to_contain_text("1")
    elif_ = someone(person, "elif")
    elif_.goto(proposal_url)
    elif_.locator("#cosign button[value=cosign]").click()
    expect(elif_.locator(".message--success")).to_have_count(1)

    # The facilitator plans the item in the live session and brings it to a decision.
    ayse = someone(person, "ayse")
    ayse.goto(f"/sessions/{session}/")
    wait_connected(ayse)
    ayse.locator("#agenda-title").fill(TITLE)
    ayse.locator("#agenda-budget").fill("20")
    ayse.locator("#agenda-proposal").select_option(str(proposal))
    ayse.locator("#agenda-add button[type=submit]").click()
    item = ayse.locator("#agenda-list li", has_text=TITLE)
    expect(item).to_have_count(1)
    item.get_by_role("link", name=re.compile("^Karara sun")).click()
    expect(ayse.locator("h1")).to_have_text("Karara sun")
    expect(ayse.locator("#method-consent")).to_be_checked()
    ayse.locator("#bring-preview").click()
    expect(ayse.locator("#rule")).to_contain_text("Gerekçeli bir itiraz kararı durdurur.")
    ayse.locator("#bring-confirm").click()
    expect(ayse).to_have_url(re.compile(rf"/sessions/{session}/#d\d+-title$"))
    decision = int(re.search(r"#d(\d+)-title", ayse.url).group(1))  # type: ignore[union-attr]
    key = f"d{decision}"

    # Round 1 on the live screen, seen in two browsers: Hasan objects.
    hasan.goto(f"/sessions/{session}/")
    for page in (ayse, hasan):
        wait_connected(page)
        page.evaluate("() => { window.__stayed = true; }")
    mine, theirs = (p.locator(f'article[data-key="{key}"]') for p in (hasan, ayse))
    theirs.get_by_role("button", name=re.compile("^Turu aç")).click()
    expect(mine.locator(".round-status")).to_contain_text("1. tur açık")
    mine.get_by_label("İtirazım var").check()
    mine.get_by_label("Gerekçe (zorunlu)").fill(OBJECTION)
    mine.get_by_role("button", name="Gönder").click()
    expect(mine.locator(".saved")).to_contain_text("İtirazım var")
    expect(theirs.locator(".responded")).to_contain_text("1 kişi yanıt verdi")
    theirs.get_by_role("button", name=re.compile("^Turu kapat")).click()
    expect(mine.locator(".round-status")).to_contain_text("Kabul edilmedi")
    for page in (ayse, hasan):
        assert page.evaluate("() => window.__stayed === true")

    # The objection is integrated into version 2, on the decision page.
    ayse.goto(f"/decision/{decision}/")
    objection = ayse.locator("#objections li", has_text=OBJECTION)
    objection.locator("summary").click()
    text = objection.locator("textarea[name=text]")
    assert text.input_value().strip() == TEXT
    text.fill(TEXT + "\n\n" + ADDED)
    objection.locator("input[name=note]").fill("Bütçe paragrafı eklendi.")
    objection.get_by_role("button", name="Karşılandı olarak işaretle").click()
    expect(ayse.locator(".message--success")).to_contain_text("2. sürüme işlendi")
    expect(ayse.locator("#next-diff ins")).to_contain_text("bütçesinden")

    # Round 2 asks about version 2 and adopts it; it is recorded.
    ayse.goto(f"/sessions/{session}/")
    wait_connected(ayse)
    theirs = ayse.locator(f'article[data-key="{key}"]')
    theirs.get_by_role("button", name=re.compile("^Turu aç")).click()
    expect(mine.locator(".round-status")).to_contain_text("2. tur açık")
    expect(mine.locator(".decision-text")).to_contain_text(ADDED)
    mine.get_by_label("İtirazım yok").check()
    mine.get_by_role("button", name="Gönder").click()
    expect(mine.locator(".saved")).to_contain_text("İtirazım yok")
    theirs.get_by_role("button", name=re.compile("^Turu kapat")).click()
    expect(theirs.locator(".round-status")).to_contain_text("Kabul edildi")
    theirs.get_by_label(re.compile("^Karar özeti")).fill("Bostana yağmur suyu deposu kurulacak.")
    theirs.get_by_role("button", name=re.compile("^Kayda geçir")).click()
    recorded = mine.locator(".recorded a")
    expect(recorded).to_contain_text("numarasıyla kaydedildi")
    record_url = str(recorded.get_attribute("href"))

    # The proposal knows it was adopted, at version 2.
    zeynep.goto(proposal_url)
    expect(zeynep.locator(".tag--adopted")).to_have_count(1)
    expect(zeynep.locator("main")).to_contain_text("2. sürüm")

    # A commitment is added and, once done, marked done.
    ayse.goto(record_url)
    ayse.locator("#followup-new summary").click()
    ayse.locator("#followup-title").fill("Depo için iki fiyat teklifi al")
    ayse.locator("#followup-carry").check()
    ayse.locator("#followup-new button[type=submit]").click()
    expect(ayse.locator(".message--success")).to_have_count(1)
    ayse.locator("#followup article h3 a", has_text="iki fiyat teklifi").click()
    ayse.get_by_label("Tamamlandı").check()
    ayse.locator("#update-note").fill("İki teklif alındı; ucuz olanı seçildi.")
    ayse.get_by_role("button", name="Notu kaydet").click()
    expect(ayse.locator(".message--success")).to_have_count(1)
    expect(ayse.locator(".tag--done")).to_have_count(1)

    # A visitor who is not logged in reads all of it in the register.
    visitor = person(None, viewport={"width": 360, "height": 740})
    visitor.goto("/decisions/")
    visitor.get_by_role("link", name=re.compile(TITLE)).first.click()
    main = visitor.locator("main")
    expect(main).to_contain_text("Bostana yağmur suyu deposu kurulacak.")
    expect(main).to_contain_text(ADDED)
    expect(visitor.locator(f'a[href="/proposals/{proposal}/versions/2/"]').first).to_be_visible()
    rounds = visitor.locator("ol.rounds > li")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(0)).to_contain_text("1. sürüm")
    expect(rounds.nth(0)).to_contain_text(OBJECTION)
    expect(rounds.nth(1)).to_contain_text("2. sürüm")
    rounds.nth(1).locator("summary").click()
    expect(rounds.nth(1).locator(".diff ins")).to_contain_text("bütçesinden")
    followup = visitor.locator("#followup")
    expect(followup).to_contain_text("Depo için iki fiyat teklifi al")
    expect(followup.locator(".tag--done")).to_have_count(1)
    expect(followup).to_contain_text("İki teklif alındı")
    assert visitor.evaluate("() => document.documentElement.scrollWidth") <= 360
