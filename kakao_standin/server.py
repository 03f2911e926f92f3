"""A local stand-in for Kakao's login endpoints, for development, demos, e2e tests and benchmarks.

It speaks the endpoints this project uses with Kakao's request and response
shapes and error codes (shared/KAKAO_API.md): the consent page at
``/oauth/authorize`` (with ``scope``, ``service_terms``, ``prompt`` and
``login_hint``, and a "Kakao session" cookie), ``/oauth/logout``,
``/oauth/token``, ``/v2/user/me``, ``/v1/user/access_token_info``,
``/v1/user/logout``, ``/v1/user/unlink``, the consent items and service terms of
a person (``/v2/user/scopes``, ``/v2/user/service_terms`` and their revoke
endpoints; all of these with the person's token or the admin key) and, for
OpenID Connect, the JWKS and discovery documents with RS256-signed id_tokens.
The backend's Kakao client talks to it unchanged: point ``KAKAO_AUTH_URL`` and
``KAKAO_API_URL`` at it.

Automation and demos get ``/_standin/...`` shortcuts (listed on ``/``): a code
without the browser, the tokens a mobile SDK would hand an app, and Kakao's side
of the account's life (a person disconnecting the app, which sends the unlink
notice to the backend).

Only the standard library's threaded HTTP server and what the project already
depends on (PyJWT, cryptography). Everything is in memory.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from kakao_standin import pkce
from kakao_standin.account_routes import NOT_A_TOKEN, AccountRoutes
from kakao_standin.authorize import AuthorizeRoutes
from kakao_standin.consent_routes import ConsentRoutes
from kakao_standin.identity import PRESETS, Identity, identity_from_json
from kakao_standin.logout import LogoutRoutes
from kakao_standin.pages import FAVICON_SVG, error_page, index_html
from kakao_standin.shortcuts import shortcut_consent
from kakao_standin.state import (
    KakaoStandIn,
)

__all__ = ["PRESETS", "Identity", "KakaoStandIn", "make_server", "start_in_thread"]


class Handler(AccountRoutes, ConsentRoutes, AuthorizeRoutes, LogoutRoutes):
    """Routes one request to the stand-in: the code flow here, the other stories above."""

    # --- routing -------------------------------------------------------------

    def do_GET(self) -> None:
        path, query = self._split()
        if path == "/oauth/authorize":
            self._consent_page(query)
        elif path == "/oauth/logout":
            self._logout_page(query)
        elif path == "/v2/user/me":
            self._user_me()
        elif path in ("/v2/user/scopes", "/v2/user/service_terms"):
            self._consent_api(path, query)
        elif path == "/v1/user/access_token_info":
            self._token_info()
        elif path == "/.well-known/jwks.json":
            self._json(200, self.server.standin.jwks())
        elif path == "/.well-known/openid-configuration":
            self._json(200, self._discovery())
        elif path.startswith("/_standin/avatar/"):
            self._avatar(path.rsplit("/", 1)[-1].removesuffix(".svg"))
        elif path == "/_standin/connections":
            self._connections_page()
        elif path in ("/favicon.svg", "/favicon.ico"):
            # /favicon.ico too: what a browser asks for on a page without a link (JSON).
            self._send(200, FAVICON_SVG.encode(), "image/svg+xml")
        elif path == "/_standin/native-token":
            self._native_token_page()
        elif path == "/_standin/unlinks":
            self._json(200, {"unlinks": self.server.standin.unlinks()})
        elif path == "/":
            standin = self.server.standin
            self._html(
                200,
                index_html(
                    app_id=standin.app_id,
                    client_id=standin.client_id,
                    native_app_key=standin.native_app_key,
                    consent_items=standin.consent.items,
                    service_terms=standin.consent.terms,
                    logout_redirect_uris=standin.logout_redirect_uris,
                ),
            )
        else:
            self._json(404, {"msg": "not found", "code": -2})

    def do_POST(self) -> None:
        path, _ = self._split()
        if path == "/oauth/authorize":
            self._consent_answer(self._form())
        elif path == "/oauth/logout":
            self._logout_answer(self._form())
        elif path in ("/v2/user/revoke/scopes", "/v2/user/revoke/service_terms"):
            self._consent_api(path, self._form())
        elif path == "/oauth/token":
            self._delay()
            self._json(*self.server.standin.exchange(self._form()))
        elif path == "/v2/user/me":
            self._user_me()
        elif path == "/v1/user/logout":
            self._delay()
            identity = self.server.standin.forget_token(self.headers.get("Authorization"))
            if identity is None:
                self._json(401, NOT_A_TOKEN)
            else:
                self._json(200, {"id": identity.kakao_id})
        elif path == "/v1/user/unlink":
            self._delay()
            self._unlink(self._form())
        elif path == "/_standin/code":
            self._shortcut_code()
        elif path == "/_standin/native-token":
            self._native_token()
        elif path == "/_standin/connections":
            self._connections_page(self._form().get("user_id"))
        elif path == "/_standin/disconnect":
            self._disconnect_json()
        else:
            self._json(404, {"msg": "not found", "code": -2})

    # --- endpoints --------------------------------------------------------------

    def _consent_page(self, query: dict[str, str]) -> None:
        standin = self.server.standin
        client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
        if client_id != standin.client_id:
            self._html(400, error_page("KOE101", "앱 키가 올바르지 않습니다 (unknown client_id)."))
            return
        if not redirect_uri or query.get("response_type") != "code":
            self._html(400, error_page("KOE006", "redirect_uri 또는 response_type이 없습니다."))
            return
        self._authorize_screen(query)  # scope, service_terms, prompt, login_hint

    def _consent_answer(self, form: dict[str, str]) -> None:
        redirect_uri = form.get("redirect_uri", "")
        if form.get("client_id") != self.server.standin.client_id or not redirect_uri:
            self._html(400, error_page("KOE101", "잘못된 요청입니다."))
            return
        params: dict[str, str] = {}
        if form.get("action") == "agree":
            login = self._login(form)  # who, since when, agreeing to what
            if login is None:
                return  # the page was shown again: a password or a required term is missing
            params["code"] = self.server.standin.issue_code(
                client_id=form["client_id"],
                redirect_uri=redirect_uri,
                identity=login.identity,
                nonce=form.get("nonce") or None,
                scope=login.scope,
                auth_time=login.auth_time,
                code_challenge=login.code_challenge,
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
        standin, authorization = self.server.standin, self.headers.get("Authorization")
        identity, info = standin.identity_for(authorization), standin.token_info(authorization)
        if identity is None or info is None:
            self._json(401, NOT_A_TOKEN)
        else:
            agreed = standin.consent.agreed_scopes(info["app_id"], identity.kakao_id)
            self._json(200, identity.user_json(standin.issuer, agreed))

    def _shortcut_code(self) -> None:
        """Automation's way to the consent page's result, without a browser."""
        body = self._json_body()
        if body is None or body.get("client_id") != self.server.standin.client_id:
            self._json(400, {"msg": "client_id and redirect_uri are required", "code": -2})
            return
        standin = self.server.standin
        try:
            identity = identity_from_json(body)
            consent = shortcut_consent(body, standin.consent)
            challenge = pkce.challenge_from(
                {k: str(body.get(k) or "") for k in ("code_challenge", "code_challenge_method")}
            )
        except ValueError as error:
            self._json(400, {"msg": str(error), "code": -2})
            return
        code = standin.issue_code(
            client_id=body["client_id"],
            redirect_uri=str(body.get("redirect_uri") or ""),
            identity=identity,
            nonce=body.get("nonce") or None,
            scope=standin.agree(identity=identity, **consent.agreement),
            auth_time=consent.auth_time,
            code_challenge=challenge,
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


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], standin: KakaoStandIn) -> None:
        self.standin = standin
        super().__init__(address, Handler)


def make_server(host: str = "127.0.0.1", port: int = 8001, **options: Any) -> StandInServer:
    """Bind a stand-in (port 0 picks a free port); call ``serve_forever`` to run it.

    ``options`` are ``KakaoStandIn``'s (client_id, app_id, admin_key, …).
    """
    standin = KakaoStandIn(**options)
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
