"""Start-up guards: a mistake in the environment is one line on stderr, not a traceback,
and a server does not start on a configuration that ``manage.py check`` refuses.
"""

from __future__ import annotations

import logging
import os
import sys

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def load_settings_or_exit() -> None:
    """Import the settings now; on ImproperlyConfigured print its message and exit 1."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    from django.conf import settings

    try:
        # Touching any setting imports backend/settings.py, which reads the environment.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        # Logging is configured by those very settings, so stderr is the only channel.
        sys.stderr.write(f"Configuration error: {exc}\n")
        raise SystemExit(1) from None


def check_or_exit() -> None:
    """Run the system checks ``manage.py check`` runs; exit 1 on any error, log warnings.

    Called where the application is loaded (backend/wsgi.py, backend/asgi.py), so the
    process that serves refuses what ``manage.py check`` refuses: gunicorn preloads the
    application in its master (gunicorn.conf.py), which therefore exits before it binds
    its socket or starts a worker. Each error is one line, the check's own message.
    """
    import django
    from django.core import checks

    django.setup()
    messages = [message for message in checks.run_checks() if not message.is_silenced()]
    errors = [message for message in messages if message.is_serious()]
    for message in errors:
        sys.stderr.write(f"Configuration error: {_one_line(message)}\n")
    if errors:
        raise SystemExit(1)
    for message in messages:
        if message.level >= checks.WARNING:
            logger.warning("system_check %s", _one_line(message))


def _one_line(message) -> str:
    # As `manage.py check` prints it, without the "?: " it puts before unattached checks.
    return str(message).removeprefix("?: ").replace("\n\tHINT: ", " HINT: ")
