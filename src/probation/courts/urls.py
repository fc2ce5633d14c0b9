from django.urls import path

from probation.courts import views

app_name = "courts"
urlpatterns = [
    path("cases/<str:crn>/sentences/new/", views.sentence_new, name="sentence-new"),
]
