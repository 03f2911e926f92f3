"""Probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def probe(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    """GET or HEAD (load balancers probe with either); a HEAD answer has headers only."""

    @require_safe
    @wraps(view)
    def answer(request: HttpRequest) -> JsonResponse:
        response = view(request)
        if request.method == "HEAD":
            # WSGI servers drop a HEAD body anyway, and gunicorn logs a warning each time.
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    return answer


@probe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


@probe
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the cache answer; 503 names the one that does not."""
    checks = {"database": _database(), "cache": _cache()}
    ready = all(status == "ok" for status in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; the reason goes to the log
        logger.warning("readyz_database_failed error=%s", type(exc).__name__)
        return "error"
    return "ok"


def _cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # as above
        logger.warning("readyz_cache_failed error=%s", type(exc).__name__)
        return "error"
    return "ok" if ok else "error"
