"""Routes of the proposals API, included under /api/v1/ by config/urls.py."""

from django.urls import path

from proposals import api
from proposals.domain import Action

urlpatterns = [
    path("proposals/", api.ProposalListView.as_view(), name="api_proposals"),
    path("proposals/<int:proposal_id>/", api.ProposalDetailView.as_view(), name="api_proposal"),
    path(
        "proposals/<int:proposal_id>/open/",
        api.ProposalStateView.as_view(transition=Action.OPEN_DISCUSSION.value),
        name="api_proposal_open",
    ),
    path(
        "proposals/<int:proposal_id>/withdraw/",
        api.ProposalStateView.as_view(transition=Action.WITHDRAW.value),
        name="api_proposal_withdraw",
    ),
    path(
        "proposals/<int:proposal_id>/back-to-discussion/",
        api.ProposalStateView.as_view(transition=Action.RETURN_TO_DISCUSSION.value),
        name="api_proposal_back_to_discussion",
    ),
    path(
        "proposals/<int:proposal_id>/versions/",
        api.VersionListView.as_view(),
        name="api_proposal_versions",
    ),
    path(
        "proposals/<int:proposal_id>/versions/<int:number>/",
        api.VersionDetailView.as_view(),
        name="api_proposal_version",
    ),
    path("proposals/<int:proposal_id>/diff/", api.DiffView.as_view(), name="api_proposal_diff"),
    path(
        "proposals/<int:proposal_id>/authors/",
        api.CoAuthorsView.as_view(),
        name="api_proposal_authors",
    ),
    path(
        "proposals/<int:proposal_id>/authors/accept/",
        api.InvitationView.as_view(accept=True),
        name="api_proposal_invitation_accept",
    ),
    path(
        "proposals/<int:proposal_id>/authors/decline/",
        api.InvitationView.as_view(accept=False),
        name="api_proposal_invitation_decline",
    ),
    path(
        "proposals/<int:proposal_id>/cosign/", api.CosignView.as_view(), name="api_proposal_cosign"
    ),
    path(
        "proposals/<int:proposal_id>/amendments/",
        api.AmendmentListView.as_view(),
        name="api_proposal_amendments",
    ),
    path(
        "proposals/<int:proposal_id>/comments/",
        api.CommentListView.as_view(),
        name="api_proposal_comments",
    ),
    path("amendments/<int:amendment_id>/", api.AmendmentDetailView.as_view(), name="api_amendment"),
    path(
        "amendments/<int:amendment_id>/accept/",
        api.AmendmentAcceptView.as_view(),
        name="api_amendment_accept",
    ),
    path(
        "amendments/<int:amendment_id>/decline/",
        api.AmendmentDeclineView.as_view(),
        name="api_amendment_decline",
    ),
    path(
        "amendments/<int:amendment_id>/promote/",
        api.AmendmentPromoteView.as_view(),
        name="api_amendment_promote",
    ),
    path(
        "amendments/<int:amendment_id>/rebase/",
        api.AmendmentRebaseView.as_view(),
        name="api_amendment_rebase",
    ),
    path(
        "amendments/<int:amendment_id>/comments/",
        api.CommentListView.as_view(),
        name="api_amendment_comments",
    ),
    path("comments/<int:comment_id>/", api.CommentDetailView.as_view(), name="api_comment"),
    path("comments/<int:comment_id>/hide/", api.CommentHideView.as_view(), name="api_comment_hide"),
    path(
        "comments/<int:comment_id>/restore/",
        api.CommentRestoreView.as_view(),
        name="api_comment_restore",
    ),
    path(
        "comments/<int:comment_id>/answer/",
        api.CommentAnswerView.as_view(),
        name="api_comment_answer",
    ),
    path(
        "comments/<int:comment_id>/request-restore/",
        api.CommentRequestRestoreView.as_view(),
        name="api_comment_request_restore",
    ),
    path(
        "comments/<int:comment_id>/moderation/",
        api.CommentModerationView.as_view(),
        name="api_comment_moderation",
    ),
    path(
        "comments/<int:comment_id>/reaction/",
        api.ReactionView.as_view(),
        name="api_comment_reaction",
    ),
]
