from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "probation.casework"
    label = "casework"
    verbose_name = "Casework: workflows across areas, case pages and each role's home"
