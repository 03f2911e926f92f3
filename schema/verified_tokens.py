"""Access tokens already verified by this process, so that a client's next request skips the work.

A client sends the same access token with every request for its whole life (minutes), and
checking it again each time (base64, JSON, the HMAC, the claims) was a sixth of an
authenticated read. The payload of a token that passed graphql-jwt's checks is kept here,
keyed by the token's exact text (and the key and algorithm it was checked with); a later
request with the same text gets the same payload after its expiry is checked again against
the clock, as PyJWT checks it. Nothing enters but what passed verification, so a forged or
altered token is always verified in full (and refused). At most ``MAX_ENTRIES`` per process,
oldest out first.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.signals import setting_changed
from graphql_jwt.exceptions import JSONWebTokenExpired
from graphql_jwt.settings import jwt_settings
from graphql_jwt.utils import get_payload

MAX_ENTRIES = 4096

_verified: dict[tuple[str, str, str], dict[str, Any]] = {}
_lock = threading.Lock()


def verified_payload(token: str, request: Any = None) -> dict[str, Any]:
    """graphql-jwt's ``get_payload`` (same errors), remembered for tokens that pass it."""
    key = (token, str(jwt_settings.JWT_SECRET_KEY), jwt_settings.JWT_ALGORITHM)
    payload = _verified.get(key)
    if payload is not None:
        if payload["exp"] <= time.time() - _leeway():
            raise JSONWebTokenExpired()
        return dict(payload)
    payload = get_payload(token, request)
    if _cacheable(payload):
        with _lock:
            if len(_verified) >= MAX_ENTRIES:
                del _verified[next(iter(_verified))]
            _verified[key] = dict(payload)
    return payload


def _cacheable(payload: Any) -> bool:
    """Only payloads whose time claims are all re-checked here (an ``exp``, no ``nbf``)."""
    return (
        isinstance(payload, dict)
        and jwt_settings.JWT_VERIFY
        and jwt_settings.JWT_VERIFY_EXPIRATION
        and isinstance(payload.get("exp"), int)
        and "nbf" not in payload
        and "iat" not in payload
    )


def _leeway() -> float:
    leeway = jwt_settings.JWT_LEEWAY
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway)


def forget_all(**_kwargs: Any) -> None:
    with _lock:
        _verified.clear()


# A changed key, algorithm or verification setting (tests, a shell) starts afresh.
setting_changed.connect(forget_all)
