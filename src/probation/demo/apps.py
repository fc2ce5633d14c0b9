from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "probation.demo"
    label = "demo"
