"""State bound to the browser: login CSRF, replay, expiry, cross-instance."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from freezegun import freeze_time

from accounts.models import User
from tests.kakao_fixtures import mock_login

pytestmark = pytest.mark.django_db

AUTHORIZE = """
query Authorize($redirectUri: String, $scope: [String!]) {
  kakaoAuthorizeUrl(redirectUri: $redirectUri, scope: $scope) {
    url state nonce errors { field code }
  }
}
"""
LOGIN = """
mutation Login($code: String!, $state: String, $redirectUri: String) {
  kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
    token created errors { field code }
  }
}
"""
STATE_COOKIE = "kakao-oauth-state"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def gql(client: Client, query: str, variables: dict) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    return response.json()["data"]


def authorize(client: Client, **variables) -> dict:
    return gql(client, AUTHORIZE, variables)["kakaoAuthorizeUrl"]


def login_codes(client: Client, state: str | None, **variables) -> list[str]:
    data = gql(client, LOGIN, {"code": "the-code", "state": state, **variables})["kakaoLogin"]
    return [e["code"] for e in data["errors"]]


def test_authorize_url_has_everything_kakao_needs(client, settings):
    data = authorize(client, scope=["account_email", "profile_image"])
    url = urlsplit(data["url"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://kauth.kakao.com/oauth/authorize"
    assert query["client_id"] == ["test-rest-api-key"]
    assert query["redirect_uri"] == [settings.KAKAO_REDIRECT_URIS[0]]
    assert query["response_type"] == ["code"]
    assert query["state"] == [data["state"]]
    assert query["scope"] == ["account_email,profile_image"]
    assert "nonce" not in query and data["nonce"] is None
    assert len(data["state"]) >= 40


def test_authorize_sets_httponly_state_cookie(client):
    response = client.post(
        "/graphql", json.dumps({"query": AUTHORIZE}), content_type="application/json"
    )
    cookie = response.cookies[STATE_COOKIE]
    state = response.json()["data"]["kakaoAuthorizeUrl"]["state"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 600
    assert state not in cookie.value or ":" in cookie.value  # signed, not a bare state


def test_each_authorize_gives_a_new_state(client):
    assert authorize(client)["state"] != authorize(client)["state"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"redirectUri": "https://evil.example/cb"}, "REDIRECT_URI_NOT_ALLOWED"),
        ({"scope": ["account_email", "DROP TABLE"]}, "INVALID_INPUT"),
    ],
)
def test_authorize_rejects_bad_arguments(client, variables, code):
    data = authorize(client, **variables)
    assert [e["code"] for e in data["errors"]] == [code]
    assert data["url"] is None


def test_oidc_adds_openid_scope_and_nonce(client, settings):
    settings.KAKAO_OIDC = True
    data = authorize(client)
    query = parse_qs(urlsplit(data["url"]).query)
    assert query["scope"] == ["openid"]
    assert query["nonce"] == [data["nonce"]] and len(data["nonce"]) >= 40


def test_login_with_matching_state_works_and_spends_it(client, kakao):
    mock_login(kakao)
    state = authorize(client)["state"]
    assert login_codes(client, state) == []
    # The state cookie is deleted, and the state cannot be used again.
    assert client.cookies[STATE_COOKIE].value == ""
    assert login_codes(client, state) == ["INVALID_STATE"]


def test_login_csrf_foreign_state_is_refused_without_calling_kakao(kakao):
    # given: the attacker starts a login in their own browser and gets a state
    attacker, victim = Client(), Client()
    attacker_state = authorize(attacker)["state"]
    authorize(victim)  # the victim may even have a state of their own
    # when: the victim's browser is made to submit the attacker's code and state
    codes = login_codes(victim, attacker_state)
    # then
    assert codes == ["INVALID_STATE"]
    assert len(kakao.calls) == 0
    assert User.objects.count() == 0


def test_replayed_state_with_copied_cookie_is_refused(kakao):
    mock_login(kakao)
    first = Client()
    state = authorize(first)["state"]
    copied = first.cookies[STATE_COOKIE].value
    assert login_codes(first, state) == []
    second = Client()
    second.cookies[STATE_COOKIE] = copied
    assert login_codes(second, state) == ["INVALID_STATE"]


def test_missing_state_or_cookie_is_refused(client, kakao):
    authorize(client)
    assert login_codes(client, None) == ["INVALID_STATE"]
    assert login_codes(Client(), "some-state") == ["INVALID_STATE"]
    assert len(kakao.calls) == 0


def test_expired_state_is_refused(client, kakao):
    state = authorize(client)["state"]
    with freeze_time(timedelta(minutes=11)):
        assert login_codes(client, state) == ["INVALID_STATE"]
    assert len(kakao.calls) == 0


def test_tampered_cookie_is_refused(client, kakao):
    state = authorize(client)["state"]
    client.cookies[STATE_COOKIE] = client.cookies[STATE_COOKIE].value[:-2] + "xx"
    assert login_codes(client, state) == ["INVALID_STATE"]


def test_state_for_another_redirect_uri_is_refused(client, kakao):
    state = authorize(client, redirectUri="myapp://oauth")["state"]
    assert login_codes(client, state) == ["INVALID_STATE"]


def test_require_state_off_lets_native_apps_in(kakao, settings):
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    assert login_codes(Client(), None) == []


def test_require_state_off_still_checks_a_presented_state(client, kakao, settings):
    settings.KAKAO_REQUIRE_STATE = False
    authorize(client)
    assert login_codes(client, "forged-state") == ["INVALID_STATE"]
