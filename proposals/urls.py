from django.urls import path

from proposals.views import amendments, discussion, pages

urlpatterns = [
    path("a/<str:slug>/proposals/", pages.proposal_list, name="assembly_proposals"),
    path("a/<str:slug>/proposals/new/", pages.proposal_create, name="proposal_create"),
    path("proposals/<int:proposal_id>/", pages.proposal_detail, name="proposal"),
    path("proposals/<int:proposal_id>/diff/", pages.proposal_diff, name="proposal_diff"),
    path("proposals/<int:proposal_id>/state/", pages.proposal_state, name="proposal_state"),
    path("proposals/<int:proposal_id>/invite/", pages.proposal_invite, name="proposal_invite"),
    path(
        "proposals/<int:proposal_id>/invitation/",
        pages.proposal_invitation,
        name="proposal_invitation",
    ),
    path("proposals/<int:proposal_id>/cosign/", pages.proposal_cosign, name="proposal_cosign"),
    path("proposals/<int:proposal_id>/versions/", pages.proposal_version, name="proposal_version"),
    path(
        "proposals/<int:proposal_id>/versions/<int:number>/",
        pages.version_page,
        name="proposal_version_page",
    ),
    path("proposals/<int:proposal_id>/amend/", amendments.proposal_amend, name="proposal_amend"),
    path(
        "proposals/<int:proposal_id>/comments/", discussion.comment_create, name="proposal_comment"
    ),
    path(
        "amendments/<int:amendment_id>/accept/",
        amendments.amendment_accept,
        name="amendment_accept",
    ),
    path(
        "amendments/<int:amendment_id>/decline/",
        amendments.amendment_decline,
        name="amendment_decline",
    ),
    path(
        "amendments/<int:amendment_id>/promote/",
        amendments.amendment_promote,
        name="amendment_promote",
    ),
    path(
        "amendments/<int:amendment_id>/rebase/",
        amendments.amendment_rebase,
        name="amendment_rebase",
    ),
    path(
        "comments/<int:comment_id>/edit/",
        discussion.comment_act,
        {"act": "edit"},
        name="comment_edit",
    ),
    path(
        "comments/<int:comment_id>/hide/",
        discussion.comment_act,
        {"act": "hide"},
        name="comment_hide",
    ),
    path(
        "comments/<int:comment_id>/restore/",
        discussion.comment_act,
        {"act": "restore"},
        name="comment_restore",
    ),
    path(
        "comments/<int:comment_id>/answer/",
        discussion.comment_act,
        {"act": "answer"},
        name="comment_answer",
    ),
    path(
        "comments/<int:comment_id>/request-restore/",
        discussion.comment_act,
        {"act": "request"},
        name="comment_request_restore",
    ),
    path(
        "comments/<int:comment_id>/reaction/",
        discussion.comment_act,
        {"act": "react"},
        name="comment_react",
    ),
]
