from django.contrib import admin

from probation.contracts.models import ContractArea, ContractAreaOwnership, Provider


class OwnershipInline(admin.TabularInline):
    model = ContractAreaOwnership
    extra = 0


@admin.register(ContractArea)
class ContractAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "caseload_weight")
    search_fields = ("code", "name")
    inlines = [OwnershipInline]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    search_fields = ("name",)
