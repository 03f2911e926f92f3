"""Kakao's answers as frozen dataclasses, parsed from its wire format in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    # The consent items the token response listed (code flow only; an SDK's token has none).
    granted_scopes: tuple[str, ...] = ()
    # When Kakao last authenticated the person (the id_token's auth_time), when known.
    authenticated_at: datetime | None = None

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
        authenticated_at=_timestamp(claims.get("auth_time")),
    )


# --- consent: scopes and Kakao Sync service terms --------------------------------------

# Consent item ids (profile_nickname, talk_message) and service-terms tags (tos, privacy)
# as this backend accepts them; anything else in an answer is skipped, never stored.
CONSENT_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class KakaoScope:
    """One consent item of one person, as /v2/user/scopes reports it."""

    id: str
    display_name: str
    type: str  # PRIVACY or SERVICE
    agreed: bool
    revocable: bool  # Kakao sends it only for agreed items
    using: bool = True

    @classmethod
    def from_api(cls, data: Any) -> KakaoScope | None:
        data = _dict(data)
        sid = data.get("id")
        if not isinstance(sid, str) or not CONSENT_KEY.fullmatch(sid):
            return None
        return cls(
            id=sid,
            display_name=_str(data.get("display_name"))[:100],
            type=_str(data.get("type"))[:20],
            agreed=data.get("agreed") is True,
            revocable=data.get("revocable") is True,
            using=data.get("using") is not False,
        )


@dataclass(frozen=True)
class KakaoScopes:
    """A person's consent items (GET /v2/user/scopes, POST /v2/user/revoke/scopes)."""

    user_id: str
    scopes: tuple[KakaoScope, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoScopes:
        uid, scopes = data.get("id"), data.get("scopes")
        if not _positive_int(uid) or not isinstance(scopes, list):
            raise KakaoError("Kakao's scopes answer has no valid id or scopes list.")
        parsed = (KakaoScope.from_api(item) for item in scopes)
        return cls(user_id=str(uid), scopes=tuple(s for s in parsed if s is not None))


@dataclass(frozen=True)
class KakaoServiceTerm:
    """One Kakao Sync service term of one person (GET /v2/user/service_terms)."""

    tag: str
    required: bool
    agreed: bool
    revocable: bool
    agreed_at: datetime | None
    agreed_by: str  # KAUTH (Kakao's consent screen), KAPI (recorded through the API) or ""

    @classmethod
    def from_api(cls, data: Any) -> KakaoServiceTerm | None:
        data = _dict(data)
        tag = data.get("tag")
        if not isinstance(tag, str) or not CONSENT_KEY.fullmatch(tag):
            return None
        agreed = data.get("agreed") is True
        return cls(
            tag=tag,
            required=data.get("required") is True,
            agreed=agreed,
            revocable=data.get("revocable") is True,
            agreed_at=_iso_datetime(data.get("agreed_at")) if agreed else None,
            agreed_by=_str(data.get("agreed_by"))[:10] if agreed else "",
        )


@dataclass(frozen=True)
class KakaoServiceTerms:
    """A person's service terms: the agreed ones, or every term of the app."""

    user_id: str
    terms: tuple[KakaoServiceTerm, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoServiceTerms:
        uid, terms = data.get("id"), data.get("service_terms")
        if terms is None:  # an app without Kakao Sync may leave the list out
            terms = []
        if not _positive_int(uid) or not isinstance(terms, list):
            raise KakaoError("Kakao's service terms answer has no valid id or terms list.")
        parsed = (KakaoServiceTerm.from_api(item) for item in terms)
        return cls(user_id=str(uid), terms=tuple(t for t in parsed if t is not None))


@dataclass(frozen=True)
class KakaoRevokedServiceTerms:
    """What POST /v2/user/revoke/service_terms withdrew: the tags now not agreed."""

    user_id: str
    tags: tuple[str, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KakaoRevokedServiceTerms:
        uid, revoked = data.get("id"), data.get("revoked_service_terms")
        if not _positive_int(uid) or not isinstance(revoked, list):
            raise KakaoError("Kakao's revoke answer has no valid id or revoked terms list.")
        tags = []
        for item in revoked:
            term = _dict(item)
            tag = term.get("tag")
            if isinstance(tag, str) and CONSENT_KEY.fullmatch(tag) and term.get("agreed") is False:
                tags.append(tag)
        return cls(user_id=str(uid), tags=tuple(tags))


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _timestamp(value: Any) -> datetime | None:
    if not _positive_int(value) or value > 2**33:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _url(value: str) -> str:
    # Only web URLs of sane length: these end up in <img src> on front ends.
    if len(value) <= 500 and value.startswith(("https://", "http://")):
        return value
    return ""
