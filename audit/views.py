"""The audit log of an assembly and its stance trail: plain pages, filters and paging."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit import permissions, presenters, selectors
from audit.forms import EntryFilterForm, TrailFilterForm
from common.errors import ServiceError
from common.web import error_page

PER_PAGE = 50


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = permissions.get_audited_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    form = EntryFilterForm(request.GET or None, people=selectors.people(assembly))
    if form.is_bound and not form.is_valid():
        status, entries = 400, selectors.entries(assembly).none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        status = 200
        entries = selectors.entries(
            assembly,
            area=filters.get("area") or None,
            person=filters.get("person"),
            since=filters.get("since"),
            until=filters.get("until"),
        )
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {
            "assembly": assembly,
            "form": form,
            "page": page,
            "rows": [presenters.entry_row(e) for e in page.object_list],
            "query": _query(request),
        },
        status=status,
    )


def stance_trail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        assembly = permissions.get_audited_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        return error_page(request, exc)
    form = TrailFilterForm(request.GET or None, decisions=selectors.decisions_with_rounds(assembly))
    status, decision_id = 200, None
    if form.is_bound:
        if form.is_valid():
            decision_id = form.cleaned_data.get("decision")
        else:
            status = 400
    rows = [] if status == 400 else selectors.stance_trail(assembly, decision_id)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/trail.html",
        {
            "assembly": assembly,
            "form": form,
            "page": page,
            "rows": presenters.with_labels(page.object_list),
            "query": _query(request),
        },
        status=status,
    )
