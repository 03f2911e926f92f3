"""A production deployment must never talk to a stand-in on a loopback address."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "0.0.0.0") or host.endswith(".localhost"):  # noqa: S104
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register(Tags.security)
def check_kakao_urls(app_configs=None, **kwargs) -> list:
    # KAKAO_ALLOW_LOCAL_URLS: benchmarks and fault tests (accounts.W004 says so at start).
    if settings.DEBUG or settings.KAKAO_ALLOW_LOCAL_URLS:
        return []
    return [
        Error(
            f"{name} points at a loopback address ({getattr(settings, name)}) while DEBUG is "
            "off: a production server must talk to Kakao, not to the development stand-in.",
            id="kakao_standin.E001",
        )
        for name in ("KAKAO_AUTH_URL", "KAKAO_API_URL")
        if is_loopback(getattr(settings, name))
    ]
