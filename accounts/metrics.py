"""The operator's numbers, as Prometheus metrics (prometheus-client).

The names are a contract (dashboards and alerts rely on them). Labels are low
cardinality on purpose: methods, outcomes, causes, fixed endpoint paths, never a
user id or an address. Under gunicorn every worker process writes its own files in
``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py sets it up) and ``/metrics`` adds
them up (``backend/metrics.py``).

What describes a database change is counted once that change is committed
(``transaction.on_commit``, STYLE §19): a rolled-back rotation or session end
never counts. Outside a transaction on_commit runs at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

from accounts.errors import AccountError

LOGINS = Counter(
    "auth_logins_total",
    "Sign-ins by method (code: kakaoLogin, native: kakaoLoginWithToken) and outcome "
    "(ok, or the error code).",
    ["method", "outcome"],
)
REFRESHES = Counter(
    "auth_refreshes_total",
    "Refresh-token uses: rotated, reused (a retry within the reuse window), replay "
    "(a rotated token past the window: the session ended), invalid.",
    ["outcome"],
)
SESSIONS_ENDED = Counter(
    "auth_sessions_ended_total",
    "Sessions ended, by cause (this_device, another_device, everywhere, "
    "kakao_unlink_notice, kakao_unlinked, account_deleted, admin, replay).",
    ["cause"],
)
KAKAO_REQUESTS = Counter(
    "kakao_api_requests_total",
    "Requests to Kakao by endpoint path and HTTP status (error: no answer).",
    ["endpoint", "status"],
)
KAKAO_DURATION = Histogram(
    "kakao_api_request_duration_seconds",
    "Time to Kakao's whole answer (or the failure), by endpoint path.",
    ["endpoint"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DATABASE_UNAVAILABLE = Counter(
    "database_unavailable_total",
    "Requests answered 503 SERVICE_UNAVAILABLE because the database could not be reached.",
)
CACHE_DEGRADED = Gauge(
    "cache_degraded",
    "1 while the cache (Redis) is unavailable and rate limits and single-use marks are "
    "skipped, in any live worker.",
    multiprocess_mode="livemax",
)
GRAPHQL_REFUSED = Counter(
    "graphql_requests_refused_total",
    "GraphQL requests refused before running, by reason (csrf, rate_limited, malformed, "
    "method, too_large, too_complex, introspection, invalid).",
    ["reason"],
)

CACHE_DEGRADED.set(0)


def after_commit(count: Callable[[], None]) -> None:
    """Count once the current transaction commits (at once outside one)."""
    transaction.on_commit(count)


@contextmanager
def counted_login(method: str) -> Iterator[None]:
    """Count a sign-in attempt: ok once its writes are committed, else its error code."""
    try:
        yield
    except AccountError as error:
        LOGINS.labels(method=method, outcome=error.code.name).inc()
        raise
    after_commit(LOGINS.labels(method=method, outcome="ok").inc)


def refresh(outcome: str) -> None:
    """A refresh-token use: rotated, reused, replay or invalid."""
    after_commit(REFRESHES.labels(outcome=outcome).inc)


def sessions_ended(cause: str, count: int) -> None:
    if count:
        after_commit(lambda: SESSIONS_ENDED.labels(cause=cause).inc(count))


def kakao_request(endpoint: str, status: str, seconds: float) -> None:
    """One call to Kakao; ``endpoint`` is the path only, never a query string or host."""
    KAKAO_REQUESTS.labels(endpoint=endpoint, status=status).inc()
    KAKAO_DURATION.labels(endpoint=endpoint).observe(seconds)


def database_unavailable() -> None:
    DATABASE_UNAVAILABLE.inc()


def cache_degraded(degraded: bool) -> None:
    CACHE_DEGRADED.set(1 if degraded else 0)


def graphql_refused(reason: str) -> None:
    """A GraphQL request refused before it ran (one line for every place that refuses)."""
    GRAPHQL_REFUSED.labels(reason=reason).inc()
