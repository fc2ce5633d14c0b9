from django.apps import AppConfig


class CourtsConfig(AppConfig):
    name = "probation.courts"
    label = "courts"
    verbose_name = "Courts: offences, history, sentences and requirements"
