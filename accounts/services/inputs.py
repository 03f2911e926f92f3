"""Input at the boundary: every value from a client is checked here before anything else."""

from __future__ import annotations

import re

from django.conf import settings

from accounts.errors import AccountError, AccountErrorCode

MAX_CODE_BYTES = 1024
MAX_STATE_BYTES = 512
MAX_REDIRECT_URI_BYTES = 2048
# Authorization codes, states and tokens are visible ASCII; anything else
# (control characters, spaces, other scripts) is not one of ours.
_TOKENISH = re.compile(r"[\x21-\x7e]+")


def validate_token_input(
    value: str | None, *, field: str, max_bytes: int, required: bool = True
) -> str | None:
    """Reject empty, oversized or non-printable values before anything else happens."""
    if value is None or value == "":
        if required:
            raise AccountError(AccountErrorCode.INVALID_INPUT, f"{field} is required.", field)
        return None
    if len(value.encode("utf-8")) > max_bytes:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT, f"{field} is longer than {max_bytes} bytes.", field
        )
    if not _TOKENISH.fullmatch(value):
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            f"{field} contains characters that are not allowed.",
            field,
        )
    return value


def resolve_redirect_uri(redirect_uri: str | None) -> str:
    """The configured default, or the given one when it is on the allow-list."""
    allowed = list(settings.KAKAO_REDIRECT_URIS)
    if redirect_uri is None or redirect_uri == "":
        if not allowed:
            raise AccountError(
                AccountErrorCode.KAKAO_MISCONFIGURED,
                "No redirect URI is configured (KAKAO_REDIRECT_URIS).",
            )
        return allowed[0]
    validate_token_input(redirect_uri, field="redirectUri", max_bytes=MAX_REDIRECT_URI_BYTES)
    if redirect_uri not in allowed:
        raise AccountError(AccountErrorCode.REDIRECT_URI_NOT_ALLOWED, field="redirectUri")
    return redirect_uri
