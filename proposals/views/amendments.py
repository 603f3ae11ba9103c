"""Amendments on the proposal page: propose one; accept, promote, decline or redo it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.utils.translation import gettext as _

from common.errors import NotFound, ServiceError
from common.web import error_page, refused
from proposals import permissions, selectors, services
from proposals.forms import (
    AmendmentForm,
    DeclineForm,
    RebaseForm,
    add_service_error,
    paragraph_choices,
)
from proposals.models import (
    Amendment,
    Proposal,
)
from proposals.views.base import draw_again, readable, to_proposal, writes


def _amendment_form(request: HttpRequest, proposal: Proposal) -> AmendmentForm:
    current = selectors.current_version(proposal)
    return AmendmentForm(
        request.POST,
        versions=[v.number for v in selectors.versions(proposal)],
        paragraphs=paragraph_choices(current.text, _("No paragraph in particular")),
        auto_id="amendment-%s",
    )


@login_required
@writes
def proposal_amend(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = readable(request, proposal_id)
    if isinstance(found, HttpResponse):
        return found
    form = _amendment_form(request, found)
    if not form.is_valid():
        return draw_again(request, proposal_id, "amendment", form)
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
        return error_page(request, exc)
    except ServiceError as exc:
        add_service_error(form, exc)
        return draw_again(request, proposal_id, "amendment", form, exc.http_status)
    messages.success(request, _("Your amendment is sent to the co-authors."))
    return to_proposal(proposal_id, f"amendment-{amendment.pk}")


def _amendment_proposal(request: HttpRequest, amendment_id: int) -> Amendment | HttpResponse:
    try:
        return permissions.get_amendment_for_user(request.user, amendment_id)
    except ServiceError as exc:
        return error_page(request, exc)


@login_required
@writes
def amendment_accept(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        version = services.accept_amendment(request.user, amendment_id)
    except ServiceError as exc:
        refused(request, exc)
        return to_proposal(found.proposal_id, f"amendment-{amendment_id}")
    messages.success(
        request,
        _("The amendment is accepted. It is version %(number)s now.") % {"number": version.number},
    )
    return to_proposal(found.proposal_id, "text")


@login_required
@writes
def amendment_promote(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        services.promote_amendment(request.user, amendment_id)
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The amendment will be put to the decision as an alternative."))
    return to_proposal(found.proposal_id, f"amendment-{amendment_id}")


@login_required
@writes
def amendment_decline(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    key = f"decline-{amendment_id}"
    form = DeclineForm(request.POST, auto_id=f"a{amendment_id}-decline-%s")
    if not form.is_valid():
        return draw_again(request, found.proposal_id, key, form)
    try:
        services.decline_amendment(request.user, amendment_id, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        add_service_error(form, exc)
        return draw_again(request, found.proposal_id, key, form, exc.http_status)
    messages.success(request, _("The amendment is declined. Its author can read your reason."))
    return to_proposal(found.proposal_id, f"amendment-{amendment_id}")


@login_required
@writes
def amendment_rebase(request: HttpRequest, amendment_id: int) -> HttpResponse:
    found = _amendment_proposal(request, amendment_id)
    if isinstance(found, HttpResponse):
        return found
    key = f"rebase-{amendment_id}"
    form = RebaseForm(request.POST, auto_id=f"a{amendment_id}-rebase-%s")
    if not form.is_valid():
        return draw_again(request, found.proposal_id, key, form)
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
        return draw_again(request, found.proposal_id, key, form, exc.http_status)
    messages.success(request, _("Your amendment is redone on the current version."))
    return to_proposal(found.proposal_id, f"amendment-{amendment_id}")
