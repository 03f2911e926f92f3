"""OAuth ``state`` and OpenID Connect ``nonce``, bound to the browser that asked.

``kakao_authorize_request`` makes Kakao's authorize URL with a fresh random
state (and nonce with OIDC) and a signed, short-lived value for an HttpOnly
cookie. ``check_login_state`` accepts a login only when the state Kakao sent
back equals the one in *this browser's* cookie, was issued for the same
redirect URI, is under 10 minutes old and was never used before. That stops
login CSRF (a victim's browser submitting the attacker's code) and code
injection through a stolen callback URL.

Nothing is kept in process memory: the cookie is signed with the secret key
and "used" marks live in the Django cache (Redis in production), so any
instance accepts a state issued by any other, exactly once.

When the cache is unavailable only the single-use mark is skipped: the
signature, the match with this browser's cookie, the redirect URI and the
expiry still hold, and Kakao accepts each authorization code only once, so a
replayed state brings an attacker no login (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

from accounts import cache
from accounts.errors import AccountError, AccountErrorCode
from accounts.services.inputs import resolve_redirect_uri

STATE_TTL_SECONDS = 600
STATE_COOKIE_NAME = "kakao-oauth-state"
_SALT = "accounts.oauth_state"
_SCOPE = re.compile(r"[a-z0-9_]{1,64}")
MAX_SCOPES = 30


@dataclass(frozen=True)
class AuthorizeRequest:
    """Where to send the browser, and the signed value for its state cookie."""

    url: str
    state: str
    nonce: str | None
    cookie_value: str

    def __repr__(self) -> str:
        return "AuthorizeRequest(…)"


def kakao_authorize_request(
    *, redirect_uri: str | None = None, scopes: list[str] | None = None
) -> AuthorizeRequest:
    """Kakao's authorize URL with a fresh state (and nonce when OIDC is on)."""
    redirect_uri = resolve_redirect_uri(redirect_uri)
    scopes = _validate_scopes(scopes or [])
    if not settings.KAKAO_REST_API_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server has no Kakao REST API key (KAKAO_REST_API_KEY).",
        )
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32) if settings.KAKAO_OIDC else None
    if settings.KAKAO_OIDC and "openid" not in scopes:
        scopes.append("openid")
    # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#request-code
    params = {
        "client_id": settings.KAKAO_REST_API_KEY,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
    }
    if nonce:
        params["nonce"] = nonce
    if scopes:
        params["scope"] = ",".join(scopes)
    cookie_value = signing.dumps({"s": state, "n": nonce, "r": redirect_uri}, salt=_SALT)
    return AuthorizeRequest(
        url=f"{settings.KAKAO_AUTH_URL}/oauth/authorize?{urlencode(params)}",
        state=state,
        nonce=nonce,
        cookie_value=cookie_value,
    )


def check_login_state(
    *, state: str | None, cookie_value: str | None, redirect_uri: str | None
) -> str | None:
    """Accept the state once; return the nonce issued with it (or None).

    With ``KAKAO_REQUIRE_STATE`` off (native apps that cannot hold the
    cookie), a login without state or without the cookie is let through; a
    state that *is* presented with a cookie is still checked.
    """
    if not settings.KAKAO_REQUIRE_STATE and not (state and cookie_value):
        return None
    if not state or not cookie_value:
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    try:
        issued = signing.loads(cookie_value, salt=_SALT, max_age=STATE_TTL_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state") from None
    if not isinstance(issued, dict) or not isinstance(issued.get("s"), str):
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    if not hmac.compare_digest(issued["s"].encode(), state.encode()):
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    if issued.get("r") != resolve_redirect_uri(redirect_uri):
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    # Single use across all instances: the first to add the mark wins.
    used_key = "kakao-state-used:" + hashlib.sha256(state.encode()).hexdigest()
    try:
        first_use = cache.add(used_key, 1, timeout=STATE_TTL_SECONDS + 60, op="state.mark_used")
    except cache.CacheUnavailable:
        first_use = True  # degraded: every other check above has passed
    if not first_use:
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    nonce = issued.get("n")
    return nonce if isinstance(nonce, str) else None


def _validate_scopes(scopes: list[str]) -> list[str]:
    if len(scopes) > MAX_SCOPES or not all(_SCOPE.fullmatch(s) for s in scopes):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            "scope must be a list of Kakao consent item ids (lowercase letters, digits, _).",
            "scope",
        )
    return list(dict.fromkeys(scopes))
