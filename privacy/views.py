"""The "my data" page, its JSON download, and leaving. Each acts on the logged-in person only."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assembly.models import User
from common.errors import ServiceError
from common.web import error_page
from privacy import permissions, presenters, selectors, services
from privacy.forms import LeaveForm


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    data = selectors.my_data(user)
    return render(
        request,
        "privacy/my_data.html",
        {"sections": presenters.readable(data), "can_leave": permissions.can_leave(user)},
    )


@login_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    response = JsonResponse(
        selectors.my_data(user), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ortak-verilerim-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = LeaveForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.leave(user, pseudonymise=form.cleaned_data["name"] == "replace")
            except ServiceError as exc:
                return error_page(request, exc)
            logout(request)
            messages.success(request, _("You have left. Thank you for taking part."))
            return redirect("home")
        status = 400
    return render(request, "privacy/leave.html", {"form": form}, status=status)


def privacy_notice(request: HttpRequest) -> HttpResponse:
    """What is kept, why, for how long and who sees it: docs/privacy.md, the one text."""
    return render(request, "privacy/notice.html", {"notice": selectors.notice_html()})
