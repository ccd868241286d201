"""WSGI entry point (gunicorn portal.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# Everything loaded at start-up lives as long as the worker: keep it out of the collector's full passes,
# which otherwise add tens of milliseconds to an unlucky request (such as a certificate PDF render).
gc.freeze()
