"""Services: versions, co-authors, amendments, discussion, moderation, readiness, and the
proposal's state following the decisions taken on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assembly.models import AgendaItem, Session, SessionStatus, SessionTask, Task
from common.errors import Conflict, Forbidden, Invalid, NotFound
from proposals import selectors, services
from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    ModerationEvent,
    Proposal,
    Reaction,
    Version,
)
from tests.proposals.conftest import TEXT, make_proposal
from voting import services as voting

pytestmark = pytest.mark.django_db

P0, P1, P2 = TEXT.split("\n\n")


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


# --- Creating and states ------------------------------------------------------------------


def test_a_new_proposal_is_a_draft_with_version_one(draft, facilitator) -> None:
    assert draft.state == "draft"
    assert [(v.number, v.text, v.author_id) for v in selectors.versions(draft)] == [
        (1, TEXT, facilitator.pk)
    ]
    assert CoAuthor.objects.get(proposal=draft).status == "accepted"


def test_only_members_write_proposals(assembly, observer, outsider) -> None:
    for user in (observer, outsider):
        with pytest.raises(Forbidden):
            make_proposal(user, assembly)


def test_title_and_text_limits(assembly, facilitator) -> None:
    with pytest.raises(Invalid) as exc:
        services.create_proposal(facilitator, assembly=assembly, title="x" * 201, text="y")
    assert "title" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_proposal(facilitator, assembly=assembly, title="Başlık", text=" \n ")
    assert "text" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_proposal(facilitator, assembly=assembly, title="Başlık", text="y" * 100_001)
    assert "text" in exc.value.fields
    assert not Proposal.objects.exists()


def test_open_withdraw_and_back(draft, facilitator, member) -> None:
    with pytest.raises(NotFound):  # a draft: the member cannot even read it
        services.change_state(member, draft.pk, "open_discussion")
    services.change_state(facilitator, draft.pk, "open_discussion")
    with pytest.raises(Conflict):
        services.change_state(facilitator, draft.pk, "open_discussion")
    with pytest.raises(Conflict):
        services.change_state(facilitator, draft.pk, "return_to_discussion")
    with pytest.raises(Invalid):
        services.change_state(facilitator, draft.pk, "adopt")  # follows from the decision
    assert services.change_state(facilitator, draft.pk, "withdraw").state == "withdrawn"


def test_the_legacy_constructor_makes_a_whole_proposal(assembly, member) -> None:
    proposal = Proposal.objects.create(
        assembly=assembly, title="Eski yol", text="Metin.", created_by=member
    )
    assert proposal.state == "discussion"
    assert selectors.current_version(proposal).text == "Metin."
    assert selectors.proposal_detail(proposal)["authors"] == [member.pk]


# --- Co-authors -----------------------------------------------------------------------------


def test_invite_and_accept(draft, facilitator, member, observer) -> None:
    with pytest.raises(Invalid):
        services.invite_coauthor(facilitator, draft.pk, observer.pk)
    services.invite_coauthor(facilitator, draft.pk, member.pk)
    services.invite_coauthor(facilitator, draft.pk, member.pk)  # again: nothing new
    assert CoAuthor.objects.filter(proposal=draft, user=member).count() == 1
    detail = selectors.proposal_detail(draft)
    assert detail["authors"] == [facilitator.pk] and detail["invited"] == [member.pk]
    row = services.respond_to_invitation(member, draft.pk, accept=True)
    assert row.status == "accepted"
    assert selectors.proposal_detail(draft)["authors"] == sorted([facilitator.pk, member.pk])
    with pytest.raises(Conflict):
        services.respond_to_invitation(member, draft.pk, accept=False)
    with pytest.raises(Conflict):
        services.invite_coauthor(facilitator, draft.pk, member.pk)


def test_decline_an_invitation(draft, facilitator, member, member2) -> None:
    services.invite_coauthor(facilitator, draft.pk, member.pk)
    assert services.respond_to_invitation(member, draft.pk, accept=False).status == "declined"
    with pytest.raises(NotFound):  # no longer invited, so the draft is not theirs to read
        services.respond_to_invitation(member, draft.pk, accept=True)
    with pytest.raises(NotFound):
        services.respond_to_invitation(member2, draft.pk, accept=True)


# --- Versions -------------------------------------------------------------------------------


def test_versions_are_numbered_and_immutable(proposal, facilitator) -> None:
    v2 = services.create_version(facilitator, proposal.pk, text=TEXT + "\n\nEk.", note="Ek")
    v3 = services.create_version(facilitator, proposal.pk, text=TEXT, note="Geri aldık")
    assert (v2.number, v3.number) == (2, 3)
    proposal.refresh_from_db()
    assert proposal.text == TEXT
    with pytest.raises(ValueError, match="immutable"):
        v2.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(proposal=proposal, number=3, text="x")


def test_a_version_needs_a_change_and_a_note(proposal, facilitator) -> None:
    with pytest.raises(Invalid) as exc:
        services.create_version(facilitator, proposal.pk, text=TEXT, note="Aynı")
    assert "text" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_version(facilitator, proposal.pk, text="Yeni", note=" ")
    assert "note" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_version(facilitator, proposal.pk, text="Yeni", note="n" * 501)
    assert "note" in exc.value.fields


def test_only_co_authors_make_versions(proposal, member, observer) -> None:
    for user in (member, observer):
        with pytest.raises(Forbidden):
            services.create_version(user, proposal.pk, text="Yeni", note="n")


def test_line_endings_are_normalised(proposal, facilitator) -> None:
    version = services.create_version(
        facilitator, proposal.pk, text=TEXT.replace("\n", "\r\n") + "\r\n\r\nEk.", note="n"
    )
    assert version.text == TEXT + "\n\nEk."


def test_no_versions_once_withdrawn(proposal, facilitator) -> None:
    services.change_state(facilitator, proposal.pk, "withdraw")
    with pytest.raises(Conflict):
        services.create_version(facilitator, proposal.pk, text="Yeni", note="n")


# --- Amendments -----------------------------------------------------------------------------


def amend(user, proposal, text, base=1, **extra) -> Amendment:
    return services.propose_amendment(
        user, proposal.pk, base_version=base, text=text, rationale="Daha açık olsun.", **extra
    )


def test_accept_an_amendment_to_the_current_version(proposal, facilitator, member) -> None:
    amendment = amend(member, proposal, edit(TEXT, P2, "Bakımını mahalle üstlenir."))
    version = services.accept_amendment(facilitator, amendment.pk)
    amendment.refresh_from_db()
    assert (version.number, version.author_id, version.amendment_id) == (2, member.pk, amendment.pk)
    assert amendment.status == "accepted" and amendment.version_id == version.pk
    with pytest.raises(Conflict):
        services.accept_amendment(facilitator, amendment.pk)
    with pytest.raises(Conflict):
        services.decline_amendment(facilitator, amendment.pk, reason="Geç")


def test_accept_reapplies_onto_a_newer_version(proposal, facilitator, member) -> None:
    amendment = amend(member, proposal, edit(TEXT, P2, "Bakımını mahalle üstlenir."))
    services.create_version(
        facilitator, proposal.pk, text=edit(TEXT, P0, "Bostana depo kurulur."), note="Kısa"
    )
    version = services.accept_amendment(facilitator, amendment.pk)
    assert version.number == 3
    assert version.text == "\n\n".join(["Bostana depo kurulur.", P1, "Bakımını mahalle üstlenir."])


def test_a_clash_marks_the_amendment_and_answers_409(proposal, facilitator, member) -> None:
    amendment = amend(member, proposal, edit(TEXT, P1, "Depo büyük olur."))
    services.create_version(
        facilitator, proposal.pk, text=edit(TEXT, P1, "Depo küçük olur."), note="n"
    )
    with pytest.raises(Conflict) as exc:
        services.accept_amendment(facilitator, amendment.pk)
    assert exc.value.fields == {"needs_rebase": True}
    amendment.refresh_from_db()
    assert amendment.needs_rebase and amendment.status == "open"  # the mark is kept
    assert Version.objects.filter(proposal=proposal).count() == 2  # nothing half-written
    # The author redoes it on version 2; then it is accepted.
    with pytest.raises(Forbidden):
        services.rebase_amendment(facilitator, amendment.pk, base_version=2, text="x")
    services.rebase_amendment(
        member, amendment.pk, base_version=2, text=edit(TEXT, P1, "Depo orta boy olur.")
    )
    amendment.refresh_from_db()
    assert not amendment.needs_rebase and amendment.base_version.number == 2
    assert services.accept_amendment(facilitator, amendment.pk).number == 3


def test_amendment_validation(proposal, member) -> None:
    with pytest.raises(Invalid) as exc:
        amend(member, proposal, "x", base=9)
    assert "base_version" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        amend(member, proposal, TEXT)
    assert "text" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        amend(member, proposal, "Yeni", paragraph=3)
    assert "paragraph" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.propose_amendment(
            member, proposal.pk, base_version=1, text="Yeni", rationale="r" * 2001
        )
    assert "rationale" in exc.value.fields
    assert amend(member, proposal, "Yeni", paragraph=2).paragraph == 2


def test_who_amends(proposal, draft, observer, facilitator) -> None:
    with pytest.raises(Forbidden):
        amend(observer, proposal, "Yeni")


def test_no_amendments_to_a_draft(assembly, facilitator) -> None:
    draft = make_proposal(facilitator, assembly)
    with pytest.raises(Conflict):
        amend(facilitator, draft, "Yeni")


def test_decline_needs_a_reason(proposal, facilitator, member) -> None:
    amendment = amend(member, proposal, "Yeni")
    with pytest.raises(Forbidden):
        services.decline_amendment(member, amendment.pk, reason="Kendim")
    with pytest.raises(Invalid):
        services.decline_amendment(facilitator, amendment.pk, reason=" ")
    declined = services.decline_amendment(facilitator, amendment.pk, reason="Kapsam dışı.")
    assert (declined.status, declined.reason) == ("declined", "Kapsam dışı.")


def test_promote_to_an_alternative_for_a_ranked_decision(proposal, facilitator, member) -> None:
    amendment = amend(member, proposal, "Depo yerine bidonlar alınır.")
    services.promote_amendment(facilitator, amendment.pk)
    with pytest.raises(Conflict):
        services.accept_amendment(facilitator, amendment.pk)
    pairs = services.ranked_alternatives(proposal)
    assert pairs[0] == (proposal.title, TEXT)
    assert pairs[1][1] == "Depo yerine bidonlar alınır."
    assert "Mehmet Demir" in pairs[1][0]
    decision = voting.create_decision(
        facilitator,
        assembly=proposal.assembly,
        proposal=proposal,
        title=proposal.title,
        method="ranked",
        alternatives=pairs,
    )
    assert [a.text for a in decision.alternatives.order_by("position")][:2] == [
        TEXT,
        "Depo yerine bidonlar alınır.",
    ]


# --- Following the decisions ----------------------------------------------------------------


def decide(proposal, runner, voters, *, method="consent", option="consent", **extra):
    decision = voting.create_decision(
        runner,
        assembly=proposal.assembly,
        proposal=proposal,
        title=proposal.title,
        text=proposal.text,
        method=method,
        **extra,
    )
    voting.open_round(runner, decision.pk, seconds=3600)
    for voter in voters:
        if method == "ranked":
            voting.cast_stance(voter, decision.pk, ranking=option)
        else:
            voting.cast_stance(voter, decision.pk, option=option, reason="Gerekçe.")
    return decision


def state_of(proposal) -> str:
    proposal.refresh_from_db()
    return proposal.state


def test_adopted_when_a_round_closes_adopted(proposal, facilitator, member) -> None:
    decision = decide(proposal, facilitator, [facilitator, member])
    assert state_of(proposal) == "decision"
    with pytest.raises(Conflict):  # a round is open: the text stays
        services.create_version(facilitator, proposal.pk, text="Yeni", note="n")
    accepted_later = amend(member, proposal, "Yeni")  # proposing is still fine
    with pytest.raises(Conflict):
        services.accept_amendment(facilitator, accepted_later.pk)
    voting.close_round(facilitator, decision.pk)
    assert state_of(proposal) == "adopted"
    assert selectors.proposal_detail(proposal)["record"] is None  # not recorded yet
    record = voting.record_decision(facilitator, decision.pk, statement="Depo kurulacak.")
    assert state_of(proposal) == "adopted"
    assert selectors.decision_record(proposal) == record
    assert selectors.proposal_detail(proposal)["record"]["ref"] == record.ref
    with pytest.raises(Conflict):
        services.create_version(facilitator, proposal.pk, text="Yeni", note="n")


def test_not_adopted_rounds_let_the_group_go_back_to_discussion(
    proposal, facilitator, member
) -> None:
    decision = decide(proposal, facilitator, [member], option="objection")
    with pytest.raises(Conflict):
        services.change_state(facilitator, proposal.pk, "return_to_discussion")
    voting.close_round(facilitator, decision.pk)
    assert state_of(proposal) == "decision"
    services.change_state(facilitator, proposal.pk, "return_to_discussion")
    assert state_of(proposal) == "discussion"
    # The revised text is what the decision's next round decides on.
    services.create_version(facilitator, proposal.pk, text=TEXT + "\n\nEk.", note="İtiraz")
    decision.refresh_from_db()
    assert decision.text == TEXT + "\n\nEk."
    voting.open_round(facilitator, decision.pk, seconds=60)
    assert state_of(proposal) == "decision"


def test_recorded_without_adoption_is_not_adopted(proposal, facilitator, member) -> None:
    decision = decide(proposal, facilitator, [member], option="objection")
    voting.close_round(facilitator, decision.pk)
    voting.record_decision(facilitator, decision.pk, statement="Kabul edilmedi.")
    assert state_of(proposal) == "not_adopted"
    assert selectors.proposal_detail(proposal)["record"] is None


def test_a_temperature_check_does_not_move_the_proposal(proposal, facilitator, member) -> None:
    decision = decide(proposal, facilitator, [member], method="temperature", option="4")
    voting.close_round(facilitator, decision.pk)
    voting.record_decision(facilitator, decision.pk, statement="Eğilim olumlu.")
    assert state_of(proposal) == "discussion"


def test_a_draft_cannot_be_brought_to_a_decision(draft, facilitator, member) -> None:
    with pytest.raises(Conflict):
        decide(draft, facilitator, [facilitator])
    assert state_of(draft) == "draft"
    assert not draft.decisions.exists()


def test_a_promoted_amendment_that_wins_becomes_the_text(
    proposal, facilitator, member, member2
) -> None:
    amendment = amend(member, proposal, "Depo yerine bidonlar alınır.")
    services.promote_amendment(facilitator, amendment.pk)
    decision = decide(
        proposal,
        facilitator,
        [facilitator, member, member2],
        method="ranked",
        option=["alt-2", "alt-1", "status_quo"],
        alternatives=services.ranked_alternatives(proposal),
    )
    voting.close_round(facilitator, decision.pk)
    assert state_of(proposal) == "adopted"
    current = selectors.current_version(proposal)
    assert (current.number, current.text) == (2, "Depo yerine bidonlar alınır.")
    amendment.refresh_from_db()
    assert amendment.status == "accepted" and amendment.version_id == current.pk


# --- Discussion -----------------------------------------------------------------------------


def test_comments_replies_and_anchors(proposal, facilitator, member) -> None:
    top = services.add_comment(
        member,
        proposal.pk,
        kind="question",
        body="Depo nereye?",
        anchor={"version": 1, "paragraph": 2},
    )
    reply = services.add_comment(
        facilitator, proposal.pk, kind="idea", body="Köşeye.", parent=top.pk
    )
    with pytest.raises(Invalid) as exc:
        services.add_comment(member, proposal.pk, kind="idea", body="Derin", parent=reply.pk)
    assert "parent" in exc.value.fields
    for anchor in ({"version": 1, "paragraph": 3}, {"version": 2, "paragraph": 0}):
        with pytest.raises(Invalid) as exc:
            services.add_comment(member, proposal.pk, kind="idea", body="x", anchor=anchor)
        assert "anchor" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.add_comment(member, proposal.pk, kind="rant", body="x")
    assert "kind" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.add_comment(member, proposal.pk, kind="idea", body="b" * 10_001)
    assert "body" in exc.value.fields
    thread = selectors.comments(proposal, member)
    assert [c["id"] for c in thread] == [top.pk]
    assert thread[0]["anchor"] == {"version": 1, "paragraph": 2}
    assert [r["id"] for r in thread[0]["replies"]] == [reply.pk]


def test_comments_on_an_amendment_are_their_own_thread(proposal, member, member2) -> None:
    amendment = amend(member, proposal, "Yeni")
    on_amendment = services.add_comment(
        member2, proposal.pk, kind="support", body="İyi.", amendment_id=amendment.pk
    )
    services.add_comment(member2, proposal.pk, kind="support", body="Genel.")
    assert [c["id"] for c in selectors.comments(proposal, member, amendment=amendment)] == [
        on_amendment.pk
    ]
    assert on_amendment.pk not in [c["id"] for c in selectors.comments(proposal, member)]
    with pytest.raises(Invalid):  # a reply stays in its thread
        services.add_comment(member, proposal.pk, kind="idea", body="x", parent=on_amendment.pk)


def test_the_discussion_closes_with_the_proposal(proposal, facilitator, member) -> None:
    services.change_state(facilitator, proposal.pk, "withdraw")
    with pytest.raises(Conflict):
        services.add_comment(member, proposal.pk, kind="idea", body="Geç kaldım.")


def test_editing_keeps_the_history(proposal, member, member2) -> None:
    comment = services.add_comment(member, proposal.pk, kind="idea", body="İlk hali.")
    with pytest.raises(Forbidden):
        services.edit_comment(member2, comment.pk, body="Başkası")
    services.edit_comment(member, comment.pk, body="İkinci hali.", kind="concern")
    services.edit_comment(member, comment.pk, body="Üçüncü hali.")
    services.edit_comment(member, comment.pk, body="Üçüncü hali.")  # no change, no revision
    comment.refresh_from_db()
    assert (comment.body, comment.kind) == ("Üçüncü hali.", "concern")
    assert [(r.body, r.kind) for r in CommentRevision.objects.filter(comment=comment)] == [
        ("İlk hali.", "idea"),
        ("İkinci hali.", "concern"),
    ]


def test_moderation_without_punishment(proposal, facilitator, member, member2, session) -> None:
    comment = services.add_comment(member, proposal.pk, kind="idea", body="Telefonu 0555 000.")
    with pytest.raises(Forbidden):
        services.moderate(member2, comment.pk, "hide", note="Bence kötü")
    with pytest.raises(Invalid):
        services.moderate(facilitator, comment.pk, "hide", note="")
    services.moderate(facilitator, comment.pk, "hide", note="Kişisel veri paylaşılmış.")
    with pytest.raises(Conflict):
        services.moderate(facilitator, comment.pk, "hide", note="Yine")
    # Others see that it is hidden, not what it said; its author sees why.
    seen_by_other = selectors.comments(proposal, member2)[0]
    assert seen_by_other["hidden"] and seen_by_other["body"] is None
    assert seen_by_other["moderation"] is None
    seen_by_author = selectors.comments(proposal, member)[0]
    assert seen_by_author["body"] == "Telefonu 0555 000."
    assert seen_by_author["moderation"] == {
        "state": "hidden",
        "reason": "Kişisel veri paylaşılmış.",
    }
    with pytest.raises(Forbidden):
        services.moderate(member2, comment.pk, "answer", note="Ben yazmadım")
    services.moderate(member, comment.pk, "answer", note="Haklısınız.")
    services.edit_comment(member, comment.pk, body="Numarayı çıkardım.")
    services.moderate(member, comment.pk, "request_restore", note="Düzelttim.")
    with pytest.raises(Conflict):
        services.moderate(member, comment.pk, "request_restore")
    services.moderate(facilitator, comment.pk, "restore", note="Teşekkürler.")
    assert selectors.comments(proposal, member2)[0]["body"] == "Numarayı çıkardım."
    with pytest.raises(Conflict):
        services.moderate(facilitator, comment.pk, "restore")
    assert [e.action for e in ModerationEvent.objects.filter(comment=comment)] == [
        "hidden",
        "answered",
        "edited",
        "restore_requested",
        "restored",
    ]


def test_reactions_one_per_member(proposal, member, member2, observer) -> None:
    comment = services.add_comment(member, proposal.pk, kind="idea", body="Fikir.")
    services.react(member2, comment.pk, "+1")
    services.react(member2, comment.pk, "heart")
    services.react(member, comment.pk, "heart")
    assert Reaction.objects.filter(comment=comment).count() == 2
    assert selectors.comments(proposal, member2)[0]["reactions"] == {
        "+1": 0,
        "heart": 2,
        "thinking": 0,
    }
    assert selectors.comments(proposal, member2)[0]["my_reaction"] == "heart"
    with pytest.raises(Invalid):
        services.react(member2, comment.pk, "angry")
    with pytest.raises(Forbidden):
        services.react(observer, comment.pk, "+1")
    assert services.unreact(member2, comment.pk)
    assert not services.unreact(member2, comment.pk)


# --- Readiness ------------------------------------------------------------------------------


def test_co_signatures_make_it_ready(proposal, assembly, facilitator, member, member2) -> None:
    assembly.cosign_threshold = 2
    assembly.save()
    with pytest.raises(Forbidden):
        services.cosign(facilitator, proposal.pk)  # a co-author
    assert not services.cosign(member, proposal.pk)
    assert not services.cosign(member, proposal.pk)  # once each
    assert services.cosign(member2, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.ready_at is not None
    assert not services.withdraw_cosign(member2, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.ready_at is None
    with pytest.raises(NotFound):
        services.withdraw_cosign(member2, proposal.pk)


def test_co_signing_only_in_discussion(draft, assembly, facilitator, member) -> None:
    services.invite_coauthor(facilitator, draft.pk, member.pk)  # so that they can read it
    with pytest.raises(Conflict):
        services.cosign(member, draft.pk)


def test_ready_proposals_are_suggested_for_the_next_session(
    proposal, assembly, facilitator, member, member2
) -> None:
    assembly.cosign_threshold = 2
    assembly.save()
    soon = Session.objects.create(
        assembly=assembly, title="Aralık", starts_at=timezone.now() + timedelta(days=3)
    )
    Session.objects.create(
        assembly=assembly, title="Ocak", starts_at=timezone.now() + timedelta(days=30)
    )
    Session.objects.create(
        assembly=assembly,
        title="Dün",
        starts_at=timezone.now() - timedelta(days=1),
        status=SessionStatus.CLOSED,
    )
    not_ready = make_proposal(facilitator, assembly)
    services.change_state(facilitator, not_ready.pk, "open_discussion")
    services.cosign(member, proposal.pk)
    services.cosign(member2, proposal.pk)
    suggestions = selectors.agenda_suggestions(assembly)
    assert suggestions["session"] == soon
    assert suggestions["proposals"] == [proposal]
    AgendaItem.objects.create(session=soon, title="Depo", proposal=proposal)
    assert selectors.agenda_suggestions(assembly)["proposals"] == []


# --- The demo -------------------------------------------------------------------------------


def test_the_demo_proposals(db) -> None:
    from assembly.management.commands import seed_demo
    from assembly.models import Assembly, User, WorkingGroup
    from proposals.demo import seed_proposals

    seed_demo.seed()
    assembly = Assembly.objects.get(slug="ikhm")
    users = {u.username: u for u in User.objects.all()}
    groups = {g.slug: g for g in WorkingGroup.objects.filter(assembly=assembly)}
    before = set(Proposal.objects.values_list("pk", flat=True))
    made = seed_proposals(users, assembly, groups)
    # seed_demo made them with seed_proposals already: calling it again adds nothing.
    assert {p.pk for p in made.values()} == before
    archive = made["archive"]
    assert archive.state == "discussion" and archive.ready_at is not None
    assert Comment.objects.filter(proposal=archive).count() == 2

    # Every proposal has its whole history; the demo's open rounds put two to a decision.
    water, eviction = made["water"], made["eviction"]
    assert [v.number for v in selectors.versions(water)] == [1, 2]
    assert Amendment.objects.get(proposal=water).status == "open"
    assert [v.number for v in selectors.versions(eviction)] == [1, 2, 3]
    assert set(Amendment.objects.filter(proposal=eviction).values_list("status", flat=True)) == {
        "accepted",
        "declined",
    }
    assert water.state == eviction.state == "decision"
    assert ModerationEvent.objects.filter(comment__proposal=eviction).count() == 5
    assert SessionTask.objects.filter(task=Task.FACILITATOR).exists()
