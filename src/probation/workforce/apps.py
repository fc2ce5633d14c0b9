from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "probation.workforce"
    label = "workforce"
    verbose_name = "Workforce: organisations, teams and staff"
