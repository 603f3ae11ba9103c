from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assembly.api import SessionPeopleView, SessionStateView
from followup import api as followup_api
from voting import api as voting_api

api_v1: list[URLPattern | URLResolver] = [
    path("decisions/", voting_api.RegisterView.as_view(), name="api_register"),
    path("decisions/<int:decision_id>/", voting_api.DecisionView.as_view(), name="api_decision"),
    path(
        "decisions/<int:decision_id>/stance/",
        voting_api.StanceView.as_view(),
        name="api_decision_stance",
    ),
    path(
        "decisions/<int:decision_id>/rounds/",
        voting_api.RoundView.as_view(),
        name="api_decision_rounds",
    ),
    path(
        "decisions/<int:decision_id>/close/",
        voting_api.CloseView.as_view(),
        name="api_decision_close",
    ),
    path(
        "decisions/<int:decision_id>/record/",
        voting_api.RecordView.as_view(),
        name="api_decision_record",
    ),
    path(
        "decisions/<int:decision_id>/followups/",
        followup_api.DecisionFollowupsView.as_view(),
        name="api_decision_followups",
    ),
    path("followups/", followup_api.CommitmentListView.as_view(), name="api_followups"),
    path(
        "followups/<int:commitment_id>/",
        followup_api.CommitmentView.as_view(),
        name="api_followup",
    ),
    path(
        "followups/<int:commitment_id>/updates/",
        followup_api.UpdatesView.as_view(),
        name="api_followup_updates",
    ),
    path(
        "followups/<int:commitment_id>/carriers/",
        followup_api.CarriersView.as_view(),
        name="api_followup_carriers",
    ),
    path("sessions/<int:session_id>/state/", SessionStateView.as_view(), name="api_session_state"),
    path(
        "sessions/<int:session_id>/people/", SessionPeopleView.as_view(), name="api_session_people"
    ),
    path("", include("proposals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its set-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("audit.urls")),
    path("", include("privacy.urls")),
    path("", include("voting.urls")),
    path("", include("followup.urls")),
    path("", include("proposals.urls")),
    path("", include("assembly.urls")),
]

handler500 = "config.errors.server_error"
