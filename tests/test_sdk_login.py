"""Mobile apps sign in with a Kakao SDK's tokens: kakaoLoginWithToken.

Client (access_token_info), service (the app check, id_token audiences, the
pipeline shared with kakaoLogin) and GraphQL (payload, codes, no cookies).
"""

from __future__ import annotations

import json

import pytest
import requests
import responses
from django.test import Client

from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient, KakaoError, KakaoInvalidToken, KakaoUnavailable
from accounts.models import RefreshToken, SocialAccount, User
from accounts.services import sdk_login
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    ME_URL,
    TOKEN_INFO_URL,
    mock_login,
    token_info_response,
    user_response,
)
from tests.test_oidc import JWKS_URL, OTHER_KEY, id_token, jwks

pytestmark = pytest.mark.django_db

NATIVE_KEY = "test-native-app-key"
LOGIN = """
mutation KakaoLoginWithToken($accessToken: String!, $idToken: String, $nonce: String) {
  kakaoLoginWithToken(accessToken: $accessToken, idToken: $idToken, nonce: $nonce) {
    token refreshToken refreshExpiresIn payload created
    user { id email nickname profileImageUrl thumbnailImageUrl }
    errors { field message code }
  }
}
"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""
LOGOUT = "mutation($t: String) { logout(refreshToken: $t) { ok errors { code } } }"


@pytest.fixture(autouse=True)
def _native_app(settings):
    settings.KAKAO_ID_TOKEN_AUDIENCES = [NATIVE_KEY, "test-javascript-key"]


def mock_token(kakao, *, info: dict | None = None, status: int = 200, me: dict | None = None):
    kakao.add(responses.GET, TOKEN_INFO_URL, json=info or token_info_response(), status=status)
    kakao.add(responses.GET, ME_URL, json=me or user_response())


def urls(kakao) -> list[str]:
    return [call.request.url.split("?")[0] for call in kakao.calls]


def gql(client: Client, query: str, variables: dict | None = None, **extra):
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


def native_login(variables: dict, client: Client | None = None) -> tuple[dict, object]:
    response = gql(client or Client(), LOGIN, variables)
    return response.json()["data"]["kakaoLoginWithToken"], response


def codes(data: dict) -> list[str]:
    return [e["code"] for e in data["errors"]]


# --- the client: GET /v1/user/access_token_info ---------------------------------


def client() -> KakaoClient:
    return KakaoClient.from_settings()


def test_token_info_is_parsed_and_sent_as_bearer(kakao):
    kakao.add(responses.GET, TOKEN_INFO_URL, json=token_info_response(42, app_id=77))
    info = client().access_token_info(access_token=KAKAO_ACCESS_TOKEN)
    assert (info.id, info.app_id, info.expires_in) == ("42", "77", 7199)
    assert kakao.calls[0].request.headers["Authorization"] == f"Bearer {KAKAO_ACCESS_TOKEN}"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"msg": "this access token does not exist", "code": -401}, KakaoInvalidToken),
        (400, {"msg": "invalid argument", "code": -2}, KakaoError),
        (500, {"msg": "internal error", "code": -1}, KakaoUnavailable),
        (400, {"msg": "internal error", "code": -1}, KakaoUnavailable),
        (503, {}, KakaoUnavailable),
        (200, {"id": 42}, KakaoError),  # no app_id
        (200, {"id": True, "app_id": 1}, KakaoError),
        (200, {"id": 42, "app_id": "1000001"}, KakaoError),  # not a number
    ],
)
def test_token_info_errors(kakao, status, body, error):
    kakao.add(responses.GET, TOKEN_INFO_URL, json=body, status=status)
    with pytest.raises(error):
        client().access_token_info(access_token=KAKAO_ACCESS_TOKEN)


def test_token_info_timeout_is_unavailable(kakao):
    kakao.add(responses.GET, TOKEN_INFO_URL, body=requests.exceptions.ReadTimeout())
    with pytest.raises(KakaoUnavailable):
        client().access_token_info(access_token=KAKAO_ACCESS_TOKEN)


# --- the service -----------------------------------------------------------------


def test_new_person_without_id_token_costs_two_calls(kakao):
    mock_token(kakao)
    result = sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert result.created is True and result.tokens is not None
    assert urls(kakao) == [TOKEN_INFO_URL, ME_URL]
    assert SocialAccount.objects.get().uid == "1234567890"


def test_token_of_another_app_is_refused_before_anything_else(kakao, all_logs):
    mock_token(kakao, info=token_info_response(app_id=999))
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.code is AccountErrorCode.KAKAO_APP_MISMATCH
    assert urls(kakao) == [TOKEN_INFO_URL]  # no profile call
    assert User.objects.count() == 0 and RefreshToken.objects.count() == 0
    warnings = [r for r in all_logs.records if "kakao_app_mismatch" in r.getMessage()]
    assert warnings and warnings[0].levelname == "WARNING"
    assert KAKAO_ACCESS_TOKEN not in all_logs.text


def test_token_info_and_profile_of_different_people_are_refused(kakao):
    mock_token(kakao, info=token_info_response(111), me=user_response(222))
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.code is AccountErrorCode.INVALID_KAKAO_TOKEN
    assert User.objects.count() == 0


def test_unknown_token_is_invalid_kakao_token(kakao):
    kakao.add(responses.GET, TOKEN_INFO_URL, status=401, json={"msg": "no", "code": -401})
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert (raised.value.code, raised.value.field) == (
        AccountErrorCode.INVALID_KAKAO_TOKEN,
        "accessToken",
    )


def test_missing_app_id_is_misconfigured_without_calling_kakao(kakao, settings):
    settings.KAKAO_APP_ID = ""
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.code is AccountErrorCode.KAKAO_MISCONFIGURED
    assert len(kakao.calls) == 0


def test_returning_person_with_id_token_costs_one_call(kakao):
    mock_token(kakao)
    sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    kakao.calls.reset()
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    result = sdk_login.kakao_login_with_token(
        access_token=KAKAO_ACCESS_TOKEN, id_token=id_token("n0nce", aud=NATIVE_KEY), nonce="n0nce"
    )
    assert result.created is False
    # the JWKS are cached from now on; the only call per login is the token info
    assert urls(kakao) == [TOKEN_INFO_URL, JWKS_URL]
    kakao.calls.reset()
    sdk_login.kakao_login_with_token(
        access_token=KAKAO_ACCESS_TOKEN, id_token=id_token(None, aud=NATIVE_KEY)
    )
    assert urls(kakao) == [TOKEN_INFO_URL]


def test_first_login_with_email_in_id_token_asks_the_profile_for_verification(kakao):
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    token = id_token(None, aud=NATIVE_KEY, email="sample@sample.com")
    result = sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN, id_token=token)
    assert result.user.email == "sample@sample.com"  # verified by /v2/user/me
    assert urls(kakao) == [TOKEN_INFO_URL, JWKS_URL, ME_URL]


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-apps-key"},  # issued for another app's key
        {"aud": "test-rest-api-key"},  # the REST key is not in this deployment's list
        {"sub": "999"},  # someone else's id_token
        {"iss": "https://evil.example"},
        {"exp": 1_000_000_000, "iat": 999_990_000},
    ],
)
def test_bad_id_tokens_are_refused_and_create_nothing(kakao, claims):
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(
            access_token=KAKAO_ACCESS_TOKEN,
            id_token=id_token(None, **{"aud": NATIVE_KEY, **claims}),
        )
    assert (raised.value.code, raised.value.field) == (AccountErrorCode.INVALID_ID_TOKEN, "idToken")
    assert User.objects.count() == 0


def test_id_token_signed_by_another_key_is_refused(kakao):
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(
            access_token=KAKAO_ACCESS_TOKEN, id_token=id_token(None, aud=NATIVE_KEY, key=OTHER_KEY)
        )
    assert raised.value.code is AccountErrorCode.INVALID_ID_TOKEN


def test_nonce_must_match_when_given(kakao):
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(
            access_token=KAKAO_ACCESS_TOKEN,
            id_token=id_token("the-real-nonce", aud=NATIVE_KEY),
            nonce="another-nonce",
        )
    assert raised.value.code is AccountErrorCode.INVALID_ID_TOKEN


def test_default_audience_is_the_rest_api_key(kakao, settings):
    settings.KAKAO_ID_TOKEN_AUDIENCES = []
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    result = sdk_login.kakao_login_with_token(
        access_token=KAKAO_ACCESS_TOKEN, id_token=id_token(None, aud="test-rest-api-key")
    )
    assert result.created is True


def test_web_and_app_reach_the_same_user(kakao, settings):
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    web = gql(Client(), 'mutation { kakaoLogin(code: "c0de") { user { id } } }').json()
    mock_token(kakao)
    app, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert app["created"] is False
    assert app["user"]["id"] == web["data"]["kakaoLogin"]["user"]["id"]


def test_email_policy_is_kakao_logins(kakao):
    User.objects.create_user(username="existing", email="sample@sample.com")
    mock_token(kakao)
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.code is AccountErrorCode.EMAIL_ALREADY_REGISTERED
    # and an unverified email is never stored
    mock_token(kakao, me=user_response(email="other@sample.com", verified=False))
    User.objects.all().delete()
    result = sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert result.user.email is None


def test_inactive_user_is_refused(kakao):
    mock_token(kakao)
    user = sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN).user
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(AccountError) as raised:
        sdk_login.kakao_login_with_token(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.code is AccountErrorCode.ACCOUNT_INACTIVE


# --- GraphQL -------------------------------------------------------------------------


def test_payload_tokens_and_no_cookies(kakao):
    mock_token(kakao)
    data, response = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert data["errors"] == [] and data["created"] is True
    assert data["token"] and data["refreshToken"] and isinstance(data["refreshExpiresIn"], int)
    assert data["user"]["nickname"] == "홍길동" and data["user"]["email"] == "sample@sample.com"
    assert data["payload"]["sid"]
    assert "Set-Cookie" not in response.headers
    # the app refreshes and logs out by argument, still without cookies
    refreshed = gql(Client(), REFRESH, {"t": data["refreshToken"]})
    assert refreshed.json()["data"]["refreshToken"]["errors"] == []
    assert "Set-Cookie" not in refreshed.headers
    new_token = refreshed.json()["data"]["refreshToken"]["refreshToken"]
    out = gql(Client(), LOGOUT, {"t": new_token})
    assert out.json()["data"]["logout"] == {"ok": True, "errors": []}
    assert "Set-Cookie" not in out.headers
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_another_apps_token_over_graphql(kakao):
    mock_token(kakao, info=token_info_response(app_id=424242))
    data, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert data["errors"][0]["code"] == "KAKAO_APP_MISMATCH"
    assert data["errors"][0]["field"] == "accessToken"
    assert data["token"] is None and data["user"] is None
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"accessToken": ""}, "accessToken"),
        ({"accessToken": "x" * 1025}, "accessToken"),
        ({"accessToken": "abc\ndef"}, "accessToken"),
        ({"accessToken": "ok", "idToken": "y" * (8 * 1024 + 1)}, "idToken"),
        ({"accessToken": "ok", "idToken": "a b"}, "idToken"),
        ({"accessToken": "ok", "nonce": "\x00"}, "nonce"),
    ],
)
def test_bad_input_is_refused_before_kakao(kakao, variables, field):
    data, _ = native_login(variables)
    assert [(e["code"], e["field"]) for e in data["errors"]] == [("INVALID_INPUT", field)]
    assert len(kakao.calls) == 0


def test_kakao_down_is_kakao_unavailable(kakao):
    kakao.add(responses.GET, TOKEN_INFO_URL, status=502, body="bad gateway")
    data, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert codes(data) == ["KAKAO_UNAVAILABLE"]


def test_rate_limited_per_ip(kakao, settings):
    settings.RATE_LIMIT_LOGIN_PER_IP = "2/60"
    for _ in range(2):
        mock_token(kakao)
        native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    data, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert codes(data) == ["RATE_LIMITED"] and data["errors"][0]


def test_rate_limited_per_kakao_user(kakao, settings):
    settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER = "1/60"
    mock_token(kakao)
    native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    data, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert codes(data) == ["RATE_LIMITED"]


def test_no_state_needed_and_csrf_rule_unaffected(kakao, settings):
    settings.KAKAO_REQUIRE_STATE = True  # the web default; native login has no state
    mock_token(kakao)
    data, _ = native_login({"accessToken": KAKAO_ACCESS_TOKEN})
    assert data["errors"] == []


def test_nothing_secret_is_logged_or_echoed(kakao, all_logs):
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    token = id_token(None, aud=NATIVE_KEY)
    data, response = native_login({"accessToken": KAKAO_ACCESS_TOKEN, "idToken": token})
    assert data["errors"] == []
    for secret in (KAKAO_ACCESS_TOKEN, token, data["token"], data["refreshToken"]):
        assert secret not in all_logs.text
    body = response.content.decode()
    assert KAKAO_ACCESS_TOKEN not in body and token not in body


def test_no_accepted_audience_at_all_refuses_every_id_token(kakao, settings):
    # neither KAKAO_ID_TOKEN_AUDIENCES nor a REST key: fail closed, never skip the check
    settings.KAKAO_ID_TOKEN_AUDIENCES = []
    settings.KAKAO_REST_API_KEY = ""
    mock_token(kakao)
    kakao.add(responses.GET, JWKS_URL, json=jwks())
    for aud in (NATIVE_KEY, "test-rest-api-key", ""):
        with pytest.raises(AccountError) as raised:
            sdk_login.kakao_login_with_token(
                access_token=KAKAO_ACCESS_TOKEN, id_token=id_token(None, aud=aud)
            )
        assert raised.value.code is AccountErrorCode.INVALID_ID_TOKEN, aud
    assert User.objects.count() == 0
