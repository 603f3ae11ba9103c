from django.urls import path

from followup import views

urlpatterns = [
    path("decision/<int:decision_id>/followups/", views.followup_add, name="followup_add"),
    path("followups/<int:commitment_id>/", views.followup_page, name="followup"),
    path("followups/<int:commitment_id>/update/", views.followup_update, name="followup_update"),
    path("followups/<int:commitment_id>/carry/", views.followup_carry, name="followup_carry"),
    path("a/<str:slug>/followups/", views.assembly_followups, name="assembly_followups"),
]
