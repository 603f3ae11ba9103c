from django.urls import path

from audit import views

urlpatterns = [
    path("a/<str:slug>/audit/", views.audit_log, name="audit_log"),
    path("a/<str:slug>/audit/stances/", views.stance_trail, name="audit_stances"),
]
