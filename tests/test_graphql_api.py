"""The GraphQL API as a client sees it: payloads, typed errors, cookies, CSRF."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from freezegun import freeze_time

from accounts.models import RefreshToken, SocialAccount, User
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    TOKEN_URL,
    mock_login,
    token_error,
    user_response,
)

pytestmark = pytest.mark.django_db

LOGIN = """
mutation KakaoLogin(
  $code: String!, $redirectUri: String, $state: String, $delivery: TokenDelivery
) {
  kakaoLogin(code: $code, redirectUri: $redirectUri, state: $state, delivery: $delivery) {
    token refreshToken refreshExpiresIn payload created
    user { id email nickname profileImageUrl thumbnailImageUrl }
    errors { field message code }
  }
}
"""
ME = "query { me { id email nickname } }"
REFRESH = """
mutation Refresh($refreshToken: String) {
  refreshToken(refreshToken: $refreshToken) {
    token refreshToken refreshExpiresIn payload errors { field message code }
  }
}
"""
REVOKE = """
mutation Revoke($refreshToken: String) {
  revokeToken(refreshToken: $refreshToken) { revoked errors { field message code } }
}
"""
LOGOUT = """
mutation Logout($refreshToken: String) {
  logout(refreshToken: $refreshToken) { ok errors { field message code } }
}
"""
CODE = "auth-code-SECRET-0123456789abcdef"
ACCESS_COOKIE = "JWT"
REFRESH_COOKIE = "JWT-refresh-token"


def gql(client: Client, query: str, variables: dict | None = None, **extra):
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )
    return response


AUTHORIZE = """
query Authorize($redirectUri: String) {
  kakaoAuthorizeUrl(redirectUri: $redirectUri) { url state nonce errors { code } }
}
"""


def authorize(client: Client, redirect_uri: str | None = None) -> str:
    """Start a login the way a browser does; the state cookie lands in `client`."""
    data = gql(client, AUTHORIZE, {"redirectUri": redirect_uri}).json()
    return data["data"]["kakaoAuthorizeUrl"]["state"]


def login(client: Client, kakao, code: str = CODE, **variables):
    mock_login(kakao, **variables.pop("mock", {}))
    state = variables.pop("state", None) or authorize(client, variables.get("redirectUri"))
    return gql(client, LOGIN, {"code": code, "state": state, **variables})


def errors_of(response, field: str) -> list[dict]:
    return response.json()["data"][field]["errors"]


# --- kakaoLogin ----------------------------------------------------------------


def test_login_creates_user_and_returns_tokens_and_profile(client, kakao):
    # when
    response = login(client, kakao)
    # then
    assert response.status_code == 200
    data = response.json()["data"]["kakaoLogin"]
    assert data["errors"] == []
    assert data["created"] is True
    assert data["token"]
    # The refresh token went to the HttpOnly cookie, so it is not also handed to scripts.
    assert data["refreshToken"] is None
    assert data["payload"]["exp"] > data["payload"]["origIat"]
    assert data["user"]["email"] == "sample@sample.com"
    assert data["user"]["nickname"] == "홍길동"
    assert data["user"]["profileImageUrl"].endswith("640x640.jpg")
    assert SocialAccount.objects.get().uid == "1234567890"
    # The access token works as a Bearer token.
    me = gql(client, ME, HTTP_AUTHORIZATION=f"Bearer {data['token']}").json()
    assert me == {
        "data": {
            "me": {"id": data["user"]["id"], "email": "sample@sample.com", "nickname": "홍길동"}
        }
    }


def test_returning_login_is_not_created(client, kakao):
    login(client, kakao)
    response = login(Client(), kakao)
    data = response.json()["data"]["kakaoLogin"]
    assert data["created"] is False
    assert User.objects.count() == 1


def test_login_sets_httponly_refresh_and_access_cookies(client, kakao, settings):
    response = login(client, kakao)
    refresh = response.cookies[REFRESH_COOKIE]
    access = response.cookies[ACCESS_COOKIE]
    data = response.json()["data"]["kakaoLogin"]
    assert refresh.value and data["refreshToken"] is None
    assert access.value == data["token"]
    for cookie in (refresh, access):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["secure"] is True  # DEBUG is off in the suite
        assert cookie["path"] == "/"
    assert int(refresh["max-age"]) == settings.JWT_REFRESH_TTL_SECONDS
    assert int(access["max-age"]) == settings.JWT_ACCESS_TTL_SECONDS
    assert "csrftoken" not in response.cookies  # the API uses no Django CSRF token


@pytest.mark.parametrize(
    ("kakao_code", "error", "expected"),
    [
        ("KOE320", "invalid_grant", "INVALID_CODE"),
        ("KOE303", "invalid_grant", "REDIRECT_URI_MISMATCH"),
        ("KOE006", "invalid_request", "REDIRECT_URI_MISMATCH"),
        ("KOE010", "invalid_client", "KAKAO_MISCONFIGURED"),
        ("KOE101", "invalid_client", "KAKAO_MISCONFIGURED"),
        ("KOE999", "invalid_request", "KAKAO_ERROR"),
    ],
)
def test_token_errors_are_typed_and_create_nothing(client, kakao, kakao_code, error, expected):
    response = login(
        client,
        kakao,
        mock={"token_status": 400, "token_body": token_error(kakao_code, error, CODE)},
    )
    data = response.json()["data"]["kakaoLogin"]
    assert [e["code"] for e in data["errors"]] == [expected]
    # `field` names the argument at fault, or is null when none was
    expected_field = {"INVALID_CODE": "code", "REDIRECT_URI_MISMATCH": "redirectUri"}
    assert data["errors"][0]["field"] == expected_field.get(expected)
    assert data["token"] is None and data["refreshToken"] is None and data["user"] is None
    assert CODE not in response.content.decode()
    assert User.objects.count() == 0
    assert REFRESH_COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"msg": "this access token does not exist", "code": -401}, "KAKAO_ERROR"),
        (
            403,
            {"msg": "insufficient scopes.", "code": -402, "required_scopes": ["account_email"]},
            "KAKAO_CONSENT_REQUIRED",
        ),
        (400, {"msg": "NotRegisteredUserException", "code": -101}, "KAKAO_ACCOUNT_RESTRICTED"),
        (400, {"msg": "dormant", "code": -103}, "KAKAO_ACCOUNT_RESTRICTED"),
        (400, {"msg": "under age", "code": -406}, "KAKAO_ACCOUNT_RESTRICTED"),
        (500, {"msg": "internal error", "code": -1}, "KAKAO_UNAVAILABLE"),
        (503, {}, "KAKAO_UNAVAILABLE"),
    ],
)
def test_profile_errors_are_typed(client, kakao, status, body, expected):
    response = login(client, kakao, mock={"me_status": status, "me_body": body})
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == [expected]
    assert User.objects.count() == 0


def test_kakao_timeout_is_kakao_unavailable(client, kakao):
    import requests

    kakao.add("POST", TOKEN_URL, body=requests.exceptions.ReadTimeout("slow"))
    response = gql(client, LOGIN, {"code": CODE, "state": authorize(client)})
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == ["KAKAO_UNAVAILABLE"]
    assert len(kakao.calls) == 1  # never retried: a code is single-use


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "x" * 1025}, "code"),
        ({"code": "abc\ndef"}, "code"),
        ({"code": "abc\x00"}, "code"),
        ({"code": "코드"}, "code"),
        ({"code": "ok", "state": "s" * 513}, "state"),
        ({"code": "ok", "state": "bad\tstate"}, "state"),
        ({"code": "ok", "redirectUri": "http://x/\r\nSet-Cookie: a=b"}, "redirectUri"),
    ],
)
def test_bad_input_is_rejected_before_kakao(client, kakao, variables, field):
    response = gql(client, LOGIN, variables)
    errors = errors_of(response, "kakaoLogin")
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_INPUT", field)]
    assert len(kakao.calls) == 0


def test_redirect_uri_not_allowed_makes_no_call(client, kakao):
    response = gql(client, LOGIN, {"code": CODE, "redirectUri": "https://evil.example/cb"})
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == ["REDIRECT_URI_NOT_ALLOWED"]
    assert len(kakao.calls) == 0


def test_allowed_redirect_uri_is_sent_to_kakao(client, kakao):
    login(client, kakao, redirectUri="myapp://oauth")
    assert "redirect_uri=myapp%3A%2F%2Foauth" in kakao.calls[0].request.body


def test_missing_kakao_key_is_misconfigured(client, kakao, settings):
    settings.KAKAO_REST_API_KEY = ""
    settings.KAKAO_REQUIRE_STATE = False
    response = gql(client, LOGIN, {"code": CODE})
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == ["KAKAO_MISCONFIGURED"]
    assert len(kakao.calls) == 0


def test_verified_email_of_other_account_is_refused(client, kakao):
    User.objects.create_user(username="existing", email="SAMPLE@sample.com")
    response = login(client, kakao)
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == ["EMAIL_ALREADY_REGISTERED"]
    assert SocialAccount.objects.count() == 0


def test_inactive_user_is_refused(client, kakao):
    login(client, kakao)
    User.objects.update(is_active=False)
    response = login(Client(), kakao)
    assert [e["code"] for e in errors_of(response, "kakaoLogin")] == ["ACCOUNT_INACTIVE"]
    assert REFRESH_COOKIE not in response.cookies


def test_login_works_with_stale_or_garbage_access_cookie(kakao):
    for stale in ("garbage", "", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"):
        client = Client()
        client.cookies[ACCESS_COOKIE] = stale
        client.cookies[REFRESH_COOKIE] = "also-stale"
        response = login(client, kakao)
        assert response.json()["data"]["kakaoLogin"]["errors"] == [], stale
        assert "errors" not in response.json()


def test_nothing_secret_is_logged_or_echoed(client, kakao, all_logs):
    ok = login(client, kakao)
    tokens = {**ok.json()["data"]["kakaoLogin"], "refreshToken": ok.cookies[REFRESH_COOKIE].value}
    refresh = gql(client, REFRESH, {"refreshToken": tokens["refreshToken"]})
    failed = login(
        Client(),
        kakao,
        code="used-code-SECRET",
        mock={"token_status": 400, "token_body": token_error("KOE320", code="used-code-SECRET")},
    )
    logged = all_logs.text
    for secret in (
        CODE,
        "used-code-SECRET",
        KAKAO_ACCESS_TOKEN,
        "kakao-refresh-token-SECRET",
        tokens["token"],
        tokens["refreshToken"],
        refresh.json()["data"]["refreshToken"]["refreshToken"],
    ):
        assert secret not in logged
    assert "used-code-SECRET" not in failed.content.decode()
    assert "kakao_login user=" in logged


# --- me ---------------------------------------------------------------------


def test_me_is_null_without_credentials(client):
    assert gql(client, ME).json() == {"data": {"me": None}}


def test_me_from_access_cookie(client, kakao):
    login(client, kakao)
    assert gql(client, ME).json()["data"]["me"]["email"] == "sample@sample.com"


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer", "JWT sometoken", "Bearer a b", "Basic dXNlcjpwYXNz"]
)
def test_me_with_bad_token_is_typed_error(client, header):
    body = gql(client, ME, HTTP_AUTHORIZATION=header).json()
    assert body["data"] == {"me": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_TOKEN"]
    assert body["errors"][0]["path"] == ["me"]


def test_me_with_expired_token_says_token_expired(client, kakao):
    token = login(client, kakao).json()["data"]["kakaoLogin"]["token"]
    with freeze_time(timedelta(minutes=6)):
        body = gql(Client(), ME, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["data"] == {"me": None}
    assert body["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"


def test_expired_token_does_not_break_other_fields(kakao):
    client = Client()
    token = login(client, kakao).json()["data"]["kakaoLogin"]["token"]
    with freeze_time(timedelta(minutes=6)):
        body = gql(client, "query { me { id } } ", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        refreshed = gql(client, REFRESH, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"
    assert refreshed["data"]["refreshToken"]["errors"] == []
    assert "errors" not in refreshed


def test_token_of_deactivated_user_has_no_session_left(client, kakao):
    token = login(client, kakao).json()["data"]["kakaoLogin"]["token"]
    User.objects.update(is_active=False)
    body = gql(Client(), ME, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["errors"][0]["extensions"]["code"] == "SESSION_ENDED"


def test_body_delivery_answers_the_refresh_token_and_sets_no_cookies(client, kakao):
    response = login(client, kakao, delivery="BODY")
    data = response.json()["data"]["kakaoLogin"]
    assert data["errors"] == [] and data["token"] and data["refreshToken"]
    assert REFRESH_COOKIE not in response.cookies and ACCESS_COOKIE not in response.cookies
    # The token works as an argument, and its successor comes back the same way.
    refreshed = gql(Client(), REFRESH, {"refreshToken": data["refreshToken"]})
    new = refreshed.json()["data"]["refreshToken"]
    assert new["errors"] == [] and new["refreshToken"] not in (None, data["refreshToken"])
    assert "Set-Cookie" not in refreshed.headers


def test_the_refresh_token_is_never_in_two_places(kakao):
    """Whatever the delivery, a response carries the refresh token in the body or in a cookie."""
    for delivery in (None, "COOKIE", "BODY"):
        variables = {} if delivery is None else {"delivery": delivery}
        response = login(Client(), kakao, **variables)
        in_body = response.json()["data"]["kakaoLogin"]["refreshToken"] is not None
        in_cookie = bool(
            REFRESH_COOKIE in response.cookies and response.cookies[REFRESH_COOKIE].value
        )
        assert in_body != in_cookie, delivery
        assert in_body == (delivery == "BODY"), delivery


def test_unknown_delivery_is_refused_before_kakao(client, kakao):
    response = gql(client, LOGIN, {"code": CODE, "delivery": "BOTH"})
    assert response.status_code == 400 or response.json()["errors"]
    assert len(kakao.calls) == 0


# --- refreshToken / revokeToken / logout ---------------------------------------


def test_refresh_from_cookie_alone_rotates(client, kakao):
    first = login(client, kakao).cookies[REFRESH_COOKIE].value
    # when: no argument, only the cookie
    response = gql(client, REFRESH)
    # then: the new token goes where the old one came from, the cookie, and nowhere else
    data = response.json()["data"]["refreshToken"]
    assert data["errors"] == []
    assert data["token"] and data["refreshToken"] is None
    assert response.cookies[REFRESH_COOKIE].value not in ("", first)
    assert response.cookies[REFRESH_COOKIE]["httponly"] is True
    assert isinstance(data["refreshExpiresIn"], int)
    assert data["payload"]["username"] == User.objects.get().username
    # and the old token is spent: past the reuse window it is a replay
    with freeze_time(timedelta(seconds=11)):
        replay = gql(Client(), REFRESH, {"refreshToken": first})
    assert [e["code"] for e in errors_of(replay, "refreshToken")] == ["INVALID_REFRESH_TOKEN"]


def test_refresh_without_any_token_is_invalid(client):
    response = gql(client, REFRESH)
    data = response.json()["data"]["refreshToken"]
    assert [e["code"] for e in data["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert data["token"] is None


def test_refresh_with_garbage_is_typed_error_not_exception(client):
    for value in ("nope", "x" * 300, "a\nb"):
        response = gql(client, REFRESH, {"refreshToken": value})
        codes = [e["code"] for e in errors_of(response, "refreshToken")]
        assert codes in (["INVALID_REFRESH_TOKEN"], ["INVALID_INPUT"]), value
        assert "errors" not in response.json()


def test_expired_refresh_token_is_invalid(client, kakao, settings):
    login(client, kakao)
    with freeze_time(timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS + 1)):
        response = gql(client, REFRESH)
    assert [e["code"] for e in errors_of(response, "refreshToken")] == ["INVALID_REFRESH_TOKEN"]


def test_revoke_token_revokes_and_clears_cookie(client, kakao):
    login(client, kakao)
    response = gql(client, REVOKE)
    data = response.json()["data"]["revokeToken"]
    assert data["errors"] == [] and isinstance(data["revoked"], int)
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0
    assert RefreshToken.objects.get().revoked is not None
    again = gql(Client(), REVOKE, {"refreshToken": "unknown"})
    assert [e["code"] for e in errors_of(again, "revokeToken")] == ["INVALID_REFRESH_TOKEN"]


def test_logout_revokes_and_deletes_both_cookies_with_same_attributes(client, kakao, settings):
    settings.GRAPHQL_JWT = {
        **settings.GRAPHQL_JWT,
        "JWT_COOKIE_SAMESITE": "None",
        "JWT_COOKIE_DOMAIN": "example.com",
    }
    refresh = login(client, kakao).json()["data"]["kakaoLogin"]["refreshToken"]
    # when
    response = gql(client, LOGOUT)
    # then
    assert response.json()["data"]["logout"] == {"ok": True, "errors": []}
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        cookie = response.cookies[name]
        assert cookie.value == ""
        assert cookie["max-age"] == 0
        assert cookie["samesite"] == "None"
        assert cookie["secure"] is True
        assert cookie["domain"] == "example.com"
        assert cookie["path"] == "/"
    replay = gql(Client(), REFRESH, {"refreshToken": refresh})
    assert [e["code"] for e in errors_of(replay, "refreshToken")] == ["INVALID_REFRESH_TOKEN"]


def test_logout_without_session_is_ok(client):
    response = gql(client, LOGOUT)
    assert response.json()["data"]["logout"] == {"ok": True, "errors": []}


def test_logout_with_a_garbled_cookie_still_deletes_the_cookies(client):
    client.cookies[REFRESH_COOKIE] = "not a token\u00e9"
    response = gql(client, LOGOUT)
    assert response.json()["data"]["logout"] == {"ok": True, "errors": []}
    assert response.cookies[REFRESH_COOKIE]["max-age"] == 0


def test_logout_with_a_malformed_argument_is_invalid_input(client):
    response = gql(client, LOGOUT, {"refreshToken": "x" * 300})
    assert [(e["code"], e["field"]) for e in errors_of(response, "logout")] == [
        ("INVALID_INPUT", "refreshToken")
    ]


# --- cookies are for cookie clients only -------------------------------------------


def _app_tokens(kakao) -> dict:
    """Sign in like an app that keeps its tokens itself (`delivery: BODY`)."""
    return login(Client(), kakao, delivery="BODY").json()["data"]["kakaoLogin"]


@pytest.mark.parametrize(
    ("query", "field"), [(REFRESH, "refreshToken"), (REVOKE, "revokeToken"), (LOGOUT, "logout")]
)
def test_token_by_argument_sets_and_deletes_no_cookies(kakao, query, field):
    tokens = _app_tokens(kakao)
    response = gql(Client(), query, {"refreshToken": tokens["refreshToken"]})
    assert response.json()["data"][field]["errors"] == []
    assert response.cookies == {} or all(
        name not in response.cookies for name in (ACCESS_COOKIE, REFRESH_COOKIE)
    )
    assert "Set-Cookie" not in response.headers


def test_token_by_argument_leaves_a_browsers_own_cookies_alone(client, kakao):
    login(client, kakao)
    other = _app_tokens(kakao)
    response = gql(client, LOGOUT, {"refreshToken": other["refreshToken"]})
    assert response.json()["data"]["logout"]["ok"] is True
    assert "Set-Cookie" not in response.headers
    assert gql(client, ME).json()["data"]["me"] is not None


def test_unknown_token_error_names_the_argument_only_when_there_was_one(client, kakao):
    by_argument = gql(Client(), REFRESH, {"refreshToken": "unknown-token"})
    assert errors_of(by_argument, "refreshToken")[0]["field"] == "refreshToken"
    no_argument = gql(Client(), REFRESH)
    assert errors_of(no_argument, "refreshToken")[0]["field"] is None
    client.cookies[REFRESH_COOKIE] = "unknown-cookie-token"
    by_cookie = gql(client, REFRESH)
    assert errors_of(by_cookie, "refreshToken")[0] == {
        "field": None,
        "message": errors_of(by_cookie, "refreshToken")[0]["message"],
        "code": "INVALID_REFRESH_TOKEN",
    }


# --- CSRF, methods, CORS ----------------------------------------------------------


def _cookie_client(kakao) -> Client:
    client = Client()
    login(client, kakao)
    return client


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "query=mutation+%7B+logout+%7B+ok+%7D+%7D"),
        ("text/plain", json.dumps({"query": "mutation { logout { ok } }"})),
        (
            "multipart/form-data; boundary=BoUnDaRy",
            '--BoUnDaRy\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
            "mutation { logout { ok } }\r\n--BoUnDaRy--\r\n",
        ),
    ],
)
def test_cookie_carrying_simple_post_is_refused(kakao, content_type, body):
    client = _cookie_client(kakao)
    response = client.generic("POST", "/graphql", body, content_type=content_type)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_cookie_carrying_get_is_refused(kakao):
    client = _cookie_client(kakao)
    response = client.get("/graphql", {"query": ME})
    assert response.status_code == 403


def test_mutation_over_get_never_runs(client, kakao):
    response = client.get("/graphql", {"query": "mutation { logout { ok } }"})
    assert response.status_code == 405
    assert "data" not in response.json() or response.json()["data"] is None


def test_header_only_clients_are_not_affected(client, kakao):
    token = login(Client(), kakao).json()["data"]["kakaoLogin"]["token"]
    response = client.get("/graphql", {"query": ME}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["data"]["me"]["email"] == "sample@sample.com"


def test_json_post_with_cookie_is_allowed(kakao):
    client = _cookie_client(kakao)
    assert gql(client, ME).json()["data"]["me"] is not None


def test_cors_allows_configured_origin_with_credentials(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    response = client.options(
        "/graphql",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,authorization",
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert response["Access-Control-Allow-Credentials"] == "true"
    foreign = client.options(
        "/graphql", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in foreign


# --- errors and schema ---------------------------------------------------------------


def test_unexpected_bug_is_generic_top_level_error(client, kakao, monkeypatch, all_logs):
    def boom(**kwargs):
        raise RuntimeError("internal detail: SELECT secret FROM table")

    monkeypatch.setattr("accounts.services.login.kakao_login", boom)
    body = gql(client, LOGIN, {"code": CODE, "state": authorize(client)}).json()
    assert body["data"]["kakaoLogin"] is None
    assert body["errors"][0]["message"] == "Internal server error."
    assert "internal detail" not in json.dumps(body)
    assert "graphql_unexpected_error" in all_logs.text


def test_user_response_without_email_or_profile(client, kakao):
    bare = {"id": 42, "connected_at": "2024-01-02T03:04:05Z"}
    data = login(client, kakao, mock={"me_body": bare}).json()["data"]["kakaoLogin"]
    assert data["errors"] == []
    assert data["user"]["email"] is None and data["user"]["profileImageUrl"] is None


def test_unverified_email_is_not_returned(client, kakao):
    me = user_response(verified=False)
    data = login(client, kakao, mock={"me_body": me}).json()["data"]["kakaoLogin"]
    assert data["user"]["email"] is None


def test_committed_schema_is_current(tmp_path):
    generated = tmp_path / "schema.graphql"
    call_command("graphql_schema", "--out", str(generated), stdout=StringIO())
    committed = (Path(__file__).resolve().parent.parent / "schema.graphql").read_text()
    assert generated.read_text() == committed, (
        "schema.graphql is stale: run `make schema` and commit it"
    )
