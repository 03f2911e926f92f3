"""OAuth ``state`` and OpenID Connect ``nonce``, bound to the browser that asked.

``kakao_authorize_request`` makes Kakao's authorize URL with a fresh random
state (and nonce with OIDC, and a PKCE challenge with KAKAO_PKCE) and a signed,
short-lived value for an HttpOnly cookie. ``check_state`` accepts a login only
when the state Kakao sent back equals the one in *this browser's* cookie, was
issued for the same redirect URI, is under 10 minutes old and was never used
before. That stops login CSRF (a victim's browser submitting the attacker's
code) and the replay of a stolen callback URL (code *and* state). What it
returns carries the nonce and the PKCE verifier bound to that state, so that a
code from another flow presented with this state fails at Kakao (PKCE, see
``pkce``) or here (the id_token's nonce).

Nothing is kept in process memory: the cookie is signed with the secret key
and "used" marks live in the Django cache (Redis in production), so any
instance accepts a state issued by any other, exactly once.

When the cache is unavailable only the single-use mark is skipped: the
signature, the match with this browser's cookie, the redirect URI and the
expiry still hold, and Kakao accepts each authorization code only once, so a
replayed state brings an attacker no login (SECURITY.md).

The cookie also carries why the state was issued (``AuthorizePurpose``) and
when: a state issued to sign in cannot finish a re-authentication or an
additional consent, and one issued for those names the person (and, to
re-authenticate, the session) it was issued to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

from accounts import cache
from accounts.errors import AccountError, AccountErrorCode
from accounts.services import pkce
from accounts.services.authorize_options import AuthorizeOptions, AuthorizePurpose
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


@dataclass(frozen=True)
class IssuedState:
    """What the state cookie said about an accepted state."""

    nonce: str | None
    purpose: AuthorizePurpose
    issued_at: datetime | None  # None in cookies issued before purposes existed
    # PKCE's, derived from the accepted state (never from the client); None when the
    # flow was started without a challenge.
    code_verifier: str | None = None

    def __repr__(self) -> str:
        # The verifier stays out of every log line and traceback.
        return f"IssuedState(purpose={self.purpose}, …)"


def kakao_authorize_request(
    *,
    redirect_uri: str | None = None,
    scopes: list[str] | None = None,
    options: AuthorizeOptions | None = None,
    purpose: AuthorizePurpose = AuthorizePurpose.SIGN_IN,
    user_id: int | None = None,
    session_id: str | None = None,
) -> AuthorizeRequest:
    """Kakao's authorize URL: a fresh state, a nonce (OIDC), a PKCE challenge (KAKAO_PKCE).

    GRANT and REAUTHENTICATE are for a signed-in ``user_id`` (re-authentication
    also in ``session_id``); GRANT asks for ``scopes``.
    """
    redirect_uri = resolve_redirect_uri(redirect_uri)
    scopes = _validate_scopes(scopes or [])
    options = options or AuthorizeOptions()
    if purpose is not AuthorizePurpose.SIGN_IN and user_id is None:
        raise AccountError(AccountErrorCode.UNAUTHENTICATED)
    if purpose is AuthorizePurpose.REAUTHENTICATE and not session_id:
        raise AccountError(
            AccountErrorCode.SESSION_NOT_FOUND,
            "This access token belongs to no session: sign in again instead.",
        )
    if purpose is AuthorizePurpose.GRANT and not scopes:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            "purpose GRANT needs the consent items to ask for in scope.",
            "scope",
        )
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
    params.update(options.params())
    issued = {"s": state, "n": nonce, "r": redirect_uri, "p": purpose.value, "t": int(time.time())}
    if settings.KAKAO_PKCE:
        # Only the challenge leaves the server; the verifier is derived again at the exchange.
        params["code_challenge"] = pkce.code_challenge(pkce.code_verifier_for(state))
        params["code_challenge_method"] = pkce.METHOD
        # Whether a challenge was sent rides with the state: the exchange sends the
        # verifier exactly then, even if KAKAO_PKCE changed in between.
        issued["c"] = 1
    if purpose is not AuthorizePurpose.SIGN_IN:
        issued["u"] = user_id
    if purpose is AuthorizePurpose.REAUTHENTICATE:
        issued["i"] = session_id
    cookie_value = signing.dumps(issued, salt=_SALT)
    return AuthorizeRequest(
        url=f"{settings.KAKAO_AUTH_URL}/oauth/authorize?{urlencode(params)}",
        state=state,
        nonce=nonce,
        cookie_value=cookie_value,
    )


def check_state(
    *,
    state: str | None,
    cookie_value: str | None,
    redirect_uri: str | None,
    purpose: AuthorizePurpose = AuthorizePurpose.SIGN_IN,
    user_id: int | None = None,
    session_id: str | None = None,
) -> IssuedState | None:
    """Accept the state once, for ``purpose`` (and the person it was issued to); None if absent.

    With ``KAKAO_REQUIRE_STATE`` off (native apps that cannot hold the
    cookie), a sign-in without state or without the cookie is let through; a
    state that *is* presented with a cookie is still checked. Granting and
    re-authenticating always need this browser's state.
    """
    optional = purpose is AuthorizePurpose.SIGN_IN and not settings.KAKAO_REQUIRE_STATE
    if optional and not (state and cookie_value):
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
    _check_purpose(issued, purpose=purpose, user_id=user_id, session_id=session_id)
    # Single use across all instances: the first to add the mark wins.
    used_key = "kakao-state-used:" + hashlib.sha256(state.encode()).hexdigest()
    try:
        first_use = cache.add(used_key, 1, timeout=STATE_TTL_SECONDS + 60, op="state.mark_used")
    except cache.CacheUnavailable:
        first_use = True  # degraded: every other check above has passed
    if not first_use:
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    nonce, issued_at = issued.get("n"), issued.get("t")
    return IssuedState(
        nonce=nonce if isinstance(nonce, str) else None,
        purpose=purpose,
        issued_at=datetime.fromtimestamp(issued_at, tz=UTC) if isinstance(issued_at, int) else None,
        code_verifier=pkce.code_verifier_for(state) if issued.get("c") == 1 else None,
    )


def _check_purpose(
    issued: dict, *, purpose: AuthorizePurpose, user_id: int | None, session_id: str | None
) -> None:
    """A state serves the purpose it was issued for, for the person (and session) it names."""
    # Cookies from before purposes existed were all issued to sign in.
    if issued.get("p", AuthorizePurpose.SIGN_IN.value) != purpose.value:
        raise AccountError(
            AccountErrorCode.INVALID_STATE,
            "This state was issued for another purpose; start again with kakaoAuthorize.",
            "state",
        )
    if purpose is AuthorizePurpose.SIGN_IN:
        return
    if user_id is None or issued.get("u") != user_id:
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")
    if purpose is AuthorizePurpose.REAUTHENTICATE and (
        not session_id or issued.get("i") != session_id
    ):
        raise AccountError(AccountErrorCode.INVALID_STATE, field="state")


def _validate_scopes(scopes: list[str]) -> list[str]:
    if len(scopes) > MAX_SCOPES or not all(_SCOPE.fullmatch(s) for s in scopes):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            "scope must be a list of Kakao consent item ids (lowercase letters, digits, _).",
            "scope",
        )
    return list(dict.fromkeys(scopes))
