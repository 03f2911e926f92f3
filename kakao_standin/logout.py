"""Logging out of the Kakao account too (카카오계정과 함께 로그아웃, shared/KAKAO_API.md §12).

``GET /oauth/logout?client_id=…&logout_redirect_uri=…&state=…``: with a Kakao session
in this browser the person is asked (this service only, or Kakao too), then sent to
the registered logout redirect URI with ``state``; without one, straight there.
"""

from __future__ import annotations

import html
import logging

from kakao_standin.http_base import StandInRequestHandler
from kakao_standin.kakao_session import COOKIE, KakaoSession, expired_cookie
from kakao_standin.pages import error_page, page

logger = logging.getLogger("kakao_standin.server")

_CARRIED = ("client_id", "logout_redirect_uri", "state")


class LogoutRoutes(StandInRequestHandler):
    """The logout page (GET) and the person's answer (POST)."""

    def _logout_page(self, query: dict[str, str]) -> None:
        uri = self._logout_target(query)
        if uri is None:
            return
        session = self.server.standin.sessions.get(self._cookie(COOKIE))
        if session is None:
            self._logout_redirect(uri, query)  # nothing to end, nothing to ask
        else:
            self._html(200, logout_html(query, session))

    def _logout_answer(self, form: dict[str, str]) -> None:
        uri = self._logout_target(form)
        if uri is None:
            return
        if form.get("action") == "kakao":
            ended = self.server.standin.sessions.end(self._cookie(COOKIE))
            self._set_cookie(expired_cookie())
            logger.info("standin kakao logout user=%s", ended.identity.kakao_id if ended else "-")
        self._logout_redirect(uri, form)

    def _logout_target(self, params: dict[str, str]) -> str | None:
        """The logout redirect URI when the app and the URI are registered; else an error page."""
        standin = self.server.standin
        if params.get("client_id") != standin.client_id:
            self._html(400, error_page("KOE101", "앱 키가 올바르지 않습니다 (unknown client_id)."))
            return None
        uri = params.get("logout_redirect_uri", "")
        if uri not in standin.logout_redirect_uris:
            self._html(
                400,
                error_page(
                    "invalid logout_redirect_uri",
                    "등록되지 않은 로그아웃 리다이렉트 URI입니다. / This logout_redirect_uri "
                    "is not registered for the app (start the stand-in with "
                    "--logout-redirect-uris).",
                ),
            )
            return None
        return uri

    def _logout_redirect(self, uri: str, params: dict[str, str]) -> None:
        self._redirect(uri, {"state": params["state"]} if params.get("state") else {})


def logout_html(params: dict[str, str], session: KakaoSession) -> str:
    """Kakao's question: log out of this service only, or of the Kakao account too."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
        for name in _CARRIED
    )
    who = session.identity
    return page(
        "카카오계정 로그아웃 (stand-in)",
        '<h1>카카오계정 로그아웃 <span class="badge">stand-in</span></h1>'
        f'<p class="note" id="logout-who"><b>{html.escape(who.nickname)}</b> '
        f"({html.escape(who.email or 'no email')}): 카카오계정에서도 로그아웃할까요?<br>"
        "Log out of the Kakao account in this browser too?</p>"
        f'<form method="post" action="/oauth/logout" id="logout">{hidden}<div class="actions">'
        '<button type="submit" name="action" value="service" id="logout-service">'
        "이 서비스만 / This service only</button>"
        '<button type="submit" name="action" value="kakao" id="logout-kakao">'
        "카카오계정과 함께 로그아웃 / Log out of Kakao too</button></div></form>",
    )
