from django.urls import path

from probation.people import views

app_name = "people"
urlpatterns = [
    path("cases/", views.my_cases, name="my-cases"),
    path("search/", views.search, name="search"),
    path("cases/<str:crn>/", views.case_overview, name="case"),
]
