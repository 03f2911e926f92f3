"""Writing and deleting our cookies: the token cookies and the OAuth state cookie.

graphql-jwt's ``jwt_cookie`` decorator writes ``refresh_token.token``, which is
not the token once tokens are stored hashed, and its ``delete_cookie`` omits
SameSite (browsers then keep a ``SameSite=None`` cookie). Mutations put what
should happen on the request; the view calls ``apply_cookies`` on the response.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from graphql_jwt.settings import jwt_settings
from graphql_jwt.utils import set_cookie

from accounts.services.oauth_state import STATE_COOKIE_NAME, STATE_TTL_SECONDS
from accounts.services.sessions import IssuedTokens
from schema.auth import note_signed_in


def set_token_cookies(request: HttpRequest, issued: IssuedTokens) -> None:
    note_signed_in(request, issued)
    request.jwt_issued = issued
    request.jwt_clear_cookies = False


def clear_token_cookies(request: HttpRequest) -> None:
    request.jwt_issued = None
    request.jwt_clear_cookies = True


def set_state_cookie(request: HttpRequest, value: str) -> None:
    request.kakao_state_cookie = value


def clear_state_cookie(request: HttpRequest) -> None:
    request.kakao_state_cookie = ""


def state_cookie(request: HttpRequest) -> str | None:
    return request.COOKIES.get(STATE_COOKIE_NAME) or None


def apply_cookies(request: HttpRequest, response: HttpResponse) -> None:
    state = getattr(request, "kakao_state_cookie", None)
    if state:
        set_cookie(
            response,
            STATE_COOKIE_NAME,
            state,
            expires=timezone.now() + timedelta(seconds=STATE_TTL_SECONDS),
        )
    elif state == "":
        _delete_cookie(response, STATE_COOKIE_NAME)
    issued: IssuedTokens | None = getattr(request, "jwt_issued", None)
    if issued is not None:
        set_cookie(
            response,
            jwt_settings.JWT_COOKIE_NAME,
            issued.token,
            expires=timezone.now() + jwt_settings.JWT_EXPIRATION_DELTA,
        )
        set_cookie(
            response,
            jwt_settings.JWT_REFRESH_TOKEN_COOKIE_NAME,
            issued.refresh_token_value,
            expires=issued.refresh_token.created + jwt_settings.JWT_REFRESH_EXPIRATION_DELTA,
        )
    elif getattr(request, "jwt_clear_cookies", False):
        for name in (jwt_settings.JWT_COOKIE_NAME, jwt_settings.JWT_REFRESH_TOKEN_COOKIE_NAME):
            _delete_cookie(response, name)


def _delete_cookie(response: HttpResponse, name: str) -> None:
    # Same path, domain, SameSite, Secure and HttpOnly as when set: a browser
    # only replaces a cookie whose attributes match (SameSite=None needs Secure).
    samesite = jwt_settings.JWT_COOKIE_SAMESITE
    response.set_cookie(
        name,
        "",
        max_age=0,
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        path=jwt_settings.JWT_COOKIE_PATH,
        domain=jwt_settings.JWT_COOKIE_DOMAIN,
        secure=jwt_settings.JWT_COOKIE_SECURE or (samesite or "").lower() == "none",
        httponly=True,
        samesite=samesite,
    )


def refresh_cookie(request: HttpRequest) -> str | None:
    return request.COOKIES.get(jwt_settings.JWT_REFRESH_TOKEN_COOKIE_NAME) or None


__all__ = [
    "apply_cookies",
    "clear_state_cookie",
    "clear_token_cookies",
    "refresh_cookie",
    "set_state_cookie",
    "set_token_cookies",
    "state_cookie",
]
