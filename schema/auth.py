"""Who is calling: the access token from the Authorization header or the JWT cookie.

This replaces graphql-jwt's JSONWebTokenMiddleware, which fails *every* field
with "Error decoding signature" when a stale or garbage token is presented, so
a browser holding an old cookie could not even log in again. Here the token is
checked once per request, before execution: a valid one sets ``request.user``
(loaded lazily, on first use) for every resolver; a bad one leaves the caller
anonymous and records why, so that ``me`` can answer with a typed
TOKEN_EXPIRED / INVALID_TOKEN error.

An access token is only as good as its session: the user and whether the
token's session (``sid``) is still live are read in one query, on first use.
A session ended anywhere (logout, another device, everywhere, deletion, Kakao's
unlink notice, a replayed refresh token) makes its access tokens powerless at
once: the caller is anonymous and ``me`` and every operation that needs the
caller answer the top-level SESSION_ENDED (clients sign out, not refresh).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from graphql import GraphQLError
from graphql_jwt.exceptions import JSONWebTokenError, JSONWebTokenExpired
from graphql_jwt.settings import jwt_settings

from accounts.errors import AccountError, AccountErrorCode
from accounts.services.callers import caller_for_access_token
from schema.verified_tokens import verified_payload

TOKEN_EXPIRED = "TOKEN_EXPIRED"
INVALID_TOKEN = "INVALID_TOKEN"
SESSION_ENDED = "SESSION_ENDED"


def authenticate_request(request: HttpRequest) -> None:
    """Set ``request.user`` from the access token, and ``request.jwt_auth_error`` if it is bad."""
    request.jwt_auth_error = None
    request.jwt_session_id = None
    token, error = _credentials(request)
    if error is not None:
        _anonymous(request, error)
        return
    if not token:
        request.user = AnonymousUser()
        return
    try:
        payload = verified_payload(token, request)
    except JSONWebTokenExpired:
        _anonymous(request, TOKEN_EXPIRED)
        return
    except JSONWebTokenError:
        _anonymous(request, INVALID_TOKEN)
        return

    # The session this access token belongs to (absent in tokens from before sessions).
    sid = payload.get("sid")
    request.jwt_session_id = sid if isinstance(sid, str) else None
    username = jwt_settings.JWT_PAYLOAD_GET_USERNAME_HANDLER(payload)

    def load_user():
        # Looked up only when a resolver asks: refreshToken or kakaoLogin from a
        # browser that still sends its access cookie need no user query.
        if not isinstance(username, str) or not username:
            request.jwt_auth_error = INVALID_TOKEN
            return AnonymousUser()
        user, live = caller_for_access_token(
            username=username, session_id=request.jwt_session_id, user_id=payload.get("sub")
        )
        if request.jwt_session_id is not None and not (live and user.is_active):
            # Signed out, on this device or another; or the account is gone or disabled.
            request.jwt_auth_error = SESSION_ENDED
            request.jwt_session_id = None
            return AnonymousUser()
        if user is None or not user.is_active:
            request.jwt_auth_error = INVALID_TOKEN
            return AnonymousUser()
        return user

    request.user = SimpleLazyObject(load_user)


def _credentials(request: HttpRequest) -> tuple[str | None, str | None]:
    """The token, from the header if there is one (it must be well-formed), else the cookie."""
    header = request.META.get(jwt_settings.JWT_AUTH_HEADER_NAME)
    if header is not None:
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != jwt_settings.JWT_AUTH_HEADER_PREFIX.lower():
            return None, INVALID_TOKEN
        return parts[1], None
    return request.COOKIES.get(jwt_settings.JWT_COOKIE_NAME) or None, None


def _anonymous(request: HttpRequest, error: str) -> None:
    request.user = AnonymousUser()
    request.jwt_auth_error = error


def current_user(request: HttpRequest):
    """The signed-in caller, for operations that need one (they all change the account).

    A bad, expired or ended access token is the same top-level TOKEN_EXPIRED /
    INVALID_TOKEN / SESSION_ENDED error as on ``me`` (so one client rule handles
    them); no credentials at all is the payload's UNAUTHENTICATED. An access token
    that belongs to no session (issued before sessions existed) may read ``me``
    but changes nothing: there is no session to end or to check.
    """
    user = auth_user(request)
    if not user.is_authenticated:
        raise AccountError(AccountErrorCode.UNAUTHENTICATED)
    if current_session_id(request) is None:
        raise GraphQLError(AUTH_MESSAGES[SESSION_ENDED], extensions={"code": SESSION_ENDED})
    return user


def note_signed_in(request: HttpRequest, issued) -> None:
    """This request signed someone in (or refreshed): they are the caller from here on."""
    request.signed_in = issued


def signed_in_user(request: HttpRequest):
    """The user this request signed in, else the access token's (maybe anonymous)."""
    issued = getattr(request, "signed_in", None)
    return issued.user if issued is not None else auth_user(request)


def current_session_id(request: HttpRequest) -> str | None:
    """The caller's session: the one signed in by this request, else the access token's ``sid``."""
    issued = getattr(request, "signed_in", None)
    if issued is not None:
        return str(issued.session_id)
    return getattr(request, "jwt_session_id", None)


def auth_user(request: HttpRequest):
    """The caller (maybe anonymous); a bad or expired token raises the top-level error."""
    user = request.user
    authenticated = user.is_authenticated  # loads the user; may find the token bad
    if isinstance(user, SimpleLazyObject):
        # Loaded now: resolvers get the User itself, not a proxy that every field read of
        # the executor would go through (dozens per request).
        request.user = user = user._wrapped
    error = getattr(request, "jwt_auth_error", None)
    if error is not None:
        raise GraphQLError(
            AUTH_MESSAGES.get(error, AUTH_MESSAGES[INVALID_TOKEN]), extensions={"code": error}
        )
    return user if authenticated else AnonymousUser()


AUTH_MESSAGES = {
    TOKEN_EXPIRED: "The access token has expired; call refreshToken and retry.",
    INVALID_TOKEN: "The access token is not valid.",
    SESSION_ENDED: "This session has ended (signed out here or on another device); sign in again.",
}
