"""The audit log read in a browser, "my data" downloaded, and a member leaving, with and
without JavaScript: every step is a plain page or form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_proposals import close_the_round

PASSWORD = "ayrilik-parolasi-42"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_log_my_data_and_leaving(site: Any, person: Any, javascript: bool) -> None:
    fx = site.fixture(3)
    slug = fx["assembly"]["slug"]
    leaver = fx["members"][1]
    options = {"java_script_enabled": javascript}
    facilitator = person(fx["facilitator"]["sessionid"], **options)
    member = person(leaver["sessionid"], viewport={"width": 360, "height": 740}, **options)
    close_the_round(member, facilitator, fx["decision"])

    # The facilitator finds the log from the assembly's page and filters it.
    facilitator.goto(f"/a/{slug}/")
    facilitator.get_by_role("link", name="Denetim kaydı").click()
    log = facilitator.locator("#audit-log")
    expect(log).to_contain_text("bir turu kapattı")
    facilitator.locator("#id_area").select_option("decision")
    facilitator.get_by_role("button", name="Süz").click()
    expect(log.locator("tbody tr")).not_to_have_count(0)
    expect(log).not_to_contain_text("söz istedi")
    facilitator.get_by_role("link", name="Görüş izi").click()
    expect(facilitator.locator("#stance-trail")).to_contain_text("İtirazım var")

    # The member downloads their data, then leaves and asks for their name to go.
    member.goto("/me/data/")
    expect(member.locator("h1")).to_have_text("Verilerim")
    with member.expect_download() as download:
        member.get_by_role("link", name="JSON olarak indir").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert len(data["memberships"]) == 1
    assert data["stances"][0]["option"] == "objection"
    # Fixture people have no password; give one (which logs out their sessions) and log in.
    username = site.manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from assembly.models import User; u = User.objects.get(pk={leaver['id']}); "
        f"u.set_password({PASSWORD!r}); u.save(); print(u.username)",
    ).split()[-1]
    member.goto("/accounts/login/?next=/me/data/")
    member.locator("#id_username").fill(username)
    member.locator("#id_password").fill(PASSWORD)
    member.locator("main form button[type=submit]").click()
    expect(member.locator("h1")).to_have_text("Verilerim")
    member.get_by_role("link", name="Ortak'tan ayrıl").click()
    member.get_by_label("Adım her yerde").check()
    member.get_by_label("Onaylamak için parolanız").fill(PASSWORD)
    member.get_by_label("Artık giriş yapamayacağımı").check()
    member.get_by_role("button", name="Ortak'tan ayrıl").click()
    expect(member.locator(".message--success")).to_contain_text("Ayrıldınız")
    expect(member.get_by_role("link", name="Giriş yap", exact=True)).to_be_visible()

    facilitator.goto(f"/a/{slug}/audit/?area=people")
    expect(log).to_contain_text("meclisten ayrıldı")
    expect(log).to_contain_text(f"Eski üye {leaver['id']}")
