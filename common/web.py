"""The pages' shared ways of answering: a refused request drawn as a page or said in a
message, the words of a service error, and going back where a form came from. Every app's
views use these, so a refusal reads and behaves the same everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from common.errors import ServiceError


def error_text(exc: ServiceError) -> str:
    """A service error in one line: its message and the messages of its fields."""
    detail = " ".join(str(v) for v in exc.fields.values() if isinstance(v, str))
    return f"{exc.message} {detail}".strip()


def error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A page that says why (404 for what the person may not see, 403, 409...)."""
    return render(request, "error.html", {"error": exc}, status=exc.http_status)


def refused(request: HttpRequest, exc: ServiceError) -> None:
    """Say on the next page why a plain button was refused."""
    messages.error(request, error_text(exc))


def safe_target(request: HttpRequest, target: str | None) -> str | None:
    """``target`` if it is an address of this site, else None."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def safe_next(request: HttpRequest) -> str | None:
    """Where to go back to (``next``, the page a form was opened from), without its anchor."""
    target = safe_target(request, request.POST.get("next") or request.GET.get("next"))
    return target.split("#")[0] if target else None


def redirect_back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (``next``, else the referrer), if it is this site's."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    return HttpResponseRedirect(safe_target(request, target) or default)
