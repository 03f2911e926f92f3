"""Kakao's refusals as our error codes: the one table every service maps them with.

Moved out of ``login`` so that stories the login pipeline itself calls (consent)
can map Kakao's errors the same way without importing the login.
"""

from __future__ import annotations

from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import (
    KakaoAccountRestricted,
    KakaoConsentRequired,
    KakaoError,
    KakaoInvalidArgument,
    KakaoInvalidClient,
    KakaoInvalidCode,
    KakaoNotRevocable,
    KakaoRedirectUriMismatch,
    KakaoUnavailable,
)


def kakao_error_code(exc: KakaoError) -> AccountErrorCode:
    """Map the Kakao client's exceptions to our error codes (the one place that does)."""
    for kakao_cls, code in _KAKAO_ERROR_CODES:
        if isinstance(exc, kakao_cls):
            return code
    return AccountErrorCode.KAKAO_ERROR


def kakao_account_error(exc: KakaoError) -> AccountError:
    """The typed error for a Kakao refusal, naming the argument at fault when there is one."""
    code = kakao_error_code(exc)
    return AccountError(code, field=_ARGUMENT_AT_FAULT.get(code))


# Kakao refused because of what the client sent in this argument.
_ARGUMENT_AT_FAULT = {
    AccountErrorCode.INVALID_CODE: "code",
    AccountErrorCode.REDIRECT_URI_MISMATCH: "redirectUri",
    AccountErrorCode.INVALID_KAKAO_TOKEN: "accessToken",
}


_KAKAO_ERROR_CODES: tuple[tuple[type[KakaoError], AccountErrorCode], ...] = (
    (KakaoInvalidCode, AccountErrorCode.INVALID_CODE),
    (KakaoRedirectUriMismatch, AccountErrorCode.REDIRECT_URI_MISMATCH),
    (KakaoInvalidClient, AccountErrorCode.KAKAO_MISCONFIGURED),
    (KakaoUnavailable, AccountErrorCode.KAKAO_UNAVAILABLE),
    (KakaoConsentRequired, AccountErrorCode.KAKAO_CONSENT_REQUIRED),
    (KakaoAccountRestricted, AccountErrorCode.KAKAO_ACCOUNT_RESTRICTED),
    (KakaoNotRevocable, AccountErrorCode.CONSENT_NOT_REVOCABLE),
    (KakaoInvalidArgument, AccountErrorCode.INVALID_INPUT),
)
