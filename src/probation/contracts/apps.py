from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "probation.contracts"
    label = "contracts"
    verbose_name = "Contracts: contract areas and providers"
