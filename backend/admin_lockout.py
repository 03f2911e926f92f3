"""The admin's password form, locked against guessing: per client address and per username.

After ``ADMIN_LOGIN_MAX_FAILURES`` failed logins from one address (the one the rate
limits see, ``schema/client_ip.py``, so ``TRUSTED_PROXY_COUNT`` applies) or for one
username within ``ADMIN_LOGIN_WINDOW_SECONDS``, ``/admin/login/`` answers 429 until that
window, which starts at its first attempt, has passed: the right password too.

Each POST is counted *before* its password is checked, and given back afterwards unless
it failed (Django's ``user_login_failed`` signal). So a burst of parallel guesses cannot
all slip in between a check and a count: at most the limit of them reach the password
check. The counters live in the shared cache (atomic ``add`` + ``incr``), so every
worker and instance counts once. When the cache cannot answer, a login attempt is
refused with 503 rather than let through uncounted: an admin account is at stake.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from accounts import cache
from schema.client_ip import client_ip

logger = logging.getLogger(__name__)

_ATTEMPT = "_admin_login_attempt"


class _Attempt:
    """One POST to the login form; ``failed`` is set by the user_login_failed signal."""

    failed = False


def guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap the admin's login view with the lockout."""

    @wraps(view)
    def login(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        keys = [_key("ip", client_ip(request))]
        if request.method != "POST":
            # Showing the form checks no password: only a locked address is turned away.
            try:
                locked = (cache.get(keys[0], op="admin_login.get") or 0) >= _limit()
            except cache.CacheUnavailable:
                locked = False
            return _locked() if locked else view(request, *args, **kwargs)
        username = request.POST.get("username", "").strip().casefold()
        if username:
            keys.append(_key("username", username))
        try:
            counts = [_count(key) for key in keys]
        except cache.CacheUnavailable:
            return HttpResponse(
                "The login limiter cannot be reached; try again in a minute.",
                status=503,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": "60"},
            )
        if max(counts) > _limit():
            if _limit() + 1 in counts:
                scope = "ip" if counts[0] == _limit() + 1 else "username"
                # Never the username: people type passwords into that field.
                logger.warning("admin_login_locked scope=%s", scope)
            return _locked()
        attempt = _Attempt()
        setattr(request, _ATTEMPT, attempt)
        try:
            return view(request, *args, **kwargs)
        finally:
            if not attempt.failed:  # signed in, or the form never reached a password check
                _give_back(keys)

    return login


@receiver(user_login_failed, dispatch_uid="backend.admin_lockout")
def login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """The attempt in progress keeps its count (connected when backend.urls imports this)."""
    attempt = getattr(request, _ATTEMPT, None)
    if attempt is not None:
        attempt.failed = True


def _limit() -> int:
    return settings.ADMIN_LOGIN_MAX_FAILURES


def _key(scope: str, value: str) -> str:
    # Hashed: a username field may hold a mistyped password, and cache keys show up in tools.
    return f"admin-login:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _count(key: str) -> int:
    """This attempt counted in the key's window (opened by its first attempt)."""
    window = settings.ADMIN_LOGIN_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window, op="admin_login.add"):
        return 1
    try:
        return cache.incr(key, op="admin_login.incr")
    except ValueError:  # the window ended between add and incr: a new one
        cache.add(key, 1, timeout=window, op="admin_login.add")
        return 1


def _give_back(keys: list[str]) -> None:
    for key in keys:
        try:
            cache.incr(key, delta=-1, op="admin_login.give_back")
        except (ValueError, cache.CacheUnavailable):
            pass  # the window is over (nothing to give back), or the cache is away


def _locked() -> HttpResponse:
    window = settings.ADMIN_LOGIN_WINDOW_SECONDS
    return HttpResponse(
        f"Too many failed logins. Try again in at most {max(1, window // 60)} minutes.",
        status=429,
        content_type="text/plain; charset=utf-8",
        # The window's length: an upper bound on what is left of it.
        headers={"Retry-After": str(window)},
    )
