"""What the pages of proposals share: reading a proposal the person may see, drawing its
page again with a refused form, going back to it after a write, and writes that are POST."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse

from common.errors import ServiceError
from common.web import error_page
from proposals import permissions, presenters
from proposals.models import (
    Proposal,
)
from proposals.presenters import Bound
from voting import presenters as voting_presenters


def to_proposal(proposal_id: int, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("proposal", args=[proposal_id])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def draw_again(
    request: HttpRequest, proposal_id: int, key: str, form: forms.Form, status: int = 400
) -> HttpResponse:
    """Draw the page again with ``form`` bound (what was typed, and why it was refused)."""
    try:
        proposal = permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return error_page(request, exc)
    return render_proposal(request, proposal, {key: form}, status=status)


def readable(request: HttpRequest, proposal_id: int) -> Proposal | HttpResponse:
    try:
        return permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        return error_page(request, exc)


def writes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
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
            return error_page(request, exc)
        return to_proposal(proposal_id)

    return wrapped


def render_proposal(
    request: HttpRequest, proposal: Proposal, bound: Bound | None = None, status: int = 200
) -> HttpResponse:
    """The proposal page; ``bound``: forms drawn again with what was typed and why not."""
    context = {
        **presenters.page_context(
            request.user, proposal, bound or {}, request.GET.get("paragraph", "")
        ),
        **voting_presenters.about_proposal(proposal, request.user),
    }
    return render(request, "proposals/proposal_detail.html", context, status=status)
