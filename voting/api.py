"""The public register over REST."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assembly import permissions as assembly_permissions
from assembly.models import WorkingGroup
from common.errors import Invalid
from config.api import BodyMixin, ServiceErrorsMixin
from proposals import permissions as proposal_permissions
from voting import domain, permissions, selectors, services
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


class AlternativeBody(drf.Serializer[Any]):
    title = drf.CharField(max_length=200)
    text = drf.CharField(required=False, allow_blank=True, max_length=100_000, default="")


class NewDecisionBody(drf.Serializer[Any]):
    """``POST /api/v1/decisions/`` (CONTRACT §5c). The policy's fields are checked by the
    service, which says which field is wrong."""

    assembly = drf.CharField(max_length=100)
    title = drf.CharField(max_length=200)
    method = drf.ChoiceField(choices=[m.value for m in domain.Method])
    text = drf.CharField(required=False, allow_blank=True, max_length=100_000, default="")
    proposal = drf.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    session = drf.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    working_group = drf.CharField(required=False, allow_null=True, max_length=100)
    policy = drf.DictField(required=False, allow_null=True)
    alternatives = drf.ListField(
        child=AlternativeBody(),
        required=False,
        allow_null=True,
        max_length=services.MAX_ALTERNATIVES,
    )


CREATED = inline_serializer("DecisionCreated", {"id": drf.IntegerField(), "url": drf.CharField()})


@extend_schema(parameters=FILTERS)
class RegisterView(ServiceErrorsMixin, ListAPIView):
    """The public decision register, newest first; ``POST`` opens a new decision."""

    serializer_class = RecordSerializer

    def get_queryset(self) -> Any:
        return selectors.search_records(self.request.user, self.request.query_params)

    @extend_schema(
        request=NewDecisionBody,
        responses={
            201: CREATED,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request: Request) -> Response:
        body = NewDecisionBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        assembly = assembly_permissions.get_assembly_for_user(user, data["assembly"])
        session = None
        if data.get("session") is not None:
            session = assembly_permissions.get_session_for_user(user, data["session"])
        proposal = None
        if data.get("proposal") is not None:
            proposal = proposal_permissions.get_proposal_for_user(user, data["proposal"])
        group = None
        if data.get("working_group"):
            group = WorkingGroup.objects.filter(
                assembly=assembly, slug=data["working_group"]
            ).first()
            if group is None:
                raise Invalid(
                    _("Some fields are not valid."),
                    {"working_group": _("There is no such working group.")},
                )
        decision = services.create_decision(
            user,
            assembly=assembly,
            title=data["title"],
            method=data["method"],
            text=data.get("text") or "",
            policy=data.get("policy"),
            session=session,
            proposal=proposal,
            working_group=group,
            alternatives=[(a["title"], a.get("text", "")) for a in data.get("alternatives") or []],
        )
        return Response(
            {"id": decision.pk, "url": reverse("decision", args=[decision.pk])}, status=201
        )


# --- Taking part and running decisions over REST ---------------------------------------------
# The third adapter beside the socket commands and the page forms: the same services.


class StanceBody(drf.Serializer[Any]):
    option = drf.CharField(required=False, max_length=40)
    ranking = drf.ListField(child=drf.CharField(max_length=40), required=False, max_length=50)
    reason = drf.CharField(required=False, allow_blank=True, max_length=domain.MAX_REASON)


class OpenBody(drf.Serializer[Any]):
    seconds = drf.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_ROUND_SECONDS
    )
    closes_at = drf.DateTimeField(required=False, allow_null=True)


class CloseBody(drf.Serializer[Any]):
    fallback = drf.BooleanField(required=False, default=False)


class RecordBody(drf.Serializer[Any]):
    statement = drf.CharField(max_length=services.MAX_STATEMENT)
    review_at = drf.DateField(required=False, allow_null=True)
    supersedes = drf.CharField(required=False, allow_blank=True, max_length=20)


class DecisionAPIView(BodyMixin, ServiceErrorsMixin, APIView):
    def summary(self, decision_id: int) -> Response:
        decision = permissions.get_decision_for_user(self.request.user, decision_id)
        return Response(selectors.decision_detail(decision))


DECISION = inline_serializer(
    "Decision",
    {
        "id": drf.IntegerField(),
        "title": drf.CharField(),
        "method": drf.CharField(),
        "policy": drf.DictField(),
        "round": drf.IntegerField(),
        "status": drf.CharField(),
        "options": drf.ListField(child=drf.CharField()),
        "tally": drf.DictField(allow_null=True),
        "outcome": drf.CharField(allow_null=True),
        "ref": drf.CharField(allow_null=True),
        "page": drf.CharField(),
        "proposal": inline_serializer(
            "DecisionProposal",
            {"id": drf.IntegerField(), "version": drf.IntegerField(allow_null=True)},
            allow_null=True,
        ),
        "rounds": inline_serializer(
            "DecisionRound",
            {
                "number": drf.IntegerField(),
                "version": drf.IntegerField(allow_null=True),
                "outcome": drf.CharField(allow_null=True),
                "tally": drf.DictField(allow_null=True),
            },
            many=True,
        ),
    },
)


class DecisionView(DecisionAPIView):
    """A decision: its method, policy, current round, tally (as the live screen sees it)."""

    @extend_schema(responses={200: DECISION, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, decision_id: int) -> Response:
        return self.summary(decision_id)


class StanceView(DecisionAPIView):
    """Cast or change your stance in the open round."""

    @extend_schema(
        request=StanceBody,
        responses={
            200: DECISION,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request: Request, decision_id: int) -> Response:
        data = self.body(StanceBody)
        services.cast_stance(
            request.user,
            decision_id,
            option=data.get("option"),
            ranking=data.get("ranking"),
            reason=data.get("reason", ""),
        )
        return self.summary(decision_id)


class RoundView(DecisionAPIView):
    """Open the next round (facilitators; for an asynchronous decision, with a deadline)."""

    @extend_schema(
        request=OpenBody,
        responses={201: DECISION, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        data = self.body(OpenBody)
        services.open_round(
            request.user,
            decision_id,
            seconds=data.get("seconds"),
            closes_at=data.get("closes_at"),
        )
        response = self.summary(decision_id)
        response.status_code = 201
        return response


class CloseView(DecisionAPIView):
    """Close the open round, with the fallback rule when asked and allowed."""

    @extend_schema(
        request=CloseBody,
        responses={200: DECISION, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        data = self.body(CloseBody)
        services.close_round(request.user, decision_id, fallback=data["fallback"])
        return self.summary(decision_id)


class RecordView(DecisionAPIView):
    """Enter the last closed round's outcome into the register."""

    @extend_schema(
        request=RecordBody,
        responses={201: RecordSerializer, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        data = self.body(RecordBody)
        record = services.record_decision(
            request.user,
            decision_id,
            statement=data["statement"],
            review_at=data.get("review_at"),
            supersedes=data.get("supersedes") or None,
        )
        return Response(RecordSerializer(record, context={"request": request}).data, status=201)
