from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from assembly.api import SessionStateView
from voting.api import RegisterView

api_v1: list[URLPattern | URLResolver] = [
    path("decisions/", RegisterView.as_view(), name="api_register"),
    path("sessions/<int:session_id>/state/", SessionStateView.as_view(), name="api_session_state"),
    path("", include("proposals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("voting.urls")),
    path("", include("proposals.urls")),
    path("", include("assembly.urls")),
]
