"""The page a locked-out login gets (django-axes): the login form again, saying why."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """429 with the login form and a message in the reader's language; the password is
    not checked while the lockout lasts."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, data={"username": request.POST.get("username", "")})
    form.errors.clear()
    form.add_error(
        None,
        _(
            "Too many failed attempts to log in with this name. Please wait "
            "%(minutes)s minutes and try again, or ask your assembly for help."
        )
        % {"minutes": minutes},
    )
    context = {"form": form, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)
