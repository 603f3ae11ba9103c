"""Amendments: proposed, accepted into a version, declined, promoted, redone."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from common.errors import Conflict, Forbidden
from proposals import domain, permissions, selectors
from proposals.models import (
    Amendment,
    Proposal,
    Version,
)
from proposals.services.base import _clean, _clean_text, _invalid, _lock, _readable_locked, _require
from proposals.services.drafting import _new_version

# --- Amendments ---------------------------------------------------------------------------


def _base_version(proposal: Proposal, number: Any) -> Version:
    if isinstance(number, bool) or not isinstance(number, int):
        raise _invalid("base_version", _("Enter a version number."))
    version = Version.objects.filter(proposal=proposal, number=number).first()
    if version is None:
        raise _invalid("base_version", _("There is no such version."))
    return version


def _check_paragraph(field: str, version: Version, paragraph: Any) -> int | None:
    if paragraph is None:
        return None
    if isinstance(paragraph, bool) or not isinstance(paragraph, int):
        raise _invalid(field, _("Enter a paragraph number (from 0)."))
    count = len(domain.paragraphs(version.text))
    if not 0 <= paragraph < count:
        raise _invalid(
            field,
            _("Version %(version)s has paragraphs 0 to %(last)s.")
            % {"version": version.number, "last": count - 1},
        )
    return paragraph


@transaction.atomic
def propose_amendment(
    actor: Any,
    proposal_id: int,
    *,
    base_version: int,
    text: str,
    rationale: str,
    paragraph: int | None = None,
) -> Amendment:
    proposal = _readable_locked(actor, proposal_id)
    permissions.require_amend(actor, proposal)
    base = _base_version(proposal, base_version)
    text = _clean_text(text)
    rationale = _clean("rationale", rationale, domain.MAX_RATIONALE).strip()
    paragraph = _check_paragraph("paragraph", base, paragraph)
    if text == base.text:
        raise _invalid("text", _("The amendment does not change the text."))
    _require(proposal, domain.Work.AMEND)
    amendment = Amendment.objects.create(
        proposal=proposal,
        base_version=base,
        text=text,
        rationale=rationale,
        paragraph=paragraph,
        author=actor,
    )
    audit.record(
        actor,
        "proposal.amendment_proposed",
        amendment,
        assembly_id=proposal.assembly_id,
        after={"proposal": proposal.pk, "version": base.number, "status": amendment.status},
    )
    return amendment


def _lock_amendment(actor: Any, amendment_id: int) -> tuple[Amendment, Proposal]:
    found = permissions.get_amendment_for_user(actor, amendment_id)
    proposal = _lock(found.proposal_id)
    amendment = (
        Amendment.objects.select_for_update(of=("self",))
        .select_related("base_version")
        .get(pk=found.pk)
    )
    return amendment, proposal


def _require_open(amendment: Amendment) -> None:
    if amendment.status != Amendment.Status.OPEN:
        raise Conflict(
            _("This amendment is not open: %(status)s.")
            % {"status": Amendment.Status(amendment.status).label}
        )


def accept_amendment(actor: Any, amendment_id: int) -> Version:
    """Accept: the amendment's change becomes a new version.

    If its base is no longer the current version, the change is re-applied onto the
    current text (:func:`domain.reapply`); when the paragraphs it changes have changed
    since, it is marked ``needs_rebase`` (that mark is kept) and this raises Conflict.
    """
    version = _accept(actor, amendment_id)
    if version is None:
        raise Conflict(
            _(
                "The text changed where this amendment changes it. "
                "Its author needs to redo it on the current version."
            ),
            {"needs_rebase": True},
        )
    return version


@transaction.atomic
def _accept(actor: Any, amendment_id: int) -> Version | None:
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    _require_open(amendment)
    _require(proposal, domain.Work.WRITE)
    current = selectors.current_version(proposal)
    merged = domain.reapply(amendment.base_version.text, amendment.text, current.text)
    if merged is None:
        if not amendment.needs_rebase:
            amendment.needs_rebase = True
            amendment.save(update_fields=["needs_rebase", "updated_at"])
        return None
    if merged == current.text:
        version = current  # the same change was made by hand already
    else:
        version = _new_version(
            proposal,
            merged,
            _("Amendment #%(id)s accepted.") % {"id": amendment.pk},
            amendment.author,
            amendment,
        )
    _mark_accepted(actor, amendment, proposal, version)
    return version


def _mark_accepted(actor: Any, amendment: Amendment, proposal: Proposal, version: Version) -> None:
    """The amendment became ``version``: by a co-author's acceptance (``actor``), or by
    winning a ranked choice (no actor; who promoted it stays its decider)."""
    audit.record(
        actor,
        "proposal.amendment_accepted",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.ACCEPTED, "version": version.number},
    )
    amendment.status = Amendment.Status.ACCEPTED
    amendment.needs_rebase = False
    amendment.version = version
    if actor is not None:
        amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()


@transaction.atomic
def decline_amendment(actor: Any, amendment_id: int, *, reason: str) -> Amendment:
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    reason = _clean("reason", reason, domain.MAX_REASON).strip()
    _require_open(amendment)
    audit.record(
        actor,
        "proposal.amendment_declined",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.DECLINED},
    )
    amendment.status = Amendment.Status.DECLINED
    amendment.reason = reason
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()
    return amendment


@transaction.atomic
def promote_amendment(actor: Any, amendment_id: int) -> Amendment:
    """Make the amendment a competing alternative for a ranked decision
    (see :func:`ranked_alternatives`)."""
    amendment, proposal = _lock_amendment(actor, amendment_id)
    permissions.require_edit(actor, proposal)
    _require_open(amendment)
    _require(proposal, domain.Work.PROMOTE)
    audit.record(
        actor,
        "proposal.amendment_promoted",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"status": amendment.status},
        after={"status": Amendment.Status.PROMOTED},
    )
    amendment.status = Amendment.Status.PROMOTED
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.save()
    return amendment


@transaction.atomic
def rebase_amendment(
    actor: Any,
    amendment_id: int,
    *,
    base_version: int,
    text: str,
    rationale: str | None = None,
) -> Amendment:
    """The author redoes an open amendment on another (usually the current) version."""
    amendment, proposal = _lock_amendment(actor, amendment_id)
    if amendment.author_id is None or amendment.author_id != getattr(actor, "pk", None):
        raise Forbidden(_("Only the amendment's author can redo it."))
    base = _base_version(proposal, base_version)
    text = _clean_text(text)
    if rationale is not None:
        amendment.rationale = _clean("rationale", rationale, domain.MAX_RATIONALE).strip()
    if text == base.text:
        raise _invalid("text", _("The amendment does not change the text."))
    _require_open(amendment)
    if amendment.paragraph is not None and amendment.paragraph >= len(domain.paragraphs(base.text)):
        amendment.paragraph = None
    audit.record(
        actor,
        "proposal.amendment_rebased",
        amendment,
        assembly_id=proposal.assembly_id,
        before={"version": amendment.base_version.number},
        after={"version": base.number},
    )
    amendment.base_version = base
    amendment.text = text
    amendment.needs_rebase = False
    amendment.save()
    return amendment


def ranked_alternatives(proposal: Proposal) -> list[tuple[str, str]]:
    """``(title, text)`` pairs for ``voting.services.create_decision(method="ranked",
    proposal=proposal, alternatives=...)``: the current text first, then each promoted
    amendment, oldest first. ``status_quo`` is added by voting."""
    return [(title, text) for _key, title, text in selectors.ranked_choices(proposal)]
