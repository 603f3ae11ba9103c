from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from assembly.middleware import FONT_SIZES


def reader_preferences(request: HttpRequest) -> dict[str, Any]:
    return {
        "reader_font": getattr(request, "reader_font", "m"),
        "reader_contrast": getattr(request, "reader_contrast", "normal"),
        "font_sizes": FONT_SIZES,
    }
