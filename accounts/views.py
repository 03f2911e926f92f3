"""Kakao's unlink notice (연결 끊기 알림): a thin HTTP view over the account service.

Anyone can send a request to this URL, so it must prove to be Kakao's: the
``Authorization: KakaoAK <admin key>`` header, compared in constant time, and
this app's id. Kakao expects 200 within about 3 seconds and may send a notice
again, so the handling is idempotent and calls nobody. No session or CSRF
token is involved (Kakao has neither), and it is not rate-limited: a limit
could drop a real notice, and a forged one is refused before any work.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.errors import AccountError
from accounts.services import account

logger = logging.getLogger(__name__)

AUTH_SCHEME = "KakaoAK"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kakao_unlink_callback(request: HttpRequest) -> JsonResponse:
    """Kakao says a person disconnected the app: check it is Kakao, then forget them."""
    if not settings.KAKAO_ADMIN_KEY or not settings.KAKAO_APP_ID:
        # Not configured: tell Kakao to try again later rather than drop the notice.
        logger.error("kakao_unlink_notice_refused reason=not_configured")
        return _answer(503, "not_configured")
    if not _is_kakao(request.META.get("HTTP_AUTHORIZATION")):
        logger.warning("kakao_unlink_notice_refused reason=unauthorized")
        response = _answer(401, "unauthorized")
        response["WWW-Authenticate"] = AUTH_SCHEME
        return response
    try:
        params = request.GET if request.method == "GET" else request.POST
        outcome = account.handle_unlink_notice(
            app_id=params.get("app_id", ""),
            user_id=params.get("user_id", ""),
            referrer_type=params.get("referrer_type", ""),
        )
    except MultiPartParserError:
        logger.warning("kakao_unlink_notice_refused reason=unreadable_body")
        return _answer(400, "bad_request")
    except AccountError as error:
        logger.warning("kakao_unlink_notice_refused reason=bad_%s", error.field)
        return _answer(400, "bad_request")
    return _answer(200, outcome)


def _is_kakao(header: str | None) -> bool:
    """``KakaoAK <key>`` with this app's admin key, compared in constant time."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme != AUTH_SCHEME:
        return False
    return hmac.compare_digest(
        value.strip().encode("utf-8", "surrogateescape"),
        settings.KAKAO_ADMIN_KEY.encode("utf-8", "surrogateescape"),
    )


def _answer(status: int, result: str) -> JsonResponse:
    return JsonResponse({"result": result}, status=status)
