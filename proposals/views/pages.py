"""The pages of proposals: the list, a new proposal, a proposal, a version, the word diff,
and the writes on the proposal itself (its state, co-authors, co-signatures, versions)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assembly import permissions as assembly_permissions
from assembly import selectors as assembly_selectors
from common.errors import NotFound, ServiceError
from common.web import error_page, refused
from proposals import permissions, presenters, selectors, services
from proposals.forms import (
    CompareForm,
    InviteForm,
    ProposalForm,
    VersionForm,
    add_service_error,
)
from proposals.models import (
    Proposal,
    State,
)
from proposals.rendering import diff_counts as _diff_counts
from proposals.rendering import marked_diff
from proposals.views.base import draw_again, readable, render_proposal, to_proposal, writes
from voting import presenters as voting_presenters


def proposal_list(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    return render(
        request,
        "proposals/proposal_list.html",
        presenters.list_context(request.user, assembly, request.GET.get("state") or None),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    if not permissions.can_create_proposal(request.user, assembly.pk):
        return error_page(
            request, NotFound(_("Only members of this assembly can write proposals."))
        )
    form = ProposalForm(request.POST or None, groups=selectors.groups_of(request.user, assembly))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            group = None
            if data["working_group"] is not None:
                group = next(
                    (g for g in assembly.working_groups.all() if g.pk == data["working_group"]),
                    None,
                )
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


def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        proposal = permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return error_page(request, exc)
    return render_proposal(request, proposal)


@login_required
@writes
def proposal_state(request: HttpRequest, proposal_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        proposal = services.change_state(request.user, proposal_id, action)
    except NotFound as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("The proposal is now: %(state)s.") % {"state": State(proposal.state).label},
        )
    return to_proposal(proposal_id)


@login_required
@writes
def proposal_invite(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    members = [
        (m.user_id, m.user.public_name) for m in assembly_selectors.members_of(found.assembly)
    ]
    form = InviteForm(request.POST, members=members, auto_id="invite-%s")
    if not form.is_valid():
        return draw_again(request, proposal_id, "invite", form)
    try:
        row = services.invite_coauthor(request.user, proposal_id, form.cleaned_data["member"])
    except NotFound as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return draw_again(request, proposal_id, "invite", form, exc.http_status)
    messages.success(
        request,
        _("Invitation sent to: %(name)s")
        % {"name": selectors.names({row.user_id}).get(row.user_id, "")},
    )
    return to_proposal(proposal_id, "authors")


@login_required
@writes
def proposal_invitation(request: HttpRequest, proposal_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    try:
        services.respond_to_invitation(request.user, proposal_id, accept=accept)
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not isinstance(readable(request, proposal_id), Proposal):
            return error_page(request, exc)
        refused(request, exc)
    else:
        messages.success(
            request,
            _("You are now a co-author of this proposal.")
            if accept
            else _("You declined the invitation."),
        )
    return to_proposal(proposal_id, "authors")


@login_required
@writes
def proposal_cosign(request: HttpRequest, proposal_id: int) -> HttpResponse:
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            services.withdraw_cosign(request.user, proposal_id)
        else:
            ready = services.cosign(request.user, proposal_id)
    except ServiceError as exc:
        if isinstance(exc, NotFound) and not isinstance(readable(request, proposal_id), Proposal):
            return error_page(request, exc)
        refused(request, exc)
    else:
        if withdraw:
            messages.success(request, _("Your co-signature is withdrawn."))
        elif ready:
            messages.success(request, _("You co-signed it. The proposal is ready for the agenda."))
        else:
            messages.success(request, _("You co-signed it."))
    return to_proposal(proposal_id, "cosign")


@login_required
@writes
def proposal_version(request: HttpRequest, proposal_id: int) -> HttpResponse:
    form = VersionForm(request.POST, auto_id="version-%s")
    if not form.is_valid():
        return draw_again(request, proposal_id, "version", form)
    try:
        version = services.create_version(
            request.user,
            proposal_id,
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
        )
    except NotFound as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return draw_again(request, proposal_id, "version", form, exc.http_status)
    messages.success(request, _("Version %(number)s is saved.") % {"number": version.number})
    return to_proposal(proposal_id, "text")


def proposal_diff(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = readable(request, proposal_id)
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
        return error_page(request, exc)
    by_number = {v.number: v for v in versions}
    old, new = by_number[diff["from"]], by_number[diff["to"]]
    names = selectors.names({old.author_id, new.author_id})
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
    found = readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    proposal = found
    try:
        version = selectors.version(proposal, number)
    except ServiceError as exc:
        return error_page(request, exc)
    names = selectors.names({version.author_id})
    last = selectors.current_version(proposal).number
    return render(
        request,
        "proposals/version.html",
        {
            "proposal": proposal,
            "assembly": proposal.assembly,
            "version": version,
            "author": names.get(version.author_id or 0, ""),
            "paragraphs": presenters.paragraphs(version.text),
            "is_current": version.number == last,
            "is_adopted": proposal.adopted_version_id == version.pk,
            "current_number": last,
            "asked_in": voting_presenters.rounds_about(version, request.user),
        },
    )
