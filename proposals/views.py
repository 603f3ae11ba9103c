"""Server-rendered pages of proposals. Thin: gates from permissions, reads from selectors,
every write through :mod:`proposals.services` (the same path as the API).

Every page works without JavaScript. A form with text in it (a comment, a version, an
amendment, a reason) that the service refuses is drawn again with what was typed and the
service's message on the field; a plain button that is refused comes back with a message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assembly import permissions as assembly_permissions
from assembly import selectors as assembly_selectors
from assembly.models import Assembly, Role, User, WorkingGroup
from common.errors import NotFound, ServiceError
from proposals import domain, permissions, selectors, services
from proposals.forms import (
    AmendmentForm,
    CommentEditForm,
    CommentForm,
    CompareForm,
    DeclineForm,
    InviteForm,
    NoteForm,
    ProposalForm,
    ReasonForm,
    RebaseForm,
    VersionForm,
    add_service_error,
    paragraph_choices,
)
from proposals.models import (
    Amendment,
    Comment,
    CommentKind,
    CommentRevision,
    CoSignature,
    ModerationEvent,
    Proposal,
    Reaction,
    State,
    Version,
)
from proposals.rendering import diff_counts as _diff_counts
from proposals.rendering import marked_diff, render_markdown

Bound = dict[str, forms.Form]

#: How many of the latest comments the live screen shows.
LIVE_COMMENTS = 8


def _error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return render(request, "error.html", {"error": exc}, status=exc.http_status)


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {pk for pk in ids if pk is not None}
    return {u.pk: u.public_name for u in User.objects.filter(pk__in=wanted)}


def _uid(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


# --- The word diff, readable to screen readers ------------------------------------------


# --- Lists and the new-proposal form ----------------------------------------------------


def proposal_list(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return _error_page(request, exc)
    state = request.GET.get("state") or None
    if state not in {s.value for s in State}:
        state = None
    rows = list(
        selectors.proposal_list(request.user, assembly=assembly.slug, state=state).select_related(
            "working_group"
        )
    )
    counts = dict(
        CoSignature.objects.filter(proposal__in=rows)
        .values("proposal_id")
        .annotate(n=Count("id"))
        .values_list("proposal_id", "n")
    )
    suggestions = selectors.agenda_suggestions(assembly)
    readable = {p.pk for p in rows}
    return render(
        request,
        "proposals/proposal_list.html",
        {
            "assembly": assembly,
            "rows": [
                {"proposal": p, "state_label": State(p.state).label, "cosigns": counts.get(p.pk, 0)}
                for p in rows
            ],
            "states": State.choices,
            "state": state,
            "ready": [p for p in suggestions["proposals"] if p.pk in readable],
            "next_session": suggestions["session"],
            "can_create": permissions.can_create_proposal(request.user, assembly.pk),
            "threshold": assembly.cosign_threshold,
        },
    )


def _my_groups(request: HttpRequest, assembly: Assembly) -> list[tuple[int, str]]:
    if not request.user.is_authenticated:
        return []
    return list(
        WorkingGroup.objects.filter(assembly=assembly, members=request.user)
        .order_by("name")
        .values_list("pk", "name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return _error_page(request, exc)
    if not permissions.can_create_proposal(request.user, assembly.pk):
        return _error_page(
            request, NotFound(_("Only members of this assembly can write proposals."))
        )
    form = ProposalForm(request.POST or None, groups=_my_groups(request, assembly))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            group = None
            if data["working_group"] is not None:
                group = WorkingGroup.objects.filter(pk=data["working_group"]).first()
            try:
                proposal = services.create_proposal(
                    request.user,
                    assembly=assembly,
                    title=data["title"],
                    text=data["text"],
                    working_group=group,
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.http_status
            else:
                messages.success(
                    request,
                    _(
                        "Your draft is saved. Only its co-authors see it "
                        "until you open it for discussion."
                    ),
                )
                return HttpResponseRedirect(selectors.proposal_url(proposal))
    return render(
        request,
        "proposals/proposal_create.html",
        {"assembly": assembly, "form": form},
        status=status,
    )


# --- The proposal page ------------------------------------------------------------------


def _paragraphs(text: str) -> list[dict[str, Any]]:
    """The text cut where comments anchor (``domain.paragraphs``), each rendered alone."""
    return [
        {"index": i, "number": i + 1, "html": mark_safe(render_markdown(p))}  # noqa: S308
        for i, p in enumerate(domain.paragraphs(text))
    ]


def _reactions(comment: dict[str, Any], can_react: bool) -> list[dict[str, Any]]:
    labels = dict(Reaction.Kind.choices)
    return [
        {
            "kind": kind,
            "label": labels.get(kind, kind),
            "count": comment["reactions"].get(kind, 0),
            "pressed": comment["my_reaction"] == kind,
        }
        for kind in domain.REACTIONS
        if can_react or comment["reactions"].get(kind, 0)
    ]


class _Discussion:
    """Decorates the selector's comment dicts with what the page needs to draw them."""

    def __init__(
        self,
        request: HttpRequest,
        proposal: Proposal,
        bound: Bound,
        current: Version,
    ) -> None:
        self.request = request
        self.proposal = proposal
        self.bound = bound
        self.current = current
        self.uid = _uid(request)
        self.can_comment = permissions.can_comment(request.user, proposal) and (
            domain.State(proposal.state) not in domain.FINAL
        )
        self.can_react = permissions.can_comment(request.user, proposal)
        self.moderator = permissions.can_moderate(request.user, proposal)
        self.kinds = dict(CommentKind.choices)
        self.actions = dict(ModerationEvent.Action.choices)

    def decorate(self, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        flat = [c for t in threads for c in [t, *t["replies"]]]
        ids = [c["id"] for c in flat]
        logs: dict[int, list[ModerationEvent]] = defaultdict(list)
        for event in ModerationEvent.objects.filter(comment_id__in=ids).order_by(
            "created_at", "id"
        ):
            logs[event.comment_id].append(event)
        revisions: dict[int, list[CommentRevision]] = defaultdict(list)
        for revision in CommentRevision.objects.filter(comment_id__in=ids).order_by(
            "replaced_at", "id"
        ):
            revisions[revision.comment_id].append(revision)
        names = _names({e.actor_id for events in logs.values() for e in events})
        for c in flat:
            self._one(c, logs.get(c["id"], []), revisions.get(c["id"], []), names)
        return threads

    def _one(
        self,
        c: dict[str, Any],
        log: list[ModerationEvent],
        revisions: list[CommentRevision],
        names: dict[int, str],
    ) -> None:
        cid = c["id"]
        mine = self.uid is not None and c["author"] == self.uid
        insider = mine or self.moderator  # sees hidden text, reasons and the log
        c["kind_label"] = self.kinds.get(c["kind"], c["kind"])
        c["created"] = datetime.fromisoformat(c["created_at"])
        c["mine"] = mine
        c["anchor_here"] = bool(c["anchor"] and c["anchor"]["version"] == self.current.number)
        if c["anchor"]:
            c["anchor_number"] = c["anchor"]["paragraph"] + 1
        c["reaction_rows"] = _reactions(c, self.can_react and not c["hidden"])
        c["can_react"] = self.can_react and not c["hidden"]
        # Earlier texts are for everyone, unless moderation ever touched the comment: what a
        # facilitator hid must not come back through the edit history.
        if revisions and (insider or not log):
            c["revisions"] = [
                {
                    "kind_label": self.kinds.get(r.kind, r.kind),
                    "html": mark_safe(render_markdown(r.body)),  # noqa: S308
                    "written_at": r.written_at,
                    "replaced_at": r.replaced_at,
                }
                for r in revisions
            ]
        c["edit_count"] = len(revisions)
        if insider and log:
            c["log"] = [
                {
                    "label": self.actions.get(e.action, e.action),
                    "actor": names.get(e.actor_id or 0, ""),
                    "note": e.note,
                    "at": e.created_at,
                }
                for e in log
            ]
        c["restore_requested"] = bool(
            c["moderation"] and c["moderation"]["state"] == "restore_requested"
        )
        prefix = f"c{cid}"
        if self.can_comment and c["parent"] is None and not c["hidden"]:
            c["reply_form"] = self.bound.get(f"reply-{cid}") or CommentForm(
                initial={"kind": c["kind"], "parent": cid, "amendment": c["amendment"]},
                radios=False,
                auto_id=f"{prefix}-reply-%s",
            )
        if mine and c["body"] is not None:
            c["edit_form"] = self.bound.get(f"edit-{cid}") or CommentEditForm(
                initial={"kind": c["kind"], "body": c["body"]}, auto_id=f"{prefix}-edit-%s"
            )
        if mine and c["hidden"]:
            c["answer_form"] = self.bound.get(f"answer-{cid}") or NoteForm(
                label=_("Your answer"), auto_id=f"{prefix}-answer-%s"
            )
            if not c["restore_requested"]:
                c["request_form"] = self.bound.get(f"request-{cid}") or NoteForm(
                    label=_("Note (optional)"), required=False, auto_id=f"{prefix}-request-%s"
                )
        if self.moderator and not c["hidden"]:
            c["hide_form"] = self.bound.get(f"hide-{cid}") or ReasonForm(
                auto_id=f"{prefix}-hide-%s"
            )
        if self.moderator and c["hidden"]:
            c["restore_form"] = self.bound.get(f"restore-{cid}") or NoteForm(
                label=_("Note (optional)"), required=False, auto_id=f"{prefix}-restore-%s"
            )
        c["open_form"] = next(
            (
                key
                for key in ("reply", "edit", "answer", "request", "hide", "restore")
                if f"{key}-{cid}" in self.bound
            ),
            None,
        )


def _decisions(proposal: Proposal, user: Any) -> list[dict[str, Any]]:
    from voting import permissions as voting_permissions
    from voting.models import Decision

    return [
        {
            "title": d.title,
            "url": reverse("decision", args=[d.pk]),
            "status": d.get_status_display(),
        }
        for d in Decision.objects.filter(proposal=proposal).select_related("assembly", "session")
        if voting_permissions.can_view_decision(user, d)
    ]


def _decision_loop(proposal: Proposal, user: Any) -> dict[str, Any]:
    """Where the proposal stands in its decisions: whether ``user`` may bring it to one,
    the objections its authors are to integrate, and the version the assembly adopted."""
    from voting import labels as voting_labels
    from voting import permissions as voting_permissions

    pending = voting_permissions.pending_on(proposal)
    objections: list[dict[str, Any]] = []
    if (
        pending is not None
        and pending.status == "between"
        and voting_permissions.can_view_decision(user, pending)
    ):
        objections = voting_labels.open_objections(pending)
    adopted = proposal.adopted_version
    return {
        "can_bring": voting_permissions.can_bring_to_decision(user, proposal),
        "objections_decision": pending if objections else None,
        "open_objections": objections,
        "adopted_number": adopted.number if adopted is not None else None,
    }


def _page_context(request: HttpRequest, proposal: Proposal, bound: Bound) -> dict[str, Any]:
    user = request.user
    uid = _uid(request)
    detail = selectors.proposal_detail(proposal)
    versions = selectors.versions(proposal)
    current = versions[-1]
    numbers = [v.number for v in versions]
    amendments = selectors.amendments(proposal)
    can_edit = permissions.can_edit(user, proposal)
    can_amend = permissions.can_amend(user, proposal) and (
        domain.State(proposal.state) in domain.OPEN_TO_MEMBERS
    )
    open_round = selectors.has_open_round(proposal)
    text_open = domain.can_change_text(proposal.state) and not open_round
    names = _names(
        {
            *detail["authors"],
            *detail["invited"],
            *(v.author_id for v in versions),
            *(a.author_id for a in amendments),
            *(a.decided_by_id for a in amendments),
        }
    )
    paragraphs = _paragraphs(current.text)
    anchor_choices = paragraph_choices(current.text, _("The whole proposal"))
    discussion = _Discussion(request, proposal, bound, current)

    amendment_rows = []
    status_labels = dict(Amendment.Status.choices)
    for a in amendments:
        is_open = a.status == Amendment.Status.OPEN
        aid = a.pk
        diff = domain.diff_html(a.base_version.text, a.text)
        row: dict[str, Any] = {
            "amendment": a,
            "author": names.get(a.author_id or 0, ""),
            "decided_by": names.get(a.decided_by_id or 0, ""),
            "status_label": status_labels.get(a.status, a.status),
            "diff": marked_diff(diff),
            "counts": _diff_counts(diff),
            "paragraph_number": a.paragraph + 1 if a.paragraph is not None else None,
            "outdated": a.base_version_id != current.pk,
            "mine": uid is not None and a.author_id == uid,
            "comments": discussion.decorate(selectors.comments(proposal, user, amendment=a)),
        }
        if can_edit and is_open:
            row["can_accept"] = text_open
            row["can_promote"] = domain.State(proposal.state) in domain.OPEN_TO_MEMBERS
            row["decline_form"] = bound.get(f"decline-{aid}") or DeclineForm(
                auto_id=f"a{aid}-decline-%s"
            )
        if row["mine"] and is_open and (a.needs_rebase or row["outdated"]):
            row["rebase_form"] = bound.get(f"rebase-{aid}") or RebaseForm(
                initial={
                    "base_version": current.number,
                    "text": current.text,
                    "rationale": a.rationale,
                },
                auto_id=f"a{aid}-rebase-%s",
            )
        if discussion.can_comment:
            row["comment_form"] = bound.get(f"amendment-comment-{aid}") or CommentForm(
                initial={"amendment": aid}, radios=False, auto_id=f"a{aid}-comment-%s"
            )
        row["open_form"] = next(
            (k for k in ("decline", "rebase", "amendment-comment") if f"{k}-{aid}" in bound), None
        )
        amendment_rows.append(row)

    version_rows = [
        {
            "version": v,
            "author": names.get(v.author_id or 0, ""),
            "previous": v.number - 1 if v.number > 1 else None,
        }
        for v in reversed(versions)
    ]
    invite_form = None
    if can_edit and domain.can_change_text(proposal.state):
        taken = set(detail["authors"]) | set(detail["invited"])
        members = [
            (m.user_id, m.user.public_name)
            for m in assembly_selectors.members_of(proposal.assembly)
            if m.role == Role.MEMBER and m.user_id not in taken
        ]
        if members:
            invite_form = bound.get("invite") or InviteForm(members=members, auto_id="invite-%s")
    paragraph_param = request.GET.get("paragraph", "")
    comment_initial: dict[str, Any] = {}
    if paragraph_param.isdigit() and int(paragraph_param) < len(paragraphs):
        comment_initial["paragraph"] = int(paragraph_param)
    cosigned = (
        uid is not None and CoSignature.objects.filter(proposal=proposal, member_id=uid).exists()
    )
    threads = discussion.decorate(selectors.comments(proposal, user))
    return {
        "proposal": proposal,
        "assembly": proposal.assembly,
        "state_label": State(proposal.state).label,
        "state": proposal.state,
        "current": current,
        "paragraphs": paragraphs,
        "versions": version_rows,
        "record": detail["record"],
        "decisions": _decisions(proposal, user),
        **_decision_loop(proposal, user),
        "authors": [names.get(pk, "") for pk in detail["authors"]],
        "invited": [names.get(pk, "") for pk in detail["invited"]],
        "is_invited": permissions.is_invited(user, proposal),
        "can_edit": can_edit,
        "can_amend": can_amend,
        "can_comment": discussion.can_comment,
        "can_cosign": permissions.can_cosign(user, proposal) and proposal.state == State.DISCUSSION,
        "is_member": permissions.is_member(user, proposal),
        "moderator": discussion.moderator,
        "cosigned": cosigned,
        "cosigns": detail["cosigns"],
        "threshold": max(1, proposal.assembly.cosign_threshold),
        "ready": proposal.ready_at is not None,
        "open_round": open_round,
        "text_open": text_open,
        "state_actions": _state_actions(proposal, open_round) if can_edit else [],
        "amendments": amendment_rows,
        "open_amendments": sum(1 for a in amendments if a.status == Amendment.Status.OPEN),
        "threads": threads,
        "comment_count": sum(1 + len(t["replies"]) for t in threads),
        "version_form": bound.get("version")
        or VersionForm(initial={"text": current.text}, auto_id="version-%s"),
        "amendment_form": bound.get("amendment")
        or AmendmentForm(
            initial={"base_version": current.number, "text": current.text},
            versions=numbers,
            paragraphs=paragraph_choices(current.text, _("No paragraph in particular")),
            auto_id="amendment-%s",
        ),
        "comment_form": bound.get("comment")
        or CommentForm(initial=comment_initial, paragraphs=anchor_choices, auto_id="comment-%s"),
        "invite_form": invite_form,
        "compare_form": CompareForm(
            initial={"from": max(1, current.number - 1), "to": current.number},
            versions=numbers,
            auto_id="compare-%s",
        ),
        "open_form": next((k for k in ("version", "amendment", "invite") if k in bound), None),
    }


def _state_actions(proposal: Proposal, open_round: bool) -> list[dict[str, str]]:
    """The state changes co-authors may choose now, with their button labels (while a round
    is open only opening a draft is possible, which cannot happen then)."""
    labels = {
        domain.Action.OPEN_DISCUSSION: _("Open for discussion"),
        domain.Action.RETURN_TO_DISCUSSION: _("Back to discussion"),
        domain.Action.WITHDRAW: _("Withdraw"),
    }
    return [
        {"action": action.value, "label": labels[action]}
        for action in domain.allowed_actions(proposal.state)
        if action in services.AUTHOR_ACTIONS
        and (action is domain.Action.OPEN_DISCUSSION or not open_round)
    ]


def _render_page(
    request: HttpRequest, proposal: Proposal, bound: Bound | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "proposals/proposal_detail.html",
        _page_context(request, proposal, bound or {}),
        status=status,
    )


def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        proposal = permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return _error_page(request, exc)
    return _render_page(request, proposal)


def _to(proposal_id: int, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("proposal", args=[proposal_id])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _refused(request: HttpRequest, exc: ServiceError) -> None:
    detail = " ".join(str(v) for v in exc.fields.values() if isinstance(v, str))
    messages.error(request, f"{exc.message} {detail}".strip())


def _form_failed(
    request: HttpRequest, proposal_id: int, key: str, form: forms.Form, status: int = 400
) -> HttpResponse:
    """Draw the page again with ``form`` bound (what was typed, and why it was refused)."""
    try:
        proposal = permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return _error_page(request, exc)
    return _render_page(request, proposal, {key: form}, status=status)


def _readable(request: HttpRequest, proposal_id: int) -> Proposal | HttpResponse:
    try:
        return permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return _error_page(request, exc)


def _post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Writes are POST. A GET of a write's address (after a form was drawn again there and
    the language was switched, say) goes back to the proposal's page."""

    @wraps(view)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return view(request, **kwargs)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["POST"])
        try:
            if "proposal_id" in kwargs:
                proposal_id = permissions.get_proposal_for_user(
                    request.user, kwargs["proposal_id"]
                ).pk
            elif "amendment_id" in kwargs:
                proposal_id = permissions.get_amendment_for_user(
                    request.user, kwargs["amendment_id"]
                ).proposal_id
            else:
                proposal_id = permissions.get_comment_for_user(
                    request.user, kwargs["comment_id"]
                ).proposal_id
        except ServiceError as exc:
            return _error_page(request, exc)
        return _to(proposal_id)

    return wrapped


# --- Writes on the proposal -------------------------------------------------------------


@login_required
@_post
def proposal_state(request: HttpRequest, proposal_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        proposal = services.change_state(request.user, proposal_id, action)
    except NotFound as exc:
        return _error_page(request, exc)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("The proposal is now: %(state)s.") % {"state": State(proposal.state).label},
        )
    return _to(proposal_id)


@login_required
@_post
def proposal_invite(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    members = [
        (m.user_id, m.user.public_name) for m in assembly_selectors.members_of(found.assembly)
    ]
    form = InviteForm(request.POST, members=members, auto_id="invite-%s")
    if not form.is_valid():
        return _form_failed(request, proposal_id, "invite", form)
    try:
        row = services.invite_coauthor(request.user, proposal_id, form.cleaned_data["member"])
    except NotFound as exc:
        return _error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, proposal_id, "invite", form, exc.http_status)
    messages.success(
        request,
        _("Invitation sent to: %(name)s") % {"name": User.objects.get(pk=row.user_id).public_name},
    )
    return _to(proposal_id, "authors")


@login_required
@_post
def proposal_invitation(request: HttpRequest, proposal_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    try:
        services.respond_to_invitation(request.user, proposal_id, accept=accept)
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not isinstance(_readable(request, proposal_id), Proposal):
            return _error_page(request, exc)
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("You are now a co-author of this proposal.")
            if accept
            else _("You declined the invitation."),
        )
    return _to(proposal_id, "authors")


@login_required
@_post
def proposal_cosign(request: HttpRequest, proposal_id: int) -> HttpResponse:
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            services.withdraw_cosign(request.user, proposal_id)
        else:
            ready = services.cosign(request.user, proposal_id)
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not isinstance(_readable(request, proposal_id), Proposal):
            return _error_page(request, exc)
        _refused(request, exc)
    else:
        if withdraw:
            messages.success(request, _("Your co-signature is withdrawn."))
        elif ready:
            messages.success(request, _("You co-signed it. The proposal is ready for the agenda."))
        else:
            messages.success(request, _("You co-signed it."))
    return _to(proposal_id, "cosign")


@login_required
@_post
def proposal_version(request: HttpRequest, proposal_id: int) -> HttpResponse:
    form = VersionForm(request.POST, auto_id="version-%s")
    if not form.is_valid():
        return _form_failed(request, proposal_id, "version", form)
    try:
        version = services.create_version(
            request.user,
            proposal_id,
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
        )
    except NotFound as exc:
        return _error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, proposal_id, "version", form, exc.http_status)
    messages.success(request, _("Version %(number)s is saved.") % {"number": version.number})
    return _to(proposal_id, "text")


def _amendment_form(request: HttpRequest, proposal: Proposal) -> AmendmentForm:
    current = selectors.current_version(proposal)
    return AmendmentForm(
        request.POST,
        versions=[v.number for v in selectors.versions(proposal)],
        paragraphs=paragraph_choices(current.text, _("No paragraph in particular")),
        auto_id="amendment-%s",
    )


@login_required
@_post
def proposal_amend(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    form = _amendment_form(request, found)
    if not form.is_valid():
        return _form_failed(request, proposal_id, "amendment", form)
    data = form.cleaned_data
    try:
        amendment = services.propose_amendment(
            request.user,
            proposal_id,
            base_version=data["base_version"],
            text=data["text"],
            rationale=data["rationale"],
            paragraph=data["paragraph"],
        )
    except NotFound as exc:
        return _error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, proposal_id, "amendment", form, exc.http_status)
    messages.success(request, _("Your amendment is sent to the co-authors."))
    return _to(proposal_id, f"amendment-{amendment.pk}")


# --- Amendments -------------------------------------------------------------------------


def _amendment_proposal(request: HttpRequest, amendment_id: int) -> Amendment | HttpResponse:
    try:
        return permissions.get_amendment_for_user(request.user, amendment_id)
    except ServiceError as exc:
        return _error_page(request, exc)


@login_required
@_post
def amendment_accept(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        version = services.accept_amendment(request.user, amendment_id)
    except ServiceError as exc:
        _refused(request, exc)
        return _to(found.proposal_id, f"amendment-{amendment_id}")
    messages.success(
        request,
        _("The amendment is accepted. It is version %(number)s now.") % {"number": version.number},
    )
    return _to(found.proposal_id, "text")


@login_required
@_post
def amendment_promote(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        services.promote_amendment(request.user, amendment_id)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The amendment will be put to the decision as an alternative."))
    return _to(found.proposal_id, f"amendment-{amendment_id}")


@login_required
@_post
def amendment_decline(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    key = f"decline-{amendment_id}"
    form = DeclineForm(request.POST, auto_id=f"a{amendment_id}-decline-%s")
    if not form.is_valid():
        return _form_failed(request, found.proposal_id, key, form)
    try:
        services.decline_amendment(request.user, amendment_id, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, found.proposal_id, key, form, exc.http_status)
    messages.success(request, _("The amendment is declined. Its author can read your reason."))
    return _to(found.proposal_id, f"amendment-{amendment_id}")


@login_required
@_post
def amendment_rebase(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    key = f"rebase-{amendment_id}"
    form = RebaseForm(request.POST, auto_id=f"a{amendment_id}-rebase-%s")
    if not form.is_valid():
        return _form_failed(request, found.proposal_id, key, form)
    data = form.cleaned_data
    try:
        services.rebase_amendment(
            request.user,
            amendment_id,
            base_version=data["base_version"],
            text=data["text"],
            rationale=data["rationale"],
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, found.proposal_id, key, form, exc.http_status)
    messages.success(request, _("Your amendment is redone on the current version."))
    return _to(found.proposal_id, f"amendment-{amendment_id}")


# --- Discussion -------------------------------------------------------------------------


@login_required
@_post
def comment_create(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    parent = request.POST.get("parent") or ""
    amendment = request.POST.get("amendment") or ""
    current = selectors.current_version(found)
    if parent.isdigit():
        # A refused reply is drawn again under its thread's first comment, where the reply
        # form is (a reply to a reply is refused: replies are one level deep).
        thread = (
            Comment.objects.filter(pk=int(parent), proposal=found)
            .values_list("parent_id", flat=True)
            .first()
        ) or parent
        key, form = (
            f"reply-{thread}",
            CommentForm(request.POST, radios=False, auto_id=f"c{thread}-reply-%s"),
        )
    elif amendment.isdigit():
        key, form = (
            f"amendment-comment-{amendment}",
            CommentForm(request.POST, radios=False, auto_id=f"a{amendment}-comment-%s"),
        )
    else:
        key, form = (
            "comment",
            CommentForm(
                request.POST,
                paragraphs=paragraph_choices(current.text, _("The whole proposal")),
                auto_id="comment-%s",
            ),
        )
    if not form.is_valid():
        return _form_failed(request, proposal_id, key, form)
    data = form.cleaned_data
    paragraph = data.get("paragraph")
    try:
        comment = services.add_comment(
            request.user,
            proposal_id,
            kind=data["kind"],
            body=data["body"],
            parent=data["parent"],
            anchor=(
                {"version": current.number, "paragraph": paragraph}
                if paragraph is not None
                else None
            ),
            amendment_id=data["amendment"],
        )
    except NotFound as exc:
        if key == "comment":
            return _error_page(request, exc)
        add_service_error(form, exc)
        return _form_failed(request, proposal_id, key, form, exc.http_status)
    except ServiceError as exc:
        add_service_error(form, exc, {"anchor": "paragraph"})
        return _form_failed(request, proposal_id, key, form, exc.http_status)
    messages.success(request, _("Your comment is added."))
    return _to(proposal_id, f"comment-{comment.pk}")


def _comment_target(request: HttpRequest, comment_id: int) -> tuple[int, int] | HttpResponse:
    """``(proposal id, comment id)`` of a comment the person may read."""
    try:
        comment = permissions.get_comment_for_user(request.user, comment_id)
    except ServiceError as exc:
        return _error_page(request, exc)
    return comment.proposal_id, comment.pk


def _comment_form_view(
    request: HttpRequest,
    comment_id: int,
    key: str,
    form: forms.Form,
    act: Any,
    done: str,
) -> HttpResponse:
    target = _comment_target(request, comment_id)
    if isinstance(target, HttpResponse):
        return target
    proposal_id, _cid = target
    if not form.is_valid():
        return _form_failed(request, proposal_id, f"{key}-{comment_id}", form)
    try:
        act(form.cleaned_data)
    except ServiceError as exc:
        add_service_error(form, exc)
        return _form_failed(request, proposal_id, f"{key}-{comment_id}", form, exc.http_status)
    messages.success(request, done)
    return _to(proposal_id, f"comment-{comment_id}")


@login_required
@_post
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    form = CommentEditForm(request.POST, auto_id=f"c{comment_id}-edit-%s")
    return _comment_form_view(
        request,
        comment_id,
        "edit",
        form,
        lambda d: services.edit_comment(request.user, comment_id, body=d["body"], kind=d["kind"]),
        _("Your comment is saved. Its earlier text stays in its history."),
    )


@login_required
@_post
def comment_hide(request: HttpRequest, comment_id: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"c{comment_id}-hide-%s")
    return _comment_form_view(
        request,
        comment_id,
        "hide",
        form,
        lambda d: services.hide_comment(request.user, comment_id, reason=d["reason"]),
        _("The comment is hidden. Its author sees your reason."),
    )


@login_required
@_post
def comment_restore(request: HttpRequest, comment_id: int) -> HttpResponse:
    form = NoteForm(request.POST, required=False, auto_id=f"c{comment_id}-restore-%s")
    return _comment_form_view(
        request,
        comment_id,
        "restore",
        form,
        lambda d: services.restore_comment(request.user, comment_id, note=d["note"]),
        _("The comment is shown again."),
    )


@login_required
@_post
def comment_answer(request: HttpRequest, comment_id: int) -> HttpResponse:
    form = NoteForm(request.POST, auto_id=f"c{comment_id}-answer-%s")
    return _comment_form_view(
        request,
        comment_id,
        "answer",
        form,
        lambda d: services.answer_moderation(request.user, comment_id, note=d["note"]),
        _("Your answer is saved in the moderation log."),
    )


@login_required
@_post
def comment_request_restore(request: HttpRequest, comment_id: int) -> HttpResponse:
    form = NoteForm(request.POST, required=False, auto_id=f"c{comment_id}-request-%s")
    return _comment_form_view(
        request,
        comment_id,
        "request",
        form,
        lambda d: services.request_restore(request.user, comment_id, note=d["note"]),
        _("You asked the facilitators to show the comment again."),
    )


@login_required
@_post
def comment_react(request: HttpRequest, comment_id: int) -> HttpResponse:
    target = _comment_target(request, comment_id)
    if isinstance(target, HttpResponse):
        return target
    proposal_id, _cid = target
    kind = request.POST.get("reaction", "")
    try:
        mine = (
            Reaction.objects.filter(comment_id=comment_id, member_id=_uid(request))
            .values_list("kind", flat=True)
            .first()
        )
        if kind and kind == mine:
            services.unreact(request.user, comment_id)
        else:
            services.react(request.user, comment_id, kind)
    except ServiceError as exc:
        _refused(request, exc)
    return _to(proposal_id, f"comment-{comment_id}")


# --- The diff page ----------------------------------------------------------------------


def proposal_diff(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    proposal = found
    versions = selectors.versions(proposal)
    numbers = [v.number for v in versions]
    last = numbers[-1]
    raw = {
        "from": request.GET.get("from", str(max(1, last - 1))),
        "to": request.GET.get("to", str(last)),
    }
    form = CompareForm(raw, versions=numbers, auto_id="compare-%s")
    bad = {k: v for k, v in raw.items() if not v.strip().isdigit()}
    context: dict[str, Any] = {
        "proposal": proposal,
        "form": form,
        "assembly": proposal.assembly,
        "diff": None,
    }
    if bad:
        for key in bad:
            form.add_error(key, _("Enter a version number."))
        return render(request, "proposals/proposal_diff.html", context, status=400)
    try:
        diff = selectors.diff(proposal, int(raw["from"]), int(raw["to"]))
    except ServiceError as exc:
        return _error_page(request, exc)
    by_number = {v.number: v for v in versions}
    old, new = by_number[diff["from"]], by_number[diff["to"]]
    names = _names({old.author_id, new.author_id})
    context.update(
        {
            "diff": marked_diff(diff["html"]),
            "counts": _diff_counts(diff["html"]),
            "old": old,
            "new": new,
            "old_author": names.get(old.author_id or 0, ""),
            "new_author": names.get(new.author_id or 0, ""),
            "same": diff["from"] == diff["to"] or old.text == new.text,
        }
    )
    return render(request, "proposals/proposal_diff.html", context)


def version_page(request: HttpRequest, proposal_id: int, number: int) -> HttpResponse:
    """One version of a proposal, whole: what a round asked about, or what was adopted."""
    found = _readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    proposal = found
    try:
        version = selectors.version(proposal, number)
    except ServiceError as exc:
        return _error_page(request, exc)
    names = _names({version.author_id})
    last = selectors.current_version(proposal).number
    return render(
        request,
        "proposals/version.html",
        {
            "proposal": proposal,
            "assembly": proposal.assembly,
            "version": version,
            "author": names.get(version.author_id or 0, ""),
            "paragraphs": _paragraphs(version.text),
            "is_current": version.number == last,
            "is_adopted": proposal.adopted_version_id == version.pk,
            "current_number": last,
            "asked_in": selectors.rounds_asking(version, request.user),
        },
    )


# --- The live screen --------------------------------------------------------------------


def live_strings() -> dict[str, Any]:
    return {
        "heading": _("Proposal on the agenda"),
        "comments": _("Latest comments"),
        "none": _("No comments yet."),
        "read": _("Read the whole discussion and comment"),
        "reply": _("reply"),
        "members_only": _("Its discussion is for the members of the assembly."),
        "kinds": {value: str(label) for value, label in CommentKind.choices},
    }


def _live_comment(c: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """A comment as ``proposal.comment_added`` has it (the fields live.js reads), labelled."""
    return {
        **{k: c[k] for k in ("id", "parent", "author_name", "kind", "html", "created_at")},
        "kind_label": kinds.get(c["kind"], c["kind"]),
    }


def live_panel(state: dict[str, Any], user: Any) -> dict[str, Any]:
    """The proposal of the open agenda item and its latest comments, for the live screen.

    ``comments`` are the latest visible comments and replies, oldest first, as
    ``proposal.comment_added`` carries them (live.js appends those events).
    """
    item = next((i for i in state["agenda"] if i["id"] == state["current_item"]), None)
    ref = item.get("proposal") if item else None
    panel: dict[str, Any] = {"proposal": None, "comments": [], "strings": live_strings()}
    if not ref:
        return panel
    panel["proposal"] = {"id": ref["id"], "title": ref["title"], "readable": False}
    try:
        proposal = permissions.get_proposal_for_user(user, ref["id"])
    except ServiceError:
        return panel
    flat = [c for t in selectors.comments(proposal, user) for c in [t, *t["replies"]]]
    flat = sorted((c for c in flat if not c["hidden"]), key=lambda c: (c["created_at"], c["id"]))
    panel["proposal"]["readable"] = True
    panel["proposal"]["url"] = selectors.proposal_url(proposal)
    kinds = {value: str(label) for value, label in CommentKind.choices}
    panel["comments"] = [_live_comment(c, kinds) for c in flat[-LIVE_COMMENTS:]]
    return panel
