"""Queries."""

from __future__ import annotations

import graphene

from accounts.errors import AccountError
from accounts.services.oauth_state import kakao_authorize_request
from schema.auth import auth_user
from schema.cookies import set_state_cookie
from schema.types import AccountErrorType, UserType


class KakaoAuthorizeUrl(graphene.ObjectType):
    """Where to send the browser to log in with Kakao."""

    url = graphene.String(description="Kakao's authorize URL: navigate the browser to it.")
    state = graphene.String(
        description="The state in the URL; Kakao returns it with the code. Pass it to kakaoLogin.",
    )
    nonce = graphene.String(description="The OpenID Connect nonce in the URL (KAKAO_OIDC only).")
    errors = graphene.List(
        graphene.NonNull(AccountErrorType), required=True, description="Expected failures."
    )


def start_kakao_authorize(
    request, *, redirect_uri: str | None, scope: list[str] | None, **options
) -> dict:
    """Issue a state (and nonce) for this browser: the URL's fields, and the state cookie.

    ``options``: ``kakao_authorize_request``'s (authorize options, purpose, the caller).
    """
    authorize = kakao_authorize_request(redirect_uri=redirect_uri, scopes=scope, **options)
    set_state_cookie(request, authorize.cookie_value)
    return {"url": authorize.url, "state": authorize.state, "nonce": authorize.nonce}


class Query(graphene.ObjectType):
    kakao_authorize_url = graphene.Field(
        KakaoAuthorizeUrl,
        required=True,
        redirect_uri=graphene.String(
            description="One of KAKAO_REDIRECT_URIS; defaults to the first of them.",
        ),
        scope=graphene.List(
            graphene.NonNull(graphene.String),
            description='Extra Kakao consent items to ask for, e.g. ["account_email"].',
        ),
        description="Start a login: Kakao's authorize URL with a fresh single-use state (and "
        "nonce), bound to this browser by an HttpOnly cookie set on this response. Request it "
        "with credentials so the cookie is kept.",
        deprecation_reason="Use the kakaoAuthorize mutation: this query has side effects (a "
        "single-use state and a cookie), so a client's query cache can hand out a spent state.",
    )

    me = graphene.Field(
        UserType,
        description="The caller, or null without credentials. A bad or expired access token "
        "gives null plus an error whose extensions.code is TOKEN_EXPIRED or INVALID_TOKEN.",
    )

    @staticmethod
    def resolve_kakao_authorize_url(root, info, redirect_uri=None, scope=None):
        try:
            fields = start_kakao_authorize(info.context, redirect_uri=redirect_uri, scope=scope)
        except AccountError as error:
            return KakaoAuthorizeUrl(errors=[AccountErrorType.from_error(error)])
        return KakaoAuthorizeUrl(errors=[], **fields)

    @staticmethod
    def resolve_me(root, info):
        user = auth_user(info.context)
        return user if user.is_authenticated else None
