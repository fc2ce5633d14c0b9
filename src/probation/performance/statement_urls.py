"""URLs of the statement pages (included from probation/performance/urls.py under
``/contracts/``)."""

from django.urls import URLPattern, path

from probation.performance import statement_views as views

urlpatterns: list[URLPattern] = [
    path("statements/", views.statements_page, name="statements"),
    path("statements/<int:run_id>/<str:area_code>/", views.statement_page, name="statement"),
    path(
        "statements/<int:run_id>/<str:area_code>.csv",
        views.statement_csv_download,
        name="statement-csv",
    ),
    path(
        "statements/<int:run_id>/<str:area_code>.pdf",
        views.statement_pdf_download,
        name="statement-pdf",
    ),
    path(
        "statements/<int:run_id>/<str:area_code>/rows/<slug:kind>/",
        views.statement_rows_page,
        name="statement-rows",
    ),
]
