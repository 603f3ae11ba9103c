"""Reads of follow-up, shaped for pages, the register, the API and the agenda."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from followup import domain
from followup.models import Commitment, Update
from voting import selectors as voting_selectors
from voting.models import Record

OPEN = [s.value for s in domain.OPEN]


def with_people(qs: QuerySet[Commitment]) -> QuerySet[Commitment]:
    return qs.select_related("record__assembly", "working_group", "assembly").prefetch_related(
        "carrier_set__user", "updates__author"
    )


def for_record(record: Record) -> list[Commitment]:
    return list(with_people(Commitment.objects.filter(record=record)))


def visible(user: Any) -> QuerySet[Commitment]:
    """Every commitment ``user`` may read: those of the register entries they may read."""
    records = voting_selectors.visible_records(user).values("pk")
    return Commitment.objects.filter(record_id__in=records)


def overdue(assembly_id: int, today: date | None = None) -> QuerySet[Commitment]:
    """Open commitments past their due date, the longest overdue first."""
    today = today or timezone.localdate()
    return with_people(
        Commitment.objects.filter(assembly_id=assembly_id, status__in=OPEN, due__lt=today)
    ).order_by("due", "id")


def due_for_review(assembly_id: int, today: date | None = None) -> QuerySet[Record]:
    """Adopted register entries whose review date has come and that nothing superseded."""
    today = today or timezone.localdate()
    return Record.objects.filter(
        assembly_id=assembly_id,
        outcome__in=voting_selectors.ADOPTED,
        review_at__lte=today,
        superseded_by__isnull=True,
    ).order_by("review_at", "id")


def search(user: Any, params: Any, today: date | None = None) -> QuerySet[Commitment]:
    """Filter by ``assembly`` (slug), ``status`` and ``overdue`` (``1``)."""
    today = today or timezone.localdate()
    qs = visible(user)
    if params.get("assembly"):
        qs = qs.filter(assembly__slug=params["assembly"])
    status = params.get("status")
    if status:
        qs = qs.filter(status=status) if status in {s.value for s in domain.Status} else qs.none()
    if params.get("overdue") in {"1", "true", "yes"}:
        qs = qs.filter(status__in=OPEN, due__lt=today)
    return with_people(qs).order_by("due", "id")


def url(commitment: Commitment) -> str:
    return reverse("followup", args=[commitment.pk])


def commitment_json(commitment: Commitment, today: date | None = None) -> dict[str, Any]:
    """A commitment over the API: the register's ``followups`` item and more."""
    today = today or timezone.localdate()
    record = commitment.record
    return {
        "id": commitment.pk,
        "title": commitment.title,
        "description": commitment.description,
        "status": commitment.status,
        "due": commitment.due.isoformat() if commitment.due else None,
        "overdue": domain.is_overdue(commitment.due, commitment.status, today),
        "assembly": commitment.assembly.slug,
        "ref": record.ref,
        "decision": record.decision_id,
        "working_group": commitment.working_group.slug if commitment.working_group else None,
        "carriers": [c.user_id for c in commitment.carrier_set.all()],
        "updates": [
            {"at": u.at.isoformat(), "note": u.note, "status": u.status}
            for u in commitment.updates.all()
        ],
        "url": url(commitment),
    }


def status_changes(limit: int = 50) -> list[Update]:
    """The latest status changes of commitments of public assemblies, for the register's
    Atom feed (its first entry, the commitment's creation, is announced too)."""
    return list(
        Update.objects.filter(commitment__assembly__is_public=True)
        .exclude(previous=F("status"))
        .select_related("commitment__record__assembly")
        .order_by("-at", "-id")[:limit]
    )
