from django.urls import path

from assembly import views

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("preferences/", views.set_preferences, name="set_preferences"),
    path("a/<str:slug>/", views.assembly_detail, name="assembly"),
    path("a/<str:slug>/invite/", views.invitation_create, name="invitation_create"),
    path("a/<str:slug>/sessions/new/", views.session_plan, name="session_plan"),
    path("join/<str:token>/", views.join, name="join"),
    path("groups/<int:group_id>/membership/", views.group_membership, name="group_membership"),
    path("sessions/<int:session_id>/", views.session_live, name="session"),
    path("sessions/<int:session_id>/do/", views.session_command, name="session_command"),
    path("sessions/<int:session_id>/agenda/", views.session_agenda, name="session_agenda"),
]
