"""Changing what a person agreed to: asking for more (kakaoGrant) and withdrawing.

Kakao is called first and outside any transaction; what it answers is then
recorded in one. So Kakao down or refusing records nothing, and the person can
simply retry. Withdrawals use the admin key (the backend keeps no Kakao tokens).
"""

from __future__ import annotations

import logging

from django.conf import settings

from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient, KakaoError
from accounts.models import ConsentSource, SocialAccount, User
from accounts.services import events
from accounts.services.authorize_options import service_terms_argument
from accounts.services.consent import records
from accounts.services.consent.current import kakao_link
from accounts.services.kakao_errors import kakao_error_code
from accounts.services.login import kakao_profile_from_code

logger = logging.getLogger(__name__)


# --- asking for more ----------------------------------------------------------------------


def kakao_grant(
    *,
    user: User,
    code: str,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    code_verifier: str | None = None,
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> User:
    """Record the items a signed-in person just granted (additional consent); no new session.

    The code must be for the caller's own Kakao account: another person's is
    KAKAO_ACCOUNT_MISMATCH and nothing changes.
    """
    link = own_link(user)
    profile = kakao_profile_from_code(
        code=code,
        redirect_uri=redirect_uri,
        nonce=nonce,
        code_verifier=code_verifier,
        client=client,
    )
    ensure_same_person(link, profile.id, op="grant")
    with write_transaction():
        added = records.record_granted_scopes(
            link_id=link.pk, scope_ids=profile.granted_scopes, source=ConsentSource.GRANT
        )
        if added:
            records.mark_scopes_due(link_id=link.pk)
            _consent_event(
                events.EventType.CONSENT_GRANTED, user, caller, scopes=profile.granted_scopes
            )
    logger.info("kakao_consent_granted user=%s changes=%s", user.pk, added)
    return user


def own_link(user: User) -> SocialAccount:
    """The caller's Kakao link; without one no Kakao account is theirs (checked before Kakao)."""
    link = kakao_link(user)
    if link is None:
        raise AccountError(
            AccountErrorCode.KAKAO_ACCOUNT_MISMATCH, "Your account has no Kakao link."
        )
    return link


def ensure_same_person(link: SocialAccount, kakao_id: str, *, op: str) -> None:
    """The Kakao account behind a code or token must be the caller's own."""
    if kakao_id != link.uid:
        logger.warning("kakao_account_mismatch user=%s op=%s", link.user_id, op)
        raise AccountError(AccountErrorCode.KAKAO_ACCOUNT_MISMATCH)


# --- withdrawing -----------------------------------------------------------------------------


def revoke_scopes(
    *,
    user: User,
    scope_ids: list[str],
    client: KakaoClient | None = None,
    caller: Caller = NO_CALLER,
) -> User:
    """Withdraw consent items at Kakao and record Kakao's answer.

    Kakao decides what is revocable (-3): items recorded from a token response
    carry no such flag, so the record is not asked first.
    """
    ids = _keys(scope_ids, field="scopes")
    link = _link_to_change(user, field="scopes")
    client = _admin_client(client)
    try:
        answer = client.revoke_scopes(scope_ids=ids, user_id=link.uid)
    except KakaoError as exc:
        raise _refusal(exc, field="scopes") from None
    with write_transaction():
        records.record_scopes(link_id=link.pk, scopes=answer.scopes, withdrawn=ids, complete=False)
        _consent_event(events.EventType.CONSENT_WITHDRAWN, user, caller, scopes=ids)
    logger.info("kakao_scopes_revoked user=%s scopes=%s", user.pk, ",".join(ids))
    return user


def revoke_service_terms(
    *, user: User, tags: list[str], client: KakaoClient | None = None, caller: Caller = NO_CALLER
) -> User:
    """Withdraw service terms at Kakao (an optional marketing consent) and record it."""
    tags = _keys(tags, field="tags")
    link = _link_to_change(user, field="tags")
    required = set(settings.KAKAO_REQUIRED_SERVICE_TERMS)
    record = records.consent_record(link_id=link.pk)
    for tag in tags:
        known = record.term(tag)
        if tag in required or (
            known is not None and (known.required or (known.agreed and not known.revocable))
        ):
            _not_revocable(tag, field="tags")
    client = _admin_client(client)
    try:
        answer = client.revoke_service_terms(tags=tags, user_id=link.uid)
    except KakaoError as exc:
        raise _refusal(exc, field="tags") from None
    with write_transaction():
        records.record_withdrawn_terms(link_id=link.pk, tags=answer.tags)
        _consent_event(events.EventType.CONSENT_WITHDRAWN, user, caller, terms=answer.tags)
    logger.info("kakao_terms_revoked user=%s tags=%s", user.pk, ",".join(answer.tags))
    return user


def _consent_event(type_: events.EventType, user: User, caller: Caller, **items: list[str]) -> None:
    """The change in the person's security trail, in the transaction that records it."""
    events.record(
        type=type_,
        user_id=user.pk,
        caller=caller,
        session_id=caller.session_id,
        details={key: list(values)[: events.MAX_DETAIL_LIST] for key, values in items.items()},
    )


def _keys(values: list[str], *, field: str) -> list[str]:
    if not values:
        raise AccountError(AccountErrorCode.INVALID_INPUT, f"{field} must not be empty.", field)
    return service_terms_argument(values, field=field)


def _link_to_change(user: User, *, field: str) -> SocialAccount:
    link = kakao_link(user)
    if link is None:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT, "Your account has no Kakao link to change.", field
        )
    return link


def _not_revocable(key: str, *, field: str) -> None:
    raise AccountError(
        AccountErrorCode.CONSENT_NOT_REVOCABLE,
        f"{key} is required or cannot be withdrawn.",
        field,
    )


def _admin_client(client: KakaoClient | None) -> KakaoClient:
    if not settings.KAKAO_ADMIN_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server has no Kakao admin key (KAKAO_ADMIN_KEY), so it cannot withdraw consent.",
        )
    return client or KakaoClient.from_settings()


def _refusal(exc: KakaoError, *, field: str) -> AccountError:
    code = kakao_error_code(exc)
    if code is AccountErrorCode.CONSENT_NOT_REVOCABLE:
        return AccountError(code, field=field)
    if code is AccountErrorCode.INVALID_INPUT:
        return AccountError(code, f"Kakao does not know one of the {field} given.", field)
    return AccountError(code)
