"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

from backend.configuration import check_or_exit, load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# gunicorn preloads this module (gunicorn.conf.py: preload_app): a setting that cannot be
# read, or one the system checks refuse, stops its master before it listens.
load_settings_or_exit()
check_or_exit()
application = get_wsgi_application()
