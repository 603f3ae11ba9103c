from django.urls import path

from privacy import views

urlpatterns = [
    path("privacy/", views.privacy_notice, name="privacy"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data.json", views.my_data_json, name="my_data_json"),
    path("me/leave/", views.leave, name="leave"),
]
