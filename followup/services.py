"""Every write to follow-up: add a commitment, take it on or step back, write an update.

Each checks its gate in :mod:`followup.permissions`, applies :mod:`followup.domain`, writes
in one transaction and adds an audit entry. Errors are the :mod:`common.errors` family,
mapped the same way by every adapter (page, API).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import WorkingGroup
from audit import services as audit
from common.errors import Conflict, Forbidden, Invalid, NotFound
from followup import domain, permissions
from followup.models import Carrier, Commitment, Status, Update
from voting.models import Record


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields are not valid."), {field: message})


def _text(field: str, value: Any, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise _invalid(field, _("Enter text."))
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise _invalid(field, _("This field is required."))
    if len(value) > limit:
        raise _invalid(
            field,
            _("At most %(limit)s characters (you wrote %(count)s).")
            % {"limit": limit, "count": len(value)},
        )
    return value


def _lock(commitment_id: int) -> Commitment:
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("record__assembly", "assembly")
        .filter(pk=commitment_id)
        .first()
    )
    if commitment is None:
        raise NotFound(_("There is no such commitment."))
    return commitment


@transaction.atomic
def add_commitment(
    actor: Any,
    record_id: int,
    *,
    title: str,
    description: str = "",
    due: date | None = None,
    working_group_id: int | None = None,
    carry: bool = False,
) -> Commitment:
    """A commitment that carries out an adopted decision; ``carry`` when the actor takes
    it on at once, ``working_group_id`` when their working group does."""
    record = Record.objects.select_related("assembly").filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("There is no such decision."))
    permissions.require_add(actor, record)
    title = _text("title", title, domain.MAX_TITLE, required=True)
    description = _text("description", description, domain.MAX_DESCRIPTION, required=False)
    if due is not None and not isinstance(due, date):
        raise _invalid("due", _("Enter a date as YYYY-MM-DD."))
    group = None
    if working_group_id is not None:
        group = WorkingGroup.objects.filter(pk=working_group_id, assembly=record.assembly).first()
        if group is None:
            raise _invalid("working_group", _("There is no such working group."))
        if not permissions.can_name_group(actor, group.pk):
            raise _invalid(
                "working_group",
                _("Only a member of the working group can say that the group carries it."),
            )
    now = timezone.now()
    commitment = Commitment.objects.create(
        record=record,
        assembly=record.assembly,
        title=title,
        description=description,
        working_group=group,
        due=due,
        created_by=actor,
        status_changed_at=now,
    )
    Update.objects.create(
        commitment=commitment, at=now, author=actor, note="", status=Status.PLANNED, previous=""
    )
    if carry:
        Carrier.objects.create(commitment=commitment, user=actor)
    audit.record(
        actor,
        "followup.added",
        commitment,
        assembly_id=record.assembly_id,
        after={
            "title": title,
            "ref": record.ref,
            "due": due,
            "group": group.pk if group else None,
            "status": Status.PLANNED.value,
        },
    )
    return commitment


@transaction.atomic
def take_on(actor: Any, commitment_id: int) -> Commitment:
    """A member volunteers to carry the commitment."""
    commitment = _lock(commitment_id)
    if not permissions.can_view_commitment(actor, commitment):
        raise NotFound(_("There is no such commitment."))
    permissions.require_carry(actor, commitment)
    try:
        with transaction.atomic():
            Carrier.objects.create(commitment=commitment, user=actor)
    except IntegrityError:
        raise Conflict(_("You carry it already.")) from None
    audit.record(actor, "followup.carried", commitment, assembly_id=commitment.assembly_id)
    return commitment


@transaction.atomic
def step_back(actor: Any, commitment_id: int) -> Commitment:
    commitment = _lock(commitment_id)
    if not permissions.can_view_commitment(actor, commitment):
        raise NotFound(_("There is no such commitment."))
    removed, _rows = Carrier.objects.filter(commitment=commitment, user_id=actor.pk).delete()
    if not removed:
        raise Forbidden(_("You do not carry it."))
    audit.record(actor, "followup.stepped_back", commitment, assembly_id=commitment.assembly_id)
    return commitment


@transaction.atomic
def post_update(actor: Any, commitment_id: int, *, status: str, note: str = "") -> Update:
    """A dated update on the commitment's timeline: a note, a new status, or both.
    Moving to ``blocked`` or ``dropped`` needs a note that says why."""
    commitment = _lock(commitment_id)
    if not permissions.can_view_commitment(actor, commitment):
        raise NotFound(_("There is no such commitment."))
    permissions.require_update(actor, commitment)
    note = _text("note", note, domain.MAX_NOTE, required=False)
    if status not in Status.values:
        raise _invalid("status", _("Choose one of the statuses."))
    try:
        new = domain.move(commitment.status, status)
    except domain.InvalidMove:
        raise _invalid(
            "status",
            _("A commitment that is %(now)s cannot become %(then)s.")
            % {"now": Status(commitment.status).label, "then": Status(status).label},
        ) from None
    if domain.needs_reason(commitment.status, new) and not note:
        raise _invalid("note", _("Say why: the assembly needs to know."))
    if new == commitment.status and not note:
        raise _invalid("note", _("Write a note, or choose another status."))
    now = timezone.now()
    update = Update.objects.create(
        commitment=commitment,
        at=now,
        author=actor,
        note=note,
        status=new,
        previous=commitment.status,
    )
    audit.record(
        actor,
        "followup.updated",
        commitment,
        assembly_id=commitment.assembly_id,
        before={"status": commitment.status},
        after={"status": new.value, "note": bool(note)},
    )
    if new != commitment.status:
        commitment.status = new
        commitment.status_changed_at = now
        commitment.save(update_fields=["status", "status_changed_at"])
    return update
