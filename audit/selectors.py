"""Reads of the audit log and of the stance trail, shaped for the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from assembly.models import Assembly, Membership, User
from audit import labels
from audit.models import Entry
from voting import domain as voting_domain
from voting import labels as voting_labels
from voting.models import Alternative, Decision, Round, Stance, StanceChange


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def entries(
    assembly: Assembly,
    *,
    area: str | None = None,
    person: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Entry]:
    """The assembly's entries, newest first. ``person`` 0 means the system."""
    qs = Entry.objects.filter(assembly=assembly).select_related("actor")
    if area:
        qs = qs.filter(action__startswith=f"{area}.")
    if person == 0:
        qs = qs.filter(actor__isnull=True)
    elif person is not None:
        qs = qs.filter(actor_id=person)
    if since is not None:
        qs = qs.filter(at__gte=_start_of(since))
    if until is not None:
        qs = qs.filter(at__lt=_start_of(until) + timedelta(days=1))
    return qs.order_by("-at", "-id")


def people(assembly: Assembly) -> list[tuple[int, str]]:
    """Everyone who acted in the assembly or belongs to it, for the filter."""
    ids = set(
        Entry.objects.filter(assembly=assembly, actor__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    ids |= set(Membership.objects.filter(assembly=assembly).values_list("user_id", flat=True))
    users = User.objects.filter(pk__in=ids)
    return sorted(((u.pk, u.public_name) for u in users), key=lambda p: p[1].casefold())


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def changes(entry: Entry) -> list[Change]:
    keys = list(dict.fromkeys([*entry.before, *entry.after]))
    return [
        Change(
            field=labels.field_label(k),
            before=labels.show(entry.before.get(k)),
            after=labels.show(entry.after.get(k)),
        )
        for k in keys
    ]


def entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "entry": entry,
        "actor": entry.actor.public_name if entry.actor is not None else None,
        "action": labels.action_label(entry.action),
        "object": labels.object_label(entry.object_type),
        "changes": changes(entry),
    }


# --- The stance trail ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrailRow:
    """One line of the stance trail.

    For a secret decision a line says only how many stances a round counted, at the time
    the round opened: no member, no option, no time of its own, no order of casting.
    """

    at: datetime
    decision: Decision
    round: int
    secret: bool
    member: str | None = None
    option_key: str = ""
    ranking: tuple[str, ...] = ()
    option: str | None = None  # the words for option_key or ranking: see with_labels()
    changed: bool = False
    counted: int = 0


def decisions_with_rounds(assembly: Assembly) -> list[tuple[int, str]]:
    return list(
        Decision.objects.filter(assembly=assembly, rounds__isnull=False)
        .distinct()
        .order_by("-created_at", "-id")
        .values_list("pk", "title")
    )


def stance_trail(assembly: Assembly, decision_id: int | None = None) -> list[TrailRow]:
    """Every stance of the assembly's decisions, newest first: open ballots with who and
    what, each change kept; secret ballots only as counts per round."""
    decisions = Decision.objects.filter(assembly=assembly)
    if decision_id is not None:
        decisions = decisions.filter(pk=decision_id)
    by_id = {d.pk: d for d in decisions}
    secret = {pk for pk, d in by_id.items() if voting_domain.parse_policy(d.policy).secret}
    rounds = Round.objects.filter(decision_id__in=by_id).annotate(n=Count("stances"))
    rows: list[TrailRow] = [
        TrailRow(
            at=round_.opened_at,
            decision=by_id[round_.decision_id],
            round=round_.number,
            secret=True,
            counted=round_.n,
        )
        for round_ in rounds
        if round_.decision_id in secret
    ]
    open_ids = [pk for pk in by_id if pk not in secret]
    stances = Stance.objects.filter(
        round__decision_id__in=open_ids, member__isnull=False
    ).select_related("member", "round")
    by_stance = {s.pk: s for s in stances}
    earlier: dict[int, list[StanceChange]] = {}
    for change in StanceChange.objects.filter(stance_id__in=by_stance).order_by("cast_at", "id"):
        earlier.setdefault(change.stance_id, []).append(change)
    for stance in by_stance.values():
        decision = by_id[stance.round.decision_id]
        name = stance.member.public_name if stance.member is not None else ""
        versions: list[tuple[datetime, str, list[str]]] = [
            (c.cast_at, c.option, list(c.ranking)) for c in earlier.get(stance.pk, [])
        ]
        versions.append((stance.updated_at, stance.option, list(stance.ranking)))
        for index, (at, option, ranking) in enumerate(versions):
            rows.append(
                TrailRow(
                    at=at,
                    decision=decision,
                    round=stance.round.number,
                    secret=False,
                    member=name,
                    option_key=option,
                    ranking=tuple(ranking),
                    changed=index > 0,
                )
            )
    rows.sort(key=lambda r: (r.at, r.decision.pk, r.round, r.member or ""), reverse=True)
    return rows


def with_labels(rows: Iterable[TrailRow]) -> list[TrailRow]:
    """Put the options' words on the rows of one page (alternatives in one query)."""
    rows = list(rows)
    ranked = {r.decision.pk for r in rows if r.ranking}
    titles = {
        (decision_id, key): title
        for decision_id, key, title in Alternative.objects.filter(
            decision_id__in=ranked
        ).values_list("decision_id", "key", "title")
    }

    def word(decision: Decision, key: str) -> str:
        if key == voting_domain.STATUS_QUO:
            return str(voting_labels.STATUS_QUO_LABEL)
        if (decision.pk, key) in titles:
            return titles[(decision.pk, key)]
        return voting_labels.option_label(decision.method, key)

    return [
        row
        if row.secret
        else replace(
            row,
            option=" > ".join(word(row.decision, k) for k in row.ranking)
            if row.ranking
            else word(row.decision, row.option_key),
        )
        for row in rows
    ]
