"""A local stand-in for Kakao's login endpoints, for development, demos, e2e tests and benchmarks.

It speaks the endpoints this project uses with Kakao's request and response
shapes and error codes (shared/KAKAO_API.md): the consent page at
``/oauth/authorize``, ``/oauth/token``, ``/v2/user/me``, ``/v1/user/logout``,
``/v1/user/unlink`` and, for OpenID Connect, the JWKS and discovery documents
with RS256-signed id_tokens. The backend's Kakao client talks to it unchanged:
point ``KAKAO_AUTH_URL`` and ``KAKAO_API_URL`` at it.

Only the standard library's threaded HTTP server and what the project already
depends on (PyJWT, cryptography). Everything is in memory.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger(__name__)

CODE_TTL_SECONDS = 600
ACCESS_TOKEN_TTL_SECONDS = 21599
KID = "standin-key-1"
PRESETS = (
    {"nickname": "김카카오", "email": "kakao.kim@example.com", "email_verified": True},
    {"nickname": "이미인증", "email": "unverified.lee@example.com", "email_verified": False},
    {"nickname": "박이메일없음", "email": "", "email_verified": False},
)


@dataclass(frozen=True)
class Identity:
    """A test person, as typed or picked on the consent page."""

    nickname: str
    email: str = ""
    email_verified: bool = True
    profile_image: bool = True

    @property
    def kakao_id(self) -> int:
        # Stable per person, so that logging in twice is a returning user.
        digest = hashlib.sha256(f"{self.nickname}\n{self.email.lower()}".encode()).hexdigest()
        return int(digest[:15], 16) + 1

    def user_json(self, base_url: str = "http://k.kakaocdn.net") -> dict[str, Any]:
        """The /v2/user/me body in Kakao's shape; absent consent means absent keys."""
        # Images are served by the stand-in itself, so that they show offline too.
        image = f"{base_url}/_standin/avatar/{self.kakao_id}.svg?size=640"
        thumb = f"{base_url}/_standin/avatar/{self.kakao_id}.svg?size=110"
        profile: dict[str, Any] = {
            "nickname": self.nickname,
            "is_default_nickname": False,
            "is_default_image": not self.profile_image,
            "thumbnail_image_url": thumb,
            "profile_image_url": image,
        }
        account: dict[str, Any] = {
            "profile_nickname_needs_agreement": False,
            "profile_image_needs_agreement": False,
            "profile": profile,
        }
        if self.email:
            account.update(
                has_email=True,
                email_needs_agreement=False,
                is_email_valid=True,
                is_email_verified=self.email_verified,
                email=self.email,
            )
        else:
            account.update(has_email=False, email_needs_agreement=True)
        return {
            "id": self.kakao_id,
            "connected_at": "2024-01-02T03:04:05Z",
            "properties": {
                "nickname": self.nickname,
                "profile_image": image,
                "thumbnail_image": thumb,
            },
            "kakao_account": account,
        }


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    identity: Identity
    nonce: str | None
    scope: tuple[str, ...]
    expires: float
    auth_time: int = field(default_factory=lambda: int(time.time()))


class KakaoStandIn:
    """The state of one stand-in: codes, tokens, links. Thread-safe."""

    def __init__(self, *, client_id: str, client_secret: str = "", latency_ms: int = 0) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.latency_ms = latency_ms
        self.issuer = ""  # set by make_server once the port is known
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, Identity] = {}
        self._rsa_key: rsa.RSAPrivateKey | None = None

    @property
    def _key(self) -> rsa.RSAPrivateKey:
        # Made on first use: most runs never sign an id_token.
        with self._lock:
            if self._rsa_key is None:
                self._rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._rsa_key

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        identity: Identity,
        nonce: str | None = None,
        scope: tuple[str, ...] = (),
    ) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = Grant(
                client_id, redirect_uri, identity, nonce, scope, time.time() + CODE_TTL_SECONDS
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
        if grant is None or grant.expires < time.time() or grant.client_id != self.client_id:
            return 400, _token_error(
                "invalid_grant", "KOE320", f"authorization code not found for code={code}"
            )
        access_token = secrets.token_urlsafe(40)
        with self._lock:
            self._tokens[access_token] = grant.identity
        body: dict[str, Any] = {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": ACCESS_TOKEN_TTL_SECONDS,
            "refresh_token": secrets.token_urlsafe(40),
            "refresh_token_expires_in": 5183999,
            "scope": " ".join(grant.scope or ("profile_nickname", "profile_image")),
        }
        if "openid" in grant.scope:
            body["id_token"] = self._id_token(grant)
        return 200, body

    def identity_for(self, authorization: str | None) -> Identity | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self._lock:
            return self._tokens.get(authorization[len("Bearer ") :])

    def forget_token(self, authorization: str | None) -> Identity | None:
        identity = self.identity_for(authorization)
        if identity is not None:
            with self._lock:
                self._tokens.pop(authorization[len("Bearer ") :], None)
        return identity

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "sub": str(grant.identity.kakao_id),
            "iat": now,
            "exp": now + ACCESS_TOKEN_TTL_SECONDS,
            "auth_time": grant.auth_time,
            "nickname": grant.identity.nickname,
        }
        if grant.identity.profile_image:
            claims["picture"] = grant.identity.user_json(self.issuer)["properties"]["profile_image"]
        if grant.identity.email:
            claims["email"] = grant.identity.email
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})


def _token_error(error: str, error_code: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description, "error_code": error_code}


class Handler(BaseHTTPRequestHandler):
    """Routes one request to the stand-in."""

    server: StandInServer
    protocol_version = "HTTP/1.1"
    # Headers and body in one write, sent at once: without these a keep-alive client
    # waits out a delayed ACK (~40 ms) on every answer.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        # Method and path only: query strings carry codes and states.
        logger.debug("standin %s %s", self.command, urlsplit(self.path).path)

    # --- routing -------------------------------------------------------------

    def do_GET(self) -> None:
        path, query = self._split()
        if path == "/oauth/authorize":
            self._consent_page(query)
        elif path == "/v2/user/me":
            self._user_me()
        elif path == "/.well-known/jwks.json":
            self._json(200, self.server.standin.jwks())
        elif path == "/.well-known/openid-configuration":
            self._json(200, self._discovery())
        elif path.startswith("/_standin/avatar/"):
            self._avatar(path.rsplit("/", 1)[-1].removesuffix(".svg"))
        elif path == "/":
            self._html(200, "<h1>Kakao stand-in</h1><p>Development only.</p>")
        else:
            self._json(404, {"msg": "not found", "code": -2})

    def do_POST(self) -> None:
        path, _ = self._split()
        if path == "/oauth/authorize":
            self._consent_answer(self._form())
        elif path == "/oauth/token":
            self._delay()
            self._json(*self.server.standin.exchange(self._form()))
        elif path == "/v2/user/me":
            self._user_me()
        elif path in ("/v1/user/logout", "/v1/user/unlink"):
            self._delay()
            identity = self.server.standin.forget_token(self.headers.get("Authorization"))
            if identity is None:
                self._json(401, {"msg": "this access token does not exist", "code": -401})
            else:
                self._json(200, {"id": identity.kakao_id})
        elif path == "/_standin/code":
            self._shortcut_code()
        else:
            self._json(404, {"msg": "not found", "code": -2})

    # --- endpoints --------------------------------------------------------------

    def _consent_page(self, query: dict[str, str]) -> None:
        standin = self.server.standin
        client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
        if client_id != standin.client_id:
            self._html(400, _error_page("KOE101", "앱 키가 올바르지 않습니다 (unknown client_id)."))
            return
        if not redirect_uri or query.get("response_type") != "code":
            self._html(400, _error_page("KOE006", "redirect_uri 또는 response_type이 없습니다."))
            return
        self._html(200, _consent_html(query))

    def _consent_answer(self, form: dict[str, str]) -> None:
        redirect_uri = form.get("redirect_uri", "")
        if form.get("client_id") != self.server.standin.client_id or not redirect_uri:
            self._html(400, _error_page("KOE101", "잘못된 요청입니다."))
            return
        params: dict[str, str] = {}
        if form.get("action") == "agree":
            identity = Identity(
                nickname=form.get("nickname", "").strip()[:40] or "카카오 사용자",
                email=form.get("email", "").strip()[:100],
                email_verified=form.get("email_verified") == "on",
                profile_image=form.get("profile_image") == "on",
            )
            params["code"] = self.server.standin.issue_code(
                client_id=form["client_id"],
                redirect_uri=redirect_uri,
                identity=identity,
                nonce=form.get("nonce") or None,
                scope=tuple(s for s in form.get("scope", "").split(",") if s),
            )
        else:
            params.update(error="access_denied", error_description="User denied access")
        if form.get("state"):
            params["state"] = form["state"]
        separator = "&" if "?" in redirect_uri else "?"
        self.send_response(302)
        self.send_header("Location", f"{redirect_uri}{separator}{urlencode(params)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _user_me(self) -> None:
        self._delay()
        identity = self.server.standin.identity_for(self.headers.get("Authorization"))
        if identity is None:
            self._json(401, {"msg": "this access token does not exist", "code": -401})
        else:
            self._json(200, identity.user_json(self.server.standin.issuer))

    def _shortcut_code(self) -> None:
        """Automation's way to the consent page's result, without a browser."""
        try:
            body = json.loads(self._body() or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("client_id") != self.server.standin.client_id:
            self._json(400, {"msg": "client_id and redirect_uri are required", "code": -2})
            return
        identity = Identity(
            nickname=str(body.get("nickname") or "벤치 사용자"),
            email=str(body.get("email") or ""),
            email_verified=bool(body.get("email_verified", True)),
            profile_image=bool(body.get("profile_image", True)),
        )
        code = self.server.standin.issue_code(
            client_id=body["client_id"],
            redirect_uri=str(body.get("redirect_uri") or ""),
            identity=identity,
            nonce=body.get("nonce") or None,
            scope=tuple(str(body.get("scope") or "").split(",")) if body.get("scope") else (),
        )
        self._json(200, {"code": code})

    def _avatar(self, seed: str) -> None:
        """A generated profile picture: a coloured circle, different per person."""
        digest = hashlib.sha256(seed.encode()).hexdigest()
        colour, shade = f"#{digest[:6]}", f"#{digest[6:12]}"
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            f'<rect width="64" height="64" fill="{colour}"/>'
            f'<circle cx="32" cy="26" r="12" fill="{shade}"/>'
            f'<ellipse cx="32" cy="58" rx="22" ry="16" fill="{shade}"/></svg>'
        )
        self._send(200, svg.encode(), "image/svg+xml")

    def _discovery(self) -> dict[str, Any]:
        issuer = self.server.standin.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "userinfo_endpoint": f"{issuer}/v1/oidc/userinfo",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    # --- plumbing ----------------------------------------------------------------

    def _split(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 64 * 1024)) if length > 0 else b""

    def _form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self._body().decode("utf-8", "replace")).items()}

    def _delay(self) -> None:
        if self.server.standin.latency_ms:
            time.sleep(self.server.standin.latency_ms / 1000)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json;charset=UTF-8")

    def _html(self, status: int, body: str) -> None:
        self._send(status, body.encode(), "text/html; charset=utf-8")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], standin: KakaoStandIn) -> None:
        self.standin = standin
        super().__init__(address, Handler)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    client_id: str,
    client_secret: str = "",
    latency_ms: int = 0,
) -> StandInServer:
    """Bind a stand-in (port 0 picks a free port); call ``serve_forever`` to run it."""
    standin = KakaoStandIn(client_id=client_id, client_secret=client_secret, latency_ms=latency_ms)
    server = StandInServer((host, port), standin)
    standin.issuer = f"http://{host}:{server.server_address[1]}"
    return server


def start_in_thread(**kwargs: Any) -> tuple[StandInServer, str]:
    """Run a stand-in in a daemon thread; returns the server and its base URL."""
    kwargs.setdefault("port", 0)
    server = make_server(**kwargs)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        daemon=True,
        name="kakao-standin",
    ).start()
    return server, server.standin.issuer


# --- pages ------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Apple SD Gothic Neo",sans-serif;background:#f5f5f5;
margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:420px;width:100%;margin:40px 16px;padding:28px;border-radius:12px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 4px}.badge{background:#fee500;border-radius:6px;padding:2px 8px;
font-size:12px;font-weight:600}p.note{color:#666;font-size:13px}
label{display:block;margin:12px 0 4px;font-size:14px}
input[type=text],input[type=email]{width:100%;box-sizing:border-box;padding:10px;
border:1px solid #ddd;border-radius:8px;font-size:15px}
.check{display:flex;gap:8px;align-items:center;margin-top:10px}
.presets button{margin:4px 4px 0 0;padding:6px 10px;border:1px solid #ddd;border-radius:16px;
background:#fafafa;cursor:pointer}
.actions{display:flex;gap:8px;margin-top:22px}
.actions button{flex:1;padding:12px;border:0;border-radius:8px;font-size:15px;cursor:pointer}
#agree{background:#fee500;color:#191919;font-weight:700}#cancel{background:#eee}
"""


def _consent_html(query: dict[str, str]) -> str:
    def hidden(name: str) -> str:
        value = html.escape(query.get(name, ""), quote=True)
        return f'<input type="hidden" name="{name}" value="{value}">'

    first = PRESETS[0]
    presets = "".join(
        f'<button type="button" data-nickname="{html.escape(p["nickname"])}" '
        f'data-email="{html.escape(p["email"])}" '
        f'data-verified="{"1" if p["email_verified"] else "0"}">'
        f"{html.escape(p['nickname'])}</button>"
        for p in PRESETS
    )
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>카카오 로그인 (stand-in)</title><style>{_STYLE}</style></head><body><main>
<h1>카카오 로그인 <span class="badge">stand-in</span></h1>
<p class="note">개발용 가짜 카카오입니다. 테스트할 사용자를 고르거나 입력하고 동의하세요.<br>
A local stand-in for Kakao: pick or type a test identity, then agree.</p>
<div class="presets">{presets}</div>
<form method="post" action="/oauth/authorize" id="consent">
{hidden("client_id")}{hidden("redirect_uri")}{hidden("state")}{hidden("nonce")}{hidden("scope")}
<label for="nickname">닉네임 / Nickname</label>
<input type="text" id="nickname" name="nickname" maxlength="40"
 value="{html.escape(first["nickname"])}">
<label for="email">이메일 / Email (비우면 제공 안 함)</label>
<input type="email" id="email" name="email" value="{html.escape(first["email"])}" maxlength="100">
<div class="check"><input type="checkbox" id="email_verified" name="email_verified" checked>
<label for="email_verified" style="margin:0">이메일 인증됨 / email verified</label></div>
<div class="check"><input type="checkbox" id="profile_image" name="profile_image" checked>
<label for="profile_image" style="margin:0">프로필 사진 제공 / share profile image</label></div>
<div class="actions">
<button type="submit" name="action" value="cancel" id="cancel">취소 / Cancel</button>
<button type="submit" name="action" value="agree" id="agree">동의하고 계속하기 / Agree</button>
</div></form>
<script>
document.querySelectorAll('.presets button').forEach(function (b) {{
  b.addEventListener('click', function () {{
    document.getElementById('nickname').value = b.dataset.nickname;
    document.getElementById('email').value = b.dataset.email;
    document.getElementById('email_verified').checked = b.dataset.verified === '1';
  }});
}});
</script></main></body></html>"""


def _error_page(code: str, message: str) -> str:
    return (
        f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><style>{_STYLE}</style>'
        f"</head><body><main><h1>{html.escape(code)}</h1><p>{html.escape(message)}</p>"
        "</main></body></html>"
    )
