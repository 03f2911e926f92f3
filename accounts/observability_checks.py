"""Start-up validation of the security trail's retention and the /metrics endpoint.

Part of ``accounts.checks.check_configuration`` (kept here so that module stays small).
"""

from __future__ import annotations

import ipaddress
import os
import re

from django.conf import settings
from django.core.checks import Error, Warning

_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")


def observability_errors() -> list:
    """Security events' retention and the /metrics endpoint."""
    errors: list = []
    days = settings.SECURITY_EVENTS_RETENTION_DAYS
    if days < 1:
        errors.append(
            Error("SECURITY_EVENTS_RETENTION_DAYS must be 1 or more.", id="accounts.E026")
        )
    elif days < 365:
        errors.append(
            Warning(
                f"SECURITY_EVENTS_RETENTION_DAYS is {days}: access records of personal-data "
                "systems are usually expected to be kept for at least a year.",
                id="accounts.W006",
            )
        )
    token = settings.METRICS_TOKEN
    if token and (len(token) < 16 or not _VISIBLE_ASCII.fullmatch(token)):
        # Never echo the token, not even in a start-up error.
        errors.append(
            Error("METRICS_TOKEN must be at least 16 visible ASCII characters.", id="accounts.E027")
        )
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_IPS entry {entry!r} is not an address or a network.",
                    id="accounts.E028",
                )
            )
    if settings.METRICS_ENABLED and not token and not settings.METRICS_ALLOWED_IPS:
        errors.append(
            Error(
                "METRICS_ENABLED=1 needs METRICS_TOKEN or METRICS_ALLOWED_IPS: /metrics is "
                "never open to everyone.",
                id="accounts.E029",
            )
        )
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
        errors.append(
            Error(
                f"PROMETHEUS_MULTIPROC_DIR {directory!r} is not a writable directory.",
                id="accounts.E030",
            )
        )
    return errors
