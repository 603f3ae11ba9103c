"""The public register over REST."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView

from voting import selectors
from voting.serializers import RecordSerializer

FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search title, statement and text"),
    OpenApiParameter("assembly", OpenApiTypes.STR, description="Assembly slug"),
    OpenApiParameter("year", OpenApiTypes.INT),
    OpenApiParameter("status", OpenApiTypes.STR, enum=["in_force", "under_review", "superseded"]),
    OpenApiParameter(
        "method",
        OpenApiTypes.STR,
        enum=["consent", "consensus", "gradients", "temperature", "ranked"],
    ),
]


@extend_schema(parameters=FILTERS)
class RegisterView(ListAPIView):
    """The public decision register, newest first."""

    serializer_class = RecordSerializer

    def get_queryset(self) -> Any:
        return selectors.search_records(self.request.user, self.request.query_params)
