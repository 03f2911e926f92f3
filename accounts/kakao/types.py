"""Kakao's answers as frozen dataclasses, parsed from its wire format in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.kakao.errors import KakaoError


@dataclass(frozen=True)
class KakaoTokens:
    """Kakao's answer to a code exchange. Never logged, never stored."""

    access_token: str
    token_type: str
    expires_in: int | None
    refresh_token: str | None
    scope: tuple[str, ...]
    id_token: str | None

    def __repr__(self) -> str:  # keeps tokens out of tracebacks and debug output
        return f"KakaoTokens(token_type={self.token_type!r}, scope={self.scope!r})"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoTokens:
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise KakaoError("Kakao's token response has no access token.")
        scope = data.get("scope")
        expires_in = data.get("expires_in")
        return cls(
            access_token=access_token,
            token_type=str(data.get("token_type") or "bearer"),
            expires_in=expires_in if isinstance(expires_in, int) else None,
            refresh_token=data.get("refresh_token")
            if isinstance(data.get("refresh_token"), str)
            else None,
            scope=tuple(scope.split()) if isinstance(scope, str) else (),
            id_token=data.get("id_token") if isinstance(data.get("id_token"), str) else None,
        )


@dataclass(frozen=True)
class KakaoTokenInfo:
    """What Kakao says about an access token: whose it is, and which app it was issued to."""

    id: str
    app_id: str
    expires_in: int | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoTokenInfo:
        uid, app_id = data.get("id"), data.get("app_id")
        # bool is an int subclass; neither id may be one.
        if not _positive_int(uid) or not _positive_int(app_id):
            raise KakaoError("Kakao's token info has no valid id or app_id.")
        expires_in = data.get("expires_in")
        return cls(
            id=str(uid),
            app_id=str(app_id),
            expires_in=expires_in if _positive_int(expires_in) else None,
        )


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class KakaoProfile:
    """The parts of a Kakao user we use; anything may be missing but the id."""

    id: str
    nickname: str = ""
    profile_image_url: str = ""
    thumbnail_image_url: str = ""
    email: str | None = None
    email_verified: bool = False
    # Whether Kakao sent a profile block at all (consent given): only then is a
    # missing image a removed image rather than an unknown one.
    has_profile: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoProfile:
        uid = data.get("id")
        if not _positive_int(uid):
            raise KakaoError("Kakao's user response has no valid id.")
        account = _dict(data.get("kakao_account"))
        profile = _dict(account.get("profile"))
        properties = _dict(data.get("properties"))
        # kakao_account.profile is current; the legacy properties block is a fallback.
        nickname = _str(profile.get("nickname")) or _str(properties.get("nickname"))
        image = _str(profile.get("profile_image_url")) or _str(properties.get("profile_image"))
        thumb = _str(profile.get("thumbnail_image_url")) or _str(properties.get("thumbnail_image"))
        if profile.get("is_default_image") is True:
            image = thumb = ""
        email = _str(account.get("email")) or None
        verified = (
            email is not None
            and account.get("is_email_valid") is True
            and account.get("is_email_verified") is True
        )
        if email is not None and not verified:
            # An unverified email is not kept anywhere, not even in the stored profile.
            data = {**data, "kakao_account": {k: v for k, v in account.items() if k != "email"}}
        return cls(
            id=str(uid),
            nickname=nickname[:100],
            profile_image_url=_url(image),
            thumbnail_image_url=_url(thumb),
            email=email,
            email_verified=verified,
            has_profile=bool(profile) or bool(properties),
            raw=data,
        )


def profile_from_id_token(claims: dict[str, Any]) -> KakaoProfile:
    """A profile from verified id_token claims.

    The id_token carries no email-verification flags, so its email is never
    treated as verified, and it has no thumbnail.
    """
    return KakaoProfile(
        id=str(claims["sub"]),
        nickname=_str(claims.get("nickname"))[:100],
        # Used when the user is created; a returning user's images are left alone.
        profile_image_url=_url(_str(claims.get("picture"))),
        email=_str(claims.get("email")) or None,
        email_verified=False,
        has_profile=False,
        raw={},
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _url(value: str) -> str:
    # Only web URLs of sane length: these end up in <img src> on front ends.
    if len(value) <= 500 and value.startswith(("https://", "http://")):
        return value
    return ""
