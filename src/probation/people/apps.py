from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "probation.people"
    label = "people"
    verbose_name = "People on probation and their cases"
