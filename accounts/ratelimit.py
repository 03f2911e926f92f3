"""Fixed-window rate limits kept in the Django cache, so they hold across instances.

``cache.add`` + ``cache.incr`` are atomic on Redis (and under a lock in the
local-memory cache), so concurrent requests on several instances are counted
exactly. When the cache is unavailable the limits fail open: they guard
against abuse, and turning every login away because Redis is down would be
the outage the limits exist to prevent (``accounts.cache`` logs a warning).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from accounts import cache, metrics
from accounts.errors import AccountError, AccountErrorCode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, value: str) -> Rate | None:
        """``"20/60"`` is 20 per 60 seconds; ``"off"`` or ``""`` disables the limit."""
        value = value.strip().lower()
        if value in ("", "off", "0"):
            return None
        try:
            count, seconds = (int(part) for part in value.split("/"))
        except ValueError:
            raise ImproperlyConfigured(f"A rate must look like 20/60, not {value!r}") from None
        if count < 1 or seconds < 1:
            raise ImproperlyConfigured(f"A rate must be positive, not {value!r}")
        return cls(count, seconds)


def hit(scope: str, key: str, rate: Rate | None) -> None:
    """Count one attempt for ``key``; raise RATE_LIMITED once over ``rate``."""
    if rate is None:
        return
    now = int(time.time())
    window = now // rate.seconds
    # Hashed: keys may be Kakao user ids or addresses, and cache keys show up in tools.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    try:
        count = _count(f"rl:{scope}:{digest}:{window}", timeout=rate.seconds + 1)
    except cache.CacheUnavailable:
        return  # fails open; accounts.cache has logged it
    if count > rate.count:
        retry_after = max(1, (window + 1) * rate.seconds - now)
        if count == rate.count + 1:
            logger.warning("rate_limited scope=%s retry_after=%s", scope, retry_after)
        metrics.graphql_refused("rate_limited")
        raise AccountError(
            AccountErrorCode.RATE_LIMITED,
            f"Too many attempts; retry in {retry_after} seconds.",
            retry_after=retry_after,
        )


def _count(cache_key: str, *, timeout: int) -> int:
    if cache.add(cache_key, 1, timeout=timeout, op="ratelimit.add"):
        return 1
    try:
        return cache.incr(cache_key, op="ratelimit.incr")
    except ValueError:  # expired between add and incr: a new window
        cache.add(cache_key, 1, timeout=timeout, op="ratelimit.add")
        return 1
