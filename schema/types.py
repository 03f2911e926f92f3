"""GraphQL types shared by queries and mutations."""

from __future__ import annotations

import graphene
from graphene_django import DjangoObjectType

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import User

AccountErrorCodeEnum = graphene.Enum.from_enum(
    AccountErrorCode,
    description=lambda value: value.description if value else "Why an account operation failed.",
)


class AccountErrorType(graphene.ObjectType):
    """An expected failure: show `message` to people, branch on `code` in code."""

    field = graphene.String(description="The argument at fault, when there is one (camelCase).")
    message = graphene.String(required=True, description="A human-readable explanation.")
    code = AccountErrorCodeEnum(required=True, description="A stable, typed error code.")
    retry_after = graphene.Int(
        description="With RATE_LIMITED: seconds to wait before trying again.",
    )

    class Meta:
        name = "AccountError"

    @classmethod
    def from_error(cls, error: AccountError) -> AccountErrorType:
        return cls(
            field=error.field,
            message=error.message,
            code=error.code,
            retry_after=error.retry_after,
        )


class UserType(DjangoObjectType):
    """A person using the app."""

    email = graphene.String(description="Only an email Kakao reported verified; null when none.")
    nickname = graphene.String(required=True, description="The display name (from Kakao).")
    profile_image_url = graphene.String(description="Profile image URL, or null.")
    thumbnail_image_url = graphene.String(description="Small profile image URL, or null.")

    class Meta:
        model = User
        name = "User"
        fields = ("id", "email", "nickname", "profile_image_url", "thumbnail_image_url")

    @staticmethod
    def resolve_profile_image_url(user: User, info) -> str | None:
        return user.profile_image_url or None

    @staticmethod
    def resolve_thumbnail_image_url(user: User, info) -> str | None:
        return user.thumbnail_image_url or None
