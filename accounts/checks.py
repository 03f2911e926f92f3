"""Start-up validation of the configuration (Django system checks)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from accounts.observability_checks import observability_errors
from accounts.ratelimit import Rate
from kakao_standin.checks import is_loopback


@register(Tags.security, deploy=False)
def check_configuration(app_configs=None, **kwargs) -> list:
    errors: list = []
    if not settings.DEBUG and len(settings.SECRET_KEY) < 32:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY must be at least 32 characters when DEBUG is off.",
                id="accounts.E001",
            )
        )
    samesite = settings.JWT_COOKIE_SAMESITE
    if samesite not in ("Lax", "Strict", "None"):
        errors.append(
            Error(
                f"JWT_COOKIE_SAMESITE must be Lax, Strict or None, not {samesite!r}.",
                id="accounts.E002",
            )
        )
    if samesite == "None" and not settings.JWT_COOKIE_SECURE:
        errors.append(
            Error(
                "JWT_COOKIE_SAMESITE=None requires JWT_COOKIE_SECURE=1 "
                "(browsers drop SameSite=None cookies that are not Secure).",
                id="accounts.E003",
            )
        )
    for uri in settings.KAKAO_REDIRECT_URIS:
        parts = urlsplit(uri)
        if not parts.scheme or not (parts.netloc or parts.scheme not in ("http", "https")):
            errors.append(
                Error(
                    f"KAKAO_REDIRECT_URIS entry {uri!r} is not an absolute URI.", id="accounts.E004"
                )
            )
    for name in ("KAKAO_AUTH_URL", "KAKAO_API_URL"):
        parts = urlsplit(getattr(settings, name))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(Error(f"{name} must be an http(s) URL.", id="accounts.E005"))
        elif parts.scheme == "http" and not settings.DEBUG and not _local_kakao_allowed(name):
            errors.append(Error(f"{name} must use https when DEBUG is off.", id="accounts.E006"))
    if not 0 < settings.KAKAO_TIMEOUT_SECONDS <= 30:
        errors.append(
            Error(
                "KAKAO_TIMEOUT_SECONDS must be greater than 0 and at most 30.", id="accounts.E007"
            )
        )
    for name in (
        "RATE_LIMIT_LOGIN_PER_IP",
        "RATE_LIMIT_LOGIN_PER_KAKAO_USER",
        "RATE_LIMIT_REFRESH_PER_IP",
    ):
        try:
            Rate.parse(getattr(settings, name))
        except ImproperlyConfigured as exc:
            errors.append(Error(f"{name}: {exc}", id="accounts.E008"))
    if settings.TRUSTED_PROXY_COUNT < 0:
        errors.append(Error("TRUSTED_PROXY_COUNT must be 0 or more.", id="accounts.E009"))
    errors.extend(_graphql_limit_errors())
    errors.extend(_account_life_errors())
    errors.extend(_consent_errors())
    errors.extend(_admin_and_transport_errors())
    errors.extend(observability_errors())
    if not settings.DEBUG:
        errors.extend(_production_errors())
    if not settings.KAKAO_REST_API_KEY:
        errors.append(
            Warning(
                "KAKAO_REST_API_KEY is empty: kakaoLogin answers KAKAO_MISCONFIGURED.",
                id="accounts.W001",
            )
        )
    if not settings.KAKAO_PKCE and not settings.KAKAO_OIDC:
        errors.append(
            Warning(
                "KAKAO_PKCE and KAKAO_OIDC are both off: an intercepted authorization code can "
                "be redeemed with another browser's state (SECURITY.md, code injection).",
                id="accounts.W005",
            )
        )
    if settings.JWT_REFRESH_REUSE_SECONDS < 0 or settings.JWT_REFRESH_REUSE_SECONDS > 60:
        errors.append(
            Error(
                "JWT_REFRESH_REUSE_SECONDS must be between 0 and 60 (the window a rotated refresh "
                "token is forgiven in is also a window for a thief).",
                id="accounts.E017",
            )
        )
    return errors


GRAPHQL_LIMITS = (
    "GRAPHQL_MAX_QUERY_BYTES",
    "GRAPHQL_MAX_TOKENS",
    "GRAPHQL_MAX_DEPTH",
    "GRAPHQL_MAX_ALIASES",
    "GRAPHQL_MAX_DIRECTIVES",
    "GRAPHQL_MAX_COST",
)


def _graphql_limit_errors() -> list:
    """Each bound on a GraphQL document (schema/limits.py) is a positive whole number."""
    errors = []
    for name in GRAPHQL_LIMITS:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors.append(
                Error(f"{name} must be a positive whole number, not {value!r}.", id="accounts.E018")
            )
    return errors


def _account_life_errors() -> list:
    """Mobile sign-in, leaving and Kakao's unlink notice: KAKAO_APP_ID, KAKAO_ADMIN_KEY, mode."""
    errors: list = []
    if settings.ACCOUNT_DELETE_MODE not in ("anonymize", "delete"):
        errors.append(
            Error(
                f"ACCOUNT_DELETE_MODE must be anonymize or delete, "
                f"not {settings.ACCOUNT_DELETE_MODE!r}.",
                id="accounts.E014",
            )
        )
    if settings.KAKAO_APP_ID and not _KAKAO_APP_ID.fullmatch(settings.KAKAO_APP_ID):
        errors.append(
            Error(
                "KAKAO_APP_ID must be the app's numeric id (Kakao console, app summary).",
                id="accounts.E015",
            )
        )
    admin_key = settings.KAKAO_ADMIN_KEY
    if admin_key and not _VISIBLE_ASCII.fullmatch(admin_key):
        # Never echo the key itself, not even in a start-up error.
        errors.append(
            Error(
                "KAKAO_ADMIN_KEY contains spaces or characters that are not visible ASCII "
                "(a copy-paste mistake?).",
                id="accounts.E016",
            )
        )
    if not admin_key:
        errors.append(
            Warning(
                "KAKAO_ADMIN_KEY is empty: deleteAccount and unlinkKakao of Kakao users answer "
                "KAKAO_MISCONFIGURED, and Kakao's unlink notices get 503.",
                id="accounts.W002",
            )
        )
    if not settings.KAKAO_APP_ID:
        errors.append(
            Warning(
                "KAKAO_APP_ID is empty: kakaoLoginWithToken (mobile apps) answers "
                "KAKAO_MISCONFIGURED and Kakao's unlink notices get 503. Set it to the app id "
                "from the Kakao console's app summary.",
                id="accounts.W003",
            )
        )
    return errors


def _consent_errors() -> list:
    """Required service terms, the consent record's age, re-authentication, Kakao logout."""
    errors: list = []
    required = settings.KAKAO_REQUIRED_SERVICE_TERMS
    bad = [tag for tag in required if not _TAG.fullmatch(tag)]
    if bad or len(required) > 30:
        errors.append(
            Error(
                "KAKAO_REQUIRED_SERVICE_TERMS must be at most 30 Kakao Sync service-terms tags "
                f"(letters, digits, _ . -, up to 64 each); not {bad[:3]!r}.",
                id="accounts.E019",
            )
        )
    if required and not settings.KAKAO_ADMIN_KEY:
        errors.append(
            Error(
                "KAKAO_REQUIRED_SERVICE_TERMS needs KAKAO_ADMIN_KEY: the terms are read from Kakao "
                "with it, and without it every sign-in would answer KAKAO_MISCONFIGURED.",
                id="accounts.E020",
            )
        )
    if not 0 <= settings.KAKAO_CONSENT_MAX_AGE_SECONDS <= 30 * 24 * 3600:
        errors.append(
            Error(
                "KAKAO_CONSENT_MAX_AGE_SECONDS must be between 0 and 2592000 (30 days).",
                id="accounts.E021",
            )
        )
    # A minute at least in production (a person needs time to delete after re-authenticating);
    # with DEBUG on a few seconds, so that a demo or a browser test can watch a session age.
    shortest = 1 if settings.DEBUG else 60
    if not shortest <= settings.REAUTHENTICATION_MAX_AGE_SECONDS <= 24 * 3600:
        errors.append(
            Error(
                f"REAUTHENTICATION_MAX_AGE_SECONDS must be between {shortest} and 86400 (how "
                "recent a sign-in must be before deleteAccount or unlinkKakao; under 60 only "
                "with DEBUG on).",
                id="accounts.E022",
            )
        )
    for uri in settings.KAKAO_LOGOUT_REDIRECT_URIS:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                Error(
                    f"KAKAO_LOGOUT_REDIRECT_URIS entry {uri!r} is not an absolute http(s) URI.",
                    id="accounts.E023",
                )
            )
    return errors


_TAG = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _local_kakao_allowed(name: str) -> bool:
    """KAKAO_ALLOW_LOCAL_URLS lets a loopback Kakao URL be plain http (the stand-in)."""
    return settings.KAKAO_ALLOW_LOCAL_URLS and is_loopback(getattr(settings, name))


def _admin_and_transport_errors() -> list:
    """The admin's login lockout, HSTS, and the local-Kakao switch for tests and benchmarks."""
    errors: list = []
    if settings.ADMIN_LOGIN_MAX_FAILURES < 1 or settings.ADMIN_LOGIN_WINDOW_SECONDS < 1:
        errors.append(
            Error(
                "ADMIN_LOGIN_MAX_FAILURES and ADMIN_LOGIN_WINDOW_SECONDS must be 1 or more.",
                id="accounts.E024",
            )
        )
    if settings.SECURE_HSTS_SECONDS < 0:
        errors.append(Error("SECURE_HSTS_SECONDS must be 0 (off) or more.", id="accounts.E025"))
    if settings.KAKAO_ALLOW_LOCAL_URLS and not settings.DEBUG:
        errors.append(
            Warning(
                "KAKAO_ALLOW_LOCAL_URLS is on: Kakao's URLs may point at a loopback stand-in, "
                "over http, with DEBUG off. For benchmarks and fault tests only, never in "
                "production.",
                id="accounts.W004",
            )
        )
    return errors


_KAKAO_APP_ID = re.compile(r"[0-9]{1,20}")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")


def _production_errors() -> list:
    """Guard rails that only make sense, and only matter, with DEBUG off."""
    errors = []
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error("DJANGO_ALLOWED_HOSTS must not contain * in production.", id="accounts.E010")
        )
    if getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False) or "*" in settings.CORS_ALLOWED_ORIGINS:
        errors.append(
            Error(
                "CORS must not allow every origin while credentials are allowed.",
                id="accounts.E011",
            )
        )
    if not settings.JWT_COOKIE_SECURE:
        errors.append(
            Error(
                "JWT_COOKIE_SECURE must be on in production (cookies carry sessions).",
                id="accounts.E012",
            )
        )
    if settings.GRAPHIQL_ENABLED and not settings.GRAPHIQL_IN_PRODUCTION:
        errors.append(
            Error(
                "GraphiQL is on with DEBUG off; set GRAPHIQL_IN_PRODUCTION=1 if that is intended.",
                id="accounts.E013",
            )
        )
    return errors
