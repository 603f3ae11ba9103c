from django.urls import path

from proposals import views

urlpatterns = [
    path("a/<str:slug>/proposals/", views.proposal_list, name="assembly_proposals"),
    path("a/<str:slug>/proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:proposal_id>/diff/", views.proposal_diff, name="proposal_diff"),
    path("proposals/<int:proposal_id>/state/", views.proposal_state, name="proposal_state"),
    path("proposals/<int:proposal_id>/invite/", views.proposal_invite, name="proposal_invite"),
    path(
        "proposals/<int:proposal_id>/invitation/",
        views.proposal_invitation,
        name="proposal_invitation",
    ),
    path("proposals/<int:proposal_id>/cosign/", views.proposal_cosign, name="proposal_cosign"),
    path("proposals/<int:proposal_id>/versions/", views.proposal_version, name="proposal_version"),
    path(
        "proposals/<int:proposal_id>/versions/<int:number>/",
        views.version_page,
        name="proposal_version_page",
    ),
    path("proposals/<int:proposal_id>/amend/", views.proposal_amend, name="proposal_amend"),
    path("proposals/<int:proposal_id>/comments/", views.comment_create, name="proposal_comment"),
    path("amendments/<int:amendment_id>/accept/", views.amendment_accept, name="amendment_accept"),
    path(
        "amendments/<int:amendment_id>/decline/", views.amendment_decline, name="amendment_decline"
    ),
    path(
        "amendments/<int:amendment_id>/promote/", views.amendment_promote, name="amendment_promote"
    ),
    path("amendments/<int:amendment_id>/rebase/", views.amendment_rebase, name="amendment_rebase"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("comments/<int:comment_id>/restore/", views.comment_restore, name="comment_restore"),
    path("comments/<int:comment_id>/answer/", views.comment_answer, name="comment_answer"),
    path(
        "comments/<int:comment_id>/request-restore/",
        views.comment_request_restore,
        name="comment_request_restore",
    ),
    path("comments/<int:comment_id>/reaction/", views.comment_react, name="comment_react"),
]
