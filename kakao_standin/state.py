"""What one stand-in remembers: people, codes, tokens, connections to the app, unlinks.

What each person agreed to lives in ``consent``, browsers' Kakao logins in
``kakao_session``, the id_token key in ``oidc``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kakao_standin import pkce
from kakao_standin.consent import DEFAULT_CONSENT_ITEMS, ConsentBook, ConsentItem, ServiceTerm
from kakao_standin.identity import Identity
from kakao_standin.kakao_session import KakaoSessions
from kakao_standin.links import AppLinks, Unlink
from kakao_standin.oidc import IdTokenSigner

CODE_TTL_SECONDS = 600
ACCESS_TOKEN_TTL_SECONDS = 21599
# Tokens issued to a native app key live about 12 hours (shared/KAKAO_API.md §7).
NATIVE_ACCESS_TOKEN_TTL_SECONDS = 43199
REFRESH_TOKEN_TTL_SECONDS = 5183999
DEFAULT_APP_ID = 1000001
DEFAULT_ADMIN_KEY = "dev-admin-key"
DEFAULT_NATIVE_APP_KEY = "dev-native-app-key"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    identity: Identity
    nonce: str | None
    scope: tuple[str, ...]
    expires: float
    auth_time: int = field(default_factory=lambda: int(time.time()))
    code_challenge: str | None = None  # PKCE's S256 challenge from the authorize request


@dataclass(frozen=True)
class IssuedToken:
    """An access token: whose, for which app, until when."""

    identity: Identity
    app_id: int
    expires: float


class KakaoStandIn(AppLinks):
    """The state of one stand-in: codes, tokens, links. Thread-safe."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str = "",
        latency_ms: int = 0,
        app_id: int = DEFAULT_APP_ID,
        admin_key: str = DEFAULT_ADMIN_KEY,
        native_app_key: str = DEFAULT_NATIVE_APP_KEY,
        unlink_callback_url: str = "",
        consent_items: tuple[ConsentItem, ...] = DEFAULT_CONSENT_ITEMS,
        service_terms: tuple[ServiceTerm, ...] = (),
        logout_redirect_uris: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.latency_ms = latency_ms
        self.app_id = app_id
        self.admin_key = admin_key
        self.native_app_key = native_app_key
        self.unlink_callback_url = unlink_callback_url
        self.logout_redirect_uris = tuple(logout_redirect_uris)
        self.clock = clock
        self.consent = ConsentBook(items=consent_items, terms=service_terms, clock=clock)
        self.sessions = KakaoSessions(clock=clock)
        self.issuer = ""  # set by make_server once the port is known
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, IssuedToken] = {}
        # (app id, Kakao id) -> the person: who has agreed to which app and not unlinked.
        self._connections: dict[tuple[int, int], Identity] = {}
        self._unlinks: list[Unlink] = []
        self._signer = IdTokenSigner()

    def __repr__(self) -> str:
        # The admin key stays out of every repr, traceback and log line.
        return f"KakaoStandIn(client_id={self.client_id!r}, app_id={self.app_id})"

    # --- the code flow -------------------------------------------------------------------

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        identity: Identity,
        nonce: str | None = None,
        scope: tuple[str, ...] = (),
        auth_time: int | None = None,
        code_challenge: str | None = None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        # When the person last typed their password: now, unless a Kakao session says.
        auth_time = int(self.clock()) if auth_time is None else auth_time
        with self._lock:
            self._codes[code] = Grant(
                client_id,
                redirect_uri,
                identity,
                nonce,
                scope,
                self.clock() + CODE_TTL_SECONDS,
                auth_time=auth_time,
                code_challenge=code_challenge,
            )
        return code

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /oauth/token with Kakao's error codes."""
        if form.get("grant_type") != "authorization_code":
            return 400, _token_error("unsupported_grant_type", "KOE001", "grant_type")
        if form.get("client_id") != self.client_id:
            return 401, _token_error(
                "invalid_client", "KOE101", f"Not exist client_id [{form.get('client_id')}]"
            )
        if self.client_secret and form.get("client_secret") != self.client_secret:
            return 401, _token_error("invalid_client", "KOE010", "Bad client credentials")
        code = form.get("code", "")
        with self._lock:
            grant = self._codes.get(code)
            if grant is not None and grant.redirect_uri != form.get("redirect_uri"):
                return 400, _token_error("invalid_grant", "KOE303", "Redirect URI mismatch.")
            grant = self._codes.pop(code, None)
        if grant is None or grant.expires < self.clock() or grant.client_id != self.client_id:
            return 400, _token_error(
                "invalid_grant", "KOE320", f"authorization code not found for code={code}"
            )
        # The code is spent either way: a wrong verifier does not leave it for another try.
        if not pkce.verifier_matches(grant.code_challenge, form.get("code_verifier")):
            return 400, _token_error("invalid_grant", "KOE320", "PKCE verification failed.")
        body = self._tokens_body(
            grant.identity, app_id=self.app_id, ttl=ACCESS_TOKEN_TTL_SECONDS, scope=grant.scope
        )
        if "openid" in grant.scope:
            body["id_token"] = self._id_token(
                grant.identity,
                aud=grant.client_id,
                nonce=grant.nonce,
                auth_time=grant.auth_time,
                scope=grant.scope,
            )
        return 200, body

    # --- native apps (an SDK's tokens) -----------------------------------------------------

    def native_tokens(
        self,
        *,
        identity: Identity,
        app_id: int | None = None,
        openid: bool = False,
        aud: str | None = None,
        nonce: str | None = None,
        terms: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """What a Kakao SDK hands a mobile app after login; another app_id is another app.

        The person agreed on the SDK's consent screen: to what they have, and to the
        app's required terms unless ``terms`` says which.
        """
        scopes = ["profile_nickname"]
        scopes += ["profile_image"] if identity.profile_image else []
        scopes += ["account_email"] if identity.email else []
        scopes += ["openid"] if openid else []
        if terms is None:
            terms = [term.tag for term in self.consent.terms if term.required]
        app_id = self.app_id if app_id is None else app_id
        scope = self.agree(
            identity=identity, scopes=scopes, terms=terms, openid=openid, app_id=app_id
        )
        body = self._tokens_body(
            identity, app_id=app_id, ttl=NATIVE_ACCESS_TOKEN_TTL_SECONDS, scope=scope
        )
        if openid:
            body["id_token"] = self._id_token(
                identity, aud=aud or self.native_app_key, nonce=nonce, auth_time=None, scope=scope
            )
        return body

    def token_info(self, authorization: str | None) -> dict[str, Any] | None:
        """GET /v1/user/access_token_info's body, or None for an unknown or expired token."""
        token = self._token(authorization)
        if token is None:
            return None
        left = max(int(token.expires - self.clock()), 0)
        return {"id": token.identity.kakao_id, "expires_in": left, "app_id": token.app_id}

    # --- tokens and logout ----------------------------------------------------------

    def identity_for(self, authorization: str | None) -> Identity | None:
        token = self._token(authorization)
        return None if token is None else token.identity

    def forget_token(self, authorization: str | None) -> Identity | None:
        """Logout: that one token stops working."""
        token = self._token(authorization)
        if token is not None:
            with self._lock:
                self._tokens.pop(authorization[len("Bearer ") :], None)  # type: ignore[index]
        return None if token is None else token.identity

    # --- OpenID Connect ----------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return self._signer.jwks()

    def _id_token(
        self,
        identity: Identity,
        *,
        aud: str,
        nonce: str | None,
        auth_time: int | None,
        scope: tuple[str, ...],
    ) -> str:
        return self._signer.id_token(
            identity,
            issuer=self.issuer,
            aud=aud,
            nonce=nonce,
            now=int(self.clock()),
            ttl=ACCESS_TOKEN_TTL_SECONDS,
            auth_time=auth_time,
            scope=scope,
        )

    # --- plumbing ----------------------------------------------------------------------

    def _tokens_body(
        self, identity: Identity, *, app_id: int, ttl: int, scope: tuple[str, ...]
    ) -> dict[str, Any]:
        access_token = secrets.token_urlsafe(40)
        with self._lock:
            self._tokens[access_token] = IssuedToken(identity, app_id, self.clock() + ttl)
            self._connections[(app_id, identity.kakao_id)] = identity
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": ttl,
            "refresh_token": secrets.token_urlsafe(40),
            "refresh_token_expires_in": REFRESH_TOKEN_TTL_SECONDS,
            "scope": " ".join(scope or ("profile_nickname", "profile_image")),
        }

    def _token(self, authorization: str | None) -> IssuedToken | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self._lock:
            token = self._tokens.get(authorization[len("Bearer ") :])
        return token if token is not None and token.expires > self.clock() else None


def _token_error(error: str, error_code: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description, "error_code": error_code}
