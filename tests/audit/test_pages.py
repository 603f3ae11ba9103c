"""The audit log page and the stance trail: who may read them, filters, paging, and
secret ballots that stay unlinkable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assembly import services as assembly_services
from assembly.models import User
from audit import permissions
from audit import services as audit
from audit.models import Entry
from common.errors import Forbidden, NotFound
from tests.conftest import make_user
from tests.voting.conftest import new_decision
from voting import services as voting_services
from voting.models import Round

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

# persona: may read the log of ``assembly`` (members-only)
EXPECTED = {
    "facilitator": True,
    "member": True,
    "observer": False,
    "outsider": False,
    "anonymous": False,
    "operator": True,
}


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser("isletmeci", password="x")  # staff, no membership


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_who_reads_the_log(request, assembly, persona) -> None:
    user = request.getfixturevalue(persona)
    assert permissions.can_view_audit(user, assembly) is EXPECTED[persona]


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_the_pages_follow_the_gate(request, client, assembly, persona) -> None:
    user = request.getfixturevalue(persona)
    if user.is_authenticated:
        client.force_login(user)
    for name in ("audit_log", "audit_stances"):
        response = client.get(reverse(name, args=[assembly.slug]))
        if EXPECTED[persona]:
            assert response.status_code == 200
        elif persona == "observer":
            assert response.status_code == 403  # sees the assembly, not its log
        else:
            assert response.status_code == 404  # the assembly is not theirs to see


def test_a_public_assemblys_log_stays_with_its_members(assembly, outsider, anonymous) -> None:
    assembly.is_public = True
    assembly.save()
    for user in (outsider, anonymous):
        with pytest.raises(Forbidden):
            permissions.get_audited_assembly_for_user(user, assembly.slug)
    with pytest.raises(NotFound):
        permissions.get_audited_assembly_for_user(outsider, "yok-boyle-meclis")


def test_the_log_shows_who_what_and_before_after(client, live_session, facilitator) -> None:
    assembly_services.start_timer(facilitator, live_session.pk, 90)
    client.force_login(facilitator)
    html = client.get(reverse("audit_log", args=[live_session.assembly.slug])).content.decode()
    table = html[html.index('id="audit-log"') :]
    assert "Ayşe Yılmaz" in table
    assert "90" in table
    system = audit.record(
        None, "session.closed", live_session, assembly_id=live_session.assembly_id
    )
    html = client.get(reverse("audit_log", args=[live_session.assembly.slug])).content.decode()
    assert system.pk and ("Sistem" in html or "The system" in html)


def test_text_in_the_log_is_inert(client, live_session, facilitator) -> None:
    assembly_services.add_agenda_item(facilitator, live_session.pk, XSS, 5)
    client.force_login(facilitator)
    html = client.get(reverse("audit_log", args=[live_session.assembly.slug])).content.decode()
    assert "<script>alert" not in html
    assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;" in html


def test_filters_and_paging(client, assembly, member, member2) -> None:
    for i in range(60):
        audit.record(member, "group.joined", ("workinggroup", i), assembly_id=assembly.pk)
    audit.record(member2, "proposal.created", ("proposal", 1), assembly_id=assembly.pk)
    audit.record(None, "decision.round_closed", ("decision", 1), assembly_id=assembly.pk)
    client.force_login(member)
    url = reverse("audit_log", args=[assembly.slug])

    def rows(query: dict[str, object]) -> int:
        html = client.get(url, query).content.decode()
        return len(re.findall(r"<tr>\s*<td><time", html))

    assert rows({}) == 50
    assert rows({"page": 2}) == 12
    assert rows({"area": "proposal"}) == 1
    assert rows({"person": member2.pk}) == 1
    assert rows({"person": 0}) == 1
    today = timezone.localdate()
    assert rows({"since": today.isoformat(), "until": today.isoformat(), "area": "decision"}) == 1
    assert rows({"until": (today - timedelta(days=1)).isoformat()}) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"area": "yok"},
        {"person": "abc"},
        {"person": "999999"},
        {"since": "2026-13-45"},
        {"since": "2026-05-02", "until": "2026-05-01"},
        {"page": "x" * 5000},
    ],
)
def test_a_bad_filter_gets_an_error_not_a_crash(client, assembly, member, query) -> None:
    audit.record(member, "group.joined", ("workinggroup", 1), assembly_id=assembly.pk)
    client.force_login(member)
    before = Entry.objects.count()
    response = client.get(reverse("audit_log", args=[assembly.slug]), query)
    assert response.status_code in (200, 400)
    if "page" not in query:
        assert response.status_code == 400
        assert 'class="field-errors"' in response.content.decode()
    assert Entry.objects.count() == before


def test_the_trail_shows_open_stances_with_who_and_every_change(
    client, assembly, member, member2
) -> None:
    decision = new_decision(member, assembly=assembly, title="Açık karar")
    voting_services.open_round(member, decision.pk, seconds=3600)
    voting_services.cast_stance(member2, decision.pk, option="concern", reason="Bir endişe.")
    voting_services.cast_stance(member2, decision.pk, option="consent")
    client.force_login(member)
    html = client.get(reverse("audit_stances", args=[assembly.slug])).content.decode()
    table = html[html.index('id="stance-trail"') :]
    assert table.count("Zeynep Kaya") == 2
    assert "Endişem var" in table and "İtirazım yok" in table
    assert table.count("<tr>") == 3  # the header and two versions of one stance


def _cast_secretly(assembly, voters: list[tuple[User, str, str]], title: str) -> Round:
    decision = new_decision(voters[0][0], assembly=assembly, title=title, policy={"secret": True})
    round_ = voting_services.open_round(voters[0][0], decision.pk, seconds=3600)
    for voter, option, reason in voters:
        voting_services.cast_stance(voter, decision.pk, option=option, reason=reason)
    return round_


def test_secret_ballots_are_unlinkable_in_the_log_and_the_trail(
    client, assembly, member, member2, facilitator
) -> None:
    carol = make_user("carol", "Carol Gizli")
    assembly.memberships.create(user=carol, role="member")
    voters = [
        (member, "consent", ""),
        (member2, "objection", "Zarar verir."),
        (carol, "concern", "Bir endişe."),
    ]
    started = Entry.objects.count()
    first = _cast_secretly(assembly, voters, "Gizli bir")
    second = _cast_secretly(assembly, list(reversed(voters)), "Gizli iki")
    # Nothing in the log ties a voter to a ballot: no entry with a voter as actor names
    # either decision other than its creation and the opening of its round.
    for entry in Entry.objects.order_by("id")[started:]:
        if entry.actor_id in {member.pk, member2.pk, carol.pk}:
            assert entry.action in {"decision.created", "decision.round_opened"}
    client.force_login(facilitator)
    html = client.get(reverse("audit_stances", args=[assembly.slug])).content.decode()
    table = html[html.index('id="stance-trail"') :]
    for name in ("Mehmet Demir", "Zeynep Kaya", "Carol Gizli"):
        assert name not in table
    for word in ("İtirazım", "Endişem", "object", "concern", "Zarar verir", "Bir endişe"):
        assert word not in table
    # One line per round, at the round's opening: the same whatever the order of casting.
    lines = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    assert len(lines) == 2
    for round_, title in ((first, "Gizli bir"), (second, "Gizli iki")):
        [line] = [x for x in lines if title in x]
        assert f'datetime="{timezone.localtime(round_.opened_at).isoformat()}"' in line
        assert "3" in line
    first_line = next(x for x in lines if "Gizli bir" in x).replace("Gizli bir", "T")
    second_line = next(x for x in lines if "Gizli iki" in x).replace("Gizli iki", "T")
    strip = re.compile(r'datetime="[^"]*"|>[^<]*\d\d:\d\d[^<]*<|/decision/\d+/')
    assert strip.sub("", first_line) == strip.sub("", second_line)


def test_the_trail_filters_by_decision_and_refuses_a_bad_one(client, assembly, member) -> None:
    one = new_decision(member, assembly=assembly, title="Bir")
    two = new_decision(member, assembly=assembly, title="İki")
    for decision in (one, two):
        voting_services.open_round(member, decision.pk, seconds=3600)
        voting_services.cast_stance(member, decision.pk, option="consent")
    client.force_login(member)
    url = reverse("audit_stances", args=[assembly.slug])
    html = client.get(url, {"decision": one.pk}).content.decode()
    table = html[html.index('id="stance-trail"') :]
    assert "Bir</a>" in table and "İki</a>" not in table
    assert client.get(url, {"decision": "abc"}).status_code == 400


def test_ranked_stances_show_titles_in_a_fixed_number_of_queries(
    client, assembly, member, member2, facilitator
) -> None:
    decision = new_decision(
        member,
        assembly=assembly,
        title="Bostanın yeri",
        method="ranked",
        alternatives=[("Parkın kuzeyi", ""), ("Okulun yanı", "")],
    )
    voting_services.open_round(member, decision.pk, seconds=3600)
    url = reverse("audit_stances", args=[assembly.slug])
    client.force_login(member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    voting_services.cast_stance(member, decision.pk, ranking=["alt-1", "alt-2", "status_quo"])
    few = queries()
    for voter in (member2, facilitator):
        voting_services.cast_stance(voter, decision.pk, ranking=["alt-2", "status_quo", "alt-1"])
    voting_services.cast_stance(member, decision.pk, ranking=["status_quo", "alt-1", "alt-2"])
    assert queries() == few
    html = client.get(url).content.decode()
    assert "Parkın kuzeyi &gt; Okulun yanı &gt;" in html
    assert "Okulun yanı &gt; " in html and html.count("<tr>") == 5
