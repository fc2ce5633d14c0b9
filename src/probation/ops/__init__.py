"""Operating the service: run the web server, count what the database holds.

Not a Django app (no models, nothing in ``INSTALLED_APPS``): plain functions the ``probation``
command calls once Django is set up, so they work in production, where the demo is not installed.
"""
