from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "probation.api"
    label = "api"
