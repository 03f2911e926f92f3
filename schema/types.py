"""GraphQL types shared by queries and mutations."""

from __future__ import annotations

import graphene
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import User
from accounts.services.consent.current import kakao_consent
from accounts.services.devices import SessionInfo, live_sessions
from accounts.services.reauthentication import session_authenticated_at
from schema.auth import current_session_id, signed_in_user
from schema.consent_types import KakaoConsentType
from schema.devices import DeviceType
from schema.events import resolve_security_events, security_events_field

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


class SessionType(graphene.ObjectType):
    """One sign-in on one device: its refresh tokens rotate, its id stays."""

    id = graphene.ID(required=True, description="Stable, opaque id; pass it to revokeSession.")
    current = graphene.Boolean(
        required=True, description="True for the session this request is made in."
    )
    created_at = graphene.DateTime(required=True, description="When the person signed in.")
    last_used_at = graphene.DateTime(
        required=True, description="The last refresh (or the sign-in, if none yet)."
    )
    expires_at = graphene.DateTime(
        required=True, description="When it ends unless refreshed before then."
    )
    user_agent = graphene.String(description="The User-Agent of the sign-in (trimmed), or null.")
    device = graphene.Field(
        graphene.NonNull(DeviceType), description="The device, readable (from the sign-in)."
    )
    last_ip = graphene.String(
        description="The client's address at the last refresh (or the sign-in), as the rate "
        "limiter sees it (an IPv6 address as its /64); null when unknown."
    )

    class Meta:
        name = "Session"

    @classmethod
    def from_info(cls, session: SessionInfo, current_id: str | None) -> SessionType:
        return cls(
            id=str(session.id),
            current=str(session.id) == current_id,
            created_at=session.created,
            last_used_at=session.last_used,
            expires_at=session.expires,
            user_agent=session.user_agent or None,
            device=DeviceType.of(session.device),
            last_ip=session.last_ip or None,
        )


class UserType(DjangoObjectType):
    """A person using the app."""

    email = graphene.String(description="Only an email Kakao reported verified; null when none.")
    nickname = graphene.String(required=True, description="The display name (from Kakao).")
    profile_image_url = graphene.String(description="Profile image URL, or null.")
    thumbnail_image_url = graphene.String(description="Small profile image URL, or null.")

    sessions = graphene.List(
        graphene.NonNull(SessionType),
        required=True,
        description="Your live sessions (devices), most recently used first. Only your own: "
        "asking for another user's is an error.",
    )

    kakao = graphene.Field(
        KakaoConsentType,
        description="What you agreed to at Kakao (consent items, service terms) and when this "
        "session last authenticated; null without a Kakao link. Read again from Kakao when "
        "older than KAKAO_CONSENT_MAX_AGE_SECONDS. Only your own.",
    )

    security_events = security_events_field()

    class Meta:
        model = User
        name = "User"
        fields = ("id", "email", "nickname", "profile_image_url", "thumbnail_image_url")

    @staticmethod
    def resolve_sessions(user: User, info) -> list[SessionType]:
        request = info.context
        _ensure_own(user, request, "Only your own sessions are visible.")
        current = current_session_id(request)
        return [SessionType.from_info(s, current) for s in live_sessions(user=user)]

    @staticmethod
    def resolve_kakao(user: User, info) -> KakaoConsentType | None:
        request = info.context
        _ensure_own(user, request, "Only your own consent record is visible.")
        consent = kakao_consent(user=user)
        if consent is None:
            return None
        authenticated_at = session_authenticated_at(
            user=user, session_id=current_session_id(request)
        )
        return KakaoConsentType.from_consent(consent, authenticated_at=authenticated_at)

    @staticmethod
    def resolve_security_events(user: User, info, first=None, after=None):
        request = info.context
        _ensure_own(user, request, "Only your own security events are visible.")
        return resolve_security_events(
            user.pk, first=first, after=after, current_session_id=current_session_id(request)
        )

    @staticmethod
    def resolve_profile_image_url(user: User, info) -> str | None:
        return user.profile_image_url or None

    @staticmethod
    def resolve_thumbnail_image_url(user: User, info) -> str | None:
        return user.thumbnail_image_url or None


def _ensure_own(user: User, request, message: str) -> None:
    signed_in = signed_in_user(request)
    if not signed_in.is_authenticated or signed_in.pk != user.pk:
        raise GraphQLError(message, extensions={"code": "FORBIDDEN"})
