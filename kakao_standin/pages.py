"""The stand-in's HTML: its style, error pages, its index and the connections page."""

from __future__ import annotations

import html
from typing import Any

from kakao_standin.consent import ConsentItem, ServiceTerm
from kakao_standin.identity import PRESETS, Identity

# From a 360 px phone up: nothing wider than the page, Korean broken between words
# (keep-all) as English is, and paths and keys (code) free to break anywhere.
STYLE = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Apple SD Gothic Neo",sans-serif;background:#f5f5f5;
margin:0;display:flex;justify-content:center;word-break:keep-all;overflow-wrap:break-word}
main{background:#fff;max-width:420px;width:100%;margin:clamp(8px,5vw,40px) clamp(8px,3vw,16px);
padding:clamp(16px,5vw,28px);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 4px}.badge{background:#fee500;border-radius:6px;padding:2px 8px;
font-size:12px;font-weight:600;white-space:nowrap}p.note{color:#666;font-size:13px}
label{display:block;margin:12px 0 4px;font-size:14px}
input[type=text],input[type=email]{width:100%;padding:10px;
border:1px solid #ddd;border-radius:8px;font-size:15px}
.check{display:flex;gap:8px;align-items:center;margin-top:10px}
.presets{display:flex;flex-wrap:wrap;gap:6px}
.presets button{max-width:100%;padding:6px 10px;border:1px solid #ddd;border-radius:16px;
background:#fafafa;cursor:pointer;text-align:left}.presets small{color:#666}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:22px}
.actions button{flex:1 1 auto;max-width:100%;padding:12px;border:0;border-radius:8px;font-size:15px;
cursor:pointer}
#agree,#logout-kakao{background:#fee500;color:#191919;font-weight:700}
#cancel,#logout-service{background:#eee}
ul.links{padding-left:20px}ul.links li{margin:6px 0;font-size:14px}
code{font-size:13px;overflow-wrap:anywhere}
form.connection{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;
padding:10px 0;border-bottom:1px solid #eee}form.connection>span{min-width:0}
.kakao-id{color:#888;font-size:12px}
form.connection button{padding:8px 12px;border:0;border-radius:8px;background:#eee;cursor:pointer}
#result{background:#fff8c4;border-radius:8px;padding:10px;font-size:14px}
"""

# A speech bubble on Kakao's black, so its tab is told apart from the app's (yellow).
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="14" fill="#191919"/>'
    '<path fill="#fee500" d="M32 13C19.3 13 9 21.2 9 31.3c0 6.5 4.3 12.2 10.8 15.5l-2.3 8.4c-.2.7'
    '.6 1.3 1.2.9l10-6.6c1.1.1 2.2.2 3.3.2 12.7 0 23-8.2 23-18.3S44.7 13 32 13z"/></svg>'
)

HEAD = (
    '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
    '<link rel="icon" href="/favicon.svg" type="image/svg+xml">'
    f"<style>{STYLE}</style>"
)


def error_page(code: str, message: str) -> str:
    """A Kakao-style error page (KOE codes)."""
    return (
        f'<!doctype html><html lang="ko"><head>{HEAD}<title>{html.escape(code)}</title>'
        f"</head><body><main><h1>{html.escape(code)}</h1><p>{html.escape(message)}</p>"
        "</main></body></html>"
    )


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="ko"><head>{HEAD}'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"{body}</main></body></html>"
    )


_INDEX = (
    ("GET", "/oauth/authorize", "Kakao's consent page (the code flow starts here)"),
    ("GET", "/oauth/logout", "log out of Kakao too: client_id, logout_redirect_uri, state"),
    ("POST", "/_standin/code", "a code without the browser: JSON {client_id, redirect_uri, …}"),
    ("GET", "/_standin/native-token", "the tokens a Kakao SDK gives a mobile app, as a page"),
    ("POST", "/_standin/native-token", "the same as JSON {nickname, email, …}"),
    ("GET", "/_standin/connections", "people connected to the app, to disconnect from Kakao"),
    ("POST", "/_standin/disconnect", "the same as JSON {user_id}: sends Kakao's unlink notice"),
    ("GET", "/_standin/unlinks", "every unlink the app asked for (JSON)"),
    ("GET", "/.well-known/openid-configuration", "OpenID Connect discovery"),
    ("GET", "/.well-known/jwks.json", "the keys that sign id_tokens (JWKS)"),
)

_API = (
    "/oauth/token",
    "/v2/user/me",
    "/v1/user/access_token_info",
    "/v1/user/logout",
    "/v1/user/unlink",
    "/v2/user/scopes",
    "/v2/user/revoke/scopes",
    "/v2/user/service_terms",
    "/v2/user/revoke/service_terms",
)


def index_html(
    *,
    app_id: int,
    client_id: str,
    native_app_key: str,
    consent_items: tuple[ConsentItem, ...] = (),
    service_terms: tuple[ServiceTerm, ...] = (),
    logout_redirect_uris: tuple[str, ...] = (),
) -> str:
    """What the stand-in offers, one line each, and how its app is configured."""
    items = "".join(
        f'<li><code>{method} <a href="{path}">{path}</a></code> — {html.escape(what)}</li>'
        if method == "GET"
        else f"<li><code>{method} {path}</code> — {html.escape(what)}</li>"
        for method, path, what in _INDEX
    )
    scopes = ", ".join(
        f"<code>{html.escape(i.id)}</code>{' (required)' if i.required else ''}"
        for i in consent_items
    )
    terms = ", ".join(
        f"<code>{html.escape(t.tag)}</code> ({'required' if t.required else 'optional'}"
        f"{', revocable' if t.revocable else ''})"
        for t in service_terms
    )
    logout = ", ".join(f"<code>{html.escape(u)}</code>" for u in logout_redirect_uris)
    return page(
        "Kakao stand-in",
        '<h1>Kakao stand-in <span class="badge">development only</span></h1>'
        f'<p class="note">app id {app_id} · REST API key <code>{html.escape(client_id)}</code>'
        f" · native app key <code>{html.escape(native_app_key)}</code></p>"
        f'<ul class="links">{items}</ul>'
        '<p class="note">Kakao\'s own API: '
        + ", ".join(f"<code>{path}</code>" for path in _API)
        + ".</p>"
        f'<p class="note" id="scopes">Consent items: {scopes or "none"}.</p>'
        f'<p class="note" id="terms">Kakao Sync service terms: '
        f"{terms or 'none (start with ' + _option('--service-terms') + ')'}.</p>"
        f'<p class="note" id="logout-uris">Logout redirect URIs: '
        f"{logout or 'none (start with ' + _option('--logout-redirect-uris') + ')'}.</p>",
    )


def native_token_html(app_id: int, *, tokens: dict[str, Any] | None = None) -> str:
    """A person's way to the tokens a Kakao SDK would give a mobile app, to paste elsewhere."""
    first = PRESETS[0]
    shown = ""
    if tokens is not None:
        shown = (
            '<p id="result">access_token (<code>kakaoLoginWithToken(accessToken: …)</code>, '
            f"valid {round(tokens['expires_in'] / 3600)} h):<br>"
            '<code id="access-token" style="word-break:break-all">'
            f"{html.escape(tokens['access_token'])}</code></p>"
        )
    return page(
        "Native app token (stand-in)",
        '<h1>앱 로그인 토큰 <span class="badge">stand-in</span></h1>'
        '<p class="note">What a Kakao SDK gives a mobile app after login, for app id '
        f"{app_id}: pick a test identity, then paste the access token where the app would "
        "send it (GraphiQL's KakaoLoginWithToken).</p>"
        + shown
        + '<form method="post" action="/_standin/native-token">'
        '<label for="nickname">닉네임 / Nickname</label>'
        '<input type="text" id="nickname" name="nickname" maxlength="40" '
        f'value="{html.escape(first["nickname"])}">'
        '<label for="email">이메일 / Email (비우면 제공 안 함)</label>'
        '<input type="email" id="email" name="email" maxlength="100" '
        f'value="{html.escape(first["email"])}">'
        '<div class="check"><input type="checkbox" id="email_verified" name="email_verified" '
        'checked><label for="email_verified" style="margin:0">이메일 인증됨 / email verified'
        "</label></div>"
        '<div class="check"><input type="checkbox" id="profile_image" name="profile_image" '
        'checked><label for="profile_image" style="margin:0">프로필 사진 제공 / share profile '
        "image</label></div>"
        '<div class="actions"><button type="submit" id="agree">토큰 받기 / Get a token</button>'
        "</div></form>",
    )


def _option(name: str) -> str:
    """A command-line option, kept on one line (a narrow screen must not break it at a dash)."""
    return f'<code style="white-space:nowrap">{html.escape(name)}</code>'


def connections_html(*, people: list[Identity], callback_url: str, result: str = "") -> str:
    """Kakao's "connected services" page: one form per person, to disconnect the app."""
    forms = "".join(
        f'<form class="connection" method="post" action="/_standin/connections" '
        f'data-user-id="{who.kakao_id}">'
        f'<input type="hidden" name="user_id" value="{who.kakao_id}">'
        f'<span><span class="nickname">{html.escape(who.nickname)}</span><br>'
        f'<span class="kakao-id">{who.kakao_id}</span></span>'
        '<button type="submit">Disconnect this app</button></form>'
        for who in people
    )
    if callback_url:
        where = f"Kakao's unlink notice goes to <code>{html.escape(callback_url)}</code>."
    else:
        where = (
            "No unlink callback URL is configured (start with <code>--unlink-callback-url</code>)"
            ": disconnecting sends no notice."
        )
    return page(
        "Connected services (stand-in)",
        '<h1>연결된 서비스 <span class="badge">stand-in</span></h1>'
        '<p class="note">Connected services: the people connected to this app. Disconnecting '
        f'here is what a person does in their Kakao account settings.</p><p class="note" '
        f'id="callback">{where}</p>'
        + (f'<p id="result">{html.escape(result)}</p>' if result else "")
        + (forms or '<p id="empty">Nobody is connected to the app.</p>'),
    )
