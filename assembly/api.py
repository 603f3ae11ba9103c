"""REST endpoints of live sessions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assembly import permissions, selectors
from assembly.models import Session
from common.errors import ServiceError

NO_STORE = {"Cache-Control": "no-store"}


def _readable(request: Request, session_id: int) -> Session | Response:
    """The session if the requester may watch it, else the error to answer with (404 for
    a session they may not see: whether it exists is not told)."""
    try:
        return permissions.get_session_for_user(request.user, session_id)
    except ServiceError as exc:
        return Response({"detail": str(exc.message)}, status=exc.http_status)


class SessionStateView(APIView):
    """The whole state of a live session, as the socket's first frame (for resync)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, session_id: int) -> Response:
        session = _readable(request, session_id)
        if isinstance(session, Response):
            return session
        data: dict[str, Any] = selectors.session_state(session, request.user)
        return Response(data, headers=NO_STORE)


class SessionPeopleView(APIView):
    """The names a live screen of the session may show, by member id: everyone checked in,
    holding a task, or who raised a hand or spoke. The socket's frames carry ids (and
    ``presence.changed`` the latest arrivals' names); a screen asks here for the rest."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, session_id: int) -> Response:
        session = _readable(request, session_id)
        if isinstance(session, Response):
            return session
        return Response({"people": selectors.people_names(session.pk)}, headers=NO_STORE)
