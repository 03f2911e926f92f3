"""GraphiQL's Kakao callback (DEBUG only): the code goes back into GraphiQL, and nowhere else."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from graphene_django.settings import graphene_settings
from graphql import parse, validate

from accounts import cache
from tests.kakao_fixtures import mock_login

pytestmark = pytest.mark.django_db

CALLBACK = "/graphiql/callback"
CODE = "graphiql-code-SECRET-0123456789abcdef"
STATE = "graphiql-state-SECRET-abcdef0123456789"
REDIRECT_URI = "http://testserver/graphiql/callback"


@pytest.fixture
def debug(settings):
    """A development server: DEBUG, GraphiQL on, its callback registered."""
    settings.DEBUG = True
    settings.GRAPHIQL_ENABLED = True
    settings.KAKAO_REDIRECT_URIS = [*settings.KAKAO_REDIRECT_URIS, REDIRECT_URI]
    return settings


def handed_over(response) -> tuple[str, dict]:
    """The operation and variables the callback put in GraphiQL's address (its fragment)."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path, location.query) == (
        "",
        "",
        "/graphql",
        "",
    )
    # GraphiQL decodes with decodeURIComponent, which leaves "+" alone: spaces must be %20.
    assert "+" not in location.fragment
    fields = dict(part.split("=", 1) for part in location.fragment.split("&"))
    assert set(fields) == {"query", "variables"}
    return unquote(fields["query"]), json.loads(unquote(fields["variables"]))


def assert_private(response) -> None:
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


# --- only in development ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("debug_on", "graphiql_on"), [(False, False), (False, True), (True, False)]
)
def test_the_callback_does_not_exist_outside_development(
    client, settings, all_logs, debug_on, graphiql_on
):
    settings.DEBUG, settings.GRAPHIQL_ENABLED = debug_on, graphiql_on
    settings.KAKAO_REDIRECT_URIS = [*settings.KAKAO_REDIRECT_URIS, REDIRECT_URI]
    response = client.get(CALLBACK, {"code": CODE, "state": STATE})
    assert response.status_code == 404
    assert CODE not in response.content.decode()
    assert "graphql" not in response.get("Location", "")
    assert CODE not in all_logs.text


def test_it_answers_get_only(client, debug):
    response = client.post(CALLBACK, {"code": CODE, "state": STATE})
    assert response.status_code == 405
    assert_private(response)


# --- the hand-over -------------------------------------------------------------------


def test_kakao_login_goes_back_to_graphiql_filled_in(client, debug, all_logs):
    response = client.get(CALLBACK, {"code": CODE, "state": STATE})
    query, variables = handed_over(response)
    assert variables == {"code": CODE, "state": STATE, "redirectUri": REDIRECT_URI}
    # One operation, valid against the schema: one press of ▶ runs it.
    document = parse(query)
    assert [d.name.value for d in document.definitions] == ["KakaoLogin"]
    assert validate(graphene_settings.SCHEMA.graphql_schema, document) == []
    assert_private(response)
    assert CODE not in all_logs.text and STATE not in all_logs.text


def test_the_redirect_uri_is_the_one_kakao_used(client, debug):
    # The browser came on 127.0.0.1: kakaoLogin must present that very URI to Kakao.
    response = client.get(CALLBACK, {"code": CODE, "state": STATE}, HTTP_HOST="127.0.0.1:8000")
    _, variables = handed_over(response)
    assert variables["redirectUri"] == "http://127.0.0.1:8000/graphiql/callback"


def test_without_state_it_still_hands_over_and_kakao_login_decides(client, debug):
    _, variables = handed_over(client.get(CALLBACK, {"code": CODE}))
    assert variables["state"] is None


def test_the_handed_over_operation_signs_in_and_me_answers(client, debug, kakao):
    """The whole DEBUG path, with Kakao faked: authorize, callback, kakaoLogin, me, logout."""
    mock_login(kakao)
    authorize = client.post(
        "/graphql",
        json.dumps(
            {
                "query": "mutation A($r: String) { kakaoAuthorize(redirectUri: $r) "
                "{ url state errors { code } } }",
                "variables": {"r": REDIRECT_URI},
            }
        ),
        content_type="application/json",
    ).json()["data"]["kakaoAuthorize"]
    assert authorize["errors"] == []
    assert parse_qs(urlsplit(authorize["url"]).query)["redirect_uri"] == [REDIRECT_URI]

    query, variables = handed_over(
        client.get(CALLBACK, {"code": CODE, "state": authorize["state"]})
    )
    answer = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    ).json()
    assert answer["data"]["kakaoLogin"]["errors"] == []
    assert kakao.calls[0].request.body.count(quote(REDIRECT_URI, safe="")) == 1
    me = client.post(
        "/graphql",
        json.dumps({"query": "{ me { nickname sessions { current } } }"}),
        content_type="application/json",
    ).json()["data"]["me"]
    assert me["sessions"] == [{"current": True}]


# --- refusals, in Korean and English ------------------------------------------------------


def page_text(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in response.content.decode()
    assert 'href="/graphql"' in response.content.decode()
    assert_private(response)
    return response.content.decode()


def test_consent_denied_is_said_in_both_languages(client, debug):
    response = client.get(
        CALLBACK,
        {"error": "access_denied", "error_description": "User denied access", "state": STATE},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "취소하여 로그인하지 않았습니다" in text
    assert "You cancelled on Kakao&#x27;s consent page" in text
    assert STATE not in text


@pytest.mark.parametrize(
    ("error", "shown"),
    [("invalid_scope", "invalid_scope"), ("<script>alert(1)</script>", "unknown")],
)
def test_another_kakao_error_is_named_only_when_it_looks_like_one(client, debug, error, shown):
    text = page_text(client.get(CALLBACK, {"error": error}))
    assert f"({shown})" in text
    assert "<script>alert" not in text


@pytest.mark.parametrize(
    ("params", "ko", "en"),
    [
        ({}, "인가 코드를 보내지 않았습니다", "Kakao sent no authorization code"),
        ({"code": ""}, "인가 코드를 보내지 않았습니다", "Kakao sent no authorization code"),
        ({"code": "bad code\u0000"}, "올바르지 않습니다", "is not valid"),
        ({"code": "x" * 1025}, "올바르지 않습니다", "is not valid"),
        ({"code": CODE, "state": "a\nb"}, "올바르지 않습니다", "is not valid"),
    ],
)
def test_a_missing_or_malformed_code_is_refused_without_echoing_it(client, debug, params, ko, en):
    response = client.get(CALLBACK, params)
    assert response.status_code == 400
    text = page_text(response)
    assert ko in text and en in text
    assert CODE not in text and "bad code" not in text


def test_a_code_is_handed_over_once(client, debug):
    handed_over(client.get(CALLBACK, {"code": CODE, "state": STATE}))
    # The same address again: from history, another tab, or someone who saw it.
    again = client.get(CALLBACK, {"code": CODE, "state": STATE})
    assert again.status_code == 400
    text = page_text(again)
    assert "이미 GraphiQL로 넘겼습니다" in text and "already handed to GraphiQL" in text
    assert CODE not in text
    # Another code is another sign-in.
    handed_over(client.get(CALLBACK, {"code": CODE + "2", "state": STATE}))


def test_with_the_cache_down_a_code_still_comes_through(client, debug, monkeypatch):
    def down(*args, **kwargs):
        raise cache.CacheUnavailable("down")

    monkeypatch.setattr(cache, "add", down)
    handed_over(client.get(CALLBACK, {"code": CODE, "state": STATE}))


# --- the code in no log ------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("status", [302, 400, 404])
def test_runservers_request_line_keeps_the_path_and_drops_the_query_string(status):
    """What `manage.py runserver` logs for each request, through the configured logger."""
    records = Records()
    server_log = logging.getLogger("django.server")
    server_log.addHandler(records)
    try:
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket needed to log
        handler.request = None
        handler.requestline = f"GET {CALLBACK}?code={CODE}&state={STATE} HTTP/1.1"
        handler.log_request(status)
        handler.requestline = f"GET /graphql?query=%7Bme%7Bid%7D%7D&variables={CODE} HTTP/1.1"
        handler.log_request(200)
        # A request line too broken to parse is logged inside an error message.
        handler.log_error(
            "code %d, message %s", 400, f"Bad request syntax ('GET {CALLBACK}?code={CODE}')"
        )
    finally:
        server_log.removeHandler(records)
    assert records.lines[:2] == [
        f'"GET {CALLBACK} HTTP/1.1" {status} -',
        '"GET /graphql HTTP/1.1" 200 -',
    ]
    assert not any(CODE in line or STATE in line for line in records.lines), records.lines
