"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

from backend.configuration import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# gunicorn preloads this module: a bad setting stops it with one line, before any worker.
load_settings_or_exit()
application = get_wsgi_application()
