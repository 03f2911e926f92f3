"""Error codes of the account domain; the GraphQL enum is generated from this."""

from enum import Enum


class AccountErrorCode(Enum):
    INVALID_INPUT = "invalid_input"
    INVALID_CODE = "invalid_code"
    REDIRECT_URI_MISMATCH = "redirect_uri_mismatch"
    REDIRECT_URI_NOT_ALLOWED = "redirect_uri_not_allowed"
    KAKAO_MISCONFIGURED = "kakao_misconfigured"
    KAKAO_UNAVAILABLE = "kakao_unavailable"
    KAKAO_CONSENT_REQUIRED = "kakao_consent_required"
    KAKAO_ACCOUNT_RESTRICTED = "kakao_account_restricted"
    KAKAO_ERROR = "kakao_error"
    EMAIL_ALREADY_REGISTERED = "email_already_registered"
    ACCOUNT_INACTIVE = "account_inactive"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"
    INVALID_STATE = "invalid_state"
    INVALID_ID_TOKEN = "invalid_id_token"
    RATE_LIMITED = "rate_limited"
    INVALID_KAKAO_TOKEN = "invalid_kakao_token"
    KAKAO_APP_MISMATCH = "kakao_app_mismatch"
    UNAUTHENTICATED = "unauthenticated"
    SESSION_NOT_FOUND = "session_not_found"
    ALREADY_LINKED = "already_linked"
    KAKAO_ALREADY_LINKED = "kakao_already_linked"
    LAST_LOGIN_METHOD = "last_login_method"
    TERMS_REQUIRED = "terms_required"
    KAKAO_ACCOUNT_MISMATCH = "kakao_account_mismatch"
    CONSENT_NOT_REVOCABLE = "consent_not_revocable"
    REAUTHENTICATION_REQUIRED = "reauthentication_required"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    AccountErrorCode.INVALID_INPUT: "An argument is empty, too long or contains control characters.",
    AccountErrorCode.INVALID_CODE: "Kakao did not accept the code: already used, expired or for another app (KOE320).",
    AccountErrorCode.REDIRECT_URI_MISMATCH: "The redirect URI differs from the one used at authorize (KOE303/KOE006).",
    AccountErrorCode.REDIRECT_URI_NOT_ALLOWED: "The redirect URI is not in KAKAO_REDIRECT_URIS; Kakao was not called.",
    AccountErrorCode.KAKAO_MISCONFIGURED: "The server's Kakao settings are missing or wrong (client id or secret, admin key, required service terms); the message names the setting.",
    AccountErrorCode.KAKAO_UNAVAILABLE: "Kakao timed out, could not be reached or failed (5xx). Try again.",
    AccountErrorCode.KAKAO_CONSENT_REQUIRED: "The person has not agreed to a consent item the app requires (-402).",
    AccountErrorCode.KAKAO_ACCOUNT_RESTRICTED: "The Kakao account is not linked, dormant or under 14 (-101/-103/-406).",
    AccountErrorCode.KAKAO_ERROR: "Kakao returned another error.",
    AccountErrorCode.EMAIL_ALREADY_REGISTERED: "Kakao's verified email belongs to another account, and linking by email is off.",
    AccountErrorCode.ACCOUNT_INACTIVE: "The account is deactivated.",
    AccountErrorCode.INVALID_REFRESH_TOKEN: "The refresh token is missing, unknown, expired or revoked.",
    AccountErrorCode.INVALID_STATE: "The state is missing, does not match this browser's, expired (10 minutes) or was already used. Start the login again.",
    AccountErrorCode.INVALID_ID_TOKEN: "Kakao's OpenID Connect id_token failed verification (signature, issuer, audience, expiry or nonce).",
    AccountErrorCode.RATE_LIMITED: "Too many attempts; retry after the number of seconds in retryAfter.",
    AccountErrorCode.INVALID_KAKAO_TOKEN: "Kakao does not know this access token (expired, revoked or made up), or its token info and profile disagree.",
    AccountErrorCode.KAKAO_APP_MISMATCH: "The Kakao access token was issued to another Kakao app (token info app_id differs from KAKAO_APP_ID); nothing happened.",
    AccountErrorCode.UNAUTHENTICATED: "This needs a signed-in caller: send the access token (Authorization: Bearer, or the cookie).",
    AccountErrorCode.SESSION_NOT_FOUND: "No live session of yours has this id.",
    AccountErrorCode.ALREADY_LINKED: "Your account already has a Kakao link.",
    AccountErrorCode.KAKAO_ALREADY_LINKED: "That Kakao account already belongs to another account here.",
    AccountErrorCode.LAST_LOGIN_METHOD: "This would leave the account with no way to sign in; use deleteAccount to leave.",
    AccountErrorCode.TERMS_REQUIRED: "The person has not agreed to every service term in KAKAO_REQUIRED_SERVICE_TERMS; the message lists the missing tags. Call kakaoAuthorize(serviceTerms: [...]) with them. Nothing was created.",
    AccountErrorCode.KAKAO_ACCOUNT_MISMATCH: "The Kakao account behind the code or token is not the one linked to your account; nothing changed.",
    AccountErrorCode.CONSENT_NOT_REVOCABLE: "A consent item or service term that is required (by Kakao or by KAKAO_REQUIRED_SERVICE_TERMS) or not revocable cannot be withdrawn; nothing changed.",
    AccountErrorCode.REAUTHENTICATION_REQUIRED: "This needs a recent sign-in in this session (REAUTHENTICATION_MAX_AGE_SECONDS): re-authenticate with kakaoAuthorize(purpose: REAUTHENTICATE) and kakaoReauthenticate, then retry. Nothing changed.",
}


class AccountError(Exception):
    """An expected failure that clients see as a typed error code."""

    def __init__(
        self,
        code: AccountErrorCode,
        message: str | None = None,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.code = code
        self.field = field
        self.retry_after = retry_after
        self.message = message or code.description
        super().__init__(self.message)
