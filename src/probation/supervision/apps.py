from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "probation.supervision"
    label = "supervision"
    verbose_name = "Supervision: sentence plans, appointments, contacts and reminders"
