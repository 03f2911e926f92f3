"""Our session tokens, built on django-graphql-jwt's building blocks.

Access tokens are graphql-jwt JWTs (its payload and encode handlers); refresh
tokens are its long-running refresh-token model. What graphql-jwt lacks is
added here in one place: rotation that really revokes the used token, atomic
against two concurrent uses, and typed errors instead of exceptions.
"""

from __future__ import annotations

import logging
from calendar import timegm
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from graphql_jwt.refresh_token.signals import refresh_token_revoked, refresh_token_rotated
from graphql_jwt.refresh_token.utils import get_refresh_token_model
from graphql_jwt.settings import jwt_settings

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import RefreshToken, User
from accounts.services.inputs import validate_token_input

logger = logging.getLogger(__name__)

MAX_REFRESH_TOKEN_BYTES = 256


@dataclass(frozen=True)
class IssuedTokens:
    """A fresh access token and refresh token for one user."""

    user: User
    token: str
    payload: dict[str, Any]
    refresh_token: RefreshToken
    refresh_token_value: str
    refresh_expires_in: int  # graphql-jwt's meaning: a Unix timestamp in seconds

    def __repr__(self) -> str:  # keeps tokens out of tracebacks
        return f"IssuedTokens(user={self.user.pk})"


def issue_tokens(*, user: User, request: HttpRequest | None = None) -> IssuedTokens:
    """Start a session: an access token and a new refresh token."""
    refresh = get_refresh_token_model().objects.create(user=user)
    return _issued(user, refresh, request)


def rotate_refresh_token(*, value: str | None, request: HttpRequest | None = None) -> IssuedTokens:
    """Trade a refresh token for a new pair in the same family; the presented one is revoked.

    Presenting a token that was already rotated means two parties hold it: the
    legitimate client and whoever copied it. We cannot tell which is which, so
    the whole family (that one login's chain) is revoked; other logins of the
    same user survive.
    """
    old = _lookup(value)
    if old.rotated is not None:
        _revoke_family(old)
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    if old.revoked is not None or old.is_expired(request):
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    user = old.user
    if not user.is_active:
        raise AccountError(AccountErrorCode.ACCOUNT_INACTIVE)
    model = type(old)
    now = timezone.now()
    # A conditional UPDATE, so that of two concurrent uses exactly one wins; the
    # loser is a replay of a rotated token like any other. No transaction around
    # it and the insert: should the insert fail, the old token is already spent
    # and the client logs in again (fail closed), and each refresh saves the
    # BEGIN/COMMIT round trips.
    won = model.objects.filter(pk=old.pk, revoked__isnull=True, rotated__isnull=True).update(
        revoked=now, rotated=now
    )
    if won != 1:
        _revoke_family(old)
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    new = model.objects.create(user=user, family=old.family)
    old.revoked = old.rotated = now
    refresh_token_rotated.send(
        sender=RefreshToken, request=request, refresh_token=old, refresh_token_issued=new
    )
    logger.info("refresh_token_rotated user=%s", user.pk)
    return _issued(user, new, request)


def _revoke_family(token: RefreshToken) -> None:
    count = (
        type(token)
        .objects.filter(family=token.family, revoked__isnull=True)
        .update(revoked=timezone.now())
    )
    logger.warning("refresh_token_reuse_detected user=%s family_revoked=%s", token.user_id, count)


def revoke_refresh_token(*, value: str | None, request: HttpRequest | None = None) -> RefreshToken:
    """Revoke one refresh token; an unknown or already revoked one is an error."""
    token = _lookup(value)
    now = timezone.now()
    revoked = type(token).objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=now)
    if revoked != 1:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    token.revoked = now
    refresh_token_revoked.send(sender=RefreshToken, request=request, refresh_token=token)
    logger.info("refresh_token_revoked user=%s", token.user_id)
    return token


def end_all_sessions(*, user: User) -> int:
    """Revoke every live refresh token of the user; returns how many were live."""
    count = RefreshToken.objects.filter(user=user, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    logger.info("sessions_ended user=%s count=%s", user.pk, count)
    return count


def get_refresh_token_by_value(
    refresh_token_model: type[RefreshToken], token: str, context: Any = None
) -> RefreshToken:
    """graphql-jwt's JWT_GET_REFRESH_TOKEN_HANDLER: find a token by its hash, revoked or not."""
    return refresh_token_model.objects.select_related("user").get(
        token=refresh_token_model.hash_token(token)
    )


def _lookup(value: str | None) -> RefreshToken:
    if not value:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN, field="refreshToken")
    validate_token_input(value, field="refreshToken", max_bytes=MAX_REFRESH_TOKEN_BYTES)
    model = get_refresh_token_model()
    try:
        return jwt_settings.JWT_GET_REFRESH_TOKEN_HANDLER(
            refresh_token_model=model,
            token=value,
            context=None,
        )
    except model.DoesNotExist:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN) from None


def _issued(user: User, refresh: RefreshToken, request: HttpRequest | None) -> IssuedTokens:
    payload = jwt_settings.JWT_PAYLOAD_HANDLER(user, request)
    token = jwt_settings.JWT_ENCODE_HANDLER(payload, request)
    expires = refresh.created + jwt_settings.JWT_REFRESH_EXPIRATION_DELTA
    return IssuedTokens(
        user=user,
        token=token,
        payload=payload,
        refresh_token=refresh,
        refresh_token_value=refresh.get_token(),
        refresh_expires_in=timegm(expires.utctimetuple()),
    )
