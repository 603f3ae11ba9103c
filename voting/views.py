"""Pages of decisions and the public register. Thin: services, selectors, permissions."""

from __future__ import annotations

import csv
import hashlib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assembly import permissions as assembly_permissions
from assembly.selectors import assemblies_for
from common.errors import ServiceError
from common.web import error_text, safe_next
from followup import presenters as followup_presenters
from followup import selectors as followup_selectors
from followup.models import Status
from proposals import permissions as proposal_permissions
from voting import permissions, presenters, selectors, services
from voting.forms import (
    ASYNC,
    AsyncDecisionForm,
    BringToDecisionForm,
    DecisionForm,
    OpenRoundForm,
    RankingForm,
    RecordForm,
    RegisterFilterForm,
    StanceForm,
)
from voting.models import Record

EXPORT_LIMIT = 10_000


def _filter_form(request: HttpRequest) -> RegisterFilterForm:
    assemblies = [(a.slug, a.name) for a in assemblies_for(request.user)]
    return RegisterFilterForm(request.GET or None, assemblies=assemblies)


def _records(request: HttpRequest) -> Any:
    return selectors.search_records(request.user, request.GET)


def register(request: HttpRequest) -> HttpResponse:
    page = Paginator(_records(request), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "voting/register.html",
        {
            "form": _filter_form(request),
            "page": page,
            "rows": [presenters.record_row(r) for r in page.object_list],
            "query": query.urlencode(),
        },
    )


def _record_or_404(request: HttpRequest, slug: str, year: int, number: int) -> Record:
    record = selectors.visible_record(request.user, slug, year, number)
    if record is None:
        raise Http404(_("There is no such decision."))
    return record


def record_detail(request: HttpRequest, slug: str, year: int, number: int) -> HttpResponse:
    record = _record_or_404(request, slug, year, number)
    return render(
        request,
        "voting/record_detail.html",
        {
            **presenters.record_page(record, request.user),
            **followup_presenters.record_followups(record, request.user),
        },
    )


class RegisterFeed(Feed):
    """New register entries, and the status changes of the commitments that carry them out."""

    feed_type = Atom1Feed
    title = gettext_lazy("Ortak: decision register")
    subtitle = gettext_lazy(
        "Decisions of the public assemblies and how they are carried out, newest first."
    )

    def link(self) -> str:
        return reverse("register")

    def items(self) -> Any:
        records = list(selectors.search_records(None, {})[:50])
        changes = followup_selectors.status_changes(50)
        both: list[Any] = [*records, *changes]
        both.sort(key=self.item_updateddate, reverse=True)
        return both[:50]

    def item_title(self, item: Any) -> str:
        if isinstance(item, Record):
            return f"{item.ref} {item.title}"
        commitment = item.commitment
        return _("%(ref)s follow-up: %(title)s is now %(status)s") % {
            "ref": commitment.record.ref,
            "title": commitment.title,
            "status": Status(item.status).label,
        }

    def item_description(self, item: Any) -> str:
        # Atom marks the summary as HTML: the statement and notes are text, escaped first.
        return escape(item.statement if isinstance(item, Record) else item.note)

    def item_link(self, item: Any) -> str:
        if isinstance(item, Record):
            return selectors.record_url(item)
        # One link per update, so that each is its own entry of the feed.
        return followup_selectors.url(item.commitment) + f"#update-{item.pk}"

    def item_pubdate(self, item: Any) -> Any:
        return item.decided_at if isinstance(item, Record) else item.at

    def item_updateddate(self, item: Any) -> Any:
        return item.recorded_at if isinstance(item, Record) else item.at


def export_json(request: HttpRequest) -> HttpResponse:
    rows = [
        selectors.record_json(r, request.build_absolute_uri(selectors.record_url(r)))
        for r in _records(request)[:EXPORT_LIMIT]
    ]
    response = JsonResponse(
        {"count": len(rows), "results": rows},
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Content-Disposition"] = 'attachment; filename="ortak-kararlar.json"'
    return response


CSV_COLUMNS = [
    "ref",
    "assembly",
    "title",
    "statement",
    "text",
    "method",
    "outcome",
    "decided_at",
    "responded",
    "eligible",
    "present",
    "counts",
    "dissent",
    "review_at",
    "status",
    "supersedes",
    "superseded_by",
    "url",
    "proposal",
    "version",
    "followups",
]


def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ortak-kararlar.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Turkish letters right
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for record in _records(request)[:EXPORT_LIMIT]:
        row = selectors.record_json(
            record, request.build_absolute_uri(selectors.record_url(record))
        )
        tally = row["tally"] or {}
        values = {
            **row,
            "responded": tally.get("responded"),
            "eligible": tally.get("eligible"),
            "present": tally.get("present"),
            "counts": json.dumps(tally.get("counts"), ensure_ascii=False),
            "dissent": json.dumps(row["dissent"], ensure_ascii=False),
            "proposal": (row["proposal"] or {}).get("id"),
            "version": (row["proposal"] or {}).get("version"),
            "followups": json.dumps(row["followups"], ensure_ascii=False),
        }
        writer.writerow([_csv_cell(values.get(column)) for column in CSV_COLUMNS])
    return response


def _csv_cell(value: Any) -> str:
    """Text as it is, but never a formula when opened in a spreadsheet."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


# --- One decision: take part, run it, record it ------------------------------------------------


def decision_page(request: HttpRequest, decision_id: int) -> HttpResponse:
    try:
        decision = permissions.get_decision_for_user(request.user, decision_id)
    except ServiceError as exc:
        raise Http404(str(exc.message)) from None
    return render(request, "voting/decision.html", presenters.decision_page(decision, request.user))


def _back(decision_id: int) -> HttpResponse:
    return redirect("decision", decision_id=decision_id)


@login_required
@require_POST
def decision_stance(request: HttpRequest, decision_id: int) -> HttpResponse:
    try:
        decision = permissions.get_decision_for_user(request.user, decision_id)
        if decision.method == "ranked":
            alternatives = selectors.alternative_choices(decision)
            ranking_form = RankingForm(request.POST, alternatives=alternatives)
            if not ranking_form.is_valid():
                messages.error(request, _("Choose at least your first choice."))
                return _back(decision_id)
            services.cast_stance(request.user, decision_id, ranking=ranking_form.ranking())
        else:
            options = [(k, k) for k in selectors.option_keys(decision)]
            form = StanceForm(request.POST, options=options)
            if not form.is_valid():
                messages.error(request, _("Choose one of the options."))
                return _back(decision_id)
            services.cast_stance(
                request.user,
                decision_id,
                option=form.cleaned_data["option"],
                reason=form.cleaned_data["reason"],
            )
    except ServiceError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your response has been saved."))
    return _back(decision_id)


@login_required
@require_POST
def decision_round(request: HttpRequest, decision_id: int) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "open":
            form = OpenRoundForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Enter a deadline in the future."))
                return _back(decision_id)
            services.open_round(
                request.user,
                decision_id,
                seconds=form.cleaned_data["seconds"],
                closes_at=form.cleaned_data["closes_at"],
            )
            messages.success(request, _("The round is open."))
        elif action in {"close", "fallback"}:
            services.close_round(request.user, decision_id, fallback=action == "fallback")
            messages.success(request, _("This round is closed."))
        else:
            messages.error(request, _("Unknown command."))
    except ServiceError as exc:
        messages.error(request, error_text(exc))
    return _back(decision_id)


@login_required
@require_POST
def decision_record(request: HttpRequest, decision_id: int) -> HttpResponse:
    form = RecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the decision statement."))
        return _back(decision_id)
    try:
        record = services.record_decision(
            request.user,
            decision_id,
            statement=form.cleaned_data["statement"],
            review_at=form.cleaned_data["review_at"],
            supersedes=form.cleaned_data["supersedes"] or None,
        )
    except ServiceError as exc:
        messages.error(request, error_text(exc))
        return _back(decision_id)
    messages.success(request, _("Decision recorded as %(ref)s") % {"ref": record.ref})
    return redirect(selectors.record_url(record))


@login_required
@require_POST
def dissent_resolve(request: HttpRequest, stance_id: int) -> HttpResponse:
    given = request.POST.get("decision", "")
    decision_id = int(given) if given.isdecimal() and len(given) <= 18 else 0
    try:
        stance = services.resolve_dissent(
            request.user,
            stance_id,
            request.POST.get("resolution", ""),
            note=request.POST.get("note", ""),
            new_text=request.POST.get("text") or None,
        )
    except ServiceError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, presenters.resolved_text(stance))
    return _back(decision_id)


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        session = assembly_permissions.get_session_for_user(request.user, session_id)
    except ServiceError as exc:
        raise Http404(str(exc.message)) from None
    form = DecisionForm(request.POST or None, initial={"quorum_of": "present"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.create_decision(
                request.user,
                assembly=session.assembly,
                session=session,
                title=data["title"],
                text=data["text"],
                method=data["method"],
                policy=form.policy(),
                alternatives=form.alternative_pairs(),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            back = safe_next(request)
            if back is None:
                return redirect("decision", decision_id=decision.pk)
            messages.success(request, _("The decision has been added."))
            return redirect(f"{back}#d{decision.pk}-title")
    return render(
        request,
        "voting/decision_create.html",
        {"form": form, "session": session, "next": safe_next(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assembly_decision_create(request: HttpRequest, slug: str) -> HttpResponse:
    """An asynchronous decision: open for days, taken part in from its page."""
    try:
        assembly = assembly_permissions.get_assembly_for_user(request.user, slug)
    except ServiceError as exc:
        raise Http404(str(exc.message)) from None
    groups = list(assembly.working_groups.all())
    form = AsyncDecisionForm(request.POST or None, groups=[(g.pk, g.name) for g in groups])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = next((g for g in groups if g.pk == data["working_group"]), None)
        try:
            decision = services.create_and_open(
                request.user,
                closes_at=data["closes_at"],
                assembly=assembly,
                working_group=group,
                title=data["title"],
                text=data["text"],
                method=data["method"],
                policy=form.policy(),
                alternatives=form.alternative_pairs(),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The round is open."))
            return redirect("decision", decision_id=decision.pk)
    return render(
        request, "voting/decision_create_async.html", {"form": form, "assembly": assembly}
    )


# --- "Karara sun": a decision on a proposal ------------------------------------------------


def _preview_key(form: BringToDecisionForm) -> str:
    """What the rule shown was computed from: a decision opens only on a rule its opener saw."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "closes_at"}
    data["closes_at"] = form.cleaned_data.get("closes_at")
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()[:20]


@login_required
@require_http_methods(["GET", "POST"])
def bring_to_decision(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Open a decision on a proposal's current version, in a session or over days.

    Two steps, without JavaScript: the form shows the rule in words ("Kuralı göster"),
    and only a rule its opener has seen is opened ("Karara sun")."""
    try:
        proposal = proposal_permissions.get_proposal_for_user(request.user, proposal_id)
    except ServiceError as exc:
        raise Http404(str(exc.message)) from None
    page = presenters.bring_page(proposal, request.user)
    if not page["places"]:
        return render(
            request, "error.html", {"error": page["refusal"]}, status=page["refusal"].http_status
        )
    keys = [key for key, _label in page["places"]]
    wanted = request.GET.get("session", "")
    where = wanted if wanted in keys else (keys[0] if len(keys) == 1 else None)
    form = BringToDecisionForm(
        request.POST or None,
        places=page["places"],
        groups=page["groups"],
        alternatives=page["alternative_choices"],
        initial={
            "title": proposal.title,
            "method": "consent",
            "where": where,
            "working_group": proposal.working_group_id,
            "alternatives": [key for key, _label in page["alternative_choices"]],
        },
    )
    preview: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            session_id = form.session_id()
            try:
                services.check_policy(form.policy(), session_id is not None)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                key = _preview_key(form)
                confirmed = request.POST.get("confirm")
                if confirmed == key and "again" not in request.POST:
                    decision = _open_on_proposal(request, proposal, form, page)
                    if decision is not None:
                        return decision
                    status = 400
                else:
                    status = 200
                    preview = {
                        "key": key,
                        "changed": bool(confirmed) and confirmed != key,
                        "rules": presenters.rule_sentences(
                            form.cleaned_data["method"], form.policy(), session_id is not None
                        ),
                    }
    return render(
        request,
        "voting/bring_to_decision.html",
        {**page, "form": form, "preview": preview, "next": safe_next(request)},
        status=status,
    )


def _open_on_proposal(
    request: HttpRequest, proposal: Any, form: BringToDecisionForm, page: dict[str, Any]
) -> HttpResponse | None:
    """Open the decision the confirmed form describes; None when the service refused it
    (its messages are then on the form)."""
    data = form.cleaned_data
    session_id = form.session_id()
    wanted = set(data["alternatives"] or []) if data["method"] == "ranked" else set()
    chosen = [row for row in page["ranked"] if row[0] in wanted]
    fields: dict[str, Any] = {
        "assembly": proposal.assembly,
        "proposal": proposal,
        "title": data["title"],
        "method": data["method"],
        "policy": form.policy(),
        "alternatives": [(title, text) for _key, title, text in chosen],
    }
    try:
        if data["where"] == ASYNC:
            group = next((g for g in page["group_rows"] if g.pk == data["working_group"]), None)
            decision = services.create_and_open(
                request.user, closes_at=data["closes_at"], working_group=group, **fields
            )
            messages.success(request, _("The round is open."))
            return redirect("decision", decision_id=decision.pk)
        session = next(s for s in page["sessions"] if s.pk == session_id)
        decision = services.create_decision(request.user, session=session, **fields)
    except ServiceError as exc:
        form.add_service_error(exc)
        return None
    messages.success(
        request, _("The decision has been added. Open its first round on the live screen.")
    )
    back = safe_next(request)
    if back is not None:
        return redirect(f"{back}#d{decision.pk}-title")
    return redirect("session", session_id=session.pk)
