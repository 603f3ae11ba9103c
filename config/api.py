"""Shared glue for the REST adapters: service errors become DRF-style JSON errors."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response

from common.errors import ServiceError


def error_response(exc: ServiceError) -> Response:
    """``{"detail": message, "<field>": [message], …}`` with the error's HTTP status."""
    body: dict[str, Any] = {"detail": str(exc.message)}
    for field, message in exc.fields.items():
        body[field] = [str(message)] if isinstance(message, str) else message
    return Response(body, status=exc.http_status)


class BodyMixin:
    """Read a view's request body through a serializer; a bad body is DRF's 400."""

    request: Any

    def body(self, serializer_class: type[Any]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ServiceErrorsMixin:
    """Map :class:`ServiceError` raised by a service to its HTTP status (400/403/404/409)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ServiceError):
            return error_response(exc)
        return super().handle_exception(exc)  # type: ignore[misc]
