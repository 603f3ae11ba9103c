"""An XSS corpus in every text field, entered through the services, comes out inert in the
pages, the Atom feed, the CSV and JSON exports and the API."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from itertools import cycle
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from assembly import services as assembly_services
from assembly.models import AgendaItem, Session, SessionStatus, Visibility
from proposals import services as proposal_services
from tests.voting.conftest import check_in
from voting import services as voting_services

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "'><svg/onload=alert('x3')>",
    "<a href=\"javascript:alert('x4')\">tıkla</a>",
    '[tıkla](javascript:alert("x5")) [bu da](JaVaScRiPt:alert(5))',
    "<iframe src=\"javascript:alert('x6')\"></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(7))">x</div>',
    "{{ 7|add:42 }}{% debug %}",
    "</textarea></title><script>alert(9)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(10)>",
    '<img src="x" onerror="alert(12)"',
    "&lt;script&gt;alert(13)&lt;/script&gt;",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxNCk8L3NjcmlwdD4=">veri</a>',
    "<object data=x></object><embed src=x><base href=//evil.example>",
    "<form action=javascript:alert(16)><button>Gönder</button></form>",
]
ALL = "\n\n".join(PAYLOADS)
SHORT = cycle(PAYLOADS)  # one payload per short field, in turn

# --- What "inert" means ---------------------------------------------------------------------

FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "style", "base", "frame"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _scheme(value: str) -> str:
    return re.sub(r"[\x00-\x20]+", "", value).lower()


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_data_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if dict(attrs).get("type") == "application/json" and not src:
                self.in_data_script = True  # json_script: data, never run
            elif not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
        if tag == "form":
            action = dict(attrs).get("action") or ""
            if action and not action.startswith("/"):
                self.problems.append(f"<form action={action!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in URL_ATTRIBUTES and value and _scheme(value).startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_data_script = False

    def handle_data(self, data: str) -> None:
        if self.in_data_script and ("<" in data or ">" in data):
            self.problems.append("markup inside a JSON data script")


def assert_inert_html(html: str, where: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    assert not inspector.problems, f"{where}: {inspector.problems}"


def walk_json(value: Any, where: str) -> None:
    """Fields named ``html`` hold markup: it must be inert. Everything else is data."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("html") and isinstance(item, str):
                assert_inert_html(item, f"{where}.{key}")
            walk_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            walk_json(item, f"{where}[{index}]")


# --- The poisoned world -------------------------------------------------------------------------


@pytest.fixture
def poisoned(
    assembly: Any, session: Session, facilitator: Any, member: Any, member2: Any
) -> dict[str, Any]:
    assembly.is_public = True
    assembly.name = next(SHORT)[:200]
    assembly.description = ALL
    assembly.save()
    for user in (facilitator, member, member2):
        user.display_name = next(SHORT)[:100]
        user.save(update_fields=["display_name"])
    session.title = next(SHORT)
    session.visibility = Visibility.PUBLIC
    session.status = SessionStatus.LIVE
    session.save()
    item = assembly_services.add_agenda_item(facilitator, session.pk, next(SHORT), 5)
    assembly_services.save_minutes(facilitator, session.pk, item.pk, ALL)
    AgendaItem.objects.filter(pk=item.pk).update(description=ALL)
    check_in(session, facilitator, member, member2)

    proposal = proposal_services.create_proposal(
        facilitator, assembly=assembly, title=next(SHORT), text=ALL
    )
    proposal = proposal_services.change_state(facilitator, proposal.pk, "open_discussion")
    proposal_services.create_version(
        facilitator, proposal.pk, text=ALL + "\n\n" + next(SHORT), note=next(SHORT)
    )
    amendment = proposal_services.propose_amendment(
        member, proposal.pk, base_version=2, text=ALL + "\n\nek", rationale=ALL
    )
    declined = proposal_services.propose_amendment(
        member2, proposal.pk, base_version=2, text=ALL + "\n\nbaşka", rationale=next(SHORT)
    )
    proposal_services.decline_amendment(facilitator, declined.pk, reason=ALL)
    comment = proposal_services.add_comment(member, proposal.pk, kind="concern", body=ALL)
    proposal_services.add_comment(
        member2, proposal.pk, kind="idea", body=next(SHORT), parent=comment.pk
    )

    decision = voting_services.create_decision(
        facilitator,
        assembly=assembly,
        session=session,
        title=next(SHORT),
        method="consent",
        text=ALL,
    )
    voting_services.open_round(facilitator, decision.pk)
    voting_services.cast_stance(member, decision.pk, option="objection", reason=ALL[:2000])
    voting_services.cast_stance(member2, decision.pk, option="concern", reason=next(SHORT))
    voting_services.close_round(facilitator, decision.pk)
    record = voting_services.record_decision(facilitator, decision.pk, statement=ALL)
    return {
        "assembly": assembly,
        "session": session,
        "proposal": proposal,
        "amendment": amendment,
        "decision": decision,
        "record": record,
    }


def pages(p: dict[str, Any]) -> list[str]:
    year, number = p["record"].ref.split("/")
    proposal = p["proposal"].pk
    return [
        reverse("home"),
        reverse("assembly", kwargs={"slug": p["assembly"].slug}),
        reverse("assembly_proposals", kwargs={"slug": p["assembly"].slug}),
        reverse("session", kwargs={"session_id": p["session"].pk}),
        reverse("proposal", kwargs={"proposal_id": proposal}),
        reverse("proposal_diff", kwargs={"proposal_id": proposal}) + "?from=1&to=2",
        reverse("decision", kwargs={"decision_id": p["decision"].pk}),
        reverse("register"),
        reverse("register") + "?q=" + PAYLOADS[0],
        reverse(
            "decision_detail",
            kwargs={"slug": p["assembly"].slug, "year": int(year), "number": int(number)},
        ),
        reverse("profile"),
    ]


@pytest.mark.parametrize("viewer", ["anonymous", "member", "facilitator"])
def test_pages_are_inert(
    client: Client, poisoned: dict[str, Any], request: Any, viewer: str
) -> None:
    user = request.getfixturevalue(viewer)
    if user.is_authenticated:
        client.force_login(user)
    shown = 0
    for url in pages(poisoned):
        response = client.get(url)
        if url == reverse("profile") and not user.is_authenticated:
            assert response.status_code == 302
            continue
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_inert_html(html, url)
        shown += html.count("alert(")
    assert shown > 20, "the payloads did not reach the pages: the test would prove nothing"


def test_the_atom_feed_is_inert(client: Client, poisoned: dict[str, Any]) -> None:
    response = client.get(reverse("register_feed"))
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = root.findall(f"{atom}entry")
    assert entries
    for entry in entries:
        for element in entry.iter():
            if element.get("type") == "html":
                assert_inert_html(element.text or "", f"feed {element.tag}")
            elif element.tag in {f"{atom}title", f"{atom}summary"}:
                assert "<" not in (element.text or "") or element.get("type") in (None, "text")
    summary = entries[0].find(f"{atom}summary")
    assert summary is not None and "alert(" in (summary.text or "")


def test_the_csv_export_has_no_formulas(client: Client, poisoned: dict[str, Any]) -> None:
    response = client.get(reverse("register_csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) >= 2
    for row in rows:
        for cell in row:
            assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}, cell[:40]
    assert any("alert(" in cell for cell in rows[1])


def test_the_json_export_and_the_api_are_inert(
    client: Client, poisoned: dict[str, Any], member: Any
) -> None:
    client.force_login(member)
    proposal = poisoned["proposal"].pk
    urls = [
        reverse("register_json"),
        reverse("api_register"),
        reverse("api_register") + "?q=" + PAYLOADS[1],
        reverse("api_decision", kwargs={"decision_id": poisoned["decision"].pk}),
        reverse("api_session_state", kwargs={"session_id": poisoned["session"].pk}),
        reverse("api_proposal", kwargs={"proposal_id": proposal}),
        reverse("api_proposal_version", kwargs={"proposal_id": proposal, "number": 2}),
        reverse("api_proposal_diff", kwargs={"proposal_id": proposal}) + "?from=1&to=2",
        reverse("api_proposal_comments", kwargs={"proposal_id": proposal}),
        reverse("api_proposal_amendments", kwargs={"proposal_id": proposal}),
        reverse("api_amendment", kwargs={"amendment_id": poisoned["amendment"].pk}),
    ]
    htmls = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        body = response.json()
        walk_json(body, url)
        htmls += json.dumps(body).count('html"')
    assert htmls >= 3, "no markup fields were checked"
