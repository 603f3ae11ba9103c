"""Reads shaped for the API, the pages and live events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assembly.models import AgendaItem, Assembly, Session, SessionStatus, User, WorkingGroup
from common.errors import NotFound
from proposals import domain, permissions
from proposals.models import (
    Amendment,
    CoAuthor,
    Comment,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
    Version,
)
from proposals.rendering import render_markdown

ADOPTED_OUTCOMES = ("adopted", "adopted_by_fallback")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def proposal_url(proposal: Proposal | int) -> str:
    pk = proposal if isinstance(proposal, int) else proposal.pk
    return reverse("proposal", args=[pk])


# --- Proposals --------------------------------------------------------------------------


def versions(proposal: Proposal) -> list[Version]:
    return list(Version.objects.filter(proposal=proposal).order_by("number"))


def current_version(proposal: Proposal) -> Version:
    version = Version.objects.filter(proposal=proposal).order_by("-number").first()
    if version is None:
        raise NotFound(_("This proposal has no text yet."))
    return version


def version(proposal: Proposal, number: int) -> Version:
    found = Version.objects.filter(proposal=proposal, number=number).first()
    if found is None:
        raise NotFound(_("There is no such version."))
    return found


def ranked_choices(proposal: Proposal) -> list[tuple[str, str, str]]:
    """What a ranked decision on the proposal may rank, as ``(key, title, text)``: the
    current text (``current``), then each promoted amendment (``amendment-<id>``), oldest
    first. ``status_quo`` is added by voting."""
    current = current_version(proposal)
    rows = [("current", proposal.title[: domain.MAX_TITLE], current.text)]
    for amendment in (
        Amendment.objects.filter(proposal=proposal, status=Amendment.Status.PROMOTED)
        .select_related("author")
        .order_by("created_at", "id")
    ):
        name = amendment.author.public_name if amendment.author else "?"
        title = _("Amendment #%(id)s by %(name)s") % {"id": amendment.pk, "name": name}
        rows.append((f"amendment-{amendment.pk}", title[: domain.MAX_TITLE], amendment.text))
    return rows


def has_open_round(proposal: Proposal) -> bool:
    """A round of a decision on this proposal is open (then its text must not change)."""
    from voting.models import Round

    return Round.objects.filter(decision__proposal_id=proposal.pk, closed_at__isnull=True).exists()


def decision_record(proposal: Proposal) -> Any:
    """The register entry of the decision that adopted the proposal, if it is recorded."""
    from voting.models import Record

    return (
        Record.objects.select_related("assembly")
        .filter(decision__proposal_id=proposal.pk, outcome__in=ADOPTED_OUTCOMES)
        .order_by("-decided_at")
        .first()
    )


def cosign_count(proposal: Proposal) -> int:
    return CoSignature.objects.filter(proposal=proposal).count()


def proposal_summary(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "state": proposal.state,
        "url": proposal_url(proposal),
        "assembly": proposal.assembly.slug,
        "working_group": proposal.working_group_id,
        "ready": proposal.ready_at is not None,
    }


def proposal_detail(proposal: Proposal) -> dict[str, Any]:
    """``GET /api/v1/proposals/<id>/`` (CONTRACT §5b), with a few more fields."""
    rows = versions(proposal)
    record = decision_record(proposal) if proposal.state == State.ADOPTED else None
    invited = CoAuthor.objects.filter(proposal=proposal, status=CoAuthor.Status.INVITED)
    return {
        **proposal_summary(proposal),
        "authors": permissions.author_ids(proposal),
        "invited": sorted(invited.values_list("user_id", flat=True)),
        "current_version": rows[-1].number if rows else None,
        "versions": [
            {
                "number": v.number,
                "created_at": iso(v.created_at),
                "note": v.note,
                "author": v.author_id,
            }
            for v in rows
        ],
        "cosigns": cosign_count(proposal),
        "record": ({"ref": record.ref, "url": _record_url(record)} if record is not None else None),
    }


def _record_url(record: Any) -> str:
    from voting.selectors import record_url

    return record_url(record)


def version_detail(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "text": version.text,
        "html": render_markdown(version.text),
        "note": version.note,
        "author": version.author_id,
        "created_at": iso(version.created_at),
    }


def diff(proposal: Proposal, old: int, new: int) -> dict[str, Any]:
    a, b = version(proposal, old), version(proposal, new)
    return {"from": a.number, "to": b.number, "html": domain.diff_html(a.text, b.text)}


def proposal_list(
    user: Any,
    *,
    assembly: str | None = None,
    state: str | None = None,
    ready: bool | None = None,
) -> QuerySet[Proposal]:
    """The proposals ``user`` may read (:func:`permissions.readable_proposals`), filtered."""
    qs = permissions.readable_proposals(user).select_related("assembly")
    if assembly:
        qs = qs.filter(assembly__slug=assembly)
    if state:
        qs = qs.filter(state=state)
    if ready is not None:
        qs = qs.filter(ready_at__isnull=not ready)
    return qs.order_by("-created_at", "-id")


def agenda_suggestions(assembly: Assembly, now: datetime | None = None) -> dict[str, Any]:
    """Proposals ready for the agenda, for the next scheduled session of the assembly.

    ``{"session": Session | None, "proposals": [Proposal, …]}``: proposals in discussion
    that enough members co-signed, oldest ready first, leaving out those already on
    that session's agenda.
    """
    now = now or timezone.now()
    session = (
        Session.objects.filter(
            assembly=assembly, status=SessionStatus.SCHEDULED, starts_at__gte=now
        )
        .order_by("starts_at", "id")
        .first()
    )
    qs = Proposal.objects.filter(
        assembly=assembly, state=State.DISCUSSION, ready_at__isnull=False
    ).order_by("ready_at", "id")
    if session is not None:
        qs = qs.exclude(
            pk__in=AgendaItem.objects.filter(session=session, proposal__isnull=False).values(
                "proposal_id"
            )
        )
    return {"session": session, "proposals": list(qs)}


# --- Amendments -------------------------------------------------------------------------


def amendment_json(amendment: Amendment) -> dict[str, Any]:
    """``GET /api/v1/amendments/<id>/`` (CONTRACT §5b), with a few more fields."""
    return {
        "id": amendment.pk,
        "proposal": amendment.proposal_id,
        "status": amendment.status,
        "base_version": amendment.base_version.number,
        "text": amendment.text,
        "rationale": amendment.rationale,
        "author": amendment.author_id,
        "paragraph": amendment.paragraph,
        "needs_rebase": amendment.needs_rebase,
        "reason": amendment.reason,
        "version": amendment.version.number if amendment.version is not None else None,
        "created_at": iso(amendment.created_at),
        "diff": domain.diff_html(amendment.base_version.text, amendment.text),
    }


def amendments(proposal: Proposal) -> list[Amendment]:
    return list(
        Amendment.objects.filter(proposal=proposal)
        .select_related("base_version", "version")
        .order_by("created_at", "id")
    )


# --- Comments ---------------------------------------------------------------------------


def _reaction_counts(comment_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    rows = (
        Reaction.objects.filter(comment_id__in=list(comment_ids))
        .values("comment_id", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["comment_id"], {})[row["kind"]] = row["n"]
    return counts


def comment_json(
    comment: Comment,
    *,
    reveal: bool,
    reactions: dict[str, int] | None = None,
    mine: str | None = None,
) -> dict[str, Any]:
    """One comment. A hidden one shows its text (and why it was hidden) only to ``reveal``
    readers (its author and the moderators); others see that it is hidden."""
    hidden = comment.is_hidden
    show = not hidden or reveal
    return {
        "id": comment.pk,
        "proposal": comment.proposal_id,
        "amendment": comment.amendment_id,
        "parent": comment.parent_id,
        "author": comment.author_id,
        "author_name": comment.author.public_name if comment.author else None,
        "kind": comment.kind,
        "body": comment.body if show else None,
        "html": render_markdown(comment.body) if show else None,
        "anchor": (
            {"version": comment.anchor_version.number, "paragraph": comment.anchor_paragraph}
            if comment.anchor_version is not None
            else None
        ),
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "hidden": hidden,
        "moderation": (
            {"state": comment.moderation, "reason": comment.hidden_reason}
            if hidden and reveal
            else None
        ),
        "reactions": {kind: (reactions or {}).get(kind, 0) for kind in domain.REACTIONS},
        "my_reaction": mine,
    }


def comments(
    proposal: Proposal, user: Any, *, amendment: Amendment | None = None
) -> list[dict[str, Any]]:
    """The discussion of a proposal (or of one amendment), replies under their parent."""
    rows = list(
        Comment.objects.filter(proposal=proposal, amendment=amendment)
        .select_related("author", "anchor_version")
        .order_by("created_at", "id")
    )
    ids = [c.pk for c in rows]
    counts = _reaction_counts(ids)
    uid = user.pk if user is not None and user.is_authenticated else None
    mine: dict[int, str] = {}
    if uid is not None:
        mine = dict(
            Reaction.objects.filter(comment_id__in=ids, member_id=uid).values_list(
                "comment_id", "kind"
            )
        )
    moderator = permissions.can_moderate(user, proposal)
    by_id: dict[int, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    for c in rows:
        data = comment_json(
            c,
            reveal=moderator or (uid is not None and c.author_id == uid),
            reactions=counts.get(c.pk),
            mine=mine.get(c.pk),
        )
        if c.parent_id is None:
            data["replies"] = []
            by_id[c.pk] = data
            top.append(data)
        elif c.parent_id in by_id:
            by_id[c.parent_id]["replies"].append(data)
    return top


def moderation_log(comment: Comment) -> list[dict[str, Any]]:
    return [
        {
            "action": e.action,
            "actor": e.actor_id,
            "note": e.note,
            "created_at": iso(e.created_at),
        }
        for e in ModerationEvent.objects.filter(comment=comment).order_by("created_at", "id")
    ]


def reaction_summary(comment: Comment) -> dict[str, int]:
    counts = Counter(Reaction.objects.filter(comment=comment).values_list("kind", flat=True))
    return {kind: counts.get(kind, 0) for kind in domain.REACTIONS}


# --- The placeholder page ---------------------------------------------------------------


def proposal_page(proposal: Proposal, user: Any) -> dict[str, Any]:
    current = current_version(proposal)
    return {
        "proposal": proposal,
        "state_label": State(proposal.state).label,
        "version": current,
        "html": render_markdown(current.text),
        "comments": comments(proposal, user),
        "record": proposal_detail(proposal)["record"],
    }


def comment_for(comment: Comment, user: Any) -> dict[str, Any]:
    """One comment as ``user`` sees it (with its replies, when it is not a reply)."""
    uid = user.pk if user is not None and user.is_authenticated else None
    mine = (
        Reaction.objects.filter(comment=comment, member_id=uid)
        .values_list("kind", flat=True)
        .first()
        if uid is not None
        else None
    )
    data = comment_json(
        comment,
        reveal=permissions.can_see_hidden(user, comment),
        reactions=reaction_summary(comment),
        mine=mine,
    )
    if comment.parent_id is None:
        thread = comments(comment.proposal, user, amendment=comment.amendment)
        data["replies"] = next((c["replies"] for c in thread if c["id"] == comment.pk), [])
    return data


# --- Reads of the pages ------------------------------------------------------------------


def names(ids: Iterable[int | None]) -> dict[int, str]:
    """Public names by user id (the ids that are None are left out)."""
    wanted = {pk for pk in ids if pk is not None}
    return {u.pk: u.public_name for u in User.objects.filter(pk__in=wanted)}


def moderation_logs(comment_ids: Iterable[int]) -> dict[int, list[ModerationEvent]]:
    """Each comment's moderation steps, oldest first."""
    logs: dict[int, list[ModerationEvent]] = {}
    for event in ModerationEvent.objects.filter(comment_id__in=list(comment_ids)).order_by(
        "created_at", "id"
    ):
        logs.setdefault(event.comment_id, []).append(event)
    return logs


def revisions(comment_ids: Iterable[int]) -> dict[int, list[CommentRevision]]:
    """Each comment's earlier texts, oldest first."""
    found: dict[int, list[CommentRevision]] = {}
    for revision in CommentRevision.objects.filter(comment_id__in=list(comment_ids)).order_by(
        "replaced_at", "id"
    ):
        found.setdefault(revision.comment_id, []).append(revision)
    return found


def has_cosigned(proposal: Proposal, user_id: int | None) -> bool:
    return (
        user_id is not None
        and CoSignature.objects.filter(proposal=proposal, member_id=user_id).exists()
    )


def cosign_counts(proposals: Iterable[Proposal]) -> dict[int, int]:
    return dict(
        CoSignature.objects.filter(proposal__in=list(proposals))
        .values("proposal_id")
        .annotate(n=Count("id"))
        .values_list("proposal_id", "n")
    )


def groups_of(user: Any, assembly: Assembly) -> list[tuple[int, str]]:
    """The working groups of the assembly ``user`` belongs to, as ``(id, name)``."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        WorkingGroup.objects.filter(assembly=assembly, members=user)
        .order_by("name")
        .values_list("pk", "name")
    )


def thread_of(proposal: Proposal, comment_id: int) -> int | None:
    """The first comment of the thread ``comment_id`` is in (replies are one level deep)."""
    row = (
        Comment.objects.filter(pk=comment_id, proposal=proposal)
        .values_list("pk", "parent_id")
        .first()
    )
    if row is None:
        return None
    return row[1] or row[0]


def my_reaction(comment_id: int, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return (
        Reaction.objects.filter(comment_id=comment_id, member_id=user_id)
        .values_list("kind", flat=True)
        .first()
    )
