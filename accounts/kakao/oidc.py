"""Verifying Kakao's OpenID Connect id_token locally.

RS256 against Kakao's published keys (JWKS), issuer = the auth host, audience
= our REST API key, expiry and issue time with a small leeway, and the nonce
we issued with the state. The key set is cached in the Django cache (shared by
all instances) and fetched again at most once a minute when an unknown ``kid``
shows up, so Kakao's key rotation is followed without letting forged ``kid``s
make us hammer Kakao.

Each process also keeps its own copy of the keys it has seen, and its own
refetch throttle: when the cache is unavailable those are used instead, so
logins go on and forged ``kid``s still cannot make one process call Kakao more
than once a minute.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import Any

import jwt
from django.conf import settings

from accounts import cache
from accounts.kakao.client import KakaoClient

logger = logging.getLogger(__name__)

JWKS_CACHE_KEY = "kakao-oidc-jwks"
JWKS_CACHE_SECONDS = 3600
JWKS_REFETCH_KEY = "kakao-oidc-jwks-refetch"
JWKS_REFETCH_INTERVAL_SECONDS = 60
LEEWAY_SECONDS = 60
ALGORITHM = "RS256"


class _ProcessKeys:
    """This process's copy of the key set and refetch throttle, for when the cache is down."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jwks: dict[str, Any] | None = None
        self.seen_at = float("-inf")
        self.refetched_at = float("-inf")

    def keep(self, jwks: dict[str, Any]) -> None:
        self.jwks, self.seen_at = jwks, time.monotonic()

    def current(self) -> dict[str, Any] | None:
        fresh = time.monotonic() - self.seen_at < JWKS_CACHE_SECONDS
        return self.jwks if fresh else None

    def may_refetch(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.refetched_at < JWKS_REFETCH_INTERVAL_SECONDS:
                return False
            self.refetched_at = now
            return True


_process_keys = _ProcessKeys()


class InvalidIdToken(Exception):
    """The id_token failed verification; the reason is logged, never the token."""


def verify_id_token(
    id_token: str,
    *,
    client: KakaoClient,
    nonce: str | None,
    audiences: list[str] | None = None,
) -> dict[str, Any]:
    """Return the verified claims, or raise ``InvalidIdToken``.

    ``audiences``: the app keys the token may be issued to; by default the REST
    API key (the code flow). An SDK's id_token carries the key that SDK used.

    ``nonce`` is the one issued with this browser's state; without one (state
    checking switched off for a native app) the nonce claim cannot be bound to
    anything and is not checked — the id_token still comes straight from
    Kakao's token endpoint over TLS, in answer to our own code exchange.
    """
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError:
        raise _invalid("malformed") from None
    if header.get("alg") != ALGORITHM:
        raise _invalid("alg")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _invalid("kid")
    # PyJWT refuses a token whose aud is not one of these (and one without aud), so an
    # empty REST key or list accepts nothing rather than everything.
    accepted = audiences if audiences is not None else [settings.KAKAO_REST_API_KEY]
    key = _signing_key(kid, client)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=[ALGORITHM],
            audience=accepted,
            issuer=settings.KAKAO_AUTH_URL,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise _invalid("expired") from None
    except jwt.InvalidTokenError as exc:
        raise _invalid(type(exc).__name__) from None
    if nonce is not None:
        claimed = claims.get("nonce")
        if not isinstance(claimed, str) or not hmac.compare_digest(
            claimed.encode(), nonce.encode()
        ):
            raise _invalid("nonce")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.isdigit():
        raise _invalid("sub")
    return claims


def _signing_key(kid: str, client: KakaoClient) -> Any:
    jwks = _known_jwks()
    if jwks is None:
        jwks = _fetch(client)
    key = _find_key(jwks, kid)
    if key is None and _may_refetch():
        # An unknown kid: Kakao may have rotated its keys since we cached them.
        key = _find_key(_fetch(client), kid)
    if key is None:
        raise _invalid("unknown kid")
    return key


def _known_jwks() -> dict[str, Any] | None:
    try:
        jwks = cache.get(JWKS_CACHE_KEY, op="oidc.jwks_get")
    except cache.CacheUnavailable:
        return _process_keys.current()
    if jwks is not None:
        _process_keys.keep(jwks)
    return jwks


def _may_refetch() -> bool:
    try:
        return cache.add(
            JWKS_REFETCH_KEY, 1, timeout=JWKS_REFETCH_INTERVAL_SECONDS, op="oidc.jwks_refetch"
        )
    except cache.CacheUnavailable:
        return _process_keys.may_refetch()


def _fetch(client: KakaoClient) -> dict[str, Any]:
    jwks = client.fetch_jwks()
    _process_keys.keep(jwks)
    try:
        cache.set(JWKS_CACHE_KEY, jwks, timeout=JWKS_CACHE_SECONDS, op="oidc.jwks_set")
    except cache.CacheUnavailable:
        pass  # this process's copy serves until the cache is back
    return jwks


def _find_key(jwks: dict[str, Any], kid: str) -> Any:
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid and jwk.get("kty") == "RSA":
            try:
                return jwt.PyJWK(jwk, algorithm=ALGORITHM).key
            except jwt.PyJWKError:
                return None
    return None


def _invalid(reason: str) -> InvalidIdToken:
    logger.warning("kakao_id_token_invalid reason=%s", reason)
    return InvalidIdToken(reason)
