"""Everything Kakao-specific: the HTTP client, its typed answers and errors, id_token checks.

The rest of the code imports from here; the modules behind it are
``client`` (HTTP), ``types`` (parsed answers), ``errors`` (Kakao's refusals),
``consent_api`` (a person's consent items and service terms) and ``oidc``
(verifying id_tokens).
"""

from accounts.kakao.client import MAX_RESPONSE_BYTES, KakaoClient
from accounts.kakao.errors import (
    KakaoAccountRestricted,
    KakaoConsentRequired,
    KakaoError,
    KakaoInvalidArgument,
    KakaoInvalidClient,
    KakaoInvalidCode,
    KakaoInvalidToken,
    KakaoNotConnected,
    KakaoNotRevocable,
    KakaoRedirectUriMismatch,
    KakaoUnavailable,
)
from accounts.kakao.oidc import InvalidIdToken, verify_id_token
from accounts.kakao.types import (
    CONSENT_KEY,
    KakaoProfile,
    KakaoRevokedServiceTerms,
    KakaoScope,
    KakaoScopes,
    KakaoServiceTerm,
    KakaoServiceTerms,
    KakaoTokenInfo,
    KakaoTokens,
    profile_from_id_token,
)

__all__ = [
    "CONSENT_KEY",
    "MAX_RESPONSE_BYTES",
    "InvalidIdToken",
    "KakaoAccountRestricted",
    "KakaoClient",
    "KakaoConsentRequired",
    "KakaoError",
    "KakaoInvalidArgument",
    "KakaoInvalidClient",
    "KakaoInvalidCode",
    "KakaoInvalidToken",
    "KakaoNotConnected",
    "KakaoNotRevocable",
    "KakaoProfile",
    "KakaoRedirectUriMismatch",
    "KakaoRevokedServiceTerms",
    "KakaoScope",
    "KakaoScopes",
    "KakaoServiceTerm",
    "KakaoServiceTerms",
    "KakaoTokenInfo",
    "KakaoTokens",
    "KakaoUnavailable",
    "profile_from_id_token",
    "verify_id_token",
]
