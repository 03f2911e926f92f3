"""The cheaper hot path keeps its meaning: who is calling, verified tokens, admin-only middleware.

An authenticated read finds the caller by the token's ``sub`` in one prepared query; a token
verified once is remembered, but only as long as it would still verify; the admin's session,
authentication and messages middleware no longer run for the API, and the admin still has
them; Kakao's answers leave nothing behind in the client for the next login.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from graphql_jwt.settings import jwt_settings

from accounts.kakao import KakaoClient
from accounts.models import User
from accounts.services.callers import caller_for_access_token
from tests.kakao_fixtures import KAKAO_ACCESS_TOKEN, ME_URL, mock_login, user_response

pytestmark = pytest.mark.django_db

LOGIN = """mutation($code: String!) { kakaoLogin(code: $code, delivery: BODY) {
  token refreshToken payload errors { code } } }"""
ME = "query { me { id nickname } }"


def gql(query: str, variables: dict | None = None, *, token: str | None = None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture
def signed_in(kakao, settings) -> dict:
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    data = gql(LOGIN, {"code": "c0de"}).json()["data"]["kakaoLogin"]
    assert data["errors"] == []
    return data


def sign(payload: dict) -> str:
    return jwt_settings.JWT_ENCODE_HANDLER(payload, None)


# --- who is calling -------------------------------------------------------------------------


def test_the_access_token_names_the_user_by_id_and_by_username(signed_in):
    user = User.objects.get()
    assert signed_in["payload"]["sub"] == str(user.pk)
    assert signed_in["payload"]["username"] == user.username
    with CaptureQueriesContext(connection) as queries:
        me = gql(ME, token=signed_in["token"]).json()["data"]["me"]
    assert me["id"] == str(user.pk)
    assert len(queries) == 1
    assert "username" not in queries[0]["sql"].split("WHERE")[-1]  # by primary key


def test_a_token_whose_id_and_username_disagree_finds_nobody(signed_in):
    """A token naming one user by id and another by username is nobody's (never either)."""
    other = User.objects.create_user(username="someone-else")
    payload = {**signed_in["payload"], "sub": str(other.pk)}
    body = gql(ME, token=sign(payload)).json()
    assert body["data"]["me"] is None
    assert codes(body) == ["SESSION_ENDED"]
    payload.pop("sid")
    body = gql(ME, token=sign(payload)).json()
    assert body["data"]["me"] is None
    assert codes(body) == ["INVALID_TOKEN"]


@pytest.mark.parametrize("sub", ["", "0", "-1", "1e3", "٣", "9" * 30, None, 7])
def test_a_malformed_id_falls_back_to_the_username(signed_in, sub):
    """Tokens from before ``sub`` (or with a garbled one) still name their user by username."""
    payload = {**signed_in["payload"], "sub": sub}
    if sub is None:
        payload.pop("sub")
    user, live = caller_for_access_token(
        username=payload["username"], session_id=payload["sid"], user_id=payload.get("sub")
    )
    assert user == User.objects.get() and live


def test_the_prepared_user_is_the_orm_user(signed_in):
    """Every field read back as the ORM reads it (SQLite's booleans and dates included)."""
    orm = User.objects.get()
    user, live = caller_for_access_token(
        username=orm.username, session_id=signed_in["payload"]["sid"], user_id=str(orm.pk)
    )
    assert live
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
    assert user.is_active is True and user._state.adding is False


def test_a_session_ended_after_a_read_ends_the_remembered_token_too(signed_in):
    token = signed_in["token"]
    assert gql(ME, token=token).json()["data"]["me"] is not None  # verified and remembered
    gql(
        "mutation($t: String) { logout(refreshToken: $t) { ok } }",
        {"t": signed_in["refreshToken"]},
    )
    assert codes(gql(ME, token=token).json()) == ["SESSION_ENDED"]


# --- verified tokens, remembered ------------------------------------------------------------


def test_a_remembered_token_expires_on_time(signed_in):
    token = signed_in["token"]
    assert gql(ME, token=token).json()["data"]["me"] is not None
    with freeze_time(timedelta(seconds=jwt_settings.JWT_EXPIRATION_DELTA.total_seconds() + 1)):
        assert codes(gql(ME, token=token).json()) == ["TOKEN_EXPIRED"]


def test_an_altered_token_is_verified_in_full(signed_in):
    token = signed_in["token"]
    assert gql(ME, token=token).json()["data"]["me"] is not None
    header, payload, signature = token.split(".")
    altered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert codes(gql(ME, token=altered).json()) == ["INVALID_TOKEN"]


def test_a_new_signing_key_forgets_every_remembered_token(signed_in, settings):
    token = signed_in["token"]
    assert gql(ME, token=token).json()["data"]["me"] is not None
    settings.GRAPHQL_JWT = {**settings.GRAPHQL_JWT, "JWT_SECRET_KEY": "another-key-" + "x" * 40}
    assert codes(gql(ME, token=token).json()) == ["INVALID_TOKEN"]


# --- the admin's middleware, for the admin only --------------------------------------------


def test_the_api_sets_up_no_django_session_or_messages(signed_in):
    response = gql(ME, token=signed_in["token"])
    assert response.json()["data"]["me"] is not None
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "_messages")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_the_admin_keeps_its_session_login_and_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    credentials = {"username": admin_user.username, "password": "password"}
    assert client.post("/admin/login/", credentials).status_code == 403  # no CSRF token
    token = page.cookies["csrftoken"].value
    form = {**credentials, "csrfmiddlewaretoken": token}
    answer = client.post("/admin/login/?next=/admin/", form)
    assert answer.status_code == 302 and "sessionid" in answer.cookies
    assert client.get("/admin/").status_code == 200


# --- Kakao's answers leave nothing behind -----------------------------------------------------


def test_a_cookie_from_kakao_is_never_sent_on_another_call(kakao):
    client = KakaoClient.from_settings()
    kakao.add(
        responses.GET,
        ME_URL,
        json=user_response(),
        headers={"Set-Cookie": "kakao-session=someone; Path=/"},
    )
    kakao.add(responses.GET, ME_URL, json=user_response())
    client.fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    client.fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert "Cookie" not in kakao.calls[1].request.headers


def test_the_configured_proxy_still_carries_every_call(monkeypatch, settings):
    from accounts.kakao import client as client_module

    seen = {}

    def send(adapter, request, **kwargs):
        seen.update(kwargs, url=request.url, agent=request.headers.get("User-Agent"))
        raise client_module.requests.ConnectionError("stop here")

    settings.KAKAO_PROXY_URL = "http://proxy.internal:3128"
    monkeypatch.setattr(client_module, "_session", None)
    monkeypatch.setattr(client_module.HTTPAdapter, "send", send)
    with pytest.raises(client_module.KakaoUnavailable):
        KakaoClient.from_settings().fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert seen["proxies"] == {"https": settings.KAKAO_PROXY_URL, "http": settings.KAKAO_PROXY_URL}
    assert seen["url"] == ME_URL and seen["agent"] == "kakao-login-backend"
    assert seen["stream"] is True and seen["verify"] is True
