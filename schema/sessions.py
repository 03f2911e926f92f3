"""Session mutations: refresh, revoke, log out, and the person's sessions per device.

Cookies are for cookie clients only: when the refresh token comes as an
argument (a mobile app, a server), no cookie is set or deleted, so an HTTP
client with a cookie jar does not quietly turn into a cookie client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import graphene
from django.conf import settings

from accounts import ratelimit
from accounts.errors import AccountError, AccountErrorCode
from accounts.services import devices, sessions
from accounts.services.authorize_options import kakao_logout_url
from accounts.services.events import EndCause
from schema.auth import current_session_id, current_user
from schema.caller import caller
from schema.client_ip import client_ip
from schema.cookies import clear_token_cookies, refresh_cookie, set_token_cookies
from schema.mutations import BaseMutation, TokenFields, refresh_token_argument
from schema.types import AccountErrorType


@contextmanager
def token_source(argument: str | None) -> Iterator[None]:
    """Errors about the token name the argument when it came as one, else no field (cookie)."""
    try:
        yield
    except AccountError as error:
        if error.code is AccountErrorCode.INVALID_REFRESH_TOKEN:
            error.field = "refreshToken" if argument is not None else None
        raise


class RefreshToken(TokenFields, BaseMutation):
    """Get a new access token; the refresh token rotates and the old one stops working."""

    class Meta:
        name = "RefreshTokenPayload"

    class Arguments:
        refresh_token = refresh_token_argument()

    @classmethod
    def perform(cls, info, refresh_token=None):
        ratelimit.hit(
            "refresh-ip",
            client_ip(info.context),
            ratelimit.Rate.parse(settings.RATE_LIMIT_REFRESH_PER_IP),
        )
        with token_source(refresh_token):
            issued = sessions.rotate_refresh_token(
                value=refresh_token or refresh_cookie(info.context),
                request=info.context,
                caller=caller(info.context),
            )
        # The new token goes where the old one came from: argument → body, cookie → cookie.
        from_cookie = refresh_token is None
        if from_cookie:
            set_token_cookies(info.context, issued)
        return cls(errors=[], **TokenFields.from_issued(issued, refresh_in_body=not from_cookie))


class RevokeToken(BaseMutation):
    """End the session of a refresh token: the argument (no cookie touched), else the cookie."""

    revoked = graphene.Int(description="When it was revoked, as a Unix timestamp in seconds.")

    class Meta:
        name = "RevokeTokenPayload"

    class Arguments:
        refresh_token = refresh_token_argument()

    @classmethod
    def perform(cls, info, refresh_token=None):
        with token_source(refresh_token):
            revoked = devices.revoke_refresh_token(
                value=refresh_token or refresh_cookie(info.context),
                request=info.context,
                caller=caller(info.context),
            )
        if refresh_token is None:
            clear_token_cookies(info.context)
        return cls(errors=[], revoked=int(revoked.revoked.timestamp()))


class Logout(BaseMutation):
    """End this session (or, with `everywhere`, all of yours); a cookie client's cookies go too.

    With `kakao: true` it also answers `kakaoLogoutUrl`: open it in the browser
    to log out of the Kakao account too (then signing in again can pick another
    Kakao account). A logout redirect URI not in KAKAO_LOGOUT_REDIRECT_URIS is
    REDIRECT_URI_NOT_ALLOWED; the session is ended all the same (`ok: true`).
    """

    ok = graphene.Boolean(description="True once the session is ended (also when it already was).")
    kakao_logout_url = graphene.String(
        description="With `kakao: true`: Kakao's /oauth/logout URL (client_id, "
        "logout_redirect_uri, state) for the browser to open.",
    )

    class Meta:
        name = "LogoutPayload"

    class Arguments:
        refresh_token = refresh_token_argument()
        everywhere = graphene.Boolean(
            default_value=False,
            description="End every session of the signed-in caller (all devices); needs the "
            "access token. Other devices are signed out at their next refresh.",
        )
        kakao = graphene.Boolean(
            default_value=False,
            description="Also answer kakaoLogoutUrl, to log out of the Kakao account too.",
        )
        kakao_logout_redirect_uri = graphene.String(
            description="Where Kakao sends the browser afterwards: one of "
            "KAKAO_LOGOUT_REDIRECT_URIS; defaults to the first of them.",
        )

    @classmethod
    def perform(
        cls, info, refresh_token=None, everywhere=False, kakao=False, kakao_logout_redirect_uri=None
    ):
        request = info.context
        if everywhere:
            devices.end_all_sessions(
                user=current_user(request), cause=EndCause.EVERYWHERE, caller=caller(request)
            )
        elif value := refresh_token or refresh_cookie(request):
            try:
                devices.revoke_refresh_token(value=value, request=request, caller=caller(request))
            except AccountError as error:
                # Logging out of an ended session, or with a garbled cookie, is fine (the
                # cookies go below); a malformed argument is the caller's mistake.
                if error.code is AccountErrorCode.INVALID_INPUT and refresh_token is not None:
                    raise
        if refresh_token is None:
            clear_token_cookies(request)
        if not kakao:
            return cls(errors=[], ok=True)
        try:
            url = kakao_logout_url(logout_redirect_uri=kakao_logout_redirect_uri)
        except AccountError as error:
            # The session is ended all the same: say both.
            return cls(errors=[AccountErrorType.from_error(error)], ok=True)
        return cls(errors=[], ok=True, kakao_logout_url=url)


class RevokeSession(BaseMutation):
    """End one of your sessions (a lost phone): it is signed out at its next refresh."""

    ok = graphene.Boolean(description="True once the session is ended.")

    class Meta:
        name = "RevokeSessionPayload"

    class Arguments:
        id = graphene.ID(required=True, description="A session id from `me { sessions { id } }`.")

    @classmethod
    def perform(cls, info, id):
        request = info.context
        devices.end_session(user=current_user(request), session_id=id, caller=caller(request))
        if id == current_session_id(request) and refresh_cookie(request):
            clear_token_cookies(request)
        return cls(errors=[], ok=True)


class SessionMutations(graphene.ObjectType):
    refresh_token = RefreshToken.field()
    revoke_token = RevokeToken.field()
    logout = Logout.field()
    revoke_session = RevokeSession.field()
