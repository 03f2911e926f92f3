"""GraphiQL's Kakao callback (development only): Kakao's code goes back into GraphiQL.

Kakao (in development, the stand-in) sends the browser to ``GET /graphiql/callback``
after its consent page when ``kakaoAuthorize`` was asked with this redirect URI (the
tour does so in DEBUG). This view runs nothing: it sends the browser back to GraphiQL
with the ``kakaoLogin`` operation and its variables in the URL's fragment, which a
browser never sends to a server; there one press of ▶ signs in, on the API's own
origin, so the state and refresh cookies work as in any browser app.

A code is secret until used: runserver's request log drops query strings
(backend.logs.NoQueryStringFilter), every answer says ``Referrer-Policy:
no-referrer`` and ``Cache-Control: no-store``, and each code is handed over once (a
second visit of the same address is told to start again). With DEBUG off, or
GraphiQL off, the address does not exist (404).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string

from accounts import cache
from accounts.errors import AccountError
from accounts.services.inputs import MAX_CODE_BYTES, MAX_STATE_BYTES, validate_token_input
from accounts.services.oauth_state import STATE_TTL_SECONDS
from schema.graphiql_tour import graphiql_callback_uri

GRAPHIQL_URL = "/graphql"
CALLBACK_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
# Kakao's codes live about 10 minutes: the hand-over mark outlives them.
HANDED_OVER_SECONDS = STATE_TTL_SECONDS + 60
# Kakao's error values are OAuth's: lowercase words joined by underscores.
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")


@dataclass(frozen=True)
class Message:
    """Why the sign-in cannot go on, in Korean and English."""

    ko: str
    en: str


START_AGAIN = Message(
    ko="GraphiQL에서 KakaoAuthorize부터 다시 시작하세요.",
    en="Start again with KakaoAuthorize in GraphiQL.",
)
DENIED = Message(
    ko="카카오 동의 화면에서 취소하여 로그인하지 않았습니다. " + START_AGAIN.ko,
    en="You cancelled on Kakao's consent page, so nobody was signed in. " + START_AGAIN.en,
)
NO_CODE = Message(
    ko="카카오가 인가 코드를 보내지 않았습니다. " + START_AGAIN.ko,
    en="Kakao sent no authorization code. " + START_AGAIN.en,
)
BAD_CODE = Message(
    ko="이 주소의 인가 코드나 state가 올바르지 않습니다. " + START_AGAIN.ko,
    en="The code or state in this address is not valid. " + START_AGAIN.en,
)
USED = Message(
    ko="이 인가 코드는 이미 GraphiQL로 넘겼습니다. 인가 코드는 한 번만 쓸 수 있습니다. "
    + START_AGAIN.ko,
    en="This code was already handed to GraphiQL, and a Kakao code works only once. "
    + START_AGAIN.en,
)


def kakao_error(error: str) -> Message:
    shown = error if _OAUTH_ERROR.fullmatch(error) else "unknown"
    return Message(
        ko=f"카카오가 오류로 답했습니다 ({shown}). " + START_AGAIN.ko,
        en=f"Kakao answered with an error ({shown}). " + START_AGAIN.en,
    )


def graphiql_callback(request: HttpRequest) -> HttpResponse:
    """Kakao's redirect: back to GraphiQL with kakaoLogin filled in, or why not."""
    if not settings.DEBUG:
        raise Http404
    if not settings.GRAPHIQL_ENABLED:
        # Not DEBUG's 404 page: it would show this address, code included.
        return _private(HttpResponseNotFound("GraphiQL is off (GRAPHIQL_ENABLED=0).\n"))
    if request.method != "GET":
        return _private(HttpResponse(status=405, headers={"Allow": "GET"}))
    error = request.GET.get("error")
    if error is not None:
        return _message(DENIED if error == "access_denied" else kakao_error(error), status=200)
    try:
        code = validate_token_input(request.GET.get("code"), field="code", max_bytes=MAX_CODE_BYTES)
        state = validate_token_input(
            request.GET.get("state"), field="state", max_bytes=MAX_STATE_BYTES, required=False
        )
    except AccountError:
        return _message(NO_CODE if not request.GET.get("code") else BAD_CODE, status=400)
    if not _first_hand_over(code):
        return _message(USED, status=400)
    variables = {"code": code, "state": state, "redirectUri": graphiql_callback_uri(request)}
    document = render_to_string("graphiql/kakao_login.graphql")
    # GraphiQL reads query and variables from the fragment (schema/static/graphiql/explore.js).
    fragment = "&".join(
        f"{name}={quote(value, safe='')}"
        for name, value in (("query", document), ("variables", json.dumps(variables, indent=2)))
    )
    return _private(HttpResponseRedirect(f"{GRAPHIQL_URL}#{fragment}"))


def _first_hand_over(code: str) -> bool:
    """True the first time this code comes by (a cache that is down lets it through)."""
    key = "graphiql-callback-code:" + hashlib.sha256(code.encode()).hexdigest()
    try:
        return cache.add(key, 1, timeout=HANDED_OVER_SECONDS, op="graphiql.callback")
    except cache.CacheUnavailable:
        return True  # development only; Kakao itself accepts a code once


def _message(message: Message, *, status: int) -> HttpResponse:
    page = render_to_string(
        "graphiql/callback.html", {"message": message, "graphiql_url": GRAPHIQL_URL}
    )
    response = HttpResponse(page, status=status)
    response["Content-Security-Policy"] = CALLBACK_CSP
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # The address holds a code: no Referer carries it on, no cache keeps the answer.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
