"""WSGI entry point (the web tier is stateless: run N copies behind a load balancer)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.config.settings")
application = get_wsgi_application()
