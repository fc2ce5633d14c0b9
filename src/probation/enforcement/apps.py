from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "probation.enforcement"
    label = "enforcement"
    verbose_name = "Enforcement: warnings, breach, recall and serious further offences"
