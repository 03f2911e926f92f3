"""Request ids (taken from the proxy when sane, made up otherwise, echoed back) and the
access log; CORS; the admin's middleware, applied to the admin only."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from random import getrandbits

import corsheaders.middleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from backend.logs import request_id_var

_SANE = re.compile(r"[A-Za-z0-9-]{1,64}")
access_logger = logging.getLogger("backend.access")


class RequestIdMiddleware:
    """The request id, and with ACCESS_LOG one line per request (granian writes none of its
    own with the id): method, path without its query string, status, bytes, milliseconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.access_log = settings.ACCESS_LOG

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        # 32 hex digits, as before; an id needs to be unique, not secret (a client may
        # send its own): the process's generator spares a system call per request.
        request_id = incoming if _SANE.fullmatch(incoming) else f"{getrandbits(128):032x}"
        request.request_id = request_id
        started = time.perf_counter() if self.access_log else 0.0
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if self.access_log:
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "access": f"{request.method} {request.path}",
                        "status": response.status_code,
                        # Set by CommonMiddleware on every answer that is not streamed.
                        "bytes": int(response.get("Content-Length") or 0) or None,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
        finally:
            request_id_var.reset(token)
        return response


class CorsMiddleware(corsheaders.middleware.CorsMiddleware):
    """django-cors-headers, without Django's header map for a request that has no Origin.

    Only a browser's cross-origin request carries ``Origin``; an app or a server never does.
    For those the library adds ``Vary: origin`` and nothing else, but it builds
    ``request.headers`` (every META key) to find that out. Same answer, read from META.
    """

    def add_response_headers(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.META.get("HTTP_ORIGIN"):
            return super().add_response_headers(request, response)
        enabled = getattr(request, "_cors_enabled", None)
        if enabled if enabled is not None else self.is_enabled(request):
            patch_vary_headers(response, ("origin",))
        return response


# Where the admin is mounted (backend/urls.py): the only pages that use Django's sessions,
# its authentication middleware and messages.
ADMIN_PATH = "/admin/"


def admin_only(middleware: type) -> type:
    """``middleware`` for the admin's paths only; every other request passes straight through.

    The API authenticates with JWTs (schema/auth.py) and never reads a Django session,
    ``request.user`` from Django's middleware or a message: setting those up on every
    GraphQL request was work for nothing. A subclass, so that the admin's system checks
    still find the middleware they require.
    """

    class AdminOnly(middleware):
        def __call__(self, request: HttpRequest) -> HttpResponse:
            if request.path_info.startswith(ADMIN_PATH):
                return super().__call__(request)
            return self.get_response(request)

    AdminOnly.__name__ = AdminOnly.__qualname__ = f"AdminOnly{middleware.__name__}"
    AdminOnly.__module__ = __name__
    return AdminOnly


AdminOnlySessionMiddleware = admin_only(SessionMiddleware)
AdminOnlyAuthenticationMiddleware = admin_only(AuthenticationMiddleware)
AdminOnlyMessageMiddleware = admin_only(MessageMiddleware)
