"""The public register: pages, search, feed, exports and the API; and the no-JavaScript
decision page, where a member takes part with plain forms."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone, translation

from assembly.models import Assembly, Membership, Role
from tests.conftest import make_user
from tests.voting.conftest import check_in, new_decision
from voting import presenters, selectors, services
from voting.models import Record, Round, Stance

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
ATOM = "{http://www.w3.org/2005/Atom}"
API = "/api/v1/decisions/"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client


def recorded(
    runner,
    assembly: Assembly,
    *,
    title: str = "Bostan",
    statement: str = "Bostan kurulacak.",
    text: str = "",
    method: str = "consent",
    stances=(),
    policy=None,
    review_at=None,
    supersedes: str | None = None,
    closed_at=None,
) -> Record:
    """An asynchronous decision of ``assembly`` run by ``runner``, closed and recorded."""
    decision = new_decision(
        runner, assembly=assembly, title=title, text=text, method=method, policy=policy
    )
    services.open_round(runner, decision.pk, seconds=3600)
    for user, option, reason in stances:
        services.cast_stance(user, decision.pk, option=option, reason=reason)
    services.close_round(runner, decision.pk)
    if closed_at is not None:
        Round.objects.filter(decision=decision).update(closed_at=closed_at)
    record = services.record_decision(
        runner, decision.pk, statement=statement, review_at=review_at, supersedes=supersedes
    )
    return Record.objects.select_related("assembly").get(pk=record.pk)


@pytest.fixture
def public(db) -> Assembly:
    return Assembly.objects.create(name="Kadıköy Mahalle Meclisi", slug="kadikoy", is_public=True)


@pytest.fixture
def alev(public) -> object:
    user = make_user("alev", "Alev Şahin")
    Membership.objects.create(assembly=public, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def deniz(public) -> object:
    user = make_user("deniz", "Deniz Öztürk")
    Membership.objects.create(assembly=public, user=user, role=Role.MEMBER)
    return user


def url_of(record: Record) -> str:
    return selectors.record_url(record)


def api(params: dict | None = None, user=None) -> dict:
    response = client_for(user).get(API, params or {})
    assert response.status_code == 200
    return response.json()


def refs(body: dict) -> list[str]:
    return [item["ref"] for item in body["results"]]


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- The HTML register ---------------------------------------------------------------------------


def test_the_register_lists_what_each_reader_may_see(
    public, alev, assembly, member, outsider, observer, anonymous
) -> None:
    open_record = recorded(alev, public, title="Açık meclisin kararı")
    closed_record = recorded(member, assembly, title="Kapalı meclisin kararı")
    for reader in (anonymous, outsider):
        html = page_text(client_for(reader).get("/decisions/"))
        assert "Açık meclisin kararı" in html
        assert url_of(open_record) in html
        assert "Kapalı meclisin kararı" not in html
        assert url_of(closed_record) not in html
    for reader in (member, observer):
        html = page_text(client_for(reader).get("/decisions/"))
        assert "Açık meclisin kararı" in html
        assert "Kapalı meclisin kararı" in html


def test_the_detail_page_shows_what_was_decided(public, alev, deniz, anonymous) -> None:
    record = recorded(
        alev,
        public,
        title="Sokak hayvanları",
        statement="Mama kapları parka konacak.",
        text="Parkın girişine üç mama kabı konsun.",
        method="consensus",
        stances=[
            (alev, "agree", ""),
            (deniz, "stand_aside", "Bakımını kimin yapacağı belli değil."),
        ],
        policy={"max_stand_aside": "1/2"},
    )
    assert record.outcome == "adopted"
    response = client_for(anonymous).get(url_of(record))
    html = page_text(response)
    assert "Mama kapları parka konacak." in html
    assert "Parkın girişine üç mama kabı konsun." in html
    assert record.ref in html
    with translation.override(response["Content-Language"]):
        assert presenters.outcome_label("adopted") in html
        assert presenters.option_label("consensus", "stand_aside") in html
    assert "Bakımını kimin yapacağı belli değil." in html
    assert "Deniz Öztürk" in html


def test_a_secret_decision_page_names_nobody(public, alev, deniz) -> None:
    record = recorded(
        alev,
        public,
        title="Gizli karar",
        stances=[(alev, "consent", ""), (deniz, "concern", "Bütçe yetmez.")],
        policy={"secret": True},
    )
    html = page_text(client_for().get(url_of(record)))
    assert "Bütçe yetmez." in html
    assert "Deniz Öztürk" not in html


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_a_private_assembly_record_is_not_found(assembly, member, personas, persona) -> None:
    record = recorded(member, assembly)
    assert client_for(personas[persona]).get(url_of(record)).status_code == 404
    assert client_for(member).get(url_of(record)).status_code == 200
    assert client_for(personas["observer"]).get(url_of(record)).status_code == 200


def test_an_unknown_record_is_not_found(public, alev) -> None:
    record = recorded(alev, public)
    assert client_for().get(f"/decisions/kadikoy/{record.year}/99/").status_code == 404
    assert client_for().get(f"/decisions/yok/{record.year}/1/").status_code == 404


# --- Search and filters --------------------------------------------------------------------------


@pytest.fixture
def turkish(public, alev) -> dict[str, Record]:
    return {
        "isik": recorded(alev, public, title="Sokak aydınlatması", text="Geceleri ışık yetersiz."),
        "izmir": recorded(alev, public, title="Kardeş meclis", statement="izmir ile dayanışma."),
        "IZMIR": recorded(alev, public, title="Gezi", text="Otobüs İZMİR yönüne kalkacak."),
        "other": recorded(alev, public, title="Bütçe", statement="Aidat artmayacak."),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("IŞIK", {"isik"}),
        ("ışık", {"isik"}),
        ("Işık", {"isik"}),
        ("İzmir", {"izmir", "IZMIR"}),
        ("izmir", {"izmir", "IZMIR"}),
        ("İZMİR", {"izmir", "IZMIR"}),
        ("kardeş MECLİS", {"izmir"}),  # every word, anywhere in title, statement or text
        ("AİDAT", {"other"}),
        ("ankara", set()),
    ],
)
def test_search_matches_turkish_letters_in_any_case(turkish, query, expected) -> None:
    wanted = {turkish[key].ref for key in expected}
    assert set(refs(api({"q": query}))) == wanted
    html = page_text(client_for().get("/decisions/", {"q": query}))
    for key, record in turkish.items():
        assert (url_of(record) in html) == (key in expected), (query, key)


@pytest.fixture
def varied(public, alev, deniz, assembly, member) -> dict[str, Record]:
    today = timezone.localdate()
    last_year = timezone.now() - timedelta(days=400)
    in_force = recorded(alev, public, title="Yürürlükte", stances=[(alev, "consent", "")])
    old = recorded(alev, public, title="Eski kural", stances=[(alev, "consent", "")])
    records = {
        "in_force": in_force,
        "under_review": recorded(
            alev,
            public,
            title="Gözden geçirilecek",
            stances=[(alev, "consent", "")],
            review_at=today - timedelta(days=1),
        ),
        "old": old,
        "new": recorded(
            alev,
            public,
            title="Yeni kural",
            stances=[(alev, "consent", "")],
            supersedes=old.ref,
        ),
        "rejected": recorded(
            alev, public, title="Reddedilen", stances=[(deniz, "objection", "Olmaz.")]
        ),
        "consensus": recorded(
            alev,
            public,
            title="Uzlaşı",
            method="consensus",
            stances=[(alev, "agree", "")],
        ),
        "last_year": recorded(
            alev,
            public,
            title="Geçen yıl",
            stances=[(alev, "consent", "")],
            closed_at=last_year,
        ),
        "private": recorded(member, assembly, title="Kapalı", stances=[(member, "consent", "")]),
    }
    return records


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "in_force"}, {"in_force", "new", "consensus", "last_year"}),
        ({"status": "under_review"}, {"under_review"}),
        ({"status": "superseded"}, {"old"}),
        ({"status": "nonsense"}, set()),
        ({"method": "consensus"}, {"consensus"}),
        ({"assembly": "kadikoy", "q": "kural"}, {"old", "new"}),
        ({"assembly": "ikhm"}, set()),  # private: not for anonymous readers
        ({"year": "last"}, {"last_year"}),
        ({"year": "abc"}, set()),
    ],
)
def test_filters(varied, params, expected) -> None:
    if params.get("year") == "last":
        params = {"year": str(varied["last_year"].year)}
    wanted = {varied[key].ref for key in expected}
    body = api(params)
    assert set(refs(body)) == wanted
    assert body["count"] == len(wanted)
    html = page_text(client_for().get("/decisions/", params))
    for key, record in varied.items():
        assert (url_of(record) in html) == (key in expected), (params, key)


def test_members_filter_their_private_assembly(varied, member) -> None:
    body = api({"assembly": "ikhm"}, user=member)
    assert refs(body) == [varied["private"].ref]


def test_this_year_filter(varied) -> None:
    this_year = varied["in_force"].year
    body = api({"year": this_year})
    assert varied["last_year"].ref not in refs(body)
    assert {r["ref"] for r in body["results"]} == {
        varied[k].ref for k in varied if k not in ("last_year", "private")
    }


# --- The API --------------------------------------------------------------------------------------


def test_the_api_lists_records_newest_first_with_the_contract_fields(
    public, alev, deniz, anonymous
) -> None:
    now = timezone.now()
    older = recorded(
        alev, public, title="Önce", stances=[(alev, "consent", "")], closed_at=now - timedelta(2)
    )
    newer = recorded(
        alev,
        public,
        title="Sonra",
        statement="Sonraki karar.",
        text="Metin.",
        stances=[(alev, "consent", ""), (deniz, "concern", "Dikkat.")],
        review_at=timezone.localdate() + timedelta(days=90),
        closed_at=now - timedelta(1),
    )
    body = api()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert refs(body) == [newer.ref, older.ref]
    item = body["results"][0]
    for field in (
        "ref",
        "decision",
        "assembly",
        "title",
        "statement",
        "text",
        "method",
        "outcome",
        "decided_at",
        "tally",
        "dissent",
        "review_at",
        "status",
        "url",
    ):
        assert field in item, field
    assert item["decision"] == newer.decision_id
    assert (item["assembly"], item["title"], item["statement"], item["text"]) == (
        "kadikoy",
        "Sonra",
        "Sonraki karar.",
        "Metin.",
    )
    assert (item["method"], item["outcome"], item["status"]) == ("consent", "adopted", "in_force")
    assert item["review_at"] == newer.review_at.isoformat()  # type: ignore[union-attr]
    assert item["tally"]["responded"] == 2
    assert item["tally"]["counts"] == {"consent": 1, "concern": 1, "objection": 0}
    assert item["dissent"] == [
        {"option": "concern", "reason": "Dikkat.", "name": "Deniz Öztürk", "resolution": "open"}
    ]
    assert item["url"].endswith(url_of(newer))
    assert item["url"].startswith("http")
    assert client_for().get(item["url"]).status_code == 200


def test_the_api_is_paginated(public, alev) -> None:
    for n in range(51):
        recorded(alev, public, title=f"Karar {n}")
    first = api()
    assert first["count"] == 51
    assert len(first["results"]) < 51
    assert first["previous"] is None
    assert first["next"]
    rest = client_for().get(first["next"]).json()
    assert rest["previous"]
    seen = refs(first) + refs(rest)
    assert len(seen) == len(set(seen)) == 51


def test_the_schema_has_the_register(db) -> None:
    response = client_for().get("/api/v1/schema/")
    assert response.status_code == 200
    assert "/api/v1/decisions/" in response.content.decode()


# --- Feed and exports ---------------------------------------------------------------------------


def test_the_feed_carries_the_statements_of_public_records(public, alev, assembly, member) -> None:
    shown = recorded(alev, public, title="Çay ocağı", statement="Çay ocağı açılacak; ücretsiz.")
    hidden = recorded(member, assembly, title="Gizli gündem", statement="Kapalı karar.")
    response = client_for().get("/decisions/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314  (our own feed)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    [entry] = entries
    assert shown.ref in (entry.findtext(f"{ATOM}title") or "")
    assert "Çay ocağı" in (entry.findtext(f"{ATOM}title") or "")
    assert "Çay ocağı açılacak; ücretsiz." in ElementTree.tostring(entry, encoding="unicode")
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href", "").endswith(url_of(shown))
    body = response.content.decode()
    assert "Kapalı karar." not in body
    assert hidden.title not in body


def test_the_csv_export(public, alev) -> None:
    recorded(alev, public, title="Şişli ağaçları", statement="Ağaçlar korunacak: ğüşiöç İĞÜŞÖÇ.")
    recorded(alev, public, title="Formül", statement='=HYPERLINK("http://kötü.example")')
    response = client_for().get("/decisions/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    for column in ("ref", "assembly", "title", "statement", "text", "method", "outcome", "url"):
        assert column in header
    assert len(body) == 2
    by_title = {row[header.index("title")]: row for row in body}
    statement = header.index("statement")
    assert by_title["Şişli ağaçları"][statement] == "Ağaçlar korunacak: ğüşiöç İĞÜŞÖÇ."
    neutral = by_title["Formül"][statement]
    assert not neutral.startswith(("=", "+", "-", "@"))
    assert neutral.endswith('=HYPERLINK("http://kötü.example")')
    # Every cell, not only the statement, is safe to open in a spreadsheet.
    assert all(not cell.startswith(("=", "+", "@")) for row in body for cell in row)


def test_the_json_export(public, alev, assembly, member) -> None:
    record = recorded(alev, public, title="Çeşme", statement="Çeşme onarılacak.")
    recorded(member, assembly, title="Kapalı")
    response = client_for().get("/decisions/export.json")
    assert response.status_code == 200
    body = json.loads(response.content.decode("utf-8"))
    assert body["count"] == 1
    [item] = body["results"]
    assert (item["ref"], item["title"], item["statement"]) == (
        record.ref,
        "Çeşme",
        "Çeşme onarılacak.",
    )
    assert "Çeşme onarılacak." in response.content.decode("utf-8")  # not \\u-escaped
    assert item == api()["results"][0]


def test_exports_follow_the_filters(public, alev) -> None:
    recorded(alev, public, title="Işıklar", statement="Işıklar yanacak.")
    recorded(alev, public, title="Sular", statement="Sular akacak.")
    body = json.loads(client_for().get("/decisions/export.json", {"q": "ışık"}).content)
    assert [r["title"] for r in body["results"]] == ["Işıklar"]
    text = client_for().get("/decisions/export.csv", {"q": "SULAR"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and "Sular" in rows[1]


# --- Escaping -------------------------------------------------------------------------------------


def test_script_in_titles_statements_and_reasons_is_escaped(public, alev, deniz) -> None:
    record = recorded(
        alev,
        public,
        title=f"Başlık {XSS}",
        statement=f"Karar {XSS}",
        text=f"Metin {XSS}",
        stances=[(alev, "consent", ""), (deniz, "concern", f"Gerekçe {XSS}")],
    )
    for path in ("/decisions/", url_of(record)):
        html = page_text(client_for().get(path))
        assert XSS not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    detail = page_text(client_for().get(url_of(record)))
    assert detail.count("&lt;script&gt;") >= 4  # title, statement, text and the reason
    feed = client_for().get("/decisions/feed.atom")
    root = ElementTree.fromstring(feed.content)  # noqa: S314
    [entry] = root.findall(f"{ATOM}entry")
    for element in entry.iter():
        if element.get("type") == "html":
            # HTML content: after XML decoding it must still be escaped markup.
            assert "<script" not in (element.text or ""), element.tag
        elif element.get("type") == "xhtml":
            raise AssertionError("no xhtml content is expected")
    title = entry.find(f"{ATOM}title")
    assert title is not None and title.get("type", "text") == "text"


# --- The no-JavaScript decision page -----------------------------------------------------------


@pytest.fixture
def page_round(live_round):
    return live_round


def test_a_member_takes_part_with_a_plain_form(page_round, member) -> None:
    client = client_for(member)
    page = page_text(client.get(f"/decision/{page_round.pk}/"))
    assert f'action="/decision/{page_round.pk}/stance/"' in page
    assert 'name="option"' in page
    response = client.post(
        f"/decision/{page_round.pk}/stance/", {"option": "concern", "reason": "Bakım kimde?"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/decision/{page_round.pk}/"
    stance = Stance.objects.get(member=member)
    assert (stance.option, stance.reason) == ("concern", "Bakım kimde?")
    response = client.get(response["Location"])
    html = page_text(response)
    assert "message--success" in html
    assert "Bakım kimde?" in html
    with translation.override(response["Content-Language"]):
        assert presenters.option_label("consent", "concern") in html
    assert 'value="concern" checked' in html
    # Changing it through the same form keeps one stance.
    client.post(f"/decision/{page_round.pk}/stance/", {"option": "consent", "reason": ""})
    assert Stance.objects.get(member=member).option == "consent"
    assert Stance.objects.count() == 1


def test_an_objection_without_a_reason_is_refused_on_the_page(page_round, member) -> None:
    client = client_for(member)
    response = client.post(
        f"/decision/{page_round.pk}/stance/", {"option": "objection", "reason": "  "}, follow=True
    )
    html = page_text(response)
    assert "message--error" in html
    assert not Stance.objects.exists()
    response = client.post(f"/decision/{page_round.pk}/stance/", {"option": "hmm"}, follow=True)
    assert "message--error" in page_text(response)
    assert not Stance.objects.exists()


def test_a_member_not_checked_in_is_told_so(live_session, facilitator, member) -> None:
    check_in(live_session, facilitator)
    decision = new_decision(facilitator, session=live_session)
    services.open_round(facilitator, decision.pk)
    response = client_for(member).post(
        f"/decision/{decision.pk}/stance/", {"option": "consent"}, follow=True
    )
    assert "message--error" in page_text(response)
    assert not Stance.objects.exists()


def test_the_decision_page_is_not_found_for_outsiders(page_round, outsider, anonymous) -> None:
    for user in (outsider, anonymous):
        assert client_for(user).get(f"/decision/{page_round.pk}/").status_code == 404
    response = client_for(outsider).post(
        f"/decision/{page_round.pk}/stance/", {"option": "consent"}
    )
    assert response.status_code in (302, 404)
    assert not Stance.objects.exists()


def test_the_facilitator_runs_and_records_from_the_page(page_round, facilitator, member) -> None:
    services.cast_stance(member, page_round.pk, option="consent")
    client = client_for(facilitator)
    response = client.post(f"/decision/{page_round.pk}/round/", {"action": "close"})
    assert response.status_code == 302
    assert Round.objects.get(decision=page_round).outcome == "adopted"
    page = page_text(client.get(f"/decision/{page_round.pk}/"))
    assert f'action="/decision/{page_round.pk}/record/"' in page
    response = client.post(
        f"/decision/{page_round.pk}/record/", {"statement": "Depo kurulacak.", "review_at": ""}
    )
    record = Record.objects.get(decision=page_round)
    assert response.status_code == 302
    assert response["Location"] == url_of(record)
    # The member cannot close or record from the page either.
    assert client_for(member).get(f"/decision/{page_round.pk}/").status_code == 200


def test_a_ranked_member_ranks_with_plain_selects(present, facilitator, member) -> None:
    decision = new_decision(
        facilitator,
        session=present,
        method="ranked",
        alternatives=[("Çatıya", ""), ("Bahçeye", "")],
    )
    services.open_round(facilitator, decision.pk)
    first, second, quo = decision.alternatives.values_list("key", flat=True)
    client = client_for(member)
    page = page_text(client.get(f"/decision/{decision.pk}/"))
    assert 'name="place_1"' in page and 'name="place_3"' in page
    response = client.post(
        f"/decision/{decision.pk}/stance/", {"place_1": second, "place_2": quo}, follow=True
    )
    assert "message--success" in page_text(response)
    assert Stance.objects.get(member=member).ranking == [second, quo]
    response = client.post(
        f"/decision/{decision.pk}/stance/", {"place_1": first, "place_2": first}, follow=True
    )
    assert "message--error" in page_text(response)
    assert Stance.objects.get(member=member).ranking == [second, quo]


def test_a_ranked_record_states_its_tie_break(present, facilitator, member, member2) -> None:
    decision = new_decision(
        facilitator,
        session=present,
        method="ranked",
        alternatives=[("Çatıya", ""), ("Bahçeye", "")],
    )
    services.open_round(facilitator, decision.pk)
    first, second, _quo = decision.alternatives.values_list("key", flat=True)
    services.cast_stance(member, decision.pk, ranking=[first])
    services.cast_stance(member2, decision.pk, ranking=[second])
    services.close_round(facilitator, decision.pk)
    record = services.record_decision(facilitator, decision.pk, statement="Çatıya kurulacak.")
    # A tie at the top, one first preference each: the one put forward first wins.
    assert (record.outcome, record.result["winner"]) == ("adopted", first)
    assert record.result["tie_break"] == "listed_first"
    response = client_for(member).get(url_of(record))
    html = page_text(response)
    with translation.override(response["Content-Language"]):
        assert str(presenters.TIE_BREAKS["listed_first"]) in html
    assert "Çatıya" in html and "Bahçeye" in html  # the head-to-head table
