"""EM orders on a case (``order_views``) and the operator's device pages (``device_views``)."""

from django.urls import URLPattern, URLResolver, path

from probation.monitoring import device_views, order_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:crn>/monitoring/", order_views.orders, name="orders"),
    path("cases/<str:crn>/monitoring/new/", order_views.order_new, name="order-new"),
    path("cases/<str:crn>/monitoring/<int:order_id>/", order_views.order_detail, name="order"),
    path("monitoring/devices/", device_views.devices, name="devices"),
    path("monitoring/devices/new/", device_views.device_new, name="device-new"),
    path("monitoring/devices/<int:device_id>/", device_views.device_detail, name="device"),
    path(
        "monitoring/devices/<int:device_id>/<slug:step>/",
        device_views.device_step,
        name="device-step",
    ),
]
