"""Signing in with tokens from a Kakao SDK (mobile apps): check the token is ours, then sign in.

An app that logged the person in with a Kakao SDK holds a Kakao access token
(and an id_token when it asked for OpenID Connect), never a code. The danger
is token substitution: a token another Kakao app obtained for the same person
must not sign them in here. So Kakao is asked which app the token belongs to
(``access_token_info``) before anything else, and only ``KAKAO_APP_ID``'s
tokens go on. From the profile on, it is ``login.sign_in``, as for the code.
"""

from __future__ import annotations

import logging

from django.conf import settings

from accounts.caller import NO_CALLER, Caller
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import (
    InvalidIdToken,
    KakaoClient,
    KakaoError,
    KakaoInvalidToken,
    KakaoProfile,
    KakaoTokenInfo,
    profile_from_id_token,
    verify_id_token,
)
from accounts.services.inputs import validate_token_input
from accounts.services.kakao_errors import kakao_account_error
from accounts.services.login import LoginResult, account_exists, sign_in

logger = logging.getLogger(__name__)

MAX_ACCESS_TOKEN_BYTES = 1024
MAX_ID_TOKEN_BYTES = 8 * 1024
MAX_NONCE_BYTES = 512


def kakao_login_with_token(
    *,
    access_token: str,
    id_token: str | None = None,
    nonce: str | None = None,
    caller: Caller = NO_CALLER,
    client: KakaoClient | None = None,
) -> LoginResult:
    """Sign a person in with an SDK's Kakao access token (and id_token); create or link a user."""
    profile = kakao_profile_from_token(
        access_token=access_token, id_token=id_token, nonce=nonce, client=client
    )
    return sign_in(profile=profile, caller=caller, method="native")


def kakao_profile_from_token(
    *,
    access_token: str,
    id_token: str | None = None,
    nonce: str | None = None,
    client: KakaoClient | None = None,
) -> KakaoProfile:
    """Who is behind an SDK's token, once Kakao confirms it was issued to this app."""
    validate_token_input(access_token, field="accessToken", max_bytes=MAX_ACCESS_TOKEN_BYTES)
    validate_token_input(id_token, field="idToken", max_bytes=MAX_ID_TOKEN_BYTES, required=False)
    validate_token_input(nonce, field="nonce", max_bytes=MAX_NONCE_BYTES, required=False)
    if not settings.KAKAO_APP_ID:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server does not know its Kakao app id (KAKAO_APP_ID).",
        )
    client = client or KakaoClient.from_settings()
    try:
        info = client.access_token_info(access_token=access_token)
        _ensure_our_app(info)
        if id_token is not None:
            profile = _profile_from_id_token(id_token, info=info, nonce=nonce, client=client)
            if profile is not None:
                return profile
        profile = client.fetch_profile(access_token=access_token)
    except KakaoInvalidToken:
        raise AccountError(AccountErrorCode.INVALID_KAKAO_TOKEN, field="accessToken") from None
    except KakaoError as exc:
        raise kakao_account_error(exc) from None
    if profile.id != info.id:
        logger.warning("kakao_token_profile_mismatch")
        raise AccountError(AccountErrorCode.INVALID_KAKAO_TOKEN, field="accessToken")
    return profile


def _ensure_our_app(info: KakaoTokenInfo) -> None:
    """The token substitution defence: another Kakao app's token stops here."""
    if info.app_id != settings.KAKAO_APP_ID:
        logger.warning("kakao_app_mismatch token_app_id=%s", info.app_id)
        raise AccountError(AccountErrorCode.KAKAO_APP_MISMATCH, field="accessToken")


def _profile_from_id_token(
    id_token: str, *, info: KakaoTokenInfo, nonce: str | None, client: KakaoClient
) -> KakaoProfile | None:
    """The profile from a verified id_token when it is enough (as in the code flow), else None.

    It must be the token info's person: an id_token of someone else, or one
    issued for another app's key, is refused.
    """
    try:
        claims = verify_id_token(
            id_token,
            client=client,
            nonce=nonce,
            audiences=settings.KAKAO_ID_TOKEN_AUDIENCES or [settings.KAKAO_REST_API_KEY],
        )
    except InvalidIdToken:
        raise AccountError(AccountErrorCode.INVALID_ID_TOKEN, field="idToken") from None
    if claims["sub"] != info.id:
        logger.warning("kakao_id_token_subject_mismatch")
        raise AccountError(AccountErrorCode.INVALID_ID_TOKEN, field="idToken")
    from_claims = profile_from_id_token(claims)
    if from_claims.email is None or account_exists(from_claims.id):
        return from_claims
    return None
