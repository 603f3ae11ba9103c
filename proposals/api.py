"""The proposals API (CONTRACT §5b). Thin: gates from permissions, writes through services,
bodies from selectors.

Every write checks, in this order: the thing exists and may be read (404), the caller may
do this (403), the body is valid (400, with a message per field), the state allows it (409).
Session authentication enforces Django's CSRF check on writes by logged-in users.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as drf
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assembly.models import Assembly, Membership, Role, WorkingGroup
from common.errors import Forbidden, Invalid
from config.api import ServiceErrorsMixin
from proposals import domain, permissions, selectors, services
from proposals import serializers as s
from proposals.models import Amendment, CoAuthor, Comment, Proposal

TAG = ["proposals"]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid body: a message per field.",
        403: "Not allowed (or a missing CSRF token).",
        404: "No such thing, or not readable by you.",
        409: "The state does not allow it.",
    }
    return {
        code: OpenApiResponse(s.ErrorSerializer, description=descriptions[code]) for code in codes
    }


class ProposalsView(ServiceErrorsMixin, APIView):
    """Maps service errors to DRF-style JSON errors."""

    def valid(self, serializer_class: type[drf.Serializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def require_login(self) -> None:
        if not self.request.user.is_authenticated:
            raise Forbidden(_("Log in first."))

    def proposal(self, proposal_id: int) -> Proposal:
        return permissions.get_proposal_for_user(self.request.user, proposal_id)

    def amendment(self, amendment_id: int) -> Amendment:
        return permissions.get_amendment_for_user(self.request.user, amendment_id)

    def comment(self, comment_id: int) -> Comment:
        return permissions.get_comment_for_user(self.request.user, comment_id)


# --- Proposals ------------------------------------------------------------------------------


class ProposalListView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="Proposals you may read, newest first",
        operation_id="proposals_list",
        parameters=[
            OpenApiParameter("assembly", OpenApiTypes.STR, description="Assembly slug"),
            OpenApiParameter("state", OpenApiTypes.STR, enum=[st.value for st in domain.State]),
            OpenApiParameter("ready", OpenApiTypes.BOOL, description="Ready for the agenda"),
        ],
        responses={
            200: inline_serializer(
                "PaginatedProposalSummaryList",
                {
                    "count": drf.IntegerField(),
                    "next": drf.CharField(allow_null=True),
                    "previous": drf.CharField(allow_null=True),
                    "results": s.ProposalSummarySerializer(many=True),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        ready_param = request.query_params.get("ready")
        ready = None if ready_param is None else ready_param.lower() in {"1", "true", "yes"}
        qs = selectors.proposal_list(
            request.user,
            assembly=request.query_params.get("assembly") or None,
            state=request.query_params.get("state") or None,
            ready=ready,
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response([selectors.proposal_summary(p) for p in page])

    @extend_schema(
        tags=TAG,
        summary="Write a new proposal (a draft; you are its first co-author)",
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalSerializer, **_errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        self.require_login()
        data = self.valid(s.ProposalCreateSerializer)
        group = None
        if data.get("working_group") is not None:
            group = WorkingGroup.objects.filter(pk=data["working_group"]).first()
            if group is None:
                raise Invalid(
                    _("Some fields are not valid."),
                    {"working_group": _("There is no such working group.")},
                )
        assembly = self._assembly(data.get("assembly") or "", group)
        proposal = services.create_proposal(
            request.user,
            assembly=assembly,
            title=data["title"],
            text=data["text"],
            working_group=group,
        )
        body = selectors.proposal_detail(proposal)
        return Response(body, status=201, headers={"Location": body["url"]})

    def _assembly(self, slug: str, group: WorkingGroup | None) -> Assembly:
        if slug:
            assembly = Assembly.objects.filter(slug=slug).first()
            if assembly is None:
                raise Invalid(
                    _("Some fields are not valid."), {"assembly": _("There is no such assembly.")}
                )
            return assembly
        if group is not None:
            return group.assembly
        ids = list(
            Membership.objects.filter(
                user_id=self.request.user.pk or 0, role=Role.MEMBER
            ).values_list("assembly_id", flat=True)[:2]
        )
        if len(ids) != 1:
            raise Invalid(_("Some fields are not valid."), {"assembly": _("Say which assembly.")})
        return Assembly.objects.get(pk=ids[0])


class ProposalDetailView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.ProposalSerializer, **_errors(404)})
    def get(self, request: Request, proposal_id: int) -> Response:
        return Response(selectors.proposal_detail(self.proposal(proposal_id)))


class ProposalStateView(ProposalsView):
    """A co-author's change of state; ``transition`` is set per URL."""

    transition: str = ""

    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: s.StateSerializer, **_errors(403, 404, 409)},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        permissions.require_edit(request.user, self.proposal(proposal_id))
        proposal = services.change_state(request.user, proposal_id, self.transition)
        return Response({"state": proposal.state})


# --- Versions -------------------------------------------------------------------------------


class VersionListView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.VersionSummarySerializer(many=True), **_errors(404)})
    def get(self, request: Request, proposal_id: int) -> Response:
        return Response(selectors.proposal_detail(self.proposal(proposal_id))["versions"])

    @extend_schema(
        tags=TAG,
        summary="A co-author makes a new version",
        request=s.VersionCreateSerializer,
        responses={201: s.NumberSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        permissions.require_edit(request.user, self.proposal(proposal_id))
        data = self.valid(s.VersionCreateSerializer)
        version = services.create_version(
            request.user, proposal_id, text=data["text"], note=data["note"]
        )
        return Response({"number": version.number}, status=201)


class VersionDetailView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.VersionSerializer, **_errors(404)})
    def get(self, request: Request, proposal_id: int, number: int) -> Response:
        version = selectors.version(self.proposal(proposal_id), number)
        return Response(selectors.version_detail(version))


class DiffView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="Word diff between two versions (<ins> and <del> only)",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, required=True),
            OpenApiParameter("to", OpenApiTypes.INT, required=True),
        ],
        responses={
            200: inline_serializer(
                "ProposalDiff",
                {"from": drf.IntegerField(), "to": drf.IntegerField(), "html": drf.CharField()},
            ),
            **_errors(400, 404),
        },
    )
    def get(self, request: Request, proposal_id: int) -> Response:
        proposal = self.proposal(proposal_id)
        numbers: dict[str, int] = {}
        errors: dict[str, str] = {}
        for key in ("from", "to"):
            raw = request.query_params.get(key, "")
            if not raw.isdigit():
                errors[key] = _("Enter a version number.")
            else:
                numbers[key] = int(raw)
        if errors:
            raise Invalid(_("Some fields are not valid."), errors)
        return Response(selectors.diff(proposal, numbers["from"], numbers["to"]))


# --- Co-authors and co-signatures -----------------------------------------------------------


class CoAuthorsView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="Invite a member to co-author",
        request=s.InviteSerializer,
        responses={201: s.CoAuthorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        permissions.require_edit(request.user, self.proposal(proposal_id))
        data = self.valid(s.InviteSerializer)
        row = services.invite_coauthor(request.user, proposal_id, data["member"])
        return Response({"member": row.user_id, "status": row.status}, status=201)


class InvitationView(ProposalsView):
    """The invited member accepts or declines; ``accept`` is set per URL."""

    accept: bool = True

    @extend_schema(
        tags=TAG, request=None, responses={200: s.CoAuthorSerializer, **_errors(403, 404, 409)}
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        self.require_login()
        row: CoAuthor = services.respond_to_invitation(
            request.user, proposal_id, accept=self.accept
        )
        return Response({"member": row.user_id, "status": row.status})


class CosignView(ProposalsView):
    def _body(self, proposal_id: int) -> dict[str, Any]:
        proposal = self.proposal(proposal_id)
        uid = self.request.user.pk if self.request.user.is_authenticated else None
        return {
            "cosigns": selectors.cosign_count(proposal),
            "threshold": proposal.assembly.cosign_threshold,
            "ready": proposal.ready_at is not None,
            "cosigned": proposal.cosignatures.filter(member_id=uid).exists(),
        }

    @extend_schema(tags=TAG, responses={200: s.CosignSerializer, **_errors(404)})
    def get(self, request: Request, proposal_id: int) -> Response:
        return Response(self._body(proposal_id))

    @extend_schema(
        tags=TAG,
        summary="Co-sign: support putting it on the agenda",
        request=None,
        responses={200: s.CosignSerializer, **_errors(403, 404, 409)},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        permissions.require_cosign(request.user, self.proposal(proposal_id))
        services.cosign(request.user, proposal_id)
        return Response(self._body(proposal_id))

    @extend_schema(
        tags=TAG,
        summary="Withdraw your co-signature",
        responses={200: s.CosignSerializer, **_errors(404)},
    )
    def delete(self, request: Request, proposal_id: int) -> Response:
        self.proposal(proposal_id)
        services.withdraw_cosign(request.user, proposal_id)
        return Response(self._body(proposal_id))


# --- Amendments -----------------------------------------------------------------------------


class AmendmentListView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.AmendmentSerializer(many=True), **_errors(404)})
    def get(self, request: Request, proposal_id: int) -> Response:
        proposal = self.proposal(proposal_id)
        return Response([selectors.amendment_json(a) for a in selectors.amendments(proposal)])

    @extend_schema(
        tags=TAG,
        summary="Propose an amendment to a version (any member)",
        request=s.AmendmentCreateSerializer,
        responses={201: s.AmendmentStatusSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        permissions.require_amend(request.user, self.proposal(proposal_id))
        data = self.valid(s.AmendmentCreateSerializer)
        amendment = services.propose_amendment(
            request.user,
            proposal_id,
            base_version=data["base_version"],
            text=data["text"],
            rationale=data["rationale"],
            paragraph=data.get("paragraph"),
        )
        return Response({"id": amendment.pk, "status": amendment.status}, status=201)


class AmendmentDetailView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.AmendmentSerializer, **_errors(404)})
    def get(self, request: Request, amendment_id: int) -> Response:
        return Response(selectors.amendment_json(self.amendment(amendment_id)))


class AmendmentAcceptView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="A co-author accepts: a new version (409 when it needs a rebase)",
        request=None,
        responses={200: s.AcceptedSerializer, **_errors(403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        permissions.require_edit(request.user, self.amendment(amendment_id).proposal)
        version = services.accept_amendment(request.user, amendment_id)
        return Response({"status": Amendment.Status.ACCEPTED.value, "version": version.number})


class AmendmentDeclineView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="A co-author declines, with a reason",
        request=s.ReasonSerializer,
        responses={200: s.AmendmentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        permissions.require_edit(request.user, self.amendment(amendment_id).proposal)
        data = self.valid(s.ReasonSerializer)
        amendment = services.decline_amendment(request.user, amendment_id, reason=data["reason"])
        return Response(selectors.amendment_json(amendment))


class AmendmentPromoteView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="A co-author makes it a competing alternative for a ranked decision",
        request=None,
        responses={200: s.AmendmentSerializer, **_errors(403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        permissions.require_edit(request.user, self.amendment(amendment_id).proposal)
        amendment = services.promote_amendment(request.user, amendment_id)
        return Response(selectors.amendment_json(amendment))


class AmendmentRebaseView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="The author redoes the amendment on another (the current) version",
        request=s.AmendmentRebaseSerializer,
        responses={200: s.AmendmentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, amendment_id: int) -> Response:
        amendment = self.amendment(amendment_id)
        if amendment.author_id != request.user.pk or not request.user.is_authenticated:
            raise Forbidden(_("Only the amendment's author can redo it."))
        data = self.valid(s.AmendmentRebaseSerializer)
        amendment = services.rebase_amendment(
            request.user,
            amendment_id,
            base_version=data["base_version"],
            text=data["text"],
            rationale=data.get("rationale"),
        )
        return Response(selectors.amendment_json(amendment))


# --- Comments -------------------------------------------------------------------------------


class CommentListView(ProposalsView):
    """The discussion of a proposal (``amendment_id`` unset) or of one amendment."""

    def _target(self, **kwargs: Any) -> tuple[Proposal, Amendment | None]:
        if "amendment_id" in kwargs:
            amendment = self.amendment(kwargs["amendment_id"])
            return amendment.proposal, amendment
        return self.proposal(kwargs["proposal_id"]), None

    @extend_schema(tags=TAG, responses={200: s.CommentListSerializer, **_errors(404)})
    def get(self, request: Request, **kwargs: Any) -> Response:
        proposal, amendment = self._target(**kwargs)
        return Response(
            {"results": selectors.comments(proposal, request.user, amendment=amendment)}
        )

    @extend_schema(
        tags=TAG,
        summary="Comment (or reply, one level deep), optionally on a paragraph of a version",
        request=s.CommentCreateSerializer,
        responses={201: s.IdSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        proposal, amendment = self._target(**kwargs)
        permissions.require_comment(request.user, proposal)
        data = self.valid(s.CommentCreateSerializer)
        anchor = data.get("anchor")
        comment = services.add_comment(
            request.user,
            proposal.pk,
            kind=data["kind"],
            body=data["body"],
            parent=data.get("parent"),
            anchor=dict(anchor) if anchor else None,
            amendment_id=amendment.pk if amendment else None,
        )
        return Response({"id": comment.pk}, status=201)


class CommentDetailView(ProposalsView):
    @extend_schema(tags=TAG, responses={200: s.CommentSerializer, **_errors(404)})
    def get(self, request: Request, comment_id: int) -> Response:
        return Response(selectors.comment_for(self.comment(comment_id), request.user))

    @extend_schema(
        tags=TAG,
        summary="The author edits (the earlier text is kept)",
        request=s.CommentEditSerializer,
        responses={200: s.CommentSerializer, **_errors(400, 403, 404)},
    )
    def patch(self, request: Request, comment_id: int) -> Response:
        permissions.require_comment_author(request.user, self.comment(comment_id))
        data = self.valid(s.CommentEditSerializer)
        comment = services.edit_comment(
            request.user, comment_id, body=data["body"], kind=data.get("kind")
        )
        return Response(selectors.comment_for(comment, request.user))


class CommentHideView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="A facilitator hides a comment, with a reason its author sees",
        request=s.ReasonSerializer,
        responses={200: s.CommentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        permissions.require_moderate(request.user, self.comment(comment_id).proposal)
        data = self.valid(s.ReasonSerializer)
        comment = services.moderate(request.user, comment_id, "hide", note=data["reason"])
        return Response(selectors.comment_for(comment, request.user))


class CommentRestoreView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="A facilitator shows a hidden comment again",
        request=s.NoteSerializer,
        responses={200: s.CommentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        permissions.require_moderate(request.user, self.comment(comment_id).proposal)
        data = self.valid(s.NoteSerializer)
        comment = services.moderate(request.user, comment_id, "restore", note=data.get("note", ""))
        return Response(selectors.comment_for(comment, request.user))


class CommentAnswerView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="The author answers the reason it was hidden",
        request=s.RequiredNoteSerializer,
        responses={200: s.ModerationLogSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        permissions.require_comment_author(request.user, self.comment(comment_id))
        data = self.valid(s.RequiredNoteSerializer)
        comment = services.moderate(request.user, comment_id, "answer", note=data["note"])
        return Response(_log(comment))


class CommentRequestRestoreView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="The author asks the facilitators to show it again",
        request=s.NoteSerializer,
        responses={200: s.ModerationLogSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        permissions.require_comment_author(request.user, self.comment(comment_id))
        data = self.valid(s.NoteSerializer)
        comment = services.moderate(
            request.user, comment_id, "request_restore", note=data.get("note", "")
        )
        return Response(_log(comment))


def _log(comment: Comment) -> dict[str, Any]:
    return {
        "comment": comment.pk,
        "state": comment.moderation,
        "reason": comment.hidden_reason,
        "events": selectors.moderation_log(comment),
    }


class CommentModerationView(ProposalsView):
    @extend_schema(
        tags=TAG,
        summary="Every moderation step of a comment (its author and facilitators)",
        responses={200: s.ModerationLogSerializer, **_errors(403, 404)},
    )
    def get(self, request: Request, comment_id: int) -> Response:
        comment = self.comment(comment_id)
        if not permissions.can_see_hidden(request.user, comment):
            raise Forbidden(_("Only the comment's author and facilitators see this."))
        return Response(_log(comment))


class ReactionView(ProposalsView):
    def _body(self, comment: Comment) -> dict[str, Any]:
        data = selectors.comment_for(comment, self.request.user)
        return {"reactions": data["reactions"], "my_reaction": data["my_reaction"]}

    @extend_schema(
        tags=TAG,
        summary="Set your reaction to a comment (one per member)",
        request=s.ReactionSerializer,
        responses={200: s.ReactionsSerializer, **_errors(400, 403, 404, 409)},
    )
    def put(self, request: Request, comment_id: int) -> Response:
        permissions.require_comment(request.user, self.comment(comment_id).proposal)
        data = self.valid(s.ReactionSerializer)
        services.react(request.user, comment_id, data["reaction"])
        return Response(self._body(self.comment(comment_id)))

    @extend_schema(
        tags=TAG,
        summary="Remove your reaction",
        responses={200: s.ReactionsSerializer, **_errors(403, 404)},
    )
    def delete(self, request: Request, comment_id: int) -> Response:
        permissions.require_comment(request.user, self.comment(comment_id).proposal)
        services.unreact(request.user, comment_id)
        return Response(self._body(self.comment(comment_id)))
