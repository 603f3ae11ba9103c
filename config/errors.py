"""Server errors as people should see them.

Django calls :func:`server_error` for any exception a view or middleware did not
handle. When the database cannot be reached (it restarts, refuses connections for
a moment), the answer is ``503 Service Unavailable`` with ``Retry-After`` and a
plain message in the reader's language; any other failure is a ``500`` with the
same page. Neither reads the database, so both work while it is away. Under
``/api/`` the body is JSON (``{"detail": …}``), as for every other API error.
Whatever the failed request was doing ran in a transaction and was rolled back.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

from realtime.dbpool import unavailable_message

#: Seconds a client is asked to wait before trying again (``Retry-After``).
RETRY_AFTER = 5


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        status, title, message = (
            503,
            _("Ortak is briefly unavailable"),
            unavailable_message(),
        )
    else:
        status, title, message = (
            500,
            _("Something went wrong"),
            _("The server could not complete this request. Nothing was changed."),
        )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        body = loader.render_to_string(
            "unavailable.html",
            {
                "language": translation.get_language() or "tr",
                "title": title,
                "message": message,
                "again": request.get_full_path() if request.method == "GET" else request.path,
            },
        )
        response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


class RefuseNulBytes:
    """A NUL character in the query string is bad input, answered 400 before any view
    runs: PostgreSQL cannot store or compare text that holds one (forms already refuse
    it in fields; this covers filters read straight from the query)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            message = _("The address holds a character that is not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
