from django.urls import path

from probation.risk import views

app_name = "risk"
urlpatterns = [
    path("cases/<str:crn>/registrations/", views.registrations, name="registrations"),
    path(
        "cases/<str:crn>/registrations/<int:registration_id>/end/",
        views.registration_remove,
        name="registration-end",
    ),
    path("cases/<str:crn>/tier/", views.tier, name="tier"),
]
