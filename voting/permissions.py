"""Who may take part in, run and record decisions. The only access gates of voting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import (
    Assembly,
    Attendance,
    Membership,
    Role,
    Session,
    SessionTask,
    Task,
    WorkingGroupMembership,
)
from common.errors import Conflict, Forbidden, NotFound
from proposals import permissions as proposal_permissions
from voting import domain
from voting.models import Decision, Record


def eligible_ids(decision: Decision) -> QuerySet[Any, int]:
    """Members who may take part: the working group's, or else the assembly's members."""
    members = Membership.objects.filter(assembly_id=decision.assembly_id, role=Role.MEMBER)
    if decision.working_group_id is not None:
        group = WorkingGroupMembership.objects.filter(group_id=decision.working_group_id)
        members = members.filter(user_id__in=group.values("user_id"))
    return members.values_list("user_id", flat=True)


# The rule of eligible_ids for every decision of a query at once (``voting_decision`` is
# the enclosing query's row): SQL, because the ORM's nested subqueries for it took
# longer to compile than the database took to count 2,000 members.
_ELIGIBLE = """
    FROM assembly_membership m
    WHERE m.assembly_id = voting_decision.assembly_id AND m.role = %s
    AND (voting_decision.working_group_id IS NULL OR EXISTS (
        SELECT 1 FROM assembly_workinggroupmembership g
        WHERE g.group_id = voting_decision.working_group_id AND g.user_id = m.user_id))
"""


def count_eligible() -> RawSQL:
    """For a query of decisions: how many members may take part in each."""
    sql = f"(SELECT COUNT(*) {_ELIGIBLE})"
    return RawSQL(sql, (Role.MEMBER.value,), IntegerField())  # noqa: S611


def count_present() -> RawSQL:
    """For a query of decisions: how many of those who may take part are checked in to
    the decision's session (none for a decision without a session)."""
    sql = f"""(SELECT COUNT(*) {_ELIGIBLE} AND EXISTS (
        SELECT 1 FROM assembly_attendance a
        WHERE a.session_id = voting_decision.session_id AND a.member_id = m.user_id))"""  # noqa: S608 (constant text)
    return RawSQL(sql, (Role.MEMBER.value,), IntegerField())  # noqa: S611


def is_eligible(user: Any, decision: Decision) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return eligible_ids(decision).filter(user_id=user.pk).exists()


def is_present(user: Any, decision: Decision) -> bool:
    if decision.session_id is None:
        return False
    return Attendance.objects.filter(session_id=decision.session_id, member_id=user.pk).exists()


@dataclass(frozen=True)
class Standing:
    """What the gates of a stance need to know of its caster, read together with the
    decision in one query (``voting.services.cast_stance``): the caster's role in the
    assembly (None without a membership), whether they are in the decision's working
    group (True when it has none), and whether they are checked in to its session."""

    role: str | None
    in_group: bool
    present: bool


def can_view_decision(user: Any, decision: Decision) -> bool:
    if decision.session is not None:
        return assembly_permissions.can_view_session(user, decision.session)
    return assembly_permissions.can_view_assembly(user, decision.assembly)


def can_view_decision_as(user: Any, decision: Decision, standing: Standing) -> bool:
    """``can_view_decision``, given the caster's standing: any membership of the assembly
    sees its sessions and decisions, so only people without one need a further look."""
    return standing.role is not None or can_view_decision(user, decision)


def get_decision_for_user(user: Any, decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_related("assembly", "session", "working_group", "proposal")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or not can_view_decision(user, decision):
        raise NotFound(_("There is no such decision."))
    return decision


def can_run_decision(user: Any, decision: Decision) -> bool:
    """Open and close rounds: the session's facilitators, or for an asynchronous
    decision the person who put it forward and the owning working group's members."""
    if decision.session is not None:
        return assembly_permissions.is_facilitator(user, decision.session)
    if not is_eligible(user, decision):
        return False
    if decision.created_by_id == user.pk:
        return True
    return decision.working_group_id is not None


def can_record_decision(user: Any, decision: Decision) -> bool:
    if decision.session is not None:
        return assembly_permissions.is_facilitator(user, decision.session) or (
            assembly_permissions.has_task(user, decision.session, Task.NOTE_TAKER)
            and assembly_permissions.is_member(user, decision.assembly_id)
        )
    return can_run_decision(user, decision)


#: Decision statuses in which the last closed round's outcome may be recorded.
RECORDABLE = frozenset({Decision.Status.BETWEEN, Decision.Status.CONCLUDED})

#: Decision statuses in which a round may be opened (a first one, or the next one).
OPENABLE = frozenset({Decision.Status.DRAFT, Decision.Status.BETWEEN})

#: Who a reader is to a decision, each able to do all the one before may: ``watcher``
#: (watches), ``member`` (takes part), ``note_taker`` (also records), ``facilitator`` (also
#: runs the rounds). On the live screen it is the reader's task in the session; on a page
#: it comes from the gates (:func:`role_for`).
ROLES = ("watcher", "member", "note_taker", "facilitator")


def decision_actions(
    status: str, round_number: int, policy: dict[str, Any], session_status: str | None = None
) -> dict[str, list[str]]:
    """What each role may do to a decision in this state, as the command names the live
    screen sends (``round.fallback`` is ``round.close`` with the fallback rule): the one
    home of the state rules the services apply and the buttons the screens show. A live
    decision's round opens only while its session is live."""
    run: list[str] = []
    if status in OPENABLE and session_status in (None, "live"):
        run.append("round.open")
    if status == Decision.Status.OPEN:
        run.append("round.close")
        if domain.fallback_available(domain.parse_policy(policy), round_number):
            run.append("round.fallback")
    record = ["decision.record"] if status in RECORDABLE else []
    cast = ["stance.cast"] if status == Decision.Status.OPEN else []
    return {
        "watcher": [],
        "member": cast,
        "note_taker": [*cast, *record],
        "facilitator": [*cast, *run, *record],
    }


def role_for(user: Any, decision: Decision) -> str:
    """The reader's role for :func:`decision_actions` on a decision's page."""
    if can_run_decision(user, decision):
        return "facilitator"
    if can_record_decision(user, decision):
        return "note_taker"
    return "member" if is_eligible(user, decision) else "watcher"


def actions_for(user: Any, decision: Decision, round_number: int) -> list[str]:
    """What ``user`` may do to the decision now, on its page."""
    session_status = decision.session.status if decision.session is not None else None
    return decision_actions(decision.status, round_number, decision.policy, session_status)[
        role_for(user, decision)
    ]


def can_create_decision(user: Any, assembly_id: int) -> bool:
    """Put a question to the assembly at all: its members (see :func:`can_open_decision`)."""
    return assembly_permissions.is_member(user, assembly_id)


def can_open_decision(
    user: Any, assembly: Assembly, session: Session | None = None, proposal: Any = None
) -> bool:
    """Open a decision ("Karara sun"): in a session, its facilitators; outside one, a
    co-author of the proposal it is about, or any member when it is about no proposal."""
    if not can_create_decision(user, assembly.pk):
        return False
    if session is not None:
        return assembly_permissions.is_facilitator(user, session)
    if proposal is not None:
        return proposal_permissions.is_coauthor(user, proposal)
    return True


#: Proposal states in which a decision may be opened on it.
PROPOSAL_OPEN_STATES = frozenset({"discussion", "decision"})


def pending_on(proposal: Any) -> Decision | None:
    """A decision on the proposal not yet taken (a temperature check does not count):
    while there is one, no other is opened on it."""
    return (
        Decision.objects.filter(proposal_id=proposal.pk)
        .exclude(status__in=[Decision.Status.CONCLUDED, Decision.Status.RECORDED])
        .exclude(method="temperature")
        .first()
    )


def sessions_to_decide_in(user: Any, assembly: Assembly) -> list[Session]:
    """The sessions of the assembly, not closed, in which ``user`` may open a decision."""
    if not can_create_decision(user, assembly.pk):
        return []
    return [
        task.session
        for task in SessionTask.objects.filter(
            user_id=user.pk, task=Task.FACILITATOR, session__assembly_id=assembly.pk
        )
        .exclude(session__status="closed")
        .select_related("session__assembly")
        .order_by("session__starts_at")
    ]


def bring_conflict(proposal: Any, method: str | None = None) -> Conflict | None:
    """Why no decision may be opened on the proposal now, whoever asks, or None: it is not
    in discussion (or being decided, between decisions), or a decision on it is under way
    (a temperature check, ``method``, may be taken beside one)."""
    if proposal.state not in PROPOSAL_OPEN_STATES:
        return Conflict(
            _("Only a proposal in discussion can be brought to a decision; this one is: %(state)s.")
            % {"state": proposal.get_state_display()}
        )
    if method == "temperature":
        return None
    pending = pending_on(proposal)
    if pending is not None:
        return Conflict(
            _("A decision on this proposal is under way already: %(title)s.")
            % {"title": pending.title}
        )
    return None


def can_bring_to_decision(user: Any, proposal: Any) -> bool:
    """The proposal page's "Karara sun": nothing stands in the way (:func:`bring_conflict`)
    and ``user`` may open one, in a session they facilitate or, as a co-author, outside."""
    if not (
        proposal_permissions.is_coauthor(user, proposal)
        or sessions_to_decide_in(user, proposal.assembly)
    ):
        return False
    return bring_conflict(proposal) is None


def require_open_decision(
    user: Any, assembly: Assembly, session: Session | None = None, proposal: Any = None
) -> None:
    """:func:`can_open_decision`, refusing as the pages do: to someone who may not even see
    the session, assembly or proposal, that there is no such thing."""
    if can_open_decision(user, assembly, session, proposal):
        return
    if session is not None:
        if not assembly_permissions.can_view_session(user, session):
            raise NotFound(_("There is no such session."))
        if proposal is not None and not proposal_permissions.can_view_proposal(user, proposal):
            raise NotFound(_("There is no such proposal."))
        raise Forbidden(_("Only facilitators can do this."))
    if proposal is not None and not proposal_permissions.can_view_proposal(user, proposal):
        raise NotFound(_("There is no such proposal."))
    if not assembly_permissions.can_view_assembly(user, assembly):
        raise NotFound(_("There is no such assembly."))
    if proposal is not None:
        raise Forbidden(_("Only the co-authors can bring it to a decision outside a session."))
    raise Forbidden(_("Only members of this assembly can put a question to it."))


def can_integrate_objection(user: Any, decision: Decision) -> bool:
    """Mark an objection integrated into the text: those who run the decision, and for a
    decision on a proposal its co-authors, who write the new version."""
    if can_run_decision(user, decision):
        return True
    return decision.proposal is not None and proposal_permissions.is_coauthor(
        user, decision.proposal
    )


def can_integrate_now(user: Any, decision: Decision) -> bool:
    """Integrate an objection of a closed round, now: between rounds (the text is open)."""
    return decision.status == Decision.Status.BETWEEN and can_integrate_objection(user, decision)


def require_integrate(user: Any, decision: Decision) -> None:
    if not can_integrate_objection(user, decision):
        refuse(user, decision, _("Only the facilitators and the co-authors can do this."))


def can_view_record(user: Any, record: Record) -> bool:
    return (
        record.assembly.is_public
        or assembly_permissions.membership_role(user, record.assembly_id) is not None
    )


def require_eligible(user: Any, decision: Decision, standing: Standing | None = None) -> None:
    """Only eligible members take part, and in a live decision only once checked in.

    With ``standing`` (read with the decision) it asks the database nothing more; the
    rule is :func:`eligible_memberships`'s: a member's role, and the group if any.
    """
    if standing is None:
        eligible = is_eligible(user, decision)
    else:
        eligible = standing.role == Role.MEMBER and standing.in_group
    if not eligible:
        refuse(
            user, decision, _("Only the members this decision belongs to can take part."), standing
        )
    if decision.session_id is None:
        return
    present = is_present(user, decision) if standing is None else standing.present
    if not present:
        raise Forbidden(_('Check in first: press "I\'m here".'))


def refuse(
    user: Any, decision: Decision, reason: str, standing: Standing | None = None
) -> NoReturn:
    """A gate's refusal: to someone who may not even see the decision, that there is no
    such decision (as its page says); to everyone else, the gate's own reason. With the
    caster's ``standing`` a member is known to see it without asking the database."""
    visible = (
        can_view_decision(user, decision)
        if standing is None
        else can_view_decision_as(user, decision, standing)
    )
    if not visible:
        raise NotFound(_("There is no such decision."))
    raise Forbidden(reason)


def require_run(user: Any, decision: Decision) -> None:
    if not can_run_decision(user, decision):
        refuse(user, decision, _("Only facilitators can do this."))


def require_record(user: Any, decision: Decision) -> None:
    if not can_record_decision(user, decision):
        refuse(user, decision, _("Only the facilitators and the note-taker can record a decision."))
