"""Start-up guard: a mistake in the environment is one line on stderr, not a traceback."""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured


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
