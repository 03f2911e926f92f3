"""A person's consent as they see it: the record, read again from Kakao when it is old.

``kakao_consent`` answers the stored record when Kakao gave both lists less
than ``KAKAO_CONSENT_MAX_AGE_SECONDS`` ago; otherwise it asks Kakao (admin key,
two calls, before any write) and records what changed. If Kakao cannot answer
the stored record comes back marked ``stale``: never an error, and for a
minute no new attempt for that person, so a Kakao outage does not make every
``me`` query wait for Kakao's timeout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts import cache
from accounts.db import write_transaction
from accounts.kakao import KakaoClient, KakaoError
from accounts.models import SocialAccount, User
from accounts.services.consent import records
from accounts.services.consent.records import ConsentRecord

logger = logging.getLogger(__name__)

KAKAO = SocialAccount.Provider.KAKAO
RETRY_AFTER_FAILURE_SECONDS = 60


@dataclass(frozen=True)
class KakaoConsent:
    """What ``me.kakao`` shows: the record, and whether Kakao could not be asked just now."""

    record: ConsentRecord
    stale: bool


def kakao_consent(*, user: User, client: KakaoClient | None = None) -> KakaoConsent | None:
    """The person's consent items and service terms; None without a Kakao link."""
    link = kakao_link(user)
    if link is None:
        return None
    record = records.consent_record(link_id=link.pk)
    stale = False
    if not _fresh(record):
        stale = not _refresh(link, client=client)
        if not stale:
            record = records.consent_record(link_id=link.pk)
    return KakaoConsent(record=_with_our_rules(record), stale=stale)


def refresh_consent(*, link: SocialAccount, client: KakaoClient | None = None) -> None:
    """Ask Kakao for the person's items and terms (admin key) and record what changed.

    Both calls come before the transaction; raises ``KakaoError``.
    """
    client = client or KakaoClient.from_settings()
    scopes = client.scopes(user_id=link.uid)
    terms = client.service_terms(user_id=link.uid, all_app_terms=True)
    with write_transaction():
        # The link's row is the lock: two refreshes at once do not both add the same change.
        SocialAccount.objects.select_for_update().filter(pk=link.pk).first()
        added = records.record_scopes(link_id=link.pk, scopes=scopes.scopes, complete=True)
        added += records.record_service_terms(link_id=link.pk, terms=terms.terms)
    logger.info("kakao_consent_refreshed user=%s changes=%s", link.user_id, added)


def kakao_link(user: User) -> SocialAccount | None:
    return SocialAccount.objects.filter(
        user_id=user.pk, provider=SocialAccount.Provider.KAKAO
    ).first()


def _fresh(record: ConsentRecord) -> bool:
    oldest = timezone.now() - timedelta(seconds=settings.KAKAO_CONSENT_MAX_AGE_SECONDS)
    checked = (record.scopes_checked_at, record.service_terms_checked_at)
    return all(at is not None and at > oldest for at in checked)


def _refresh(link: SocialAccount, *, client: KakaoClient | None) -> bool:
    """Whether the record could be read again from Kakao."""
    if not settings.KAKAO_ADMIN_KEY:
        return False
    retry_key = f"kakao-consent-retry:{link.pk}"
    try:
        if cache.get(retry_key, op="consent.retry_get"):
            return False
    except cache.CacheUnavailable:
        pass  # degraded: try Kakao
    try:
        refresh_consent(link=link, client=client)
    except KakaoError as exc:
        logger.warning("kakao_consent_stale user=%s error=%s", link.user_id, type(exc).__name__)
        try:
            cache.set(retry_key, 1, timeout=RETRY_AFTER_FAILURE_SECONDS, op="consent.retry_set")
        except cache.CacheUnavailable:
            pass
        return False
    return True


def _with_our_rules(record: ConsentRecord) -> ConsentRecord:
    """A term this service requires (KAKAO_REQUIRED_SERVICE_TERMS) is required, never revocable."""
    required = set(settings.KAKAO_REQUIRED_SERVICE_TERMS)
    if not required:
        return record
    terms = tuple(
        replace(t, required=True, revocable=False) if t.tag in required else t
        for t in record.service_terms
    )
    return replace(record, service_terms=terms)
