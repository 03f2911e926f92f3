"""Everything Kakao-specific: the HTTP client, its typed answers and errors, id_token checks.

The rest of the code imports from here; the modules behind it are
``client`` (HTTP), ``types`` (parsed answers), ``errors`` (Kakao's refusals)
and ``oidc`` (verifying id_tokens).
"""

from accounts.kakao.client import MAX_RESPONSE_BYTES, KakaoClient
from accounts.kakao.errors import (
    KakaoAccountRestricted,
    KakaoConsentRequired,
    KakaoError,
    KakaoInvalidClient,
    KakaoInvalidCode,
    KakaoInvalidToken,
    KakaoNotConnected,
    KakaoRedirectUriMismatch,
    KakaoUnavailable,
)
from accounts.kakao.oidc import InvalidIdToken, verify_id_token
from accounts.kakao.types import (
    KakaoProfile,
    KakaoTokenInfo,
    KakaoTokens,
    profile_from_id_token,
)

__all__ = [
    "MAX_RESPONSE_BYTES",
    "InvalidIdToken",
    "KakaoAccountRestricted",
    "KakaoClient",
    "KakaoConsentRequired",
    "KakaoError",
    "KakaoInvalidClient",
    "KakaoInvalidCode",
    "KakaoInvalidToken",
    "KakaoNotConnected",
    "KakaoProfile",
    "KakaoRedirectUriMismatch",
    "KakaoTokenInfo",
    "KakaoTokens",
    "KakaoUnavailable",
    "profile_from_id_token",
    "verify_id_token",
]
