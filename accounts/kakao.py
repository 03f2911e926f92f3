"""Kakao's REST API behind one small client that only speaks HTTP.

The client turns Kakao's wire format into typed results and Kakao's error bodies
into ``KakaoError`` subclasses, in exactly one place. It knows nothing of users,
JWTs or GraphQL. Nothing it raises or logs ever contains a code or a token:
Kakao's own ``error_description`` echoes the code back, so it is dropped.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

# A profile or token response is a few KB; anything bigger is not Kakao.
MAX_RESPONSE_BYTES = 256 * 1024


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


# Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/trouble-shooting
_TOKEN_ERRORS: dict[str, type[KakaoError]] = {
    "KOE320": KakaoInvalidCode,
    "KOE303": KakaoRedirectUriMismatch,
    "KOE006": KakaoRedirectUriMismatch,
    "KOE010": KakaoInvalidClient,
    "KOE101": KakaoInvalidClient,
}
_TOKEN_ERRORS_BY_NAME: dict[str, type[KakaoError]] = {
    "invalid_client": KakaoInvalidClient,
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
        # bool is an int subclass; a boolean id is not an id.
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
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


class KakaoClient:
    """Speaks to Kakao's auth and API hosts; one instance per process is enough."""

    def __init__(
        self,
        *,
        auth_url: str,
        api_url: str,
        client_id: str,
        client_secret: str = "",
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = session or _new_session()

    @classmethod
    def from_settings(cls) -> KakaoClient:
        return cls(
            auth_url=settings.KAKAO_AUTH_URL,
            api_url=settings.KAKAO_API_URL,
            client_id=settings.KAKAO_REST_API_KEY,
            client_secret=settings.KAKAO_CLIENT_SECRET,
            timeout=settings.KAKAO_TIMEOUT_SECONDS,
            session=_shared_session(),
        )

    def exchange_code(self, *, code: str, redirect_uri: str) -> KakaoTokens:
        """Trade an authorization code for Kakao tokens. Never retried: a code is single-use."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#request-token
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        status, body = self._request(
            "POST",
            f"{self.auth_url}/oauth/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        if status != 200:
            raise _token_error(status, body)
        return KakaoTokens.from_api(body)

    def fetch_profile(self, *, access_token: str) -> KakaoProfile:
        """Fetch the user behind a Kakao access token."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#req-user-info
        status, body = self._request(
            "GET",
            f"{self.api_url}/v2/user/me",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if status != 200:
            raise _api_error(status, body)
        return KakaoProfile.from_api(body)

    def fetch_jwks(self) -> dict[str, Any]:
        """Kakao's OpenID Connect signing keys (a JWK set)."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#oidc-get-jwks
        status, body = self._request("GET", f"{self.auth_url}/.well-known/jwks.json")
        if status != 200 or not isinstance(body.get("keys"), list):
            raise KakaoError("Kakao's JWKS could not be read.", status=status)
        return body

    def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        """One HTTP call with an overall deadline; returns (status, JSON object)."""
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            with self.session.request(
                method,
                url,
                timeout=(self.timeout, self.timeout),
                stream=True,
                allow_redirects=False,
                **kwargs,
            ) as response:
                raw = _read_body(response, deadline)
                status = response.status_code
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # The exception text can contain the URL but never the form body.
            logger.warning(
                "kakao_request_failed method=%s path=%s error=%s",
                method,
                _path(url),
                type(exc).__name__,
            )
            raise KakaoUnavailable() from None
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "kakao_request method=%s path=%s status=%s ms=%.0f",
            method,
            _path(url),
            status,
            elapsed_ms,
        )
        if status >= 500:
            raise KakaoUnavailable(status=status)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status == 200:
                raise KakaoError(
                    "Kakao answered with a body that is not a JSON object.", status=status
                )
            body = {}
        return status, body


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """Read the body as it arrives, giving up at the deadline or the size cap.

    requests' timeout applies to each socket read, and ``iter_content`` waits
    for a whole chunk, so a server dripping a byte at a time could hold a
    request forever; ``read1`` returns whatever one read brought.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise requests.exceptions.ReadTimeout("overall deadline exceeded")
        chunk = response.raw.read1(8192, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise requests.exceptions.ContentDecodingError("response too large")
        chunks.append(chunk)


def _path(url: str) -> str:
    return requests.utils.urlparse(url).path


def _token_error(status: int, body: dict[str, Any]) -> KakaoError:
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


def _api_error(status: int, body: dict[str, Any]) -> KakaoError:
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


def _short(value: Any) -> str:
    return value[:40] if isinstance(value, str) else "-"


def _new_session(proxy: str = "") -> requests.Session:
    session = requests.Session()
    # Proxies only by explicit configuration (KAKAO_PROXY_URL), never picked up from
    # the environment or ~/.netrc: no surprise hop between us and Kakao, and no
    # environment scan and file read on every request (measured: ~3 ms per login).
    session.trust_env = False
    if proxy:
        session.proxies = {"https": proxy, "http": proxy}
    # No automatic retries: a code exchange must never be sent twice.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = "kakao-login-backend"
    return session


_session: requests.Session | None = None


def _shared_session() -> requests.Session:
    """One pooled session per process, so connections to Kakao are reused."""
    global _session
    if _session is None:
        _session = _new_session(settings.KAKAO_PROXY_URL)
    return _session
