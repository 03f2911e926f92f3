"""What one stand-in remembers: people, codes, tokens, connections to the app, unlinks."""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kakao_standin import pkce
from kakao_standin.identity import Identity

CODE_TTL_SECONDS = 600
ACCESS_TOKEN_TTL_SECONDS = 21599
# Tokens issued to a native app key live about 12 hours (shared/KAKAO_API.md §7).
NATIVE_ACCESS_TOKEN_TTL_SECONDS = 43199
REFRESH_TOKEN_TTL_SECONDS = 5183999
KID = "standin-key-1"
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


@dataclass(frozen=True)
class Unlink:
    user_id: int
    by: str  # "admin_key" or "user_token"
    at: str

    def as_json(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "by": self.by, "at": self.at}


class KakaoStandIn:
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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.latency_ms = latency_ms
        self.app_id = app_id
        self.admin_key = admin_key
        self.native_app_key = native_app_key
        self.unlink_callback_url = unlink_callback_url
        self.clock = clock
        self.issuer = ""  # set by make_server once the port is known
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, IssuedToken] = {}
        # (app id, Kakao id) -> the person: who has agreed to which app and not unlinked.
        self._connections: dict[tuple[int, int], Identity] = {}
        self._unlinks: list[Unlink] = []
        self._rsa_key: rsa.RSAPrivateKey | None = None

    def __repr__(self) -> str:
        # The admin key stays out of every repr, traceback and log line.
        return f"KakaoStandIn(client_id={self.client_id!r}, app_id={self.app_id})"

    @property
    def _key(self) -> rsa.RSAPrivateKey:
        # Made on first use: most runs never sign an id_token.
        with self._lock:
            if self._rsa_key is None:
                self._rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._rsa_key

    # --- the code flow -------------------------------------------------------------------

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        identity: Identity,
        nonce: str | None = None,
        scope: tuple[str, ...] = (),
        code_challenge: str | None = None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        expires = self.clock() + CODE_TTL_SECONDS
        with self._lock:
            self._codes[code] = Grant(
                client_id,
                redirect_uri,
                identity,
                nonce,
                scope,
                expires,
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
                grant.identity, aud=grant.client_id, nonce=grant.nonce, auth_time=grant.auth_time
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
    ) -> dict[str, Any]:
        """What a Kakao SDK hands a mobile app after login; another app_id is another app."""
        scope = ["profile_nickname"]
        scope += ["profile_image"] if identity.profile_image else []
        scope += ["account_email"] if identity.email else []
        scope += ["openid"] if openid else []
        body = self._tokens_body(
            identity,
            app_id=self.app_id if app_id is None else app_id,
            ttl=NATIVE_ACCESS_TOKEN_TTL_SECONDS,
            scope=tuple(scope),
        )
        if openid:
            body["id_token"] = self._id_token(
                identity, aud=aud or self.native_app_key, nonce=nonce, auth_time=None
            )
        return body

    def token_info(self, authorization: str | None) -> dict[str, Any] | None:
        """GET /v1/user/access_token_info's body, or None for an unknown or expired token."""
        token = self._token(authorization)
        if token is None:
            return None
        left = max(int(token.expires - self.clock()), 0)
        return {"id": token.identity.kakao_id, "expires_in": left, "app_id": token.app_id}

    # --- tokens, logout, unlink ----------------------------------------------------------

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

    def unlink_by_token(self, authorization: str | None) -> int | None:
        """The person's own token unlinks them from the app it was issued to."""
        token = self._token(authorization)
        if token is None:
            return None
        kakao_id = token.identity.kakao_id
        self._disconnect(app_id=token.app_id, kakao_id=kakao_id)
        self._record_unlink(kakao_id, "user_token")
        return kakao_id

    def is_admin_key(self, authorization: str | None) -> bool:
        """``Authorization: KakaoAK <admin key>``, compared in constant time."""
        scheme, _, key = (authorization or "").partition(" ")
        if scheme != "KakaoAK" or not key or not self.admin_key:
            return False
        return hmac.compare_digest(key.strip().encode(), self.admin_key.encode())

    def unlink_by_admin(self, kakao_id: int) -> bool:
        """The app's server unlinks a person; False when they are not connected (-101)."""
        if not self._disconnect(app_id=self.app_id, kakao_id=kakao_id):
            return False
        self._record_unlink(kakao_id, "admin_key")
        return True

    def disconnect_from_kakao(self, kakao_id: int) -> Identity | None:
        """The person disconnects the app on Kakao's side; the caller sends the notice."""
        return self._disconnect(app_id=self.app_id, kakao_id=kakao_id)

    def connections(self) -> list[Identity]:
        with self._lock:
            return [who for (app, _), who in self._connections.items() if app == self.app_id]

    def unlinks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [u.as_json() for u in self._unlinks]

    # --- OpenID Connect ----------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def _id_token(
        self, identity: Identity, *, aud: str, nonce: str | None, auth_time: int | None
    ) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": aud,
            "sub": str(identity.kakao_id),
            "iat": now,
            "exp": now + ACCESS_TOKEN_TTL_SECONDS,
            "auth_time": now if auth_time is None else auth_time,
            "nickname": identity.nickname,
        }
        if identity.profile_image:
            claims["picture"] = identity.image_urls(self.issuer)[0]
        if identity.email:
            claims["email"] = identity.email
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})

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

    def _disconnect(self, *, app_id: int, kakao_id: int) -> Identity | None:
        # Unlinking ends the consent: every token of that person for that app dies with it.
        with self._lock:
            identity = self._connections.pop((app_id, kakao_id), None)
            for value, token in list(self._tokens.items()):
                if token.app_id == app_id and token.identity.kakao_id == kakao_id:
                    del self._tokens[value]
        return identity

    def _record_unlink(self, kakao_id: int, by: str) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._unlinks.append(Unlink(kakao_id, by, at))


def _token_error(error: str, error_code: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description, "error_code": error_code}
