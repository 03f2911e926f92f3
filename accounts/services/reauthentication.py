"""Proving it is still them: a recent authentication of *this session* before what cannot be undone.

A session is authenticated when it signs in, and again when the person signs
in to Kakao once more from it (``kakao_reauthenticate``: Kakao asked for the
password, prompt=login; with OpenID Connect the id_token's ``auth_time``
proves it happened after our request). ``deleteAccount`` and ``unlinkKakao``
need that time to be within ``REAUTHENTICATION_MAX_AGE_SECONDS``: an access
token stolen from a device, or a device someone else picks up, is not enough.
The session is the access token's ``sid``; a token without one is never recent.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from graphql_jwt.settings import jwt_settings

from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient
from accounts.models import Session, User
from accounts.services import events
from accounts.services.consent.changes import ensure_same_person, own_link
from accounts.services.login import kakao_profile_from_code
from accounts.services.sdk_login import kakao_profile_from_token

logger = logging.getLogger(__name__)


def ensure_recent(*, user: User, session_id: str | None) -> None:
    """REAUTHENTICATION_REQUIRED unless this session signed in or re-authenticated recently."""
    authenticated_at = session_authenticated_at(user=user, session_id=session_id)
    oldest = timezone.now() - timedelta(seconds=settings.REAUTHENTICATION_MAX_AGE_SECONDS)
    if authenticated_at is None or authenticated_at < oldest:
        logger.info("reauthentication_required user=%s", user.pk)
        raise AccountError(AccountErrorCode.REAUTHENTICATION_REQUIRED)


def session_authenticated_at(*, user: User, session_id: str | None) -> datetime | None:
    """When this live session of ``user`` last authenticated; None for no such session."""
    sid = _uuid(session_id)
    if sid is None:
        return None
    oldest_live = timezone.now() - jwt_settings.JWT_REFRESH_EXPIRATION_DELTA
    return (
        Session.objects.filter(
            pk=sid,
            user_id=user.pk,
            refresh_tokens__revoked__isnull=True,
            refresh_tokens__created__gt=oldest_live,
        )
        .values_list("authenticated_at", flat=True)
        .first()
    )


def kakao_reauthenticate(
    *,
    user: User,
    session_id: str | None,
    code: str,
    redirect_uri: str | None,
    nonce: str | None,
    requested_at: datetime | None,
    code_verifier: str | None = None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> datetime:
    """The person signed in to Kakao again (prompt=login): this session is authenticated now.

    ``requested_at`` is when the state was issued; with KAKAO_OIDC the
    id_token's ``auth_time`` must not be older, else Kakao did not ask again.
    """
    _ensure_live(user, session_id)
    link = own_link(user)
    profile = kakao_profile_from_code(
        code=code,
        redirect_uri=redirect_uri,
        nonce=nonce,
        code_verifier=code_verifier,
        client=client,
    )
    ensure_same_person(link, profile.id, op="reauthenticate")
    if settings.KAKAO_OIDC and (
        requested_at is None
        or profile.authenticated_at is None
        or profile.authenticated_at < requested_at
    ):
        logger.warning("reauthentication_refused user=%s reason=auth_time", user.pk)
        raise AccountError(
            AccountErrorCode.REAUTHENTICATION_REQUIRED,
            "Kakao did not sign you in again after the request (the id_token's auth_time is "
            "older): start again with kakaoAuthorize(purpose: REAUTHENTICATE).",
        )
    return _mark(user, session_id, timezone.now(), caller=caller, method="code")


def kakao_reauthenticate_with_token(
    *,
    user: User,
    session_id: str | None,
    access_token: str,
    id_token: str | None = None,
    nonce: str | None = None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> datetime:
    """A native app signed the person in to Kakao again with its SDK and sends the fresh tokens.

    The app check of kakaoLoginWithToken applies. An id_token (required with
    KAKAO_OIDC) must show a Kakao sign-in within REAUTHENTICATION_MAX_AGE_SECONDS;
    the session counts as authenticated from that sign-in.
    """
    _ensure_live(user, session_id)
    link = own_link(user)
    if settings.KAKAO_OIDC and not id_token:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            "idToken is required: re-authentication is proven by its auth_time.",
            "idToken",
        )
    profile = kakao_profile_from_token(
        access_token=access_token, id_token=id_token, nonce=nonce, client=client
    )
    ensure_same_person(link, profile.id, op="reauthenticate_with_token")
    now = timezone.now()
    when = now
    if id_token:
        oldest = now - timedelta(seconds=settings.REAUTHENTICATION_MAX_AGE_SECONDS)
        authenticated_at = profile.authenticated_at
        if authenticated_at is None or authenticated_at < oldest:
            logger.warning("reauthentication_refused user=%s reason=auth_time", user.pk)
            raise AccountError(
                AccountErrorCode.REAUTHENTICATION_REQUIRED,
                "The id_token's sign-in (auth_time) is not recent: sign in with the Kakao SDK "
                "again and send the new tokens.",
                "idToken",
            )
        when = min(authenticated_at, now)
    return _mark(user, session_id, when, caller=caller, method="native")


def _ensure_live(user: User, session_id: str | None) -> None:
    """Checked before Kakao is called: no code is spent for a session that cannot be marked."""
    if session_authenticated_at(user=user, session_id=session_id) is None:
        raise AccountError(
            AccountErrorCode.SESSION_NOT_FOUND,
            "This access token belongs to no live session: sign in again instead.",
        )


def _mark(
    user: User, session_id: str | None, when: datetime, *, caller: Caller, method: str
) -> datetime:
    sid = _uuid(session_id)
    with write_transaction():
        updated = Session.objects.filter(pk=sid, user_id=user.pk).update(authenticated_at=when)
        if updated:  # the trail says so in the same transaction
            events.record(
                type=events.EventType.REAUTHENTICATED,
                user_id=user.pk,
                caller=caller,
                session_id=sid,
                details={"method": method},
            )
    if not updated:
        raise AccountError(AccountErrorCode.SESSION_NOT_FOUND)
    logger.info("session_reauthenticated user=%s", user.pk)
    return when


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
