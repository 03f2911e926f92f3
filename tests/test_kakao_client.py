"""The Kakao client alone: wire format in, typed results and exceptions out."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses

from accounts import kakao
from accounts.kakao import (
    KakaoAccountRestricted,
    KakaoClient,
    KakaoConsentRequired,
    KakaoError,
    KakaoInvalidClient,
    KakaoInvalidCode,
    KakaoInvalidToken,
    KakaoProfile,
    KakaoRedirectUriMismatch,
    KakaoUnavailable,
)
from tests.kakao_fixtures import (
    KAKAO_ACCESS_TOKEN,
    ME_URL,
    TOKEN_URL,
    token_error,
    token_response,
    user_response,
)

CODE = "code-SECRET-0123456789"
REDIRECT = "http://localhost:3000/oauth/kakao/callback"


@pytest.fixture
def make_client():
    def make(**options) -> KakaoClient:
        defaults = {
            "auth_url": "https://kauth.kakao.com",
            "api_url": "https://kapi.kakao.com",
            "client_id": "rest-key",
            "timeout": 2.0,
        }
        return KakaoClient(**{**defaults, **options})

    return make


# --- token exchange -----------------------------------------------------------


def test_exchange_sends_kakao_form(kakao, make_client):
    kakao.add(responses.POST, TOKEN_URL, json=token_response(id_token="a.b.c"))
    tokens = make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    request = kakao.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded;charset=utf-8"
    assert parse_qs(request.body) == {
        "grant_type": ["authorization_code"],
        "client_id": ["rest-key"],
        "redirect_uri": [REDIRECT],
        "code": [CODE],
    }
    assert tokens.access_token == KAKAO_ACCESS_TOKEN
    assert tokens.id_token == "a.b.c"
    assert tokens.scope == ("account_email", "profile_image", "profile_nickname")
    assert tokens.expires_in == 21599


def test_exchange_sends_the_pkce_verifier_only_when_given(kakao, make_client):
    kakao.add(responses.POST, TOKEN_URL, json=token_response())
    verifier = "v" * 43
    make_client().exchange_code(code=CODE, redirect_uri=REDIRECT, code_verifier=verifier)
    make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert parse_qs(kakao.calls[0].request.body)["code_verifier"] == [verifier]
    assert "code_verifier" not in parse_qs(kakao.calls[1].request.body)


def test_exchange_sends_client_secret_only_when_configured(kakao, make_client):
    kakao.add(responses.POST, TOKEN_URL, json=token_response())
    make_client(client_secret="s3cret").exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert parse_qs(kakao.calls[0].request.body)["client_secret"] == ["s3cret"]


@pytest.mark.parametrize(
    ("status", "error_code", "error", "exception"),
    [
        (400, "KOE320", "invalid_grant", KakaoInvalidCode),
        (400, "KOE303", "invalid_grant", KakaoRedirectUriMismatch),
        (400, "KOE006", "invalid_request", KakaoRedirectUriMismatch),
        (401, "KOE010", "invalid_client", KakaoInvalidClient),
        (401, "KOE101", "invalid_client", KakaoInvalidClient),
        (401, None, "invalid_client", KakaoInvalidClient),
        (400, "KOE999", "invalid_request", KakaoError),
        # A PKCE refusal: an invalid_grant whose KOE code Kakao does not document (§8).
        (400, None, "invalid_grant", KakaoInvalidCode),
        (400, "KOE999", "invalid_grant", KakaoInvalidCode),
    ],
)
def test_token_errors_map_to_exceptions(kakao, make_client, status, error_code, error, exception):
    body = token_error(error_code or "", error, CODE)
    if error_code is None:
        del body["error_code"]
    kakao.add(responses.POST, TOKEN_URL, status=status, json=body)
    with pytest.raises(exception) as raised:
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert type(raised.value) is exception
    assert raised.value.status == status
    # Kakao's KOE320 description echoes the code: it must not travel on.
    assert CODE not in str(raised.value) and CODE not in repr(raised.value.args)


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("refused"),
    ],
)
def test_transport_failures_are_unavailable_and_never_retried(kakao, make_client, failure):
    kakao.add(responses.POST, TOKEN_URL, body=failure)
    with pytest.raises(KakaoUnavailable):
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert len(kakao.calls) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable_and_never_retried(kakao, make_client, status):
    kakao.add(responses.POST, TOKEN_URL, status=status, body="<html>oops</html>")
    with pytest.raises(KakaoUnavailable):
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert len(kakao.calls) == 1


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '{"token_type": "bearer"}', '{"access_token": 5}']
)
def test_malformed_token_response_is_kakao_error(kakao, make_client, body):
    kakao.add(responses.POST, TOKEN_URL, body=body, content_type="application/json")
    with pytest.raises(KakaoError):
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)


def test_oversized_response_is_refused(kakao, make_client):
    kakao.add(responses.POST, TOKEN_URL, body="x" * (kakao_max() + 1))
    with pytest.raises(KakaoUnavailable):
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)


def kakao_max() -> int:
    return kakao.MAX_RESPONSE_BYTES


def test_tokens_repr_hides_secrets():
    tokens = kakao.KakaoTokens.from_api(token_response(id_token="id.token.value"))
    assert KAKAO_ACCESS_TOKEN not in repr(tokens) and "id.token.value" not in repr(tokens)


# --- profile ----------------------------------------------------------------------


def test_profile_request_uses_bearer_with_one_space(kakao, make_client):
    kakao.add(responses.GET, ME_URL, json=user_response())
    profile = make_client().fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert kakao.calls[0].request.headers["Authorization"] == f"Bearer {KAKAO_ACCESS_TOKEN}"
    assert profile.id == "1234567890"
    assert profile.nickname == "홍길동"
    assert profile.email == "sample@sample.com" and profile.email_verified is True
    assert profile.profile_image_url.endswith("640x640.jpg")
    assert profile.thumbnail_image_url.endswith("110x110.jpg")


@pytest.mark.parametrize(
    ("status", "body", "exception"),
    [
        (401, {"msg": "this access token does not exist", "code": -401}, KakaoInvalidToken),
        (401, {}, KakaoInvalidToken),
        (403, {"msg": "insufficient scopes.", "code": -402}, KakaoConsentRequired),
        (400, {"msg": "NotRegisteredUserException", "code": -101}, KakaoAccountRestricted),
        (400, {"msg": "dormant", "code": -103}, KakaoAccountRestricted),
        (400, {"msg": "under 14", "code": -406}, KakaoAccountRestricted),
        (400, {"msg": "bad parameter", "code": -2}, KakaoError),
        (500, {"msg": "internal error", "code": -1}, KakaoUnavailable),
        (400, {"msg": "internal error", "code": -1}, KakaoUnavailable),
    ],
)
def test_profile_errors_map_to_exceptions(kakao, make_client, status, body, exception):
    kakao.add(responses.GET, ME_URL, status=status, json=body)
    with pytest.raises(exception) as raised:
        make_client().fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert type(raised.value) is exception
    assert KAKAO_ACCESS_TOKEN not in str(raised.value)


def test_consent_error_keeps_required_scopes(kakao, make_client):
    body = {"msg": "insufficient scopes.", "code": -402, "required_scopes": ["account_email"]}
    kakao.add(responses.GET, ME_URL, status=403, json=body)
    with pytest.raises(KakaoConsentRequired) as raised:
        make_client().fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert raised.value.required_scopes == ("account_email",)


# --- parsing the profile ---------------------------------------------------------


def test_profile_prefers_kakao_account_over_legacy_properties():
    data = user_response(nickname="new")
    data["properties"]["nickname"] = "old"
    assert KakaoProfile.from_api(data).nickname == "new"


def test_profile_falls_back_to_legacy_properties():
    data = {"id": 7, "properties": {"nickname": "legacy", "profile_image": "https://i/p.jpg"}}
    profile = KakaoProfile.from_api(data)
    assert profile.nickname == "legacy"
    assert profile.profile_image_url == "https://i/p.jpg"


def test_profile_with_nothing_but_an_id():
    profile = KakaoProfile.from_api({"id": 7})
    assert (profile.id, profile.nickname, profile.email, profile.email_verified) == (
        "7",
        "",
        None,
        False,
    )
    assert profile.has_profile is False


@pytest.mark.parametrize(
    ("valid", "verified", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_email_is_verified_only_when_valid_and_verified(valid, verified, expected):
    profile = KakaoProfile.from_api(user_response(valid=valid, verified=verified))
    assert profile.email_verified is expected


def test_default_image_means_no_image():
    profile = KakaoProfile.from_api(user_response(image=False))
    assert profile.profile_image_url == "" and profile.thumbnail_image_url == ""


@pytest.mark.parametrize("bad_id", [None, "123", True, 0, -5, 1.5])
def test_profile_without_a_valid_id_is_refused(bad_id):
    with pytest.raises(KakaoError):
        KakaoProfile.from_api({"id": bad_id})


def test_big_ids_are_kept_exactly():
    assert KakaoProfile.from_api({"id": 2**63 - 1}).id == "9223372036854775807"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:image/png;base64,AA", "x" * 600])
def test_non_web_image_urls_are_dropped(url):
    data = user_response()
    data["kakao_account"]["profile"]["profile_image_url"] = url
    data["properties"]["profile_image"] = url
    assert KakaoProfile.from_api(data).profile_image_url == ""


# --- no request may hang ------------------------------------------------------------


@pytest.fixture
def silent_server():
    """A TCP server that accepts and then says nothing, or drips bytes forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    mode = {"drip": False}

    def serve():
        listener.settimeout(0.1)
        conns = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                conns.append(conn)
                if mode["drip"]:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            except TimeoutError:
                pass
            for conn in conns if mode["drip"] else ():
                try:
                    conn.sendall(b"{")
                except OSError:
                    pass
        for conn in conns:
            conn.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", mode
    stop.set()
    thread.join(timeout=2)


@pytest.mark.parametrize("drip", [False, True], ids=["silent", "dripping"])
def test_a_silent_or_dripping_kakao_cannot_hang_a_request(make_client, silent_server, drip):
    url, mode = silent_server
    mode["drip"] = drip
    client = make_client(auth_url=url, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(KakaoUnavailable):
        client.exchange_code(code=CODE, redirect_uri=REDIRECT)
    assert time.monotonic() - started < 2.0


def test_nothing_secret_is_logged(kakao, make_client, all_logs):
    kakao.add(responses.POST, TOKEN_URL, status=400, json=token_error("KOE320", code=CODE))
    with pytest.raises(KakaoInvalidCode):
        make_client().exchange_code(code=CODE, redirect_uri=REDIRECT)
    kakao.add(responses.GET, ME_URL, status=401, json={"code": -401, "msg": "no"})
    with pytest.raises(KakaoInvalidToken):
        make_client().fetch_profile(access_token=KAKAO_ACCESS_TOKEN)
    assert CODE not in all_logs.text and KAKAO_ACCESS_TOKEN not in all_logs.text
    assert "kakao_token_error status=400 kakao_code=KOE320" in all_logs.text
