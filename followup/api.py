"""Follow-up over REST: the same services and selectors as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assembly.models import WorkingGroup
from common.errors import Invalid, NotFound
from config.api import BodyMixin, ServiceErrorsMixin
from followup import domain, permissions, selectors, services
from followup.models import Commitment, Status
from voting import selectors as voting_selectors


class CommitmentSerializer(drf.Serializer[Commitment]):
    """A commitment with its timeline (the register's ``followups`` item, and more)."""

    id = drf.IntegerField()
    title = drf.CharField()
    description = drf.CharField()
    status = drf.ChoiceField(choices=Status.choices)
    due = drf.DateField(allow_null=True)
    overdue = drf.BooleanField()
    assembly = drf.CharField()
    ref = drf.CharField()
    decision = drf.IntegerField()
    working_group = drf.CharField(allow_null=True)
    carriers = drf.ListField(child=drf.IntegerField())
    updates = drf.ListField(child=drf.DictField())
    url = drf.CharField()

    def to_representation(self, instance: Commitment) -> dict[str, Any]:
        return selectors.commitment_json(instance)


class NewCommitmentBody(drf.Serializer[Any]):
    title = drf.CharField(max_length=domain.MAX_TITLE)
    description = drf.CharField(
        required=False, allow_blank=True, max_length=domain.MAX_DESCRIPTION, default=""
    )
    due = drf.DateField(required=False, allow_null=True)
    working_group = drf.CharField(required=False, allow_null=True, max_length=100)
    carry = drf.BooleanField(required=False, default=False)


class UpdateBody(drf.Serializer[Any]):
    status = drf.ChoiceField(choices=Status.choices)
    note = drf.CharField(required=False, allow_blank=True, max_length=domain.MAX_NOTE, default="")


FILTERS = [
    OpenApiParameter("assembly", OpenApiTypes.STR, description="Assembly slug"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Status.values)),
    OpenApiParameter("overdue", OpenApiTypes.STR, enum=["1"], description="Only overdue ones"),
]


@extend_schema(parameters=FILTERS)
class CommitmentListView(ListAPIView):
    """The commitments of the register entries you may read, the soonest due first."""

    serializer_class = CommitmentSerializer

    def get_queryset(self) -> Any:
        return selectors.search(self.request.user, self.request.query_params)


class FollowupAPIView(BodyMixin, ServiceErrorsMixin, APIView):
    def one(self, commitment_id: int, status: int = 200) -> Response:
        commitment = permissions.get_commitment_for_user(self.request.user, commitment_id)
        found = selectors.with_people(Commitment.objects.filter(pk=commitment.pk)).get()
        return Response(selectors.commitment_json(found), status=status)


class CommitmentView(FollowupAPIView):
    """One commitment and its timeline."""

    @extend_schema(responses={200: CommitmentSerializer, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, commitment_id: int) -> Response:
        return self.one(commitment_id)


class DecisionFollowupsView(FollowupAPIView):
    """Add a commitment to the register entry of an adopted decision."""

    @extend_schema(
        request=NewCommitmentBody,
        responses={
            201: CommitmentSerializer,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request: Request, decision_id: int) -> Response:
        found = voting_selectors.visible_record_of(request.user, decision_id)
        if found is None:
            raise NotFound(_("There is no such decision."))
        data = self.body(NewCommitmentBody)
        group_id = None
        if data.get("working_group"):
            group = WorkingGroup.objects.filter(
                assembly_id=found.assembly_id, slug=data["working_group"]
            ).first()
            if group is None:
                raise Invalid(
                    _("Some fields are not valid."),
                    {"working_group": _("There is no such working group.")},
                )
            group_id = group.pk
        commitment = services.add_commitment(
            request.user,
            found.pk,
            title=data["title"],
            description=data["description"],
            due=data.get("due"),
            working_group_id=group_id,
            carry=data["carry"],
        )
        return self.one(commitment.pk, status=201)


class UpdatesView(FollowupAPIView):
    """Write an update on the timeline: a note, a new status, or both."""

    @extend_schema(
        request=UpdateBody,
        responses={201: CommitmentSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, commitment_id: int) -> Response:
        permissions.get_commitment_for_user(request.user, commitment_id)
        data = self.body(UpdateBody)
        services.post_update(request.user, commitment_id, status=data["status"], note=data["note"])
        return self.one(commitment_id, status=201)


class CarriersView(FollowupAPIView):
    """Take the commitment on (``POST``), or step back from it (``DELETE``)."""

    @extend_schema(request=None, responses={200: CommitmentSerializer, 403: OpenApiTypes.OBJECT})
    def post(self, request: Request, commitment_id: int) -> Response:
        permissions.get_commitment_for_user(request.user, commitment_id)
        services.take_on(request.user, commitment_id)
        return self.one(commitment_id)

    @extend_schema(request=None, responses={200: CommitmentSerializer, 403: OpenApiTypes.OBJECT})
    def delete(self, request: Request, commitment_id: int) -> Response:
        permissions.get_commitment_for_user(request.user, commitment_id)
        services.step_back(request.user, commitment_id)
        return self.one(commitment_id)
