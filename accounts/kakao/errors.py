"""Kakao's refusals as exceptions, and the one table that maps its error bodies to them.

Messages never carry secrets: Kakao's own ``error_description`` echoes the
code back, so it is dropped.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("accounts.kakao")


class KakaoError(Exception):
    """Base class: Kakao refused or could not answer. Messages never carry secrets."""

    default_message = "Kakao returned an error."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        kakao_code: str | int | None = None,
    ) -> None:
        self.status = status
        self.kakao_code = kakao_code
        super().__init__(message or self.default_message)


class KakaoInvalidCode(KakaoError):
    default_message = "The authorization code is invalid, expired or already used."


class KakaoRedirectUriMismatch(KakaoError):
    default_message = "The redirect URI does not match the one used at authorization."


class KakaoInvalidClient(KakaoError):
    default_message = "Kakao rejected this app's client credentials."


class KakaoUnavailable(KakaoError):
    default_message = "Kakao is unavailable or did not answer in time."


class KakaoInvalidToken(KakaoError):
    default_message = "Kakao rejected the access token."


class KakaoConsentRequired(KakaoError):
    default_message = "The user has not agreed to a required consent item."

    def __init__(self, *args: Any, required_scopes: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.required_scopes = required_scopes
        super().__init__(*args, **kwargs)


class KakaoAccountRestricted(KakaoError):
    default_message = "This Kakao account cannot use the app (not linked, dormant or under 14)."


class KakaoNotConnected(KakaoError):
    default_message = "This Kakao account is not connected to the app (-101)."


class KakaoNotRevocable(KakaoError):
    default_message = "Kakao refused to withdraw a required or non-revocable consent (-3)."


class KakaoInvalidArgument(KakaoError):
    default_message = "Kakao does not know a consent item id or service-terms tag sent (-2)."


# Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/trouble-shooting
_TOKEN_ERRORS: dict[str, type[KakaoError]] = {
    "KOE320": KakaoInvalidCode,
    "KOE303": KakaoRedirectUriMismatch,
    "KOE006": KakaoRedirectUriMismatch,
    "KOE010": KakaoInvalidClient,
    "KOE101": KakaoInvalidClient,
}
# When Kakao gives no KOE code we know: a PKCE refusal is an invalid_grant whose
# error_code Kakao does not document (KAKAO_API.md §8), and it is the code that failed.
_TOKEN_ERRORS_BY_NAME: dict[str, type[KakaoError]] = {
    "invalid_client": KakaoInvalidClient,
    "invalid_grant": KakaoInvalidCode,
}
# Reference: https://developers.kakao.com/docs/latest/ko/rest-api/reference#response-code
_API_ERRORS: dict[int, type[KakaoError]] = {
    -401: KakaoInvalidToken,
    -402: KakaoConsentRequired,
    -101: KakaoAccountRestricted,
    -103: KakaoAccountRestricted,
    -406: KakaoAccountRestricted,
    -1: KakaoUnavailable,
}


def token_error(status: int, body: dict[str, Any]) -> KakaoError:
    kakao_code = body.get("error_code")
    error_cls = (
        _TOKEN_ERRORS.get(str(kakao_code))
        or _TOKEN_ERRORS_BY_NAME.get(str(body.get("error")))
        or KakaoError
    )
    # error_description is deliberately not kept: it echoes the code.
    logger.warning(
        "kakao_token_error status=%s kakao_code=%s error=%s",
        status,
        kakao_code,
        _short(body.get("error")),
    )
    return error_cls(status=status, kakao_code=kakao_code)


def api_error(status: int, body: dict[str, Any]) -> KakaoError:
    kakao_code = body.get("code")
    if not isinstance(kakao_code, int) or isinstance(kakao_code, bool):
        kakao_code = None
    error_cls = _API_ERRORS.get(kakao_code) if kakao_code is not None else None
    if error_cls is None:
        error_cls = KakaoInvalidToken if status == 401 else KakaoError
    logger.warning("kakao_api_error status=%s kakao_code=%s", status, kakao_code)
    if error_cls is KakaoConsentRequired:
        scopes = body.get("required_scopes")
        scopes = tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else ()
        return KakaoConsentRequired(status=status, kakao_code=kakao_code, required_scopes=scopes)
    return error_cls(status=status, kakao_code=kakao_code)


# Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#unlink
# With the admin key, -401 means Kakao refused the key (the app is misconfigured),
# and -101 that the person is already not connected (an unlink's goal).
_ADMIN_ERRORS: dict[int, type[KakaoError]] = {
    -401: KakaoInvalidClient,
    -101: KakaoNotConnected,
    -1: KakaoUnavailable,
}


def admin_error(status: int, body: dict[str, Any]) -> KakaoError:
    """Kakao's refusal of an admin-key call (unlink by user id)."""
    kakao_code = body.get("code")
    if not isinstance(kakao_code, int) or isinstance(kakao_code, bool):
        kakao_code = None
    error_cls = _ADMIN_ERRORS.get(kakao_code) if kakao_code is not None else None
    if error_cls is None:
        error_cls = KakaoInvalidClient if status in (401, 403) else KakaoError
    logger.warning("kakao_admin_error status=%s kakao_code=%s", status, kakao_code)
    return error_cls(status=status, kakao_code=kakao_code)


# Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#revoke-consent
# Withdrawing consent: -3 is a required or non-revocable item, -2 an id or tag Kakao
# does not know; everything else means what it means on any other call.
_CONSENT_ERRORS: dict[int, type[KakaoError]] = {
    -3: KakaoNotRevocable,
    -2: KakaoInvalidArgument,
}


def consent_error(status: int, body: dict[str, Any], *, admin: bool) -> KakaoError:
    """Kakao's refusal of a scopes or service-terms call, by the person's token or the admin key."""
    kakao_code = _int_code(body)
    error_cls = _CONSENT_ERRORS.get(kakao_code) if kakao_code is not None else None
    if error_cls is None:
        return admin_error(status, body) if admin else api_error(status, body)
    logger.warning("kakao_consent_error status=%s kakao_code=%s", status, kakao_code)
    return error_cls(status=status, kakao_code=kakao_code)


def _int_code(body: dict[str, Any]) -> int | None:
    kakao_code = body.get("code")
    if not isinstance(kakao_code, int) or isinstance(kakao_code, bool):
        return None
    return kakao_code


def _short(value: Any) -> str:
    return value[:40] if isinstance(value, str) else "-"
