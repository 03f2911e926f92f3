"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from backend.configuration import check_or_exit, load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
load_settings_or_exit()
check_or_exit()

application = get_asgi_application()
