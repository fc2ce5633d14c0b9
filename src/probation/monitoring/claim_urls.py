"""Provider claims and their reconciliation against the billing ledger
(``monitoring/claim_views.py``)."""

from django.urls import URLPattern, URLResolver, path

from probation.monitoring import claim_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("monitoring/claims/", claim_views.claims_page, name="claims"),
    path("monitoring/claims/new/", claim_views.claim_upload, name="claim-upload"),
    path("monitoring/claims/<int:claim_id>/", claim_views.claim_page, name="claim"),
    path(
        "monitoring/claims/<int:claim_id>/rejected.csv",
        claim_views.claim_csv,
        name="claim-csv",
    ),
]
