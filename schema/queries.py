"""Queries."""

from __future__ import annotations

import graphene
from graphql import GraphQLError

from schema.auth import TOKEN_EXPIRED
from schema.types import UserType

_AUTH_MESSAGES = {
    TOKEN_EXPIRED: "The access token has expired; call refreshToken and retry.",
}


class Query(graphene.ObjectType):
    me = graphene.Field(
        UserType,
        description="The caller, or null without credentials. A bad or expired access token "
        "gives null plus an error whose extensions.code is TOKEN_EXPIRED or INVALID_TOKEN.",
    )

    @staticmethod
    def resolve_me(root, info):
        request = info.context
        error = getattr(request, "jwt_auth_error", None)
        if error is not None:
            raise GraphQLError(
                _AUTH_MESSAGES.get(error, "The access token is not valid."),
                extensions={"code": error},
            )
        user = request.user
        return user if user.is_authenticated else None
