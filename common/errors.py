"""Errors a service raises; every adapter (page, API, socket) maps them the same way.

``code`` is one of the protocol's error codes (CONTRACT.md §3).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise

HTTP_STATUS = {
    "invalid": 400,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "rate_limited": 429,
    "too_large": 413,
    "unavailable": 503,
}


class ServiceError(Exception):
    code = "invalid"

    def __init__(self, message: str | Promise, fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class Invalid(ServiceError):
    code = "invalid"


class Forbidden(ServiceError):
    code = "forbidden"


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class RateLimited(ServiceError):
    code = "rate_limited"


class TooLarge(ServiceError):
    code = "too_large"


class Unavailable(ServiceError):
    """The database could not be reached, even after retrying: nothing was changed."""

    code = "unavailable"
