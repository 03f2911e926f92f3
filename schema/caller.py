"""The request as the services may record it: one plain ``Caller`` value per request."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.caller import Caller
from schema.auth import current_session_id
from schema.client_ip import client_ip


def caller(request: HttpRequest) -> Caller:
    """Address (as the rate limiter sees it), User-Agent, the app's own name, the session."""
    meta = request.META
    return Caller.of(
        ip=client_ip(request),
        user_agent=meta.get("HTTP_USER_AGENT", ""),
        app_name=meta.get("HTTP_X_CLIENT_NAME", ""),
        app_version=meta.get("HTTP_X_CLIENT_VERSION", ""),
        session_id=current_session_id(request),
    )
