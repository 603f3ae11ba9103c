"""The live screen's buttons are exactly the commands the server accepts.

A session is walked through every status, with decisions in every state on it; for each
kind of reader, the state the socket sends them names what they may do (in the session,
to each agenda item, to each decision, by their ``you.role``). Then every command is sent
through its handler as the socket would (and rolled back): a command the state allows must
be accepted, one it does not allow must be refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from assembly import services as assembly_services
from assembly.models import AgendaItem, Session, SessionStatus, SessionTask, Task
from proposals import services as proposal_services
from realtime.protocol import REGISTRY, CommandContext, validate
from tests import rollback
from tests.proposals.conftest import make_proposal
from tests.realtime.verify import snapshot
from tests.voting.conftest import check_in
from voting import services as voting_services

pytestmark = pytest.mark.django_db

#: Commands about one agenda item, shown per item (the rest are the session's).
ITEM_COMMANDS = ("agenda.open", "agenda.move", "agenda.remove")
FALLBACK = {"fallback_after_rounds": 1, "fallback_share": "3/4"}


#: What the live screen does by posting a page form rather than by a socket command.
FORMS: dict[str, Callable[[Any, int, dict[str, Any]], Any]] = {
    "agenda.add": lambda user, sid, data: assembly_services.add_agenda_item(
        user, sid, data["title"], 10
    ),
    "agenda.move": lambda user, sid, data: assembly_services.move_agenda_item(
        user, sid, data["item"], data["offset"]
    ),
    "agenda.remove": lambda user, sid, data: assembly_services.remove_agenda_item(
        user, sid, data["item"]
    ),
}


def accepted(name: str, user: Any, session_id: int, payload: dict[str, Any]) -> bool:
    """Whether the server accepts ``name`` from ``user``, as the live screen sends it (the
    socket's handler, or the page form's service); all it changed is rolled back."""
    form = FORMS.get(name)
    command = None if form else REGISTRY["round.close" if name == "round.fallback" else name]
    data = validate(command, payload) if command else payload  # a bad payload fails here
    if command is None:
        return rollback.accepted(lambda: FORMS[name](user, session_id, data))
    return rollback.accepted(lambda: command.handler(CommandContext(user, session_id), data))


def build(status: str, people: dict[str, Any]) -> Session:
    """A session in ``status`` with Ayşe facilitating and Zeynep taking the notes, two hands
    in the queue while it was live, an agenda item about a proposal, and decisions in each
    state: not opened, a round open, between rounds, adopted, recorded."""
    ayse, mehmet, zeynep = people["facilitator"], people["member"], people["note_taker"]
    session = people["session"]
    SessionTask.objects.create(session=session, user=zeynep, task=Task.NOTE_TAKER)
    proposal = make_proposal(ayse, session.assembly)
    proposal_services.change_state(ayse, proposal.pk, "open_discussion")
    AgendaItem.objects.create(session=session, position=3, title="Depo", proposal=proposal)
    check_in(session, ayse, mehmet, zeynep)

    def decision(title: str, **extra: Any) -> int:
        return voting_services.create_decision(
            ayse, assembly=session.assembly, session=session, title=title, method="consent", **extra
        ).pk

    decision("Açılmadı")
    if status != SessionStatus.SCHEDULED:
        assembly_services.start_session(ayse, session.pk)
        assembly_services.raise_hand(mehmet, session.pk, "speak")
        assembly_services.raise_hand(zeynep, session.pk, "speak")
        first = AgendaItem.objects.filter(session=session).order_by("position").first()
        assert first is not None
        assembly_services.open_agenda_item(ayse, session.pk, first.pk)
        opened = decision("Tur açık")
        voting_services.open_round(ayse, opened)
        second = decision("İkinci tur, yedek kuralla", policy=FALLBACK)
        voting_services.open_round(ayse, second)
        voting_services.cast_stance(mehmet, second, option="objection", reason="Yer yok.")
        voting_services.close_round(ayse, second)
        voting_services.open_round(ayse, second)
        between = decision("Turlar arasında", policy=FALLBACK)
        voting_services.open_round(ayse, between)
        voting_services.cast_stance(mehmet, between, option="objection", reason="Bütçe yok.")
        voting_services.close_round(ayse, between)
        for title, record in (("Kabul edildi", False), ("Kayda geçti", True)):
            done = decision(title)
            voting_services.open_round(ayse, done)
            voting_services.cast_stance(mehmet, done, option="consent")
            voting_services.close_round(ayse, done)
            if record:
                voting_services.record_decision(ayse, done, statement="Kabul edildi.")
    if status in {SessionStatus.ADJOURNED, SessionStatus.CLOSED}:
        assembly_services.adjourn_session(ayse, session.pk)
    if status == SessionStatus.CLOSED:
        assembly_services.close_session(ayse, session.pk)
    session.refresh_from_db()
    assert session.status == status
    return session


def session_payloads(state: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """A valid payload of every session-wide command, for this state."""
    queue = state["queue"]["queue"]
    item = state["agenda"][0]["id"]
    return {
        "hand.raise": {"kind": "question"},
        "hand.lower": {},
        "attendance.check_in": {},
        "task.volunteer": {"task": "facilitator"},
        "minutes.save": {"item": item, "text": "Açılış yapıldı."},
        "queue.next": {},
        "queue.move": {"member": queue[-1]["member"], "position": 0} if queue else None,
        "timer.start": {"seconds": 60},
        "timer.stop": {},
        "agenda.add": {"title": "Yeni madde"},
        "decision.create": {"title": "Yeni soru", "method": "consent"},
        "session.start": {},
        "session.adjourn": {},
        "session.close": {},
    }


def item_payloads(row: dict[str, Any], index: int) -> dict[str, dict[str, Any]]:
    return {
        "agenda.open": {"item": row["id"]},
        "agenda.move": {"item": row["id"], "offset": -1 if index else 1},
        "agenda.remove": {"item": row["id"]},
    }


def decision_payloads(decision: int) -> dict[str, dict[str, Any]]:
    return {
        "stance.cast": {"decision": decision, "option": "consent"},
        "round.open": {"decision": decision},
        "round.close": {"decision": decision},
        "round.fallback": {"decision": decision, "fallback": True},
        "decision.record": {"decision": decision, "statement": "Kayda geçsin."},
    }


def compare(
    shown: set[str],
    payloads: Mapping[str, dict[str, Any] | None],
    check: Callable[[str, dict[str, Any]], bool],
) -> tuple[set[str], set[str]]:
    """(shown but refused, accepted but not shown)."""
    tried = {name for name, payload in payloads.items() if payload is not None}
    taken = {name for name in tried if check(name, payloads[name] or {})}
    return (shown & tried) - taken, taken - shown


@pytest.fixture
def people(session, facilitator, member, member2, observer, outsider) -> dict[str, Any]:
    return {
        "session": session,
        "facilitator": facilitator,
        "note_taker": member2,
        "member": member,
        "observer": observer,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("status", [s.value for s in SessionStatus])
def test_the_live_screen_offers_exactly_what_the_server_accepts(
    status: str, people: dict[str, Any]
) -> None:
    session = build(status, people)
    roles_seen = set()
    offered: set[str] = set()
    drift: list[tuple[str, str, set[str], set[str]]] = []
    for reader in ("facilitator", "note_taker", "member", "observer", "outsider", "anonymous"):
        user = people[reader]
        state = snapshot(session.pk, user)
        role = state["you"]["role"]
        roles_seen.add(role)

        def check(name: str, payload: dict[str, Any], user: Any = user) -> bool:
            return accepted(name, user, session.pk, payload)

        session_shown = set(state["session"]["actions"].get(role, []))
        offered |= session_shown
        payloads = {k: v for k, v in session_payloads(state).items() if k not in ITEM_COMMANDS}
        refused, unshown = compare(session_shown - set(ITEM_COMMANDS), payloads, check)
        if refused or unshown:
            drift.append((reader, "session", refused, unshown))
        for index, row in enumerate(state["agenda"]):
            shown = set(row["actions"].get(role, []))
            offered |= shown
            refused, unshown = compare(shown, item_payloads(row, index), check)
            if row["proposal"] is not None:
                payload = {"title": "Depo", "method": "consent", "proposal": row["proposal"]["id"]}
                said = "decision.create" in shown
                if said != check("decision.create", payload):
                    (refused if said else unshown).add("decision.create")
            if refused or unshown:
                drift.append((reader, f"item {row['title']}", refused, unshown))
        for summary in state["decisions"]:
            shown = set(summary["actions"].get(role, []))
            offered |= shown
            refused, unshown = compare(shown, decision_payloads(summary["id"]), check)
            if refused or unshown:
                drift.append((reader, f"decision {summary['title']}", refused, unshown))
    assert drift == [], "\n".join(map(str, drift))
    assert roles_seen == {"facilitator", "note_taker", "member", "watcher"}
    if status == SessionStatus.LIVE:  # the walk reaches every kind of command
        every = {*session_payloads(snapshot(session.pk)), *ITEM_COMMANDS, "round.fallback"}
        assert offered >= every - {"session.start", "session.close"}  # not while live
