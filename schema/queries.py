"""Queries."""

from __future__ import annotations

import graphene
from graphql import GraphQLError

from accounts.errors import AccountError
from accounts.services.oauth_state import kakao_authorize_request
from schema.auth import TOKEN_EXPIRED
from schema.cookies import set_state_cookie
from schema.types import AccountErrorType, UserType

_AUTH_MESSAGES = {
    TOKEN_EXPIRED: "The access token has expired; call refreshToken and retry.",
}


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
    )

    me = graphene.Field(
        UserType,
        description="The caller, or null without credentials. A bad or expired access token "
        "gives null plus an error whose extensions.code is TOKEN_EXPIRED or INVALID_TOKEN.",
    )

    @staticmethod
    def resolve_kakao_authorize_url(root, info, redirect_uri=None, scope=None):
        try:
            request = kakao_authorize_request(redirect_uri=redirect_uri, scopes=scope)
        except AccountError as error:
            return KakaoAuthorizeUrl(errors=[AccountErrorType.from_error(error)])
        set_state_cookie(info.context, request.cookie_value)
        return KakaoAuthorizeUrl(
            url=request.url, state=request.state, nonce=request.nonce, errors=[]
        )

    @staticmethod
    def resolve_me(root, info):
        request = info.context
        user = request.user
        authenticated = user.is_authenticated  # loads the user; may find the token bad
        error = getattr(request, "jwt_auth_error", None)
        if error is not None:
            raise GraphQLError(
                _AUTH_MESSAGES.get(error, "The access token is not valid."),
                extensions={"code": error},
            )
        return user if authenticated else None
