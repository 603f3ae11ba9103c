"""Per-request language and reader preferences."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

FONT_SIZES = ("s", "m", "l", "xl")
CONTRASTS = ("normal", "high")
FONT_COOKIE = "ortak_font"
CONTRAST_COOKIE = "ortak_contrast"


class PreferredLanguageMiddleware:
    """A logged-in person reads Ortak in the language of their profile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ReaderPreferencesMiddleware:
    """Font size and contrast, chosen with the controls in the page header.

    A member's choice is kept in their profile, a visitor's in a cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        font = request.COOKIES.get(FONT_COOKIE, "m")
        contrast = request.COOKIES.get(CONTRAST_COOKIE, "normal")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A member's choice follows them from device to device.
            font = getattr(user, "font_size", "") or font
            contrast = getattr(user, "contrast", "") or contrast
        request.reader_font = font if font in FONT_SIZES else "m"  # type: ignore[attr-defined]
        request.reader_contrast = (  # type: ignore[attr-defined]
            contrast if contrast in CONTRASTS else "normal"
        )
        return self.get_response(request)
