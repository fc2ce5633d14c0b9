from django.urls import path

from probation.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.role_home, name="role-home"),
    path("cases/", views.my_cases, name="my-cases"),
    path("search/", views.search, name="search"),
    path("cases/<str:crn>/", views.case_overview, name="case"),
    path("cases/<str:crn>/sentences/new/", views.sentence_new, name="sentence-new"),
    path("allocations/", views.unallocated, name="unallocated"),
    path("cases/<str:crn>/allocate/", views.choose_practitioner, name="choose-practitioner"),
]
