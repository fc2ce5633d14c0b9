from django.urls import path

from probation.casework import (
    assessment_views,
    clock_views,
    comparison_views,
    diary_views,
    enforcement_views,
    escalation_views,
    intake_views,
    plan_views,
    recall_views,
    reminder_views,
    todo_views,
    transfer_views,
    views,
    workload_views,
)

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
# Each journey keeps its own pages and URLs in its own module.
urlpatterns += (
    assessment_views.urlpatterns
    + clock_views.urlpatterns
    + intake_views.urlpatterns
    + escalation_views.urlpatterns
    + transfer_views.urlpatterns
    + workload_views.urlpatterns
    + comparison_views.urlpatterns
    + diary_views.urlpatterns
    + plan_views.urlpatterns
    + enforcement_views.urlpatterns
    + recall_views.urlpatterns
    + reminder_views.urlpatterns
    + todo_views.urlpatterns
)
