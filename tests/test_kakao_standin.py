"""The local Kakao stand-in speaks Kakao's shapes, and our client works against it."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.core.management import CommandError, call_command

from accounts.kakao import (
    KakaoClient,
    KakaoInvalidClient,
    KakaoInvalidCode,
    KakaoInvalidToken,
    KakaoRedirectUriMismatch,
)
from kakao_standin.checks import check_kakao_urls
from kakao_standin.server import start_in_thread

CLIENT_ID = "standin-test-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"


@pytest.fixture
def standin():
    server, base = start_in_thread(client_id=CLIENT_ID)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(standin) -> KakaoClient:
    return KakaoClient(auth_url=standin, api_url=standin, client_id=CLIENT_ID, timeout=2)


def agree(base: str, **fields) -> dict[str, list[str]]:
    form = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "action": "agree",
        "nickname": "테스터",
        "email": "tester@example.com",
        "email_verified": "on",
        "profile_image": "on",
        **fields,
    }
    response = requests.post(f"{base}/oauth/authorize", data=form, allow_redirects=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def test_consent_page_renders_and_escapes(standin):
    page = requests.get(
        f"{standin}/oauth/authorize",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": '"><script>alert(1)</script>',
        },
    )
    assert page.status_code == 200
    for element in (
        'id="nickname"',
        'id="email"',
        'id="email_verified"',
        'id="agree"',
        'id="cancel"',
    ):
        assert element in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_consent_page_refuses_unknown_client(standin):
    page = requests.get(
        f"{standin}/oauth/authorize",
        params={"client_id": "nope", "redirect_uri": REDIRECT, "response_type": "code"},
    )
    assert page.status_code == 400 and "KOE101" in page.text


def test_agree_redirects_with_code_and_state_and_cancel_with_access_denied(standin):
    query = agree(standin)
    assert query["state"] == ["st4te"] and len(query["code"][0]) > 20
    denied = agree(standin, action="cancel")
    assert denied["error"] == ["access_denied"]
    assert denied["error_description"] == ["User denied access"]
    assert denied["state"] == ["st4te"] and "code" not in denied


def test_full_exchange_and_profile_with_our_client(standin, client):
    code = agree(standin)["code"][0]
    tokens = client.exchange_code(code=code, redirect_uri=REDIRECT)
    profile = client.fetch_profile(access_token=tokens.access_token)
    assert profile.nickname == "테스터"
    assert profile.email == "tester@example.com" and profile.email_verified
    assert profile.profile_image_url.startswith("http://")
    # the same person logs in again: same id
    again = client.fetch_profile(
        access_token=client.exchange_code(
            code=agree(standin)["code"][0], redirect_uri=REDIRECT
        ).access_token
    )
    assert again.id == profile.id


def test_identity_without_email_or_image(standin, client):
    code = agree(standin, email="", profile_image="")["code"][0]
    profile = client.fetch_profile(
        access_token=client.exchange_code(code=code, redirect_uri=REDIRECT).access_token
    )
    assert profile.email is None
    assert profile.profile_image_url == ""


def test_unverified_email_is_reported_unverified(standin, client):
    code = agree(standin, email_verified="")["code"][0]
    profile = client.fetch_profile(
        access_token=client.exchange_code(code=code, redirect_uri=REDIRECT).access_token
    )
    assert profile.email == "tester@example.com" and profile.email_verified is False


def test_code_is_single_use(standin, client):
    code = agree(standin)["code"][0]
    client.exchange_code(code=code, redirect_uri=REDIRECT)
    with pytest.raises(KakaoInvalidCode):
        client.exchange_code(code=code, redirect_uri=REDIRECT)


def test_kakao_error_shapes(standin, client):
    body = requests.post(
        f"{standin}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "code": "unknown",
        },
    ).json()
    assert body["error"] == "invalid_grant" and body["error_code"] == "KOE320"
    with pytest.raises(KakaoRedirectUriMismatch):
        client.exchange_code(code=agree(standin)["code"][0], redirect_uri="http://other/cb")
    wrong = KakaoClient(auth_url=standin, api_url=standin, client_id="other", timeout=2)
    with pytest.raises(KakaoInvalidClient):
        wrong.exchange_code(code=agree(standin)["code"][0], redirect_uri=REDIRECT)
    with pytest.raises(KakaoInvalidToken):
        client.fetch_profile(access_token="not-a-token")


def test_client_secret_is_checked():
    server, base = start_in_thread(client_id=CLIENT_ID, client_secret="s3cret")
    try:
        code = agree(base)["code"][0]
        no_secret = KakaoClient(auth_url=base, api_url=base, client_id=CLIENT_ID, timeout=2)
        with pytest.raises(KakaoInvalidClient) as raised:
            no_secret.exchange_code(code=code, redirect_uri=REDIRECT)
        assert raised.value.kakao_code == "KOE010"
        with_secret = KakaoClient(
            auth_url=base, api_url=base, client_id=CLIENT_ID, client_secret="s3cret", timeout=2
        )
        assert with_secret.exchange_code(code=code, redirect_uri=REDIRECT).access_token
    finally:
        server.shutdown()
        server.server_close()


def test_logout_and_unlink_expire_the_token(standin, client):
    for path in ("/v1/user/logout", "/v1/user/unlink"):
        tokens = client.exchange_code(code=agree(standin)["code"][0], redirect_uri=REDIRECT)
        auth = {"Authorization": f"Bearer {tokens.access_token}"}
        answer = requests.post(f"{standin}{path}", headers=auth)
        assert answer.status_code == 200 and isinstance(answer.json()["id"], int)
        assert requests.post(f"{standin}{path}", headers=auth).json()["code"] == -401


def test_shortcut_code_and_id_token_verify(standin, client):
    code = requests.post(
        f"{standin}/_standin/code",
        json={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "nickname": "bench",
            "email": "",
            "nonce": "n0nce",
            "scope": "openid,profile_nickname",
        },
    ).json()["code"]
    tokens = client.exchange_code(code=code, redirect_uri=REDIRECT)
    jwks = client.fetch_jwks()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        tokens.id_token, key, algorithms=["RS256"], audience=CLIENT_ID, issuer=standin
    )
    assert claims["nonce"] == "n0nce" and claims["nickname"] == "bench"
    discovery = requests.get(f"{standin}/.well-known/openid-configuration").json()
    assert discovery["jwks_uri"] == f"{standin}/.well-known/jwks.json"


def test_latency_parameter_delays_api_answers():
    server, base = start_in_thread(client_id=CLIENT_ID, latency_ms=150)
    try:
        started = time.monotonic()
        requests.post(f"{base}/v2/user/me", headers={"Authorization": "Bearer x"})
        assert time.monotonic() - started >= 0.15
    finally:
        server.shutdown()
        server.server_close()


def test_command_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("kakao_standin", "--port", "0")


def test_check_refuses_loopback_kakao_without_debug(settings):
    settings.KAKAO_AUTH_URL = "http://127.0.0.1:8001"
    settings.KAKAO_API_URL = "http://localhost:8001"
    assert [e.id for e in check_kakao_urls()] == ["kakao_standin.E001"] * 2
    settings.DEBUG = True
    assert check_kakao_urls() == []
    settings.DEBUG = False
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = "https://kauth.kakao.com"
    assert check_kakao_urls() == []
