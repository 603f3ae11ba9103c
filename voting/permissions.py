"""Who may take part in, run and record decisions. The only access gates of voting."""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _

from assembly import permissions as assembly_permissions
from assembly.models import (
    Assembly,
    Session,
    SessionTask,
    Task,
)
from common.errors import Conflict, Forbidden, NotFound
from proposals import domain as proposals_domain
from proposals import permissions as proposal_permissions
from voting import domain, eligibility
from voting.models import Decision, Record

Standing = eligibility.Standing


def is_eligible(user: Any, decision: Decision) -> bool:
    return eligibility.standing(user, decision).eligible


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
    if not proposals_domain.allows(proposals_domain.Work.DECIDE, proposal.state):
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


def require_in_session(decision: Decision, session_id: int | None) -> None:
    """A command on a session's socket may only touch that session's decisions."""
    if session_id is not None and decision.session_id != session_id:
        raise NotFound(_("There is no such decision in this session."))


def require_eligible(user: Any, decision: Decision, standing: Standing | None = None) -> None:
    """Only eligible members take part, and in a live decision only once checked in
    (:mod:`voting.eligibility`). With ``standing`` (read with the decision) it asks the
    database nothing more."""
    if standing is None:
        standing = eligibility.standing(user, decision)
    if not standing.eligible:
        refuse(
            user, decision, _("Only the members this decision belongs to can take part."), standing
        )
    if decision.session_id is not None and not standing.present:
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
