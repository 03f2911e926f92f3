"""What a sign-in does about consent.

Before the sign-in's transaction: with ``KAKAO_REQUIRED_SERVICE_TERMS`` set,
ask Kakao (admin key) for the app's terms as they stand for this person, and
refuse the sign-in (TERMS_REQUIRED, nothing written) unless every required tag
is agreed. In the transaction: record the consent items the token response's
``scope`` listed (no call to Kakao) and the terms read before it. After a
sign-up without required terms, read the terms once, best effort.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings

from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient, KakaoError, KakaoServiceTerms
from accounts.models import ConsentSource
from accounts.services.consent import records
from accounts.services.kakao_errors import kakao_error_code

logger = logging.getLogger(__name__)

SETTING = "KAKAO_REQUIRED_SERVICE_TERMS"


def check_required_terms(
    *, uid: str, client: KakaoClient | None = None
) -> KakaoServiceTerms | None:
    """The app's terms for this person, once every required tag is agreed; None when none are.

    Fails closed: Kakao unreachable is KAKAO_UNAVAILABLE, and tags Kakao does
    not know for this app (no Kakao Sync, a typo in the setting) are
    KAKAO_MISCONFIGURED rather than a TERMS_REQUIRED nobody could satisfy.
    """
    required = list(settings.KAKAO_REQUIRED_SERVICE_TERMS)
    if not required:
        return None
    if not settings.KAKAO_ADMIN_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            f"{SETTING} is set but KAKAO_ADMIN_KEY is empty: the terms cannot be read.",
        )
    client = client or KakaoClient.from_settings()
    try:
        terms = client.service_terms(user_id=uid, all_app_terms=True)
    except KakaoError as exc:
        code = kakao_error_code(exc)
        message = (
            f"Kakao refused the admin key reading the terms of {SETTING}."
            if code is AccountErrorCode.KAKAO_MISCONFIGURED
            else None
        )
        raise AccountError(code, message) from None
    known = {term.tag for term in terms.terms}
    unknown = [tag for tag in required if tag not in known]
    if unknown:
        logger.error("kakao_required_terms_unknown tags=%s", ",".join(unknown))
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            f"Kakao knows no service terms {', '.join(unknown)} for this app: check {SETTING} "
            "and Kakao Sync in the Kakao console.",
        )
    agreed = {term.tag for term in terms.terms if term.agreed}
    missing = [tag for tag in required if tag not in agreed]
    if missing:
        logger.info("kakao_terms_required missing=%s", ",".join(missing))
        raise AccountError(
            AccountErrorCode.TERMS_REQUIRED,
            f"Required service terms not agreed: {', '.join(missing)}",
            "serviceTerms",
        )
    return terms


def record_sign_in(
    *,
    link_id: int,
    new_link: bool,
    granted_scopes: Iterable[str],
    service_terms: KakaoServiceTerms | None,
) -> None:
    """In the sign-in's transaction: the items its token response listed, the terms read before."""
    records.record_granted_scopes(
        link_id=link_id, scope_ids=granted_scopes, source=ConsentSource.LOGIN, new_link=new_link
    )
    if service_terms is not None:
        records.record_service_terms(link_id=link_id, terms=service_terms.terms)


def read_terms_after_sign_up(*, link_id: int, uid: str, client: KakaoClient | None = None) -> None:
    """What a new person agreed to on Kakao's consent screen, recorded once; never fails a sign-up.

    Without the admin key, or with Kakao down, ``me.kakao`` reads it later.
    """
    if not settings.KAKAO_ADMIN_KEY:
        return
    client = client or KakaoClient.from_settings()
    try:
        terms = client.service_terms(user_id=uid, all_app_terms=True)
    except KakaoError as exc:
        logger.warning("kakao_terms_not_read link=%s error=%s", link_id, type(exc).__name__)
        return
    with write_transaction():
        records.record_service_terms(link_id=link_id, terms=terms.terms)
