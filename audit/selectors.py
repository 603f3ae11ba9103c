"""Reads of the audit log and of the stance trail, shaped for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from assembly.models import Assembly, Membership, User
from audit.models import Entry
from voting import domain as voting_domain
from voting.models import Decision, Round, Stance, StanceChange


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
    option: str | None = None  # the words for option_key or ranking: presenters.with_labels()
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
