"""What a client may add to Kakao's authorize URL, checked at the boundary, and Kakao's logout URL.

The options of KAKAO_API.md §9: ``prompt``, ``login_hint``, ``service_terms``,
and why the URL is asked for (``AuthorizePurpose``), which the state cookie
carries so that a state issued for one purpose serves no other. §12: the URL
that logs the person out of their Kakao account too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlencode

from django.conf import settings

from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import CONSENT_KEY
from accounts.services.inputs import MAX_REDIRECT_URI_BYTES, validate_token_input

MAX_LOGIN_HINT_CHARS = 254
MAX_SERVICE_TERMS = 30


class AuthorizePurpose(Enum):
    """Why the browser is sent to Kakao; each purpose has its own mutation for the code."""

    SIGN_IN = "sign_in"
    GRANT = "grant"
    REAUTHENTICATE = "reauthenticate"

    @property
    def description(self) -> str:
        return _PURPOSES[self]


_PURPOSES = {
    AuthorizePurpose.SIGN_IN: "Sign in (or up): the code goes to kakaoLogin or linkKakao.",
    AuthorizePurpose.GRANT: "Ask a signed-in person for more consent items (`scope` required); "
    "the code goes to kakaoGrant.",
    AuthorizePurpose.REAUTHENTICATE: "Have a signed-in person prove it is still them: Kakao asks "
    "for the password again (prompt=login); the code goes to kakaoReauthenticate.",
}


class KakaoPrompt(Enum):
    """Kakao's ``prompt`` values."""

    LOGIN = "login"
    NONE = "none"
    CREATE = "create"
    SELECT_ACCOUNT = "select_account"

    @property
    def description(self) -> str:
        return _PROMPTS[self]


_PROMPTS = {
    KakaoPrompt.LOGIN: "Ask for the Kakao password even with a Kakao session (not offered inside "
    "KakaoTalk's in-app browser).",
    KakaoPrompt.NONE: "No screen at all: Kakao answers an error (consent_required, "
    "login_required) when one would be needed. Not combinable with the others.",
    KakaoPrompt.CREATE: "Offer Kakao account sign-up first.",
    KakaoPrompt.SELECT_ACCOUNT: "Let the person choose among Kakao accounts (switching accounts).",
}


@dataclass(frozen=True)
class AuthorizeOptions:
    """The checked options, as Kakao's query parameters."""

    prompt: tuple[KakaoPrompt, ...] = ()
    login_hint: str | None = None
    service_terms: tuple[str, ...] = ()

    def params(self) -> dict[str, str]:
        params = {}
        if self.prompt:
            params["prompt"] = ",".join(p.value for p in self.prompt)
        if self.login_hint:
            params["login_hint"] = self.login_hint
        if self.service_terms:
            params["service_terms"] = ",".join(self.service_terms)
        return params


def authorize_options(
    *,
    purpose: AuthorizePurpose,
    prompt: list[KakaoPrompt] | None = None,
    login_hint: str | None = None,
    service_terms: list[str] | None = None,
) -> AuthorizeOptions:
    """The checked options (else INVALID_INPUT naming the argument); REAUTHENTICATE adds LOGIN."""
    prompts = list(dict.fromkeys(prompt or []))
    if purpose is AuthorizePurpose.REAUTHENTICATE and KakaoPrompt.LOGIN not in prompts:
        prompts.append(KakaoPrompt.LOGIN)
    if KakaoPrompt.NONE in prompts and len(prompts) > 1:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            "prompt NONE cannot be combined with another prompt (re-authentication adds LOGIN).",
            "prompt",
        )
    return AuthorizeOptions(
        prompt=tuple(prompts),
        login_hint=_login_hint(login_hint),
        service_terms=tuple(service_terms_argument(service_terms or [], field="serviceTerms")),
    )


def service_terms_argument(tags: list[str], *, field: str) -> list[str]:
    """Service-terms tags or consent item ids: at most 30, each 1-64 of A-Z a-z 0-9 _ . -."""
    if len(tags) > MAX_SERVICE_TERMS or not all(
        isinstance(t, str) and CONSENT_KEY.fullmatch(t) for t in tags
    ):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            f"{field} must be at most {MAX_SERVICE_TERMS} ids of letters, digits, _ . - "
            "(64 characters each).",
            field,
        )
    return list(dict.fromkeys(tags))


def _login_hint(hint: str | None) -> str | None:
    """A Kakao account id (an email or phone number) to pre-fill: visible characters only."""
    if hint is None or hint == "":
        return None
    if len(hint) > MAX_LOGIN_HINT_CHARS or not all(
        ch.isprintable() and not ch.isspace() for ch in hint
    ):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            f"loginHint must be at most {MAX_LOGIN_HINT_CHARS} visible characters.",
            "loginHint",
        )
    return hint


def kakao_logout_url(*, logout_redirect_uri: str | None) -> str:
    """Kakao's /oauth/logout URL (§12) with an allowed redirect URI and a fresh state."""
    allowed = list(settings.KAKAO_LOGOUT_REDIRECT_URIS)
    if not settings.KAKAO_REST_API_KEY:
        raise AccountError(
            AccountErrorCode.KAKAO_MISCONFIGURED,
            "The server has no Kakao REST API key (KAKAO_REST_API_KEY).",
        )
    if logout_redirect_uri is None or logout_redirect_uri == "":
        if not allowed:
            raise AccountError(
                AccountErrorCode.KAKAO_MISCONFIGURED,
                "No logout redirect URI is configured (KAKAO_LOGOUT_REDIRECT_URIS).",
            )
        logout_redirect_uri = allowed[0]
    field = "kakaoLogoutRedirectUri"
    validate_token_input(logout_redirect_uri, field=field, max_bytes=MAX_REDIRECT_URI_BYTES)
    if logout_redirect_uri not in allowed:
        raise AccountError(
            AccountErrorCode.REDIRECT_URI_NOT_ALLOWED,
            "The logout redirect URI is not in KAKAO_LOGOUT_REDIRECT_URIS.",
            field,
        )
    # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#logout-of-service-and-kakaoaccount
    params = {
        "client_id": settings.KAKAO_REST_API_KEY,
        "logout_redirect_uri": logout_redirect_uri,
        "state": secrets.token_urlsafe(16),
    }
    return f"{settings.KAKAO_AUTH_URL}/oauth/logout?{urlencode(params)}"
