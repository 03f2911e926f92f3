"""Thin mutations: validate, call the service, copy the result into the payload.

Expected failures (``AccountError``) become the payload's typed ``errors``; the
token fields are then null. Anything else is a bug and surfaces as a top-level
error without internals (see ``schema/views.py``).
"""

from __future__ import annotations

import inspect

import graphene
from django.conf import settings
from graphene.types.generic import GenericScalar

from accounts import metrics, ratelimit
from accounts.errors import AccountError
from accounts.services import login, sdk_login, sessions
from schema.auth import note_signed_in
from schema.caller import caller
from schema.client_ip import client_ip
from schema.code_flow import CodeFlowArguments, code_flow_arguments
from schema.cookies import set_token_cookies
from schema.types import AccountErrorType, UserType


def refresh_token_argument() -> graphene.String:
    return graphene.String(
        description="The refresh token; omit it to use the HttpOnly `JWT-refresh-token` cookie "
        "(browsers). Apps without cookies pass the token they were given.",
    )


class BaseMutation(graphene.Mutation):
    """Runs ``perform`` and turns an ``AccountError`` into the payload's ``errors``."""

    errors = graphene.List(
        graphene.NonNull(AccountErrorType),
        required=True,
        description="Expected failures; empty on success.",
    )

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, **kwargs):
        try:
            return cls.perform(info, **kwargs)
        except AccountError as error:
            return cls(errors=[AccountErrorType.from_error(error)])

    @classmethod
    def perform(cls, info, **kwargs):
        raise NotImplementedError

    @classmethod
    def field(cls) -> graphene.Field:
        """The mutation's field, documented by its docstring.

        Cleaned here because Python 3.13 strips docstring indentation itself and
        3.11 does not: the schema must read the same on both.
        """
        return cls.Field(description=inspect.cleandoc(cls.__doc__ or ""))


class TokenDelivery(graphene.Enum):
    """Where the refresh token goes: exactly one place."""

    COOKIE = "COOKIE"
    BODY = "BODY"

    @property
    def description(self) -> str:
        if self == TokenDelivery.COOKIE:
            return (
                "The HttpOnly `JWT-refresh-token` cookie only (browsers); the payload's "
                "`refreshToken` is null, so no script can read it."
            )
        return (
            "The payload's `refreshToken` only, and no cookies (clients that cannot keep "
            "cookies); the client stores it and passes it to refreshToken and logout."
        )


class TokenFields:
    token = graphene.String(
        description="Access token (JWT); send as `Authorization: Bearer <token>`."
    )
    refresh_token = graphene.String(
        description="Refresh token, when it was delivered in the body (`delivery: BODY`, a "
        "refresh token passed as an argument, kakaoLoginWithToken); null when it was set as the "
        "HttpOnly `JWT-refresh-token` cookie instead.",
    )
    refresh_expires_in = graphene.Int(
        description="When the refresh token expires, as a Unix timestamp in seconds.",
    )
    payload = GenericScalar(description="The access token's decoded payload.")

    @staticmethod
    def from_issued(issued: sessions.IssuedTokens, *, refresh_in_body: bool) -> dict:
        """The payload's token fields; the refresh token only when it is not in a cookie."""
        return {
            "token": issued.token,
            "refresh_token": issued.refresh_token_value if refresh_in_body else None,
            "refresh_expires_in": issued.refresh_expires_in,
            "payload": issued.payload,
        }


class KakaoLogin(TokenFields, BaseMutation):
    """Log in with the authorization code Kakao gave the front end."""

    created = graphene.Boolean(description="True when this login created the user.")
    user = graphene.Field(UserType, description="The logged-in user.")

    class Meta:
        name = "KakaoLoginPayload"

    class Arguments(CodeFlowArguments):
        delivery = TokenDelivery(
            default_value=TokenDelivery.COOKIE.value,
            description="Where the refresh token goes: the HttpOnly cookie (default, browsers) "
            "or the payload (clients that cannot keep cookies). Never both.",
        )

    @classmethod
    def perform(cls, info, code, redirect_uri=None, state=None, delivery=TokenDelivery.COOKIE):
        request = info.context
        with metrics.counted_login("code"):
            flow = code_flow_arguments(request, code=code, redirect_uri=redirect_uri, state=state)
            result = login.kakao_login(
                code=code,
                redirect_uri=flow.redirect_uri,
                nonce=flow.nonce,
                code_verifier=flow.code_verifier,
                caller=caller(request),
            )
        in_body = _delivery(delivery) == TokenDelivery.BODY.value
        if in_body:
            note_signed_in(request, result.tokens)  # a body client gets no cookies at all
        else:
            set_token_cookies(request, result.tokens)
        return cls(
            errors=[],
            created=result.created,
            user=result.user,
            **TokenFields.from_issued(result.tokens, refresh_in_body=in_body),
        )


def _delivery(value) -> str:
    """graphene hands enum arguments over as members, their default as the value."""
    return getattr(value, "value", value)


class KakaoLoginWithToken(TokenFields, BaseMutation):
    """Sign in from a mobile app with the Kakao access token (and id_token) its Kakao SDK got.

    The token must have been issued to this backend's Kakao app (KAKAO_APP_ID),
    else KAKAO_APP_MISMATCH. Sets no cookies: the app keeps `refreshToken` in
    its secure storage and passes it to refreshToken and logout.
    """

    created = graphene.Boolean(description="True when this login created the user.")
    user = graphene.Field(UserType, description="The signed-in user.")

    class Meta:
        name = "KakaoLoginWithTokenPayload"

    class Arguments:
        access_token = graphene.String(
            required=True, description="The Kakao access token the Kakao SDK gave the app."
        )
        id_token = graphene.String(
            description="The OpenID Connect id_token the SDK gave the app, when it asked for one "
            "(its audience must be in KAKAO_ID_TOKEN_AUDIENCES).",
        )
        nonce = graphene.String(
            description="The nonce the app passed to the SDK's login, if any; the id_token's "
            "nonce claim must equal it.",
        )

    @classmethod
    def perform(cls, info, access_token, id_token=None, nonce=None):
        request = info.context
        with metrics.counted_login("native"):
            ratelimit.hit(
                "login-ip",
                client_ip(request),
                ratelimit.Rate.parse(settings.RATE_LIMIT_LOGIN_PER_IP),
            )
            result = sdk_login.kakao_login_with_token(
                access_token=access_token,
                id_token=id_token,
                nonce=nonce,
                caller=caller(request),
            )
        # No cookies: an SDK app holds its tokens itself.
        note_signed_in(request, result.tokens)
        return cls(
            errors=[],
            created=result.created,
            user=result.user,
            **TokenFields.from_issued(result.tokens, refresh_in_body=True),
        )


class LoginMutations(graphene.ObjectType):
    # kakaoAuthorize is mounted from schema/authorize.py.
    kakao_login = KakaoLogin.field()
    kakao_login_with_token = KakaoLoginWithToken.field()
