"""Every URL of the site, filled in from the Turkish demo, for the sweeps that visit them all.

``page_urls`` walks the URL configuration itself: a new route that is neither a page with
a sample URL here nor listed in ``NOT_PAGES`` (with the reason it is not swept) fails the
test that calls it, so no page can escape the accessibility sweep.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import expect

DEMO_PASSWORD = "ortak-demo"  # the demo's, printed by seed_demo and in the README
AXE = next((Path(__file__).parent / "vendor").glob("axe-core-*/axe.min.js"))

# Routes that answer no HTML page of their own, and why.
NOT_PAGES = {
    # Forms post here and are sent back to the page they came from.
    "logout": "POST only",
    "set_language": "POST only",
    "set_preferences": "POST only",
    "invitation_create": "POST only",
    "group_membership": "POST only",
    "session_command": "POST only",
    "session_agenda": "POST only",
    "proposal_state": "POST only",
    "proposal_invite": "POST only",
    "proposal_invitation": "POST only",
    "proposal_cosign": "POST only",
    "proposal_version": "POST only",
    "proposal_amend": "POST only",
    "proposal_comment": "POST only",
    "amendment_accept": "POST only",
    "amendment_decline": "POST only",
    "amendment_promote": "POST only",
    "amendment_rebase": "POST only",
    "comment_edit": "POST only",
    "comment_hide": "POST only",
    "comment_restore": "POST only",
    "comment_answer": "POST only",
    "comment_request_restore": "POST only",
    "comment_react": "POST only",
    "decision_stance": "POST only",
    "decision_round": "POST only",
    "decision_record": "POST only",
    "dissent_resolve": "POST only",
    "followup_add": "POST only",
    "followup_update": "POST only",
    "followup_carry": "POST only",
    # Data, not pages.
    "register_feed": "Atom feed",
    "register_csv": "CSV export",
    "register_json": "JSON export",
    "my_data_json": "JSON export of the member's own data",
    "api_*": "JSON API",
    "api_docs": "the API's reference for programmers (Swagger UI), not a page for members",
    "admin:*": "Django's admin, for the site operator only",
}

DEMO_IDS = """
import json
from datetime import timedelta
from django.utils import timezone
from assembly.models import Assembly, Invitation, Session, SessionStatus, User
from proposals.models import Proposal
from voting.models import Decision, Record
assembly = Assembly.objects.get(slug="ikhm")
live = Session.objects.get(assembly=assembly, status=SessionStatus.LIVE)
proposal = next(p for p in Proposal.objects.filter(assembly=assembly).order_by("pk")
                if p.versions.count() >= 2)
record = (Record.objects.filter(assembly=assembly, version__isnull=False).first()
          or Record.objects.filter(assembly=assembly).order_by("pk").first())
decidable = next(p for p in Proposal.objects.filter(assembly=assembly, state="discussion")
                 if not p.decisions.exclude(status__in=["concluded", "recorded"]).exists())
from followup.models import Commitment
commitment = Commitment.objects.filter(assembly=assembly).order_by("pk").first()
decision = Decision.objects.filter(session=live).order_by("pk").first()
invitation, _ = Invitation.objects.get_or_create(
    assembly=assembly, token="demo-a11y-sweep",
    defaults={"expires_at": timezone.now() + timedelta(days=30),
              "created_by": User.objects.get(username="ayse")})
print(json.dumps({"slug": assembly.slug, "session": live.pk, "proposal": proposal.pk,
                  "decision": decision.pk, "record": [record.year, record.number],
                  "token": invitation.token, "decidable": decidable.pk,
                  "commitment": commitment.pk, "loop_decision": record.decision_id}))
"""


def demo_ids(site: Any) -> dict[str, Any]:
    """Load the demo into the site (once) and name the objects the sample URLs show."""
    site.manage("seed_demo")
    ids: dict[str, Any] = json.loads(site.manage("shell", "-c", DEMO_IDS).strip().splitlines()[-1])
    return ids


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            found.add(f"{namespace}{pattern.name or pattern.lookup_str}")
    return found


def _excluded(name: str) -> bool:
    return name in NOT_PAGES or any(
        key.endswith("*") and name.startswith(key[:-1]) for key in NOT_PAGES
    )


def page_urls(ids: dict[str, Any]) -> dict[str, str]:
    """name → a sample URL of every HTML page; fails on a route it does not know."""
    year, number = ids["record"]
    samples: dict[str, Callable[[], str]] = {
        "home": lambda: "/",
        "login": lambda: "/accounts/login/",
        "profile": lambda: "/profile/",
        "assembly": lambda: f"/a/{ids['slug']}/",
        "session_plan": lambda: f"/a/{ids['slug']}/sessions/new/",
        "join": lambda: f"/join/{ids['token']}/",
        "session": lambda: f"/sessions/{ids['session']}/",
        "assembly_proposals": lambda: f"/a/{ids['slug']}/proposals/",
        "proposal_create": lambda: f"/a/{ids['slug']}/proposals/new/",
        "proposal": lambda: f"/proposals/{ids['proposal']}/",
        "proposal_diff": lambda: f"/proposals/{ids['proposal']}/diff/?from=1&to=2",
        "register": lambda: "/decisions/",
        "decision_detail": lambda: f"/decisions/{ids['slug']}/{year}/{number}/",
        "decision": lambda: f"/decision/{ids['decision']}/",
        "decision_create": lambda: f"/sessions/{ids['session']}/decisions/new/",
        "assembly_decision_create": lambda: f"/a/{ids['slug']}/decisions/new/",
        "audit_log": lambda: f"/a/{ids['slug']}/audit/",
        "audit_stances": lambda: f"/a/{ids['slug']}/audit/stances/",
        "privacy": lambda: "/privacy/",
        "my_data": lambda: "/me/data/",
        "leave": lambda: "/me/leave/",
        "proposal_decide": lambda: f"/proposals/{ids['decidable']}/decide/",
        "proposal_version_page": lambda: f"/proposals/{ids['proposal']}/versions/2/",
        "followup": lambda: f"/followups/{ids['commitment']}/",
        "assembly_followups": lambda: f"/a/{ids['slug']}/followups/",
    }
    routes = _names(get_resolver().url_patterns)
    unknown = sorted(n for n in routes if n not in samples and not _excluded(n))
    assert not unknown, f"routes neither swept nor listed in NOT_PAGES: {unknown}"
    gone = sorted(set(samples) - routes)
    assert not gone, f"sample URLs for routes that no longer exist: {gone}"
    urls = {name: make() for name, make in samples.items()}
    urls["not_found"] = "/this-page-does-not-exist/"
    return urls


AXE_RUN = """
async (rules) => {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
  const only = rules ? {type: "rule", values: rules} : {type: "tag", values: tags};
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error("axe-core took longer than 30 s")), 30000));
  const result = await Promise.race([
    axe.run(document, {runOnly: only, resultTypes: ["violations"]}),
    timeout,
  ]);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}
"""

# The WCAG 2.2 A/AA rules whose answer depends on colours: all that can change when only
# the colour scheme does (1.4.3 contrast, 1.4.1 links told apart by colour alone).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_violations(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the vendored axe-core (injected with ``add_init_script``) on the page as it is:
    every WCAG 2.0-2.2 A and AA rule, or only ``rules``."""
    page.wait_for_function("() => typeof window.axe !== 'undefined'")
    result: list[dict[str, Any]] = page.evaluate(AXE_RUN, rules)
    return result


def in_turkish(page: Any) -> None:
    """Turkish and the normal contrast, as a newcomer sees the site: a person's choices are
    kept on their profile, and another test may have left them in English or high contrast."""
    if page.locator("html").get_attribute("lang") != "tr":
        page.locator("button[name=language][value=tr]").click()
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    if page.locator("html").get_attribute("data-contrast") != "normal":
        page.locator("button[name=contrast]").click()
    expect(page.locator("html")).to_have_attribute("data-contrast", "normal")


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)
