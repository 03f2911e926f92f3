"""Guarded access to the Django cache, for what may degrade when Redis is down.

Rate-limit counters, used-state marks and Kakao's keys live in the cache. They
guard against abuse or save a call; they hold no truth. When the cache cannot
answer, the callers here get ``CacheUnavailable`` and carry on without it
(STYLE §16): logins and refreshes go on, a warning is logged.

Two things keep an outage cheap. The warning is rate-limited (one line per
``WARNING_INTERVAL_SECONDS`` per process, naming the operation and the error
class, never a key), so a burst of requests does not flood the log. And after
a failure the cache is not tried at all for ``BACKOFF_SECONDS``, so a frozen
Redis costs one socket timeout per process, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache as django_cache
from redis.exceptions import RedisError

from accounts import metrics

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 5.0
WARNING_INTERVAL_SECONDS = 30.0
# What a cache backend raises when it cannot answer. Anything else (a
# ValueError from incr on a missing key, a bug) is not an outage and goes on.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, ConnectionError, TimeoutError)

T = TypeVar("T")


class CacheUnavailable(Exception):
    """The cache could not answer (or is in back-off); the caller degrades."""


class _Health:
    """Per-process memory of the last failure: back-off and warning throttle."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.last_warning = float("-inf")
        self.suppressed = 0
        self.failing = False


_health = _Health()


def reset() -> None:
    """Forget past failures (tests, or an operator's shell after Redis is back)."""
    global _health
    _health = _Health()
    metrics.cache_degraded(False)


def add(key: str, value: Any, *, timeout: int, op: str) -> bool:
    """``cache.add``: True if the key was new."""
    return _call(op, lambda: django_cache.add(key, value, timeout=timeout))


def get(key: str, *, op: str) -> Any:
    """``cache.get``: the value, or None."""
    return _call(op, lambda: django_cache.get(key))


def set(key: str, value: Any, *, timeout: int, op: str) -> None:
    """``cache.set``."""
    _call(op, lambda: django_cache.set(key, value, timeout=timeout))


def delete(key: str, *, op: str) -> None:
    """``cache.delete``."""
    _call(op, lambda: django_cache.delete(key))


def incr(key: str, *, op: str, delta: int = 1) -> int:
    """``cache.incr``; ValueError (the key is gone) passes through."""
    return _call(op, lambda: django_cache.incr(key, delta))


def _call(op: str, operation: Callable[[], T]) -> T:
    health = _health
    if time.monotonic() < health.down_until:
        raise CacheUnavailable(op)
    try:
        result = operation()
    except CACHE_ERRORS as exc:
        _failed(health, op, exc)
        raise CacheUnavailable(op) from exc
    if health.failing:
        with health.lock:
            if health.failing:
                health.failing = False
                metrics.cache_degraded(False)
                logger.info("cache_recovered op=%s", op)
    return result


def _failed(health: _Health, op: str, exc: BaseException) -> None:
    now = time.monotonic()
    with health.lock:
        health.down_until = now + BACKOFF_SECONDS
        health.failing = True
        metrics.cache_degraded(True)
        if now - health.last_warning < WARNING_INTERVAL_SECONDS:
            health.suppressed += 1
            return
        suppressed, health.suppressed = health.suppressed, 0
        health.last_warning = now
    # The class name only: a Redis error message may quote a key or the URL.
    logger.warning(
        "cache_unavailable op=%s error=%s backoff_seconds=%s suppressed=%s "
        "(rate limits and single-use state marks are skipped meanwhile)",
        op,
        type(exc).__name__,
        BACKOFF_SECONDS,
        suppressed,
    )
