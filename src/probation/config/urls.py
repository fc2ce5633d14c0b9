"""URL map. Each area of the domain owns its own urls module; pages that show several areas'
data belong to the casework layer."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "OpenProbation administration"
admin.site.site_title = "OpenProbation admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("probation.api.urls")),
    path("", include("probation.casework.urls")),
    path("", include("probation.performance.urls")),
    path("", include("probation.risk.urls")),
    path("", include("probation.monitoring.urls")),
    path("", include("probation.core.urls")),
]

handler400 = "probation.core.views.bad_request"
handler403 = "probation.core.views.permission_denied"
handler404 = "probation.core.views.page_not_found"
handler500 = "probation.core.views.server_error"
