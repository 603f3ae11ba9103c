"""The deliberation loop through the services: a proposal brought to a decision, rounds on
versions, objections integrated into new versions, adoption flowing back, the register.

Ayşe (the facilitator persona) wrote the proposal and facilitates the live session; Mehmet
and Zeynep are members. Everyone is checked in (``present``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from proposals import selectors as proposal_selectors
from proposals import services as proposal_services
from proposals.models import Proposal
from tests.assembly.helpers import refused as refused_code
from tests.proposals.conftest import TEXT, make_proposal
from voting import selectors, services
from voting.models import Decision, Record

pytestmark = pytest.mark.django_db

V2 = TEXT + "\n\nDepo için mahalle bütçesinden pay ayrılır."


@pytest.fixture
def open_proposal(assembly, facilitator) -> Proposal:
    draft = make_proposal(facilitator, assembly)
    return proposal_services.change_state(facilitator, draft.pk, "open_discussion")


def number(version: Any) -> int:
    """The number of a version that must be there."""
    assert version is not None
    return int(version.number)


def bring(actor, proposal, *, session=None, method="consent", **extra: Any) -> Decision:
    return services.create_decision(
        actor,
        assembly=proposal.assembly,
        session=session,
        proposal=proposal,
        title=proposal.title,
        method=method,
        **extra,
    )


def object_and_close(decision, facilitator, member, member2) -> Any:
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="objection", reason="Bütçe yazılmamış.")
    services.cast_stance(member2, decision.pk, option="consent")
    return services.close_round(facilitator, decision.pk)


# --- Bringing a proposal to a decision ----------------------------------------------------


def test_a_live_decision_asks_about_the_current_version(
    open_proposal, present, facilitator
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    assert decision.proposal_id == open_proposal.pk
    assert decision.text == TEXT
    round_ = services.open_round(facilitator, decision.pk)
    assert round_.version is not None
    assert (round_.version.number, round_.text) == (1, TEXT)
    open_proposal.refresh_from_db()
    assert open_proposal.state == "decision"


@pytest.mark.parametrize(
    ("who", "where", "code"),
    [
        ("facilitator", "session", None),  # the session's facilitator
        ("member", "session", "forbidden"),  # a member who does not facilitate it
        ("facilitator", "async", None),  # a co-author, outside a session
        ("member", "async", "forbidden"),  # a member who is no co-author
        ("observer", "async", "forbidden"),
        ("outsider", "async", "not_found"),  # may not even see the proposal
    ],
)
def test_who_may_bring_it_to_a_decision(open_proposal, present, personas, who, where, code) -> None:
    session = present if where == "session" else None
    if code is None:
        assert bring(personas[who], open_proposal, session=session).pk
        return
    with refused_code(code):
        bring(personas[who], open_proposal, session=session)
    assert not Decision.objects.exists()


def test_a_working_groups_members_bring_their_proposal_outside_a_session(
    assembly, working_group, wg_member, member
) -> None:
    draft = make_proposal(wg_member, assembly, working_group=working_group)
    proposal = proposal_services.change_state(wg_member, draft.pk, "open_discussion")
    decision = bring(wg_member, proposal, working_group=working_group)
    assert decision.working_group_id == working_group.pk
    with refused_code("forbidden"):
        bring(member, proposal)


@pytest.mark.parametrize("state", ["draft", "withdrawn"])
def test_only_a_proposal_in_discussion_is_brought(assembly, facilitator, state) -> None:
    proposal = make_proposal(facilitator, assembly)
    if state == "withdrawn":
        proposal_services.change_state(facilitator, proposal.pk, "withdraw")
    with refused_code("conflict"):
        bring(facilitator, proposal)


def test_one_decision_at_a_time_but_a_temperature_check_beside_it(
    open_proposal, facilitator
) -> None:
    first = bring(facilitator, open_proposal)
    with refused_code("conflict") as info:
        bring(facilitator, open_proposal, method="consensus")
    assert first.title in str(info.value.message)
    assert bring(facilitator, open_proposal, method="temperature").method == "temperature"


def test_a_decision_on_a_proposal_takes_its_text_from_the_version(
    open_proposal, facilitator
) -> None:
    assert bring(facilitator, open_proposal, text=TEXT + "\n").text == TEXT  # the same text
    Decision.objects.all().delete()
    with refused_code("invalid") as info:
        bring(facilitator, open_proposal, text="Başka bir metin.")
    assert "text" in info.value.fields
    assert not Decision.objects.exists()


def test_ranked_alternatives_default_to_the_text_and_the_promoted_amendments(
    open_proposal, facilitator, member
) -> None:
    with refused_code("invalid") as info:
        bring(facilitator, open_proposal, method="ranked")  # nothing to rank against
    assert "alternatives" in info.value.fields
    amendment = proposal_services.propose_amendment(
        member, open_proposal.pk, base_version=1, text=V2, rationale="Bütçe gerekli."
    )
    proposal_services.promote_amendment(facilitator, amendment.pk)
    decision = bring(facilitator, open_proposal, method="ranked")
    rows = list(decision.alternatives.order_by("position").values_list("key", "title", "text"))
    assert [r[2] for r in rows] == [TEXT, V2, ""]
    assert rows[0][1] == open_proposal.title
    assert str(amendment.pk) in rows[1][1] and "Mehmet Demir" in rows[1][1]
    assert rows[-1][0] == "status_quo"  # always last


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"quorum": "5/4"}, "quorum"),
        ({"quorum": 0.5}, "quorum"),
        ({"quorum_of": "herkes"}, "quorum_of"),
        ({"max_blocks": -1}, "max_blocks"),
        ({"max_blocks": "iki"}, "max_blocks"),
        ({"max_stand_aside": "2"}, "max_stand_aside"),
        ({"needs_discussion_share": "yarım"}, "needs_discussion_share"),
        ({"secret": "evet"}, "secret"),
        ({"reveal": "hiç"}, "reveal"),
        ({"fallback_after_rounds": 0, "fallback_share": "3/4"}, "fallback_after_rounds"),
        ({"fallback_after_rounds": 2}, "fallback_share"),
        ({"fallback_after_rounds": 2, "fallback_share": "4/3"}, "fallback_share"),
        ({"colour": "kırmızı"}, "colour"),
    ],
)
def test_a_bad_policy_field_is_named_and_nothing_is_created(
    open_proposal, present, facilitator, policy, field
) -> None:
    with refused_code("invalid") as info:
        bring(facilitator, open_proposal, session=present, policy=policy)
    assert field in info.value.fields["policy"]
    assert str(info.value.fields["policy"][field])  # a message a person can read
    assert not Decision.objects.exists()


def test_every_policy_field_is_kept(open_proposal, present, facilitator) -> None:
    policy = {
        "quorum": "2/3",
        "quorum_of": "eligible",
        "max_blocks": 2,
        "max_stand_aside": "1/4",
        "needs_discussion_share": "1/3",
        "secret": True,
        "reveal": "live",
        "fallback_after_rounds": 3,
        "fallback_share": "4/5",
    }
    decision = bring(facilitator, open_proposal, session=present, method="consensus", policy=policy)
    assert decision.policy == policy


@pytest.mark.parametrize(("live", "expected"), [(True, "present"), (False, "eligible")])
def test_the_quorum_base_defaults_by_mode(open_proposal, present, facilitator, live, expected):
    decision = bring(
        facilitator, open_proposal, session=present if live else None, policy={"quorum": "1/2"}
    )
    assert decision.policy["quorum_of"] == expected


def test_outside_a_session_nobody_is_present_to_count(open_proposal, facilitator) -> None:
    with refused_code("invalid") as info:
        bring(facilitator, open_proposal, policy={"quorum": "1/2", "quorum_of": "present"})
    assert "quorum_of" in info.value.fields["policy"]


def test_a_live_quorum_counted_against_everyone(
    assembly, open_proposal, present, facilitator, member, member2, observer
) -> None:
    """Three of four members are present; two respond: 2/3 of those present, 2/4 of all."""
    from tests.conftest import make_user

    absent = make_user("uzakta", "Uzakta Üye")
    assembly.memberships.create(user=absent, role="member")
    decision = bring(
        facilitator,
        open_proposal,
        session=present,
        policy={"quorum": "2/3", "quorum_of": "eligible"},
    )
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="consent")
    services.cast_stance(member2, decision.pk, option="consent")
    assert services.close_round(facilitator, decision.pk).outcome == "no_quorum"


def test_a_closed_session_takes_no_new_decision(open_proposal, present, facilitator) -> None:
    present.status = "closed"
    present.save(update_fields=["status"])
    with refused_code("conflict"):
        bring(facilitator, open_proposal, session=present)


# --- Rounds on versions -------------------------------------------------------------------


def test_an_integrated_objection_is_a_new_version_the_next_round_asks_about(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    first = object_and_close(decision, facilitator, member, member2)
    assert first.outcome == "not_adopted"
    objection = first.stances.get(option="objection")
    stance = services.resolve_dissent(
        facilitator, objection.pk, "integrated", note="Bütçe eklendi.", new_text=V2
    )
    version = stance.integrated_version
    assert version is not None and version.number == 2
    assert version.text == V2
    assert "Mehmet Demir" in version.note  # names the objection ...
    assert "Bütçe yazılmamış." in version.note
    assert "Ayşe Yılmaz" in version.note  # ... and who integrated it
    assert "Bütçe eklendi." in version.note
    assert version.author_id == facilitator.pk
    second = services.open_round(facilitator, decision.pk)
    assert (second.version_id, second.text) == (version.pk, V2)
    first.refresh_from_db()
    assert (number(first.version), first.text) == (1, TEXT)  # what round 1 asked stays
    services.cast_stance(member, decision.pk, option="consent")
    assert services.close_round(facilitator, decision.pk).outcome == "adopted"
    open_proposal.refresh_from_db()
    assert open_proposal.state == "adopted"
    assert open_proposal.adopted_version_id == version.pk


def test_a_co_author_integrates_and_a_member_may_not(
    assembly, working_group, wg_member, present, facilitator, member, member2
) -> None:
    draft = make_proposal(wg_member, assembly, working_group=working_group)
    proposal = proposal_services.change_state(wg_member, draft.pk, "open_discussion")
    decision = bring(facilitator, proposal, session=present)
    objection = object_and_close(decision, facilitator, member, member2).stances.get(
        option="objection"
    )
    with refused_code("forbidden"):
        services.resolve_dissent(member2, objection.pk, "integrated", new_text=V2)
    assert proposal_selectors.current_version(proposal).number == 1
    stance = services.resolve_dissent(wg_member, objection.pk, "integrated", new_text=V2)
    assert number(stance.integrated_version) == 2
    assert stance.resolved_by_id == wg_member.pk


def test_integrating_without_new_text_points_at_a_version_made_since(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    first = object_and_close(decision, facilitator, member, member2)
    objection = first.stances.get(option="objection")
    later = proposal_services.create_version(
        facilitator, open_proposal.pk, text=V2, note="Bütçe bölümü."
    )
    stance = services.resolve_dissent(facilitator, objection.pk, "integrated")
    assert stance.integrated_version_id == later.pk
    assert proposal_selectors.current_version(open_proposal).number == 2  # no third one


def test_a_new_version_while_pending_never_changes_what_a_round_asked(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    services.open_round(facilitator, decision.pk)
    with refused_code("conflict"):
        proposal_services.create_version(facilitator, open_proposal.pk, text=V2, note="x")
    services.cast_stance(member, decision.pk, option="objection", reason="Eksik.")
    first = services.close_round(facilitator, decision.pk)
    proposal_services.create_version(facilitator, open_proposal.pk, text=V2, note="Düzeltme")
    first.refresh_from_db()
    assert (number(first.version), first.text) == (1, TEXT)
    decision.refresh_from_db()
    assert decision.text == V2  # what the next round will ask about
    assert number(services.open_round(facilitator, decision.pk).version) == 2


def test_a_secret_objection_is_integrated_without_its_name(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present, policy={"secret": True})
    first = object_and_close(decision, facilitator, member, member2)
    objection = first.stances.get(option="objection")
    assert objection.member_id is None
    version = services.resolve_dissent(
        facilitator, objection.pk, "integrated", new_text=V2
    ).integrated_version
    assert version is not None
    assert "Mehmet" not in version.note
    assert "Bütçe yazılmamış." in version.note


def test_the_text_cannot_change_while_a_round_is_open(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    objection = object_and_close(decision, facilitator, member, member2).stances.get(
        option="objection"
    )
    services.open_round(facilitator, decision.pk)
    with refused_code("conflict"):
        services.resolve_dissent(facilitator, objection.pk, "integrated", new_text=V2)
    assert proposal_selectors.current_version(open_proposal).number == 1


# --- Adoption flows back, the register -----------------------------------------------------


def test_the_register_cites_the_adopted_version(
    open_proposal, present, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, session=present)
    first = object_and_close(decision, facilitator, member, member2)
    objection = first.stances.get(option="objection")
    services.resolve_dissent(facilitator, objection.pk, "integrated", new_text=V2)
    services.open_round(facilitator, decision.pk)
    services.cast_stance(member, decision.pk, option="consent")
    services.close_round(facilitator, decision.pk)
    record = services.record_decision(facilitator, decision.pk, statement="Depo kurulacak.")
    assert number(record.version) == 2
    row = selectors.record_json(record, "/x/")
    assert row["proposal"] == {"id": open_proposal.pk, "version": 2}
    assert row["followups"] == []
    assert [(r["number"], r["version"], r["outcome"]) for r in record.rounds] == [
        (1, 1, "not_adopted"),
        (2, 2, "adopted"),
    ]
    assert record.rounds[0]["dissent"][0]["integrated_version"] == 2
    detail = selectors.decision_detail(decision)
    assert detail["proposal"] == {"id": open_proposal.pk, "version": 2}
    assert [(r["number"], r["version"], r["outcome"]) for r in detail["rounds"]] == [
        (1, 1, "not_adopted"),
        (2, 2, "adopted"),
    ]


def test_not_adopted_leaves_it_open_for_a_new_version(
    open_proposal, facilitator, member, member2
) -> None:
    decision = bring(facilitator, open_proposal, method="consensus")
    services.open_round(facilitator, decision.pk, closes_at=timezone.now() + timedelta(days=1))
    services.cast_stance(member, decision.pk, option="block", reason="Yer belli değil.")
    assert services.close_round(facilitator, decision.pk).outcome == "blocked"
    open_proposal.refresh_from_db()
    assert open_proposal.state == "decision"  # between rounds: the text may still change
    assert (
        proposal_services.create_version(
            facilitator, open_proposal.pk, text=V2, note="Yer yazıldı."
        ).number
        == 2
    )
    record = services.record_decision(facilitator, decision.pk, statement="Engellendi.")
    assert number(record.version) == 1  # the version last asked about
    open_proposal.refresh_from_db()
    assert open_proposal.state == "not_adopted"
    reopened = proposal_services.change_state(facilitator, open_proposal.pk, "return_to_discussion")
    assert reopened.state == "discussion"
    assert bring(facilitator, reopened).proposal_id == open_proposal.pk  # brought again


def test_a_ranked_win_by_an_amendment_is_the_adopted_version(
    open_proposal, present, facilitator, member, member2
) -> None:
    amendment = proposal_services.propose_amendment(
        member, open_proposal.pk, base_version=1, text=V2, rationale="Bütçe gerekli."
    )
    proposal_services.promote_amendment(facilitator, amendment.pk)
    decision = bring(facilitator, open_proposal, session=present, method="ranked")
    services.open_round(facilitator, decision.pk)
    for voter in (facilitator, member, member2):
        services.cast_stance(voter, decision.pk, ranking=["alt-2", "alt-1", "status_quo"])
    services.close_round(facilitator, decision.pk)
    open_proposal.refresh_from_db()
    assert open_proposal.state == "adopted"
    assert open_proposal.adopted_version.text == V2
    record = services.record_decision(facilitator, decision.pk, statement="Değişiklik kazandı.")
    assert record.version_id == open_proposal.adopted_version_id
    assert Record.objects.count() == 1
