"""One members-only assembly with one of everything, for the permission matrix and the fuzzers.

Who is who (the personas of tests/conftest.py):
- ``facilitator`` facilitates the live session;
- ``member`` wrote the amendment, the comment and an objection in the open round, and put
  forward the asynchronous decision that is now in the register;
- ``wg_member`` is in the working group that owns the proposal, so its co-author;
- ``observer`` watches; ``outsider`` belongs to another assembly; ``operator`` is staff
  and belongs to none; ``anonymous`` is not logged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from assembly.models import (
    Assembly,
    Attendance,
    Invitation,
    Session,
    SessionStatus,
    User,
    WorkingGroup,
)
from followup import services as followup_services
from proposals import services as proposal_services
from proposals.models import Amendment, Comment, Proposal
from voting import services as voting_services
from voting.models import Decision, Record, Stance

PERSONAS = ("anonymous", "outsider", "observer", "member", "wg_member", "facilitator", "operator")
TEXT = "Mahalle bostanına yağmur suyu deposu kurulur.\n\nBakımını gönüllüler üstlenir."


@dataclass
class World:
    people: dict[str, Any]
    assembly: Assembly
    group: WorkingGroup
    session: Session
    proposal: Proposal
    amendment: Amendment
    comment: Comment
    decision: Decision
    objection: Stance
    record: Record
    commitment: Any
    invitation: Invitation
    kwargs: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)


def make_people() -> tuple[dict[str, Any], Assembly, WorkingGroup]:
    """The personas of tests/conftest.py, made without fixtures (for a module-wide world)."""
    from django.contrib.auth.models import AnonymousUser

    from assembly.models import (
        AgendaItem,
        Membership,
        Role,
        SessionTask,
        Task,
        WorkingGroupMembership,
    )
    from tests.conftest import make_user

    assembly = Assembly.objects.create(name="İKHM Genel Meclisi", slug="ikhm")
    other = Assembly.objects.create(name="Başka Meclis", slug="baska")
    group = WorkingGroup.objects.create(assembly=assembly, name="Su Çalışma Grubu", slug="su")
    people: dict[str, Any] = {"anonymous": AnonymousUser()}
    for persona, username, role, where in [
        ("facilitator", "ayse", Role.MEMBER, assembly),
        ("member", "mehmet", Role.MEMBER, assembly),
        ("observer", "gozlem", Role.OBSERVER, assembly),
        ("outsider", "disarida", Role.MEMBER, other),
        ("wg_member", "elif", Role.MEMBER, assembly),
    ]:
        people[persona] = make_user(username, persona.title())
        Membership.objects.create(assembly=where, user=people[persona], role=role)
    WorkingGroupMembership.objects.create(group=group, user=people["wg_member"])
    people["operator"] = make_user("operator", "İşletmen", is_staff=True, is_superuser=True)
    session = Session.objects.create(
        assembly=assembly,
        title="Kasım Genel Meclisi",
        starts_at=timezone.now() + timedelta(hours=1),
        speaking_seconds=120,
    )
    SessionTask.objects.create(session=session, user=people["facilitator"], task=Task.FACILITATOR)
    AgendaItem.objects.create(session=session, position=1, title="Açılış", minutes_budget=5)
    return people, assembly, group


def build_world(people: dict[str, Any], assembly: Assembly, group: WorkingGroup) -> World:
    facilitator: User = people["facilitator"]
    member: User = people["member"]
    wg_member: User = people["wg_member"]
    session = Session.objects.get(assembly=assembly, title="Kasım Genel Meclisi")
    session.status = SessionStatus.LIVE
    session.save(update_fields=["status"])
    for user in (facilitator, member, wg_member):
        Attendance.objects.create(session=session, member=user, checked_in_at=timezone.now())

    proposal = proposal_services.create_proposal(
        wg_member, assembly=assembly, title="Yağmur suyu deposu", text=TEXT, working_group=group
    )
    proposal = proposal_services.change_state(wg_member, proposal.pk, "open_discussion")
    amendment = proposal_services.propose_amendment(
        member, proposal.pk, base_version=1, text=TEXT + "\n\nDepo iki tane olur.", rationale="İki"
    )
    comment = proposal_services.add_comment(
        member, proposal.pk, kind="question", body="Depo nereye konacak?"
    )

    decision = voting_services.create_decision(
        facilitator, assembly=assembly, session=session, title="Bostan", method="consent", text=TEXT
    )
    voting_services.open_round(facilitator, decision.pk)
    voting_services.cast_stance(member, decision.pk, option="objection", reason="Yer yok.")
    objection = Stance.objects.get(round__decision=decision)

    settled = voting_services.create_decision(
        member, assembly=assembly, title="Çay ocağı", method="consent", text="Çay ocağı açılır."
    )
    voting_services.open_round(member, settled.pk, seconds=3600)
    voting_services.cast_stance(member, settled.pk, option="consent")
    voting_services.close_round(member, settled.pk)
    record = voting_services.record_decision(member, settled.pk, statement="Çay ocağı açıldı.")
    commitment = followup_services.add_commitment(
        member, record.pk, title="Çay ocağına tezgâh", carry=True
    )

    invitation = Invitation.objects.create(
        assembly=assembly, created_by=facilitator, expires_at=timezone.now() + timedelta(days=7)
    )
    world = World(
        people=people,
        assembly=assembly,
        group=group,
        session=session,
        proposal=proposal,
        amendment=amendment,
        comment=comment,
        decision=decision,
        objection=objection,
        record=record,
        commitment=commitment,
        invitation=invitation,
    )
    world.kwargs = {
        "slug": assembly.slug,
        "group_id": group.pk,
        "session_id": session.pk,
        "proposal_id": proposal.pk,
        "amendment_id": amendment.pk,
        "comment_id": comment.pk,
        "decision_id": decision.pk,
        "stance_id": objection.pk,
        "token": invitation.token,
        "commitment_id": commitment.pk,
        "number": 1,  # a version number; the register's detail page has its own below
    }
    return world


#: Routes about a recorded decision: their ``decision_id`` is the register entry's.
RECORDED = {"followup_add", "api_decision_followups"}


def url_kwargs(world: World, route: str) -> dict[str, Any]:
    if route in RECORDED:
        return {**world.kwargs, "decision_id": world.record.decision_id}
    if route == "decision_detail":
        year, number = world.record.ref.split("/")
        return {"slug": world.assembly.slug, "year": int(year), "number": int(number)}
    return world.kwargs


# --- Routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]
    view: Any

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api_")


def routes() -> list[Route]:
    """Every named route of the URL conf, the admin's as ``admin:<name>``."""
    found: dict[str, Route] = {}

    def walk(patterns: Any, namespace: str, kwargs: tuple[str, ...]) -> None:
        for entry in patterns:
            names = kwargs + tuple(_kwarg_names(entry.pattern))
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner, names)
            elif isinstance(entry, URLPattern) and entry.name:
                full = namespace + entry.name
                found.setdefault(full, Route(full, names, entry.callback))

    walk(get_resolver().url_patterns, "", ())
    return sorted(found.values(), key=lambda r: r.name)


def _kwarg_names(pattern: Any) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)
