"""Proving it is still you: deleteAccount and unlinkKakao need a recent sign-in of this session."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from graphql_jwt.settings import jwt_settings

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import Session, SocialAccount, User
from accounts.services import account
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    TOKEN_INFO_URL,
    TOKEN_URL,
    mock_login,
    token_info_response,
    token_response,
    user_response,
)
from tests.test_account_api import DELETE, UNLINK, signed_in
from tests.test_account_service import ADMIN_KEY, UNLINK_URL, mock_unlink
from tests.test_graphql_api import CODE, authorize, errors_of, gql
from tests.test_oidc import JWKS_URL, id_token, jwks

pytestmark = pytest.mark.django_db

AUTHORIZE = """mutation($purpose: AuthorizePurpose, $prompt: [KakaoPrompt!]) {
  kakaoAuthorize(purpose: $purpose, prompt: $prompt) { url state nonce errors { field code } } }"""
REAUTH = """mutation($code: String!, $state: String, $redirectUri: String) {
  kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {
    ok authenticatedAt errors { field message code } } }"""
REAUTH_TOKEN = """mutation($accessToken: String!, $idToken: String, $nonce: String) {
  kakaoReauthenticateWithToken(accessToken: $accessToken, idToken: $idToken, nonce: $nonce) {
    ok authenticatedAt errors { field message code } } }"""
REFRESH = "mutation { refreshToken { token errors { code } } }"
AUTHENTICATED_AT = "query { me { kakao { authenticatedAt } } }"
NATIVE_KEY = "test-native-app-key"
ELEVEN_MINUTES = timedelta(minutes=11)


@pytest.fixture(autouse=True)
def _admin_key(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    # me.kakao's record is fresh enough for these tests: no consent calls to fake
    settings.KAKAO_CONSENT_MAX_AGE_SECONDS = 10**6


def codes(response, field: str) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in errors_of(response, field)]


def start(client: Client, purpose: str = "REAUTHENTICATE", **headers) -> dict:
    body = gql(client, AUTHORIZE, {"purpose": purpose}, **headers).json()
    return body["data"]["kakaoAuthorize"]


def refreshed(client: Client) -> None:
    """What a browser does after its access token expired: refresh (same session)."""
    assert gql(client, REFRESH).json()["data"]["refreshToken"]["errors"] == []


def reauthenticate(client: Client, kakao, **mock) -> dict:
    state = start(client)["state"]
    mock_login(kakao, **mock)
    return gql(client, REAUTH, {"code": CODE, "state": state}).json()["data"]["kakaoReauthenticate"]


def session_of(client: Client) -> Session:
    """The session of the access token this browser holds."""
    token = client.cookies["JWT"].value
    return Session.objects.get(pk=jwt_settings.JWT_DECODE_HANDLER(token)["sid"])


def unlink_calls(kakao) -> int:
    return sum(1 for call in kakao.calls if call.request.url == UNLINK_URL)


# --- the rule -----------------------------------------------------------------------------------


def test_delete_from_an_11_minute_old_session_is_refused_then_allowed_after_reauthentication(
    kakao,
):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)  # the device still holds a working session
        # when: someone at that device asks to delete the account
        response = gql(client, DELETE)
        # then
        assert codes(response, "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]
        assert response.json()["data"]["deleteAccount"]["ok"] is None
        assert User.objects.get().is_active and SocialAccount.objects.count() == 1
        assert unlink_calls(kakao) == 0
        # when: the person signs in to Kakao again (prompt=login) from this session
        started = start(client)
        assert parse_qs(urlsplit(started["url"]).query)["prompt"] == ["login"]
        mock_login(kakao)
        answer = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
        payload = answer["data"]["kakaoReauthenticate"]
        assert payload["errors"] == [] and payload["ok"] is True
        assert payload["authenticatedAt"] == timezone.now().isoformat()
        assert "JWT" not in answer and Session.objects.count() == 1  # no new session
        # then: leaving works
        mock_unlink(kakao)
        response = gql(client, DELETE)
        assert response.json()["data"]["deleteAccount"] == {"ok": True, "errors": []}
    assert not User.objects.get().is_active


def test_unlink_needs_a_recent_authentication_too(kakao):
    client, _ = signed_in(kakao)
    user = User.objects.get()
    user.set_password("pw-0123456789")
    user.save()
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        response = gql(client, UNLINK)
        assert codes(response, "unlinkKakao") == [("REAUTHENTICATION_REQUIRED", None)]
        assert SocialAccount.objects.count() == 1 and unlink_calls(kakao) == 0
        assert reauthenticate(client, kakao)["ok"] is True
        mock_unlink(kakao)
        assert gql(client, UNLINK).json()["data"]["unlinkKakao"] == {"ok": True, "errors": []}


def test_a_fresh_sign_in_is_recent_enough_and_the_window_is_configurable(kakao, settings):
    settings.REAUTHENTICATION_MAX_AGE_SECONDS = 120
    client, _ = signed_in(kakao)
    with freeze_time(timedelta(seconds=150)):
        assert codes(gql(client, DELETE), "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]
    with freeze_time(timedelta(seconds=90)):
        mock_unlink(kakao)
        assert gql(client, DELETE).json()["data"]["deleteAccount"]["ok"] is True


def top_level(response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


def test_a_token_without_a_session_can_never_delete(kakao):
    signed_in(kakao)
    user = User.objects.get()
    # an access token from before sessions existed: no sid claim
    legacy = jwt_settings.JWT_ENCODE_HANDLER(jwt_settings.JWT_PAYLOAD_HANDLER(user, None), None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {legacy}"}
    # the API refuses it before the rule is asked (SESSION_ENDED) ...
    assert top_level(gql(Client(), DELETE, **headers)) == ["SESSION_ENDED"]
    assert top_level(gql(Client(), AUTHORIZE, {"purpose": "REAUTHENTICATE"}, **headers)) == [
        "SESSION_ENDED"
    ]
    # ... and the rule itself holds without it: no session is never recent
    with pytest.raises(AccountError) as raised:
        account.delete_account(user=user, session_id=None)
    assert raised.value.code is AccountErrorCode.REAUTHENTICATION_REQUIRED
    assert User.objects.get().is_active and unlink_calls(kakao) == 0


def test_the_access_token_of_an_ended_session_cannot_delete(kakao):
    client, data = signed_in(kakao)
    thief = {"HTTP_AUTHORIZATION": f"Bearer {data['token']}"}  # copied before the logout
    sid = jwt_settings.JWT_DECODE_HANDLER(data["token"])["sid"]
    assert gql(client, "mutation { logout { ok } }").json()["data"]["logout"]["ok"] is True
    assert top_level(gql(Client(), DELETE, **thief)) == ["SESSION_ENDED"]
    # the rule itself: an ended session is never recent, even moments after its sign-in
    user = User.objects.get()
    with pytest.raises(AccountError) as raised:
        account.unlink_kakao(user=user, session_id=sid)
    assert raised.value.code is AccountErrorCode.REAUTHENTICATION_REQUIRED
    assert user.is_active and SocialAccount.objects.count() == 1 and unlink_calls(kakao) == 0


def test_each_session_has_its_own_authentication_time(kakao):
    first, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        second, _ = signed_in(kakao)
        refreshed(first)
        a = gql(first, AUTHENTICATED_AT).json()["data"]["me"]["kakao"]["authenticatedAt"]
        b = gql(second, AUTHENTICATED_AT).json()["data"]["me"]["kakao"]["authenticatedAt"]
        assert a < b == timezone.now().isoformat()
        # the newer session may leave; the older one may not
        assert codes(gql(first, DELETE), "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]


# --- attacks on kakaoReauthenticate ---------------------------------------------------------------


def test_another_persons_kakao_code_changes_nothing(kakao):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        before = session_of(client).authenticated_at
        # when: the code is for someone else's Kakao account (the thief's own)
        payload = reauthenticate(client, kakao, user=user_response(99, email="thief@example.com"))
        # then
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("KAKAO_ACCOUNT_MISMATCH", None)
        ]
        assert payload["ok"] is None
        assert session_of(client).authenticated_at == before
        assert codes(gql(client, DELETE), "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["1234567890"]


def test_a_sign_in_state_cannot_reauthenticate(kakao):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        state = authorize(client)  # issued to sign in
        calls = len(kakao.calls)
        response = gql(client, REAUTH, {"code": CODE, "state": state})
        assert codes(response, "kakaoReauthenticate") == [("INVALID_STATE", "state")]
        assert len(kakao.calls) == calls  # refused before Kakao
        assert codes(gql(client, DELETE), "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]


def test_a_reauthenticate_state_serves_neither_a_login_nor_another_session(kakao):
    _, data = signed_in(kakao)
    other, _ = signed_in(kakao)  # the same person's other device
    state = start(other)["state"]
    calls = len(kakao.calls)
    # its own session's token with another session's state cookie
    response = gql(
        other, REAUTH, {"code": CODE, "state": state}, HTTP_AUTHORIZATION=f"Bearer {data['token']}"
    )
    assert codes(response, "kakaoReauthenticate") == [("INVALID_STATE", "state")]
    # nor can a REAUTHENTICATE state sign anybody in
    login_mutation = (
        "mutation($c: String!, $s: String) { kakaoLogin(code: $c, state: $s) { errors { code } } }"
    )
    response = gql(other, login_mutation, {"c": CODE, "s": state})
    assert response.json()["data"]["kakaoLogin"]["errors"] == [{"code": "INVALID_STATE"}]
    assert len(kakao.calls) == calls


def test_reauthenticate_url_options(kakao):
    client, _ = signed_in(kakao)
    assert start(Client())["errors"] == [{"field": None, "code": "UNAUTHENTICATED"}]
    body = gql(client, AUTHORIZE, {"purpose": "REAUTHENTICATE", "prompt": ["NONE"]}).json()
    assert body["data"]["kakaoAuthorize"]["errors"] == [
        {"field": "prompt", "code": "INVALID_INPUT"}
    ]
    body = gql(
        client, AUTHORIZE, {"purpose": "REAUTHENTICATE", "prompt": ["SELECT_ACCOUNT"]}
    ).json()
    url = body["data"]["kakaoAuthorize"]["url"]
    assert parse_qs(urlsplit(url).query)["prompt"] == ["select_account,login"]


# --- with OpenID Connect: auth_time -------------------------------------------------------------


@pytest.fixture
def oidc(settings, kakao):
    settings.KAKAO_OIDC = True
    kakao.add(responses.GET, JWKS_URL, json=jwks())


def reauthenticate_oidc(client: Client, kakao, **claims) -> dict:
    started = start(client)
    token = id_token(started["nonce"], email=None, **claims)
    kakao.add(responses.POST, TOKEN_URL, json=token_response(id_token=token))
    body = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
    return body["data"]["kakaoReauthenticate"]


def test_with_oidc_an_auth_time_older_than_the_request_is_refused(kakao, oidc):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        before = session_of(client).authenticated_at
        # Kakao reused its own session instead of asking (auth_time at the sign-in)
        payload = reauthenticate_oidc(client, kakao, auth_time=int(time.time()) - 11 * 60)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("REAUTHENTICATION_REQUIRED", None)
        ]
        assert session_of(client).authenticated_at == before
        assert codes(gql(client, DELETE), "deleteAccount") == [("REAUTHENTICATION_REQUIRED", None)]
        # a sign-in after the request is accepted
        payload = reauthenticate_oidc(client, kakao, auth_time=int(time.time()))
        assert payload["errors"] == [] and payload["ok"] is True
        mock_unlink(kakao)
        assert gql(client, DELETE).json()["data"]["deleteAccount"]["ok"] is True


def test_with_oidc_no_id_token_proves_nothing(kakao, settings):
    client, _ = signed_in(kakao)
    settings.KAKAO_OIDC = True
    started = start(client)
    mock_login(kakao)  # OpenID Connect off in the console: no id_token comes back
    body = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
    assert codes_of(body, "kakaoReauthenticate") == [("REAUTHENTICATION_REQUIRED", None)]


def test_with_oidc_a_token_for_another_nonce_is_refused(kakao, oidc):
    client, _ = signed_in(kakao)
    started = start(client)
    token = id_token("another-nonce", email=None)
    kakao.add(responses.POST, TOKEN_URL, json=token_response(id_token=token))
    body = gql(client, REAUTH, {"code": CODE, "state": started["state"]}).json()
    assert codes_of(body, "kakaoReauthenticate") == [("INVALID_ID_TOKEN", None)]


def codes_of(body: dict, field: str) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in body["data"][field]["errors"]]


# --- native apps: kakaoReauthenticateWithToken -------------------------------------------------


@pytest.fixture
def native(settings, kakao):
    settings.KAKAO_ID_TOKEN_AUDIENCES = [NATIVE_KEY]
    kakao.add(responses.GET, JWKS_URL, json=jwks())


def reauth_with_token(client: Client, kakao, *, info: dict | None = None, **variables) -> dict:
    kakao.add(responses.GET, TOKEN_INFO_URL, json=info or token_info_response())
    kakao.add(responses.GET, "https://kapi.kakao.com/v2/user/me", json=user_response())
    body = gql(client, REAUTH_TOKEN, {"accessToken": KAKAO_ACCESS_TOKEN, **variables}).json()
    return body["data"]["kakaoReauthenticateWithToken"]


def test_native_reauthentication_counts_from_the_sdks_sign_in(kakao, native):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        signed_in_at = int(time.time()) - 30
        token = id_token(None, aud=NATIVE_KEY, email=None, auth_time=signed_in_at)
        payload = reauth_with_token(client, kakao, idToken=token)
        assert payload["errors"] == [] and payload["ok"] is True
        assert session_of(client).authenticated_at.timestamp() == signed_in_at
        mock_unlink(kakao)
        assert gql(client, DELETE).json()["data"]["deleteAccount"]["ok"] is True


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("old-auth-time", ("REAUTHENTICATION_REQUIRED", "idToken")),
        ("another-app", ("KAKAO_APP_MISMATCH", "accessToken")),
        ("another-person", ("KAKAO_ACCOUNT_MISMATCH", None)),
    ],
)
def test_native_reauthentication_attacks_change_nothing(kakao, native, case, expected):
    client, _ = signed_in(kakao)
    with freeze_time(ELEVEN_MINUTES):
        refreshed(client)
        before = session_of(client).authenticated_at
        auth_time = int(time.time()) - (11 * 60 if case == "old-auth-time" else 0)
        sub = "99" if case == "another-person" else "1234567890"
        token = id_token(None, aud=NATIVE_KEY, email=None, auth_time=auth_time, sub=sub)
        info = token_info_response(
            99 if case == "another-person" else 1234567890,
            app_id=424242 if case == "another-app" else 1000001,
        )
        payload = reauth_with_token(client, kakao, info=info, idToken=token)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [expected]
        assert session_of(client).authenticated_at == before


def test_native_reauthentication_needs_an_id_token_with_oidc(kakao, settings):
    client, _ = signed_in(kakao)
    settings.KAKAO_OIDC = True
    calls = len(kakao.calls)
    body = gql(client, REAUTH_TOKEN, {"accessToken": KAKAO_ACCESS_TOKEN}).json()
    assert codes_of(body, "kakaoReauthenticateWithToken") == [("INVALID_INPUT", "idToken")]
    assert len(kakao.calls) == calls


def test_anonymous_reauthentication_is_unauthenticated(kakao):
    body = gql(Client(), REAUTH_TOKEN, {"accessToken": KAKAO_ACCESS_TOKEN}).json()
    assert codes_of(body, "kakaoReauthenticateWithToken") == [("UNAUTHENTICATED", None)]
    body = gql(Client(), REAUTH, {"code": CODE, "state": "x"}).json()
    assert codes_of(body, "kakaoReauthenticate") == [("UNAUTHENTICATED", None)]
    assert len(kakao.calls) == 0


# --- the migration --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_existing_sessions_count_as_authenticated_at_their_sign_in():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_sessions")])
    old_apps = executor.loader.project_state([("accounts", "0003_sessions")]).apps
    OldUser = old_apps.get_model("accounts", "User")
    OldSession = old_apps.get_model("accounts", "Session")
    user = OldUser.objects.create(username="legacy", password="!")
    signed_in_at = timezone.now() - timedelta(days=3)
    old = OldSession.objects.create(user=user, created=signed_in_at)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Session.objects.get(pk=old.pk).authenticated_at == signed_in_at
