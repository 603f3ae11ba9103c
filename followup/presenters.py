"""What pages show of follow-up: rows with their labels, the buttons a person may press
(from :mod:`followup.permissions`) and the forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from assembly.models import WorkingGroup
from followup import domain, permissions, selectors
from followup.forms import CommitmentForm, UpdateForm
from followup.models import Commitment, Status
from voting import selectors as voting_selectors
from voting.models import Record


def groups_of(user: Any, assembly_id: int) -> list[tuple[int, str]]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        WorkingGroup.objects.filter(assembly_id=assembly_id, members=user)
        .order_by("name")
        .values_list("pk", "name")
    )


def row(commitment: Commitment, user: Any, today: date) -> dict[str, Any]:
    labels = dict(Status.choices)
    return {
        "commitment": commitment,
        "url": selectors.url(commitment),
        "status_label": labels.get(commitment.status, commitment.status),
        "overdue": domain.is_overdue(commitment.due, commitment.status, today),
        "carriers": [c.user.public_name for c in commitment.carrier_set.all()],
        "group": commitment.working_group.name if commitment.working_group else "",
        "updates": [
            {
                "update": u,
                "author": u.author.public_name if u.author else "",
                "status_label": labels.get(u.status, u.status),
                "changed": u.previous != u.status,
                "first": not u.previous,
            }
            for u in commitment.updates.all()
        ],
        "can_carry": permissions.can_carry(user, commitment),
        "can_step_back": permissions.can_step_back(user, commitment),
        "can_update": permissions.can_update(user, commitment),
    }


def record_followups(
    record: Record, user: Any, form: CommitmentForm | None = None
) -> dict[str, Any]:
    """The follow-up section of a register entry."""
    today = timezone.localdate()
    can_add = permissions.can_add_commitment(user, record)
    return {
        "followups": [row(c, user, today) for c in selectors.for_record(record)],
        "followup_adopted": record.outcome in voting_selectors.ADOPTED,
        "can_add_followup": can_add,
        "followup_form": form
        or (
            CommitmentForm(groups=groups_of(user, record.assembly_id), auto_id="followup-%s")
            if can_add
            else None
        ),
        "followup_open": form is not None,
    }


def commitment_page(
    commitment: Commitment, user: Any, form: UpdateForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    found = selectors.with_people(Commitment.objects.filter(pk=commitment.pk)).get()
    shown = row(found, user, today)
    return {
        **shown,
        "record": found.record,
        "record_url": voting_selectors.record_url(found.record),
        "assembly": found.assembly,
        "update_form": form
        or (UpdateForm(current=found.status, auto_id="update-%s") if shown["can_update"] else None),
    }


def assembly_followups(assembly_id: int, user: Any) -> dict[str, Any]:
    """For the assembly's home: what is overdue, and the decisions due for review."""
    today = timezone.localdate()
    return {
        "overdue": [row(c, user, today) for c in selectors.overdue(assembly_id, today)],
        "reviews": [
            {"record": r, "url": voting_selectors.record_url(r)}
            for r in selectors.due_for_review(assembly_id, today).select_related("assembly")
        ],
    }


def assembly_list(assembly_id: int, user: Any, status: str | None) -> list[dict[str, Any]]:
    today = timezone.localdate()
    params = {"status": status} if status else {}
    qs = selectors.search(user, params, today).filter(assembly_id=assembly_id)
    return [row(c, user, today) for c in qs]
