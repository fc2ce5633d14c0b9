from django.urls import path

from probation.core import two_factor_views, views

app_name = "core"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("audit/", views.audit_search, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("account/api-token/", views.api_token, name="api-token"),
    path("account/two-factor/", two_factor_views.setup, name="two-factor-setup"),
    path("account/two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("healthz", views.healthz, name="healthz"),
]
