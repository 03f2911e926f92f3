"""Who is calling: the access token from the Authorization header or the JWT cookie.

This replaces graphql-jwt's JSONWebTokenMiddleware, which fails *every* field
with "Error decoding signature" when a stale or garbage token is presented, so
a browser holding an old cookie could not even log in again. Here the token is
checked once per request, before execution: a valid one sets ``request.user``
(loaded lazily, on first use) for every resolver; a bad one leaves the caller
anonymous and records why, so that ``me`` can answer with a typed
TOKEN_EXPIRED / INVALID_TOKEN error.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from graphql import GraphQLError
from graphql_jwt.exceptions import JSONWebTokenError, JSONWebTokenExpired
from graphql_jwt.settings import jwt_settings
from graphql_jwt.utils import get_payload, get_user_by_payload

from accounts.errors import AccountError, AccountErrorCode

TOKEN_EXPIRED = "TOKEN_EXPIRED"
INVALID_TOKEN = "INVALID_TOKEN"


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
        payload = get_payload(token, request)
    except JSONWebTokenExpired:
        _anonymous(request, TOKEN_EXPIRED)
        return
    except JSONWebTokenError:
        _anonymous(request, INVALID_TOKEN)
        return

    # The session this access token belongs to (absent in tokens from before sessions).
    sid = payload.get("sid")
    request.jwt_session_id = sid if isinstance(sid, str) else None

    def load_user():
        # Looked up only when a resolver asks: refreshToken or kakaoLogin from a
        # browser that still sends its access cookie need no user query.
        try:
            user = get_user_by_payload(payload)
        except JSONWebTokenError:  # e.g. the user was deactivated
            user = None
        if user is None:
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
    """The signed-in caller, for operations that need one.

    A bad or expired access token is the same top-level TOKEN_EXPIRED /
    INVALID_TOKEN error as on ``me`` (so one client rule refreshes and retries);
    no credentials at all is the payload's UNAUTHENTICATED.
    """
    user = auth_user(request)
    if not user.is_authenticated:
        raise AccountError(AccountErrorCode.UNAUTHENTICATED)
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
    error = getattr(request, "jwt_auth_error", None)
    if error is not None:
        raise GraphQLError(
            AUTH_MESSAGES.get(error, AUTH_MESSAGES[INVALID_TOKEN]), extensions={"code": error}
        )
    return user if authenticated else AnonymousUser()


AUTH_MESSAGES = {
    TOKEN_EXPIRED: "The access token has expired; call refreshToken and retry.",
    INVALID_TOKEN: "The access token is not valid.",
}
