"""The authorize request's options (§9): who logs in, with which password, agreeing to what.

``scope`` asks for consent items (a returning person sees only the new ones),
``service_terms`` for Kakao Sync terms (a sign-up sees the app's terms), ``prompt``
(``login`` asks for the password again and moves ``auth_time``, ``select_account``
offers the test people, ``create`` starts a new account, ``none`` answers without a
screen or with ``login_required``/``consent_required``) and ``login_hint``.

Unlike Kakao, the page shows whenever a screen may be shown, even when nothing new
needs agreeing to, so that a developer can always pick another test person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kakao_standin import pkce
from kakao_standin.consent import Asked, ConsentBook
from kakao_standin.consent_page import ConsentView, consent_html
from kakao_standin.http_base import StandInRequestHandler
from kakao_standin.identity import PRESETS, Identity, preset_identity
from kakao_standin.kakao_session import COOKIE, KakaoSession, set_cookie
from kakao_standin.pages import error_page

PROMPTS = frozenset({"login", "none", "create", "select_account"})
MAX_LOGIN_HINT = 254


class AuthorizeError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class AuthorizeRequest:
    """The options of one authorize request, checked against the app."""

    scopes: tuple[str, ...]
    terms: tuple[str, ...]
    prompts: frozenset[str]
    login_hint: str
    code_challenge: str | None  # PKCE's S256 challenge (§8)


@dataclass(frozen=True)
class Login:
    """Who agreed, when they last typed their password, the token's scope, the PKCE challenge."""

    identity: Identity
    auth_time: int
    scope: tuple[str, ...]
    code_challenge: str | None


def split_list(value: str) -> tuple[str, ...]:
    """Kakao's comma-separated lists (spaces tolerated), without repeats."""
    return tuple(dict.fromkeys(v for v in re.split(r"[,\s]+", value) if v))


def read_request(params: dict[str, str], consent: ConsentBook) -> AuthorizeRequest:
    scopes = split_list(params.get("scope", ""))
    if unknown := consent.unknown_scopes(scopes):
        raise AuthorizeError("KOE205", f"앱에 설정되지 않은 동의항목 / not configured: {unknown}")
    terms = split_list(params.get("service_terms", ""))
    if unknown := consent.unknown_terms(terms):
        raise AuthorizeError(
            "KOE205", f"앱에 없는 서비스 약관 / not a service term of the app: {unknown}"
        )
    prompts = frozenset(split_list(params.get("prompt", "")))
    if prompts - PROMPTS or ("none" in prompts and len(prompts) > 1):
        raise AuthorizeError(
            "invalid_request", "prompt: login, create, select_account, or none alone"
        )
    hint = params.get("login_hint", "").strip()
    if len(hint) > MAX_LOGIN_HINT:
        raise AuthorizeError("invalid_request", f"login_hint: at most {MAX_LOGIN_HINT} characters")
    try:
        challenge = pkce.challenge_from(params)
    except pkce.InvalidChallenge as error:
        raise AuthorizeError("invalid_request", str(error)) from None
    return AuthorizeRequest(scopes, terms, prompts, hint, challenge)


class AuthorizeRoutes(StandInRequestHandler):
    """The consent page's screens and what pressing Agree means."""

    if TYPE_CHECKING:  # the code flow's own handler (server.py) makes codes

        def _consent_answer(self, form: dict[str, str]) -> None: ...

    def _authorize_screen(self, query: dict[str, str]) -> None:
        """GET /oauth/authorize once client_id and redirect_uri are known good."""
        standin = self.server.standin
        try:
            request = read_request(query, standin.consent)
        except AuthorizeError as error:
            self._html(400, error_page(error.code, error.message))
            return
        session = self._kakao_session()
        if "none" not in request.prompts:
            self._html(200, consent_html(self._view(query, request, session)))
        elif session is None:
            self._redirect_error(query, "login_required", "user authentication required")
        elif self._asked(session.identity, request):
            self._redirect_error(query, "consent_required", "user consent required")
        else:
            # No screen: as if the person pressed Agree, so the code is made in one place.
            self._consent_answer({**query, "action": "agree", "account": "session"})

    def _login(self, form: dict[str, str]) -> Login | None:
        """Agree was pressed: the login and the consent, or None once the page is shown again."""
        standin = self.server.standin
        try:
            request = read_request(form, standin.consent)
        except AuthorizeError as error:
            self._html(400, error_page(error.code, error.message))
            return None
        session_id = self._cookie(COOKIE)
        session = standin.sessions.get(session_id)
        identity = _chosen(form, session)
        if identity is None:
            self._html(400, error_page("invalid_request", "account: no such account here"))
            return None
        fresh = session is None or identity != session.identity
        fresh = fresh or bool({"login", "create"} & request.prompts)
        asked = self._asked(identity, request)

        def again(status: int, error: str) -> None:
            view = self._view(form, request, session, identity=identity, error=error)
            self._html(status, consent_html(view))

        if "none" in request.prompts and (fresh or asked):
            self._redirect_error(form, "login_required" if fresh else "consent_required", "")
            return None
        shown_scopes = set(split_list(form.get("asked_scopes", "")))
        shown_terms = set(split_list(form.get("asked_terms", "")))
        if not (
            {item.id for item in asked.scopes} <= shown_scopes
            and {term.tag for term in asked.terms} <= shown_terms
        ):
            # Another person than the page was made for, with more to agree to.
            again(200, "이 계정이 동의할 항목을 확인하세요 / This account has more to agree to.")
            return None
        if fresh and "login" in request.prompts and not form.get("password"):
            again(400, "비밀번호를 다시 입력하세요 / Enter the password again (any will do).")
            return None
        agreed_terms = set(self._form_values("agree_terms"))
        if missing := [t.tag for t in asked.terms if t.required and t.tag not in agreed_terms]:
            again(400, f"필수 약관에 동의해야 계속할 수 있어요 / Required terms: {missing}")
            return None
        if fresh or session is None:
            auth_time = int(standin.clock())
            standin.sessions.end(session_id)
            self._set_cookie(set_cookie(standin.sessions.start(identity, auth_time=auth_time)))
        else:
            auth_time = session.auth_time
        agreed_scopes = set(self._form_values("agree_scope"))
        scope = standin.agree(
            identity=identity,
            scopes=[item.id for item in asked.scopes if item.required or item.id in agreed_scopes],
            terms=[term.tag for term in asked.terms if term.tag in agreed_terms],
            openid="openid" in request.scopes,
        )
        return Login(identity, auth_time, scope, request.code_challenge)

    # --- helpers -------------------------------------------------------------------

    def _kakao_session(self) -> KakaoSession | None:
        return self.server.standin.sessions.get(self._cookie(COOKIE))

    def _asked(self, identity: Identity | None, request: AuthorizeRequest) -> Asked:
        standin = self.server.standin
        return standin.consent.to_ask(
            standin.app_id,
            identity.kakao_id if identity else 0,
            scopes=request.scopes,
            terms=request.terms,
        )

    def _view(
        self,
        params: dict[str, str],
        request: AuthorizeRequest,
        session: KakaoSession | None,
        *,
        identity: Identity | None = None,
        error: str = "",
    ) -> ConsentView:
        prompts = request.prompts
        if identity is None and "create" not in prompts:
            if request.login_hint and (session is None or prompts & {"login", "select_account"}):
                identity = _hinted(request.login_hint)
            elif session is not None:
                identity = session.identity
            else:
                identity = preset_identity(PRESETS[0])
        accounts: list[tuple[str, Identity]] = []
        if "select_account" in prompts:
            presets = [preset_identity(preset) for preset in PRESETS]
            if session is not None and session.identity not in presets:
                accounts.append(("session", session.identity))
            accounts += [(str(i), who) for i, who in enumerate(presets)]
        return ConsentView(
            params=params,
            identity=identity,
            session=session,
            asked=self._asked(identity, request),
            password="login" in prompts,
            create="create" in prompts,
            accounts=tuple(accounts),
            error=error,
        )

    def _redirect_error(self, params: dict[str, str], error: str, description: str) -> None:
        answer = {"error": error, "error_description": description or error.replace("_", " ")}
        if params.get("state"):
            answer["state"] = params["state"]
        self._redirect(params.get("redirect_uri", ""), answer)


def _chosen(form: dict[str, str], session: KakaoSession | None) -> Identity | None:
    """The account chosen (``select_account``), the Kakao session's, or the one typed."""
    account = form.get("account")
    if account == "session":
        return session.identity if session is not None else None
    if account is not None:
        index = int(account) if account.isascii() and account.isdigit() else -1
        return preset_identity(PRESETS[index]) if 0 <= index < len(PRESETS) else None
    return Identity(
        nickname=form.get("nickname", "").strip()[:40] or "카카오 사용자",
        email=form.get("email", "").strip()[:100],
        email_verified=form.get("email_verified") == "on",
    )


def _hinted(hint: str) -> Identity:
    """``login_hint`` pre-fills the account id: a test person's email, or a new one."""
    for preset in PRESETS:
        if preset["email"] and preset["email"].lower() == hint.lower():
            return preset_identity(preset)
    email = hint[:100] if "@" in hint else ""
    return Identity(nickname=hint.split("@")[0][:40], email=email)
