"""Kakao's REST API behind one small client that only speaks HTTP.

The client turns Kakao's wire format into typed results (``types``) and Kakao's
error bodies into ``KakaoError`` subclasses (``errors``). It knows nothing of
users, JWTs or GraphQL. Nothing it raises or logs ever contains a code, a token
or the admin key.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from accounts import metrics
from accounts.kakao.consent_api import ConsentEndpoints
from accounts.kakao.errors import (
    KakaoError,
    KakaoInvalidClient,
    KakaoUnavailable,
    admin_error,
    api_error,
    token_error,
)
from accounts.kakao.types import KakaoProfile, KakaoTokenInfo, KakaoTokens

logger = logging.getLogger("accounts.kakao")

# A profile or token response is a few KB; anything bigger is not Kakao.
MAX_RESPONSE_BYTES = 256 * 1024


class KakaoClient(ConsentEndpoints):
    """Speaks to Kakao's auth and API hosts; one instance per process is enough.

    The consent endpoints (scopes, service terms) come from ``ConsentEndpoints``.
    """

    def __init__(
        self,
        *,
        auth_url: str,
        api_url: str,
        client_id: str,
        client_secret: str = "",
        admin_key: str = "",
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.admin_key = admin_key
        self.timeout = timeout
        self.session = session or _new_session()

    @classmethod
    def from_settings(cls) -> KakaoClient:
        return cls(
            auth_url=settings.KAKAO_AUTH_URL,
            api_url=settings.KAKAO_API_URL,
            client_id=settings.KAKAO_REST_API_KEY,
            client_secret=settings.KAKAO_CLIENT_SECRET,
            admin_key=settings.KAKAO_ADMIN_KEY,
            timeout=settings.KAKAO_TIMEOUT_SECONDS,
            session=_shared_session(),
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> KakaoTokens:
        """Trade an authorization code for Kakao tokens. Never retried: a code is single-use.

        ``code_verifier`` is PKCE's (RFC 7636), sent when the authorize request
        carried a challenge; Kakao's SDKs send it the same way (KAKAO_API.md §8).
        """
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#request-token
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        if self.client_secret:
            form["client_secret"] = self.client_secret
        status, body = self._request(
            "POST",
            f"{self.auth_url}/oauth/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        if status != 200:
            raise token_error(status, body)
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
            raise api_error(status, body)
        return KakaoProfile.from_api(body)

    def access_token_info(self, *, access_token: str) -> KakaoTokenInfo:
        """Which Kakao user and which Kakao app an access token belongs to."""
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#get-token-info
        status, body = self._request(
            "GET",
            f"{self.api_url}/v1/user/access_token_info",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if status != 200:
            raise api_error(status, body)
        return KakaoTokenInfo.from_api(body)

    def unlink_user(self, *, user_id: str) -> None:
        """Disconnect a person from the app by Kakao id, with the admin key.

        Raises ``KakaoNotConnected`` (-101) when Kakao already does not know the
        pair; callers for whom that is the goal treat it as done.
        """
        # Reference: https://developers.kakao.com/docs/latest/ko/kakaologin/rest-api#unlink
        if not self.admin_key:
            raise KakaoInvalidClient("The client has no admin key.")
        status, body = self._request(
            "POST",
            f"{self.api_url}/v1/user/unlink",
            data={"target_id_type": "user_id", "target_id": user_id},
            headers={
                "Authorization": f"KakaoAK {self.admin_key}",
                "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
            },
        )
        if status != 200:
            raise admin_error(status, body)

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
            with self._send(method, url, **kwargs) as response:
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
            metrics.kakao_request(_path(url), "error", time.monotonic() - started)
            raise KakaoUnavailable() from None
        # The path only (a fixed label per endpoint), never a host or a query string.
        metrics.kakao_request(_path(url), str(status), time.monotonic() - started)
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

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: Any = None,
        params: Any = None,
    ) -> requests.Response:
        """The request straight to the session's pooled adapter.

        ``Session.request`` would merge settings, hooks, environment and a cookie jar on
        every call, which was a measurable part of a login's CPU time; none of it applies:
        no redirects are followed, proxies come from KAKAO_PROXY_URL only, and no cookie
        from Kakao is kept (a jar shared by every login in the process has no business
        sending one person's cookies on another's call).
        """
        session = self.session
        merged = requests.structures.CaseInsensitiveDict(session.headers)
        merged.update(headers or {})
        # Built directly rather than by ``Request.prepare()``, whose per-call work (URL
        # re-parsing and IDNA, protocol checks on every argument, cookie and auth hooks) was
        # a tenth of a login's CPU. What Kakao's calls send is always the same shape: a URL
        # we built from the settings, string query parameters, a string form.
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = f"{url}?{urlencode(params)}" if params else url
        prepared.headers = merged
        prepared.body = urlencode(data) if data else None
        prepared.prepare_content_length(prepared.body)
        prepared.hooks = {"response": []}
        return session.get_adapter(url).send(
            prepared,
            stream=True,
            timeout=(self.timeout, self.timeout),
            verify=session.verify,
            cert=session.cert,
            proxies=session.proxies,
        )


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
