"""Reference data of the courts app (courts and the offence list) is editable here; case data
(sentences, history) is not: it changes only through services so that it is audited."""

from django.contrib import admin

from probation.courts.models import Court, Offence


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contract_area")
    list_filter = ("contract_area",)
    search_fields = ("code", "name")
    list_select_related = ("contract_area",)


@admin.register(Offence)
class OffenceAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "ogrs3_category", "sexual")
    list_filter = ("ogrs3_category", "sexual")
    search_fields = ("code", "description")
