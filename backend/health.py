"""Probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from accounts import cache

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
    """503 only when the database fails; a failing cache is reported as degraded.

    Without the database an instance can do nothing. Without the cache it still
    logs people in (rate limits and single-use marks are skipped), and every
    instance shares the cache: answering 503 then would take all of them out of
    the load balancer at once.
    """
    checks = {"database": _database(), "cache": _cache(), "cache_backend": cache_backend()}
    if checks["database"] != "ok":
        return JsonResponse({"status": "unavailable", **checks}, status=503)
    status = "ok" if checks["cache"] == "ok" else "degraded"
    return JsonResponse({"status": status, **checks})


def cache_backend() -> str:
    """Where rate limits and used states are kept: what every process shares, or not."""
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if backend == "RedisCache":
        return "redis"
    if backend in ("SharedDatabaseCache", "DatabaseCache"):
        return "database"
    if backend == "LocMemCache":
        return "local-memory"  # one process only
    return backend


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
    # Through the guard: its back-off spares probes a frozen Redis's timeout,
    # and its throttled warning spares the log a line per probe.
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5, op="readyz.set")
        ok = cache.get(key, op="readyz.get") == "1"
        cache.delete(key, op="readyz.delete")
    except (cache.CacheUnavailable, DatabaseError):
        # The database cache fails with its database.
        return "degraded"
    return "ok" if ok else "degraded"
