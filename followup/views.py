"""Pages of follow-up. Thin: gates from permissions, reads from selectors and presenters,
every write through :mod:`followup.services` (the same path as the API)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assembly import permissions as assembly_permissions
from common.errors import NotFound, ServiceError
from common.web import error_page
from followup import permissions, presenters, selectors, services
from followup.forms import CommitmentForm, UpdateForm
from followup.models import Status
from proposals.forms import add_service_error
from voting import presenters as voting_presenters
from voting import selectors as voting_selectors
from voting.models import Record


def _record(request: HttpRequest, decision_id: int) -> Record:
    record = voting_selectors.visible_record_of(request.user, decision_id)
    if record is None:
        raise NotFound(_("There is no such decision."))
    return record


@login_required
@require_POST
def followup_add(request: HttpRequest, decision_id: int) -> HttpResponse:
    """Add a commitment to a recorded decision, from its register page."""
    try:
        record = _record(request, decision_id)
    except ServiceError as exc:
        return error_page(request, exc)
    groups = presenters.groups_of(request.user, record.assembly_id)
    form = CommitmentForm(request.POST, groups=groups, auto_id="followup-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_commitment(
                request.user,
                record.pk,
                title=data["title"],
                description=data["description"],
                due=data["due"],
                working_group_id=data["working_group"],
                carry=data["carry"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("The commitment is added."))
            return HttpResponseRedirect(voting_selectors.record_url(record) + "#followup")
    context = {
        **voting_presenters.record_page(record, request.user),
        **presenters.record_followups(record, request.user, form),
    }
    return render(request, "voting/record_detail.html", context, status=status)


def followup_page(request: HttpRequest, commitment_id: int) -> HttpResponse:
    try:
        commitment = permissions.get_commitment_for_user(request.user, commitment_id)
    except ServiceError as exc:
        return error_page(request, exc)
    return render(
        request, "followup/commitment.html", presenters.commitment_page(commitment, request.user)
    )


@login_required
@require_POST
def followup_update(request: HttpRequest, commitment_id: int) -> HttpResponse:
    try:
        commitment = permissions.get_commitment_for_user(request.user, commitment_id)
    except ServiceError as exc:
        return error_page(request, exc)
    form = UpdateForm(request.POST, current=commitment.status, auto_id="update-%s")
    status = 400
    if form.is_valid():
        try:
            services.post_update(
                request.user,
                commitment.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("Your update is on the timeline."))
            return HttpResponseRedirect(selectors.url(commitment) + "#timeline")
    return render(
        request,
        "followup/commitment.html",
        presenters.commitment_page(commitment, request.user, form),
        status=status,
    )


@login_required
@require_POST
def followup_carry(request: HttpRequest, commitment_id: int) -> HttpResponse:
    """Take a commitment on, or step back from it."""
    try:
        commitment = permissions.get_commitment_for_user(request.user, commitment_id)
        if request.POST.get("op") == "step_back":
            services.step_back(request.user, commitment.pk)
            messages.success(request, _("You no longer carry it."))
        else:
            services.take_on(request.user, commitment.pk)
            messages.success(request, _("You carry it now. Thank you."))
    except NotFound as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    return HttpResponseRedirect(selectors.url(commitment))


def assembly_followups(request: HttpRequest, slug: str) -> HttpResponse:
    """Every commitment of the assembly's decisions, overdue ones first."""
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    return render(
        request,
        "followup/assembly_followups.html",
        {
            "assembly": assembly,
            "rows": presenters.assembly_list(assembly.pk, request.user, status),
            "statuses": Status.choices,
            "status": status,
            **presenters.assembly_followups(assembly.pk, request.user),
        },
    )
