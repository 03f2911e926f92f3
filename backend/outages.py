"""The database is the truth: when it cannot be reached, say so in a typed, retryable way.

A lost connection, a restarting server or a busy SQLite file is not a bug in
the request: clients get HTTP 503 with ``Retry-After`` and a GraphQL-shaped
body whose ``extensions.code`` is ``SERVICE_UNAVAILABLE``, never "Internal
server error.". Django closes the broken connection at the end of the request,
and the next one connects afresh (health-checked persistent connections).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts import metrics

logger = logging.getLogger(__name__)

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
MESSAGE = "The service is briefly unavailable; retry after the seconds in Retry-After."


def is_database_unavailable(error: BaseException | None) -> bool:
    """Connection-level database failures (not constraint or programming errors)."""
    return isinstance(error, OperationalError | InterfaceError)


def service_unavailable(error: BaseException) -> JsonResponse:
    """The 503 answer; logged with the error's class, never its text (it may hold SQL)."""
    logger.warning("database_unavailable error=%s", type(error).__name__)
    metrics.database_unavailable()
    response = JsonResponse(
        {"errors": [{"message": MESSAGE, "extensions": {"code": SERVICE_UNAVAILABLE}}]},
        status=503,
    )
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """The same answer for any view that lets a database outage escape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return service_unavailable(exception)
        return None
