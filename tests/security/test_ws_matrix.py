"""Who may send which socket command: one table over the command registry and every persona.

A command in ``realtime.protocol.REGISTRY`` without a row fails
``test_every_command_is_in_the_table``. The session is public and live, so everyone can
watch it and try every command; members-only sessions refuse strangers at the handshake
(``test_members_only_sessions_refuse_strangers_at_the_door``).

Outcomes: ``ok`` passed every gate (the command ran, or its data or the state said no:
``invalid`` or ``conflict``); ``deny`` a ``forbidden`` reply; ``hide`` a ``not_found`` reply.
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from assembly.models import AgendaItem, Visibility
from realtime.protocol import REGISTRY
from tests.realtime.conftest import sockets  # noqa: F401  (fixture)
from tests.security.world import PERSONAS
from tests.voting.conftest import check_in, new_decision
from voting import services as voting_services

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = """
# command              anon   outs   obs    member wg     facil  oper
agenda.open            deny   deny   deny   deny   deny   ok     deny
attendance.check_in    deny   deny   deny   ok     ok     ok     deny
decision.create        deny   deny   deny   deny   deny   ok     deny
decision.record        deny   deny   deny   deny   deny   ok     deny
hand.lower             deny   deny   deny   ok     ok     ok     deny
hand.raise             deny   deny   deny   ok     ok     ok     deny
minutes.save           deny   deny   deny   deny   deny   ok     deny
queue.move             deny   deny   deny   deny   deny   ok     deny
queue.next             deny   deny   deny   deny   deny   ok     deny
round.close            deny   deny   deny   deny   deny   ok     deny
round.open             deny   deny   deny   deny   deny   ok     deny
session.adjourn        deny   deny   deny   deny   deny   ok     deny
session.close          deny   deny   deny   deny   deny   ok     deny
session.start          deny   deny   deny   deny   deny   ok     deny
stance.cast            deny   deny   deny   ok     ok     ok     deny
task.volunteer         deny   deny   deny   ok     ok     ok     deny
timer.start            deny   deny   deny   deny   deny   ok     deny
timer.stop             deny   deny   deny   deny   deny   ok     deny
"""


def parse(table: str) -> dict[str, tuple[str, ...]]:
    rows = {}
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        command, *expected = line.split()
        assert len(expected) == len(PERSONAS), line
        rows[command] = tuple(expected)
    return rows


EXPECTED = parse(TABLE)
CODES = {"forbidden": "deny", "not_found": "hide", "invalid": "ok", "conflict": "ok"}


def test_every_command_is_in_the_table() -> None:
    assert sorted(REGISTRY) == sorted(EXPECTED)


@pytest.fixture
def stage(public_session: Any, facilitator: Any, member: Any, wg_member: Any) -> dict[str, Any]:
    check_in(public_session, facilitator, member, wg_member)
    decision = new_decision(facilitator, session=public_session)
    voting_services.open_round(facilitator, decision.pk)
    item = AgendaItem.objects.filter(session=public_session).order_by("position").first()
    assert item is not None
    return {"session": public_session, "decision": decision.pk, "item": item.pk}


def sample(command: str, stage: dict[str, Any], member: Any) -> dict[str, Any]:
    """Data valid in form for every command: what a permitted person would send."""
    decision, item = stage["decision"], stage["item"]
    return {
        "hand.raise": {"kind": "speak"},
        "hand.lower": {},
        "session.start": {},
        "session.adjourn": {},
        "session.close": {},
        "agenda.open": {"item": item},
        "queue.next": {},
        "queue.move": {"member": member.pk, "position": 0},
        "timer.start": {"seconds": 60},
        "timer.stop": {},
        "minutes.save": {"item": item, "text": "Tutanak"},
        "attendance.check_in": {},
        "task.volunteer": {"task": "note_taker"},
        "stance.cast": {"decision": decision, "option": "consent"},
        "round.open": {"decision": decision},
        "round.close": {"decision": decision},
        "decision.record": {"decision": decision, "statement": "Karar"},
        "decision.create": {"title": "Bostan için ikinci depo", "method": "consent"},
    }[command]


@pytest.mark.asyncio
@pytest.mark.parametrize("command", sorted(EXPECTED))
async def test_command(
    sockets: Any,  # noqa: F811
    stage: dict[str, Any],
    command: str,
    facilitator: Any,
    member: Any,
    observer: Any,
    outsider: Any,
    anonymous: Any,
    wg_member: Any,
    operator: Any,
) -> None:
    people = {
        "anonymous": anonymous,
        "outsider": outsider,
        "observer": observer,
        "member": member,
        "wg_member": wg_member,
        "facilitator": facilitator,
        "operator": operator,
    }
    if command in ("hand.lower", "queue.move"):  # hands to lower and to move
        from assembly import services

        for who in (member, wg_member, facilitator):
            await sync_to_async(services.raise_hand)(who, stage["session"].pk, "speak")
    data = sample(command, stage, member)
    observed = []
    for persona in PERSONAS:  # the facilitator, who may change the most, comes late
        accepted, socket = await sockets(stage["session"], people[persona])
        assert accepted, persona
        reply = await socket.command(command, data)
        observed.append("ok" if reply["ok"] else CODES[reply["error"]["code"]])
    assert tuple(observed) == EXPECTED[command], (command, observed)


@pytest.mark.asyncio
async def test_members_only_sessions_refuse_strangers_at_the_door(
    sockets: Any,  # noqa: F811
    live_session: Any,
    facilitator: Any,
    member: Any,
    observer: Any,
    outsider: Any,
    anonymous: Any,
    wg_member: Any,
    operator: Any,
) -> None:
    assert live_session.visibility == Visibility.MEMBERS
    expected = {
        "anonymous": False,
        "outsider": False,
        "observer": True,
        "member": True,
        "wg_member": True,
        "facilitator": True,
        "operator": False,
    }
    people = {
        "anonymous": anonymous,
        "outsider": outsider,
        "observer": observer,
        "member": member,
        "wg_member": wg_member,
        "facilitator": facilitator,
        "operator": operator,
    }
    for persona in PERSONAS:
        accepted, _ = await sockets(live_session, people[persona])
        assert accepted is expected[persona], persona
