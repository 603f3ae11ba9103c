"""The live screen's decisions without JavaScript: plain forms posted to session_command."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from assembly import services as assembly_services
from assembly.models import Session, User
from assembly.views import _form_data
from realtime import protocol
from voting import selectors, services
from voting.models import Decision, Record, Stance


def form(**fields: Any) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def test_plain_form_fields_become_what_the_socket_sends() -> None:
    registry = protocol.REGISTRY
    cast = _form_data(
        registry["stance.cast"],
        form(decision="7", ranking=["alt-2", "", "status_quo", ""], reason=""),
    )
    assert cast == {"decision": 7, "ranking": ["alt-2", "status_quo"]}
    assert _form_data(registry["stance.cast"], form(decision="7", option="3")) == {
        "decision": 7,
        "option": "3",
    }
    assert _form_data(registry["round.open"], form(decision="7", seconds="")) == {"decision": 7}
    assert _form_data(registry["round.open"], form(decision="7", seconds="90")) == {
        "decision": 7,
        "seconds": 90,
    }
    assert _form_data(registry["round.close"], form(decision="7", fallback="true")) == {
        "decision": 7,
        "fallback": True,
    }
    assert _form_data(registry["round.close"], form(decision="7", fallback="0")) == {
        "decision": 7,
        "fallback": False,
    }
    record = _form_data(
        registry["decision.record"],
        form(decision="7", statement="Kabul.", review_at="", supersedes=""),
    )
    assert record == {"decision": 7, "statement": "Kabul."}
    assert protocol.validate(registry["decision.record"], record)["review_at"] is None


@pytest.fixture
def consensus(live_session: Session, facilitator: User) -> Decision:
    return services.create_decision(
        facilitator,
        assembly=live_session.assembly,
        session=live_session,
        title="Kış dayanışma fonu",
        text="Kira güçlüğü çekenlere destek.",
        method="consensus",
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, session: Session, **fields: Any) -> Any:
    return client.post(
        reverse("session_command", args=[session.pk]),
        {"next": reverse("session", args=[session.pk]), **fields},
        follow=True,
    )


def test_a_decision_runs_from_the_live_screen_without_javascript(
    live_session: Session, consensus: Decision, facilitator: User, member: User
) -> None:
    chair, person = client_for(facilitator), client_for(member)
    page = chair.get(reverse("session", args=[live_session.pk])).content.decode()
    assert f'data-key="d{consensus.pk}"' in page
    assert 'id="decision-announce"' in page
    assert reverse("decision_create", args=[live_session.pk]) in page

    post(chair, live_session, type="round.open", decision=consensus.pk, seconds="")
    consensus.refresh_from_db()
    assert consensus.status == Decision.Status.OPEN

    page = person.get(reverse("session", args=[live_session.pk])).content.decode()
    assert f'name="option" id="d{consensus.pk}-ostand_aside"' in page
    response = post(
        person,
        live_session,
        type="stance.cast",
        decision=consensus.pk,
        option="stand_aside",
        reason="Bu dönem yer alamam.",
    )
    assert Stance.objects.filter(member=member, option="stand_aside").exists()
    page = response.content.decode()
    assert "Yanıtınız kaydedildi: Kenara çekiliyorum" in page
    assert "Yanıtı değiştir" in page
    assert "Gerekçe (zorunlu)" in page  # the chosen option needs a reason

    post(chair, live_session, type="round.close", decision=consensus.pk)
    page = post(
        chair,
        live_session,
        type="decision.record",
        decision=consensus.pk,
        statement="Fon kuruldu.",
        review_at="",
        supersedes="",
    ).content.decode()
    record = Record.objects.get(decision=consensus)
    assert f"Karar {record.ref} numarasıyla kaydedildi" in page
    assert selectors.record_url(record) in page


def test_a_ranked_stance_comes_from_several_selects(
    live_session: Session, facilitator: User, member: User
) -> None:
    decision = services.create_decision(
        facilitator,
        assembly=live_session.assembly,
        session=live_session,
        title="Toplantı sıklığı",
        method="ranked",
        alternatives=[("Her ay", ""), ("İki ayda bir", "")],
    )
    services.open_round(facilitator, decision.pk)
    assembly_services.check_in(member, live_session.pk)
    person = client_for(member)
    page = person.get(reverse("session", args=[live_session.pk])).content.decode()
    assert "1. tercih" in page and "3. tercih" in page
    post(
        person,
        live_session,
        type="stance.cast",
        decision=decision.pk,
        ranking=["alt-2", "", "status_quo"],
    )
    stance = Stance.objects.get(member=member)
    assert stance.ranking == ["alt-2", "status_quo"]
