from django.urls import path

from voting import views

urlpatterns = [
    path("decisions/", views.register, name="register"),
    path("decisions/feed.atom", views.RegisterFeed(), name="register_feed"),
    path("decisions/export.csv", views.export_csv, name="register_csv"),
    path("decisions/export.json", views.export_json, name="register_json"),
    path(
        "decisions/<str:slug>/<int:year>/<int:number>/",
        views.record_detail,
        name="decision_detail",
    ),
    path("decision/<int:decision_id>/", views.decision_page, name="decision"),
    path(
        "proposals/<int:proposal_id>/decide/",
        views.bring_to_decision,
        name="proposal_decide",
    ),
    path("decision/<int:decision_id>/stance/", views.decision_stance, name="decision_stance"),
    path("decision/<int:decision_id>/round/", views.decision_round, name="decision_round"),
    path("decision/<int:decision_id>/record/", views.decision_record, name="decision_record"),
    path("stances/<int:stance_id>/resolve/", views.dissent_resolve, name="dissent_resolve"),
    path(
        "a/<str:slug>/decisions/new/",
        views.assembly_decision_create,
        name="assembly_decision_create",
    ),
    path(
        "sessions/<int:session_id>/decisions/new/",
        views.decision_create,
        name="decision_create",
    ),
]
