"""Kakao's login and consent screen, as the stand-in draws it."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from kakao_standin.consent import Asked
from kakao_standin.identity import PRESETS, Identity
from kakao_standin.kakao_session import KakaoSession
from kakao_standin.pages import HEAD

# The authorize parameters the page sends back with the person's answer.
CARRIED = (
    "client_id",
    "redirect_uri",
    "state",
    "nonce",
    "scope",
    "prompt",
    "service_terms",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
)

_PAGE_STYLE = """
section{margin-top:18px;border-top:1px solid #eee;padding-top:8px}
h2{font-size:15px;margin:8px 0}.tag{color:#888;font-size:12px}
#error{background:#ffe3e3;border-radius:8px;padding:10px;font-size:14px}
#session{background:#f0f7ff;border-radius:8px;padding:10px;font-size:14px}
#accounts button{display:block;width:100%;text-align:left;margin:6px 0;padding:10px;
border:1px solid #ddd;border-radius:8px;background:#fafafa;cursor:pointer}
input[type=password]{width:100%;padding:10px;border:1px solid #ddd;
border-radius:8px;font-size:15px}
"""


@dataclass(frozen=True)
class ConsentView:
    """What one showing of the page holds."""

    params: dict[str, str]  # the authorize request, sent back in hidden fields
    identity: Identity | None  # pre-filled (None: empty fields, a new account)
    session: KakaoSession | None
    asked: Asked
    password: bool  # prompt=login: the password is asked again
    create: bool  # prompt=create
    accounts: tuple[tuple[str, Identity], ...]  # prompt=select_account: (value, person)
    error: str = ""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def consent_html(view: ConsentView) -> str:
    """The account (typed, picked or the Kakao session's), its password, and what to agree to."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{_e(view.params.get(name, ""))}">'
        for name in CARRIED
    )
    asked_scopes = ",".join(item.id for item in view.asked.scopes)
    asked_terms = ",".join(term.tag for term in view.asked.terms)
    hidden += f'<input type="hidden" name="asked_scopes" value="{_e(asked_scopes)}">'
    hidden += f'<input type="hidden" name="asked_terms" value="{_e(asked_terms)}">'
    who = view.identity or Identity(nickname="", email="")
    parts = [
        '<h1>카카오 로그인 <span class="badge">stand-in</span></h1>',
        '<p class="note">개발용 가짜 카카오입니다. '
        "테스트할 사용자를 고르거나 입력하고 동의하세요.<br>"
        "A local stand-in for Kakao: pick or type a test identity, then agree.</p>",
    ]
    if view.error:
        parts.append(f'<p id="error" role="alert">{_e(view.error)}</p>')
    if view.session is not None:
        since = datetime.fromtimestamp(view.session.auth_time, UTC).strftime("%H:%M:%S UTC")
        parts.append(
            f'<p id="session">카카오계정 <b>{_e(view.session.identity.nickname)}</b> '
            f"({_e(view.session.identity.email or 'no email')})로 로그인되어 있어요 · "
            f"logged in to Kakao since {since}</p>"
        )
    if view.create:
        parts.append('<p class="note" id="create">새 카카오계정 만들기 / Create an account</p>')
    if view.accounts:
        # A form of its own: choosing is agreeing as that person, whose screen comes next
        # when they have something to agree to (the page then asks for it).
        buttons = "".join(
            f'<button type="submit" name="account" value="{_e(value)}" class="account">'
            f'<b>{_e(person.nickname)}</b> <span class="tag">{_e(person.email or "no email")}'
            "</span></button>"
            for value, person in view.accounts
        )
        parts.append(
            '<form method="post" action="/oauth/authorize" id="accounts">'
            f'{hidden}<input type="hidden" name="action" value="agree">'
            f"<h2>계정 선택 / Choose an account</h2>{buttons}</form>"
            '<p class="note">또는 다른 계정 / or another one:</p>'
        )
    parts.append(f'<form method="post" action="/oauth/authorize" id="consent">{hidden}')
    parts.append(_account_fields(who, password=view.password))
    parts.append(_asked_html(view.asked))
    parts.append(
        '<div class="actions">'
        '<button type="submit" name="action" value="cancel" id="cancel">취소 / Cancel</button>'
        '<button type="submit" name="action" value="agree" id="agree">'
        "동의하고 계속하기 / Agree</button></div></form>"
    )
    return (
        f'<!doctype html><html lang="ko"><head>{HEAD}'
        f"<title>카카오 로그인 (stand-in)</title><style>{_PAGE_STYLE}</style></head>"
        f"<body><main>{''.join(parts)}{_SCRIPT}</main></body></html>"
    )


def _account_fields(who: Identity, *, password: bool) -> str:
    presets = "".join(
        f'<button type="button" data-nickname="{_e(p["nickname"])}" '
        f'data-email="{_e(p["email"])}" data-verified="{"1" if p["email_verified"] else "0"}">'
        f"{_e(p['nickname'])} <small>{_e(p['label'])}</small></button>"
        for p in PRESETS
    )
    fields = (
        f'<div class="presets">{presets}</div>'
        '<label for="nickname">닉네임 / Nickname</label>'
        '<input type="text" id="nickname" name="nickname" maxlength="40" '
        f'value="{_e(who.nickname)}">'
        '<label for="email">이메일 / Email (비우면 없음)</label>'
        f'<input type="email" id="email" name="email" value="{_e(who.email)}" maxlength="100">'
        '<div class="check"><input type="checkbox" id="email_verified" name="email_verified"'
        f"{' checked' if who.email_verified else ''}>"
        '<label for="email_verified" style="margin:0">이메일 인증됨 / email verified</label></div>'
    )
    if password:
        fields += (
            '<p class="note" id="reauth">비밀번호를 다시 입력하세요 / Enter your Kakao password '
            "again (prompt=login; the stand-in takes any).</p>"
            '<label for="password">비밀번호 / Password</label>'
            '<input type="password" id="password" name="password" required autocomplete="off">'
        )
    return fields


def _asked_html(asked: Asked) -> str:
    title = "동의 항목 / Consent" if asked.first else "추가 동의 / Additional consent"
    rows = "".join(
        '<div class="check">'
        f'<input type="checkbox" id="scope_{_e(item.id)}" name="agree_scope" '
        f'value="{_e(item.id)}" checked{" disabled" if item.required else ""}>'
        f'<label for="scope_{_e(item.id)}" style="margin:0">'
        f"[{'필수' if item.required else '선택'}] {_e(item.display_name)} "
        f'<span class="tag">{_e(item.id)}</span></label></div>'
        for item in asked.scopes
    )
    html_ = f'<section id="scopes"><h2>{title}</h2>'
    html_ += rows or '<p class="note" id="nothing-new">새로 동의할 항목이 없어요 / Nothing new.</p>'
    html_ += "</section>"
    if asked.terms:
        terms = "".join(
            '<div class="check">'
            f'<input type="checkbox" id="term_{_e(term.tag)}" name="agree_terms" '
            f'value="{_e(term.tag)}" data-required="{"1" if term.required else "0"}">'
            f'<label for="term_{_e(term.tag)}" style="margin:0">'
            f"[{'필수' if term.required else '선택'}] {_e(term.title)} "
            f'<span class="tag">{_e(term.tag)}</span></label></div>'
            for term in asked.terms
        )
        html_ += (
            '<section id="terms"><h2>서비스 약관 / Service terms</h2>'
            '<div class="check"><input type="checkbox" id="agree_all">'
            '<label for="agree_all" style="margin:0">전체 동의 / Agree to all</label></div>'
            f"{terms}</section>"
        )
    return html_


_SCRIPT = """<script>
document.querySelectorAll('.presets button').forEach(function (b) {
  b.addEventListener('click', function () {
    document.getElementById('nickname').value = b.dataset.nickname;
    document.getElementById('email').value = b.dataset.email;
    document.getElementById('email_verified').checked = b.dataset.verified === '1';
  });
});
var all = document.getElementById('agree_all');
if (all) all.addEventListener('change', function () {
  document.querySelectorAll('input[name=agree_terms]').forEach(function (c) {
    c.checked = all.checked;
  });
});
</script>"""
