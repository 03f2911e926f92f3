"""The local Kakao stand-in speaks Kakao's shapes, and our client works against it."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
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
from kakao_standin.server import StandInServer, start_in_thread

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
        # What the page asked of a new person, and the optional items left ticked.
        "asked_scopes": "profile_nickname,profile_image,account_email",
        "agree_scope": ["profile_image", "account_email"],
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
    code = agree(standin, email="", agree_scope=["account_email"])["code"][0]
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


# --- native apps, the account's life ---------------------------------------------------

ADMIN_KEY = "test-admin-key-6f1c"
NATIVE_KEY = "test-native-app-key"


class NoticeReceiver:
    """A tiny backend that records Kakao's unlink notices and answers a chosen status."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.notices: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.notices.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "form": parse_qs(self.rfile.read(length).decode()),
                    }
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kakao/unlink-notice"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def make_standin():
    """A factory: a stand-in with the options a test needs, stopped afterwards."""
    servers = []

    def make(**options):
        options.setdefault("client_id", CLIENT_ID)
        options.setdefault("admin_key", ADMIN_KEY)
        options.setdefault("native_app_key", NATIVE_KEY)
        server, base = start_in_thread(**options)
        servers.append(server)
        return base

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver():
    backend = NoticeReceiver()
    yield backend
    backend.close()


def native_token(base: str, **body) -> dict:
    answer = requests.post(f"{base}/_standin/native-token", json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def token_info(base: str, access_token: str) -> requests.Response:
    return requests.get(
        f"{base}/v1/user/access_token_info",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )


def user_me(base: str, access_token: str) -> requests.Response:
    return requests.get(
        f"{base}/v2/user/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    )


def admin_unlink(base: str, user_id, key: str | None = ADMIN_KEY, **form) -> requests.Response:
    headers = {"Authorization": f"KakaoAK {key}"} if key is not None else {}
    return requests.post(
        f"{base}/v1/user/unlink",
        headers=headers,
        data={"target_id_type": "user_id", "target_id": str(user_id), **form},
        timeout=5,
    )


def test_access_token_info_of_a_code_flow_token(standin, client):
    # given a token from the code flow
    tokens = client.exchange_code(code=agree(standin)["code"][0], redirect_uri=REDIRECT)
    # when the backend asks whose token it is
    info = token_info(standin, tokens.access_token)
    # then Kakao's shape, with the stand-in's default app id
    assert info.status_code == 200
    body = info.json()
    assert set(body) == {"id", "expires_in", "app_id"}
    assert body["app_id"] == 1000001
    assert str(body["id"]) == client.fetch_profile(access_token=tokens.access_token).id
    assert 21500 < body["expires_in"] <= 21599


def test_access_token_info_refuses_unknown_and_expired_tokens(make_standin):
    now = [1_700_000_000.0]
    base = make_standin(clock=lambda: now[0])
    access_token = native_token(base, nickname="시계")["access_token"]
    assert token_info(base, access_token).json()["expires_in"] == 43199
    for authorization in ("Bearer not-a-token", "", f"KakaoAK {access_token}"):
        answer = requests.get(
            f"{base}/v1/user/access_token_info", headers={"Authorization": authorization}
        )
        assert answer.status_code == 401
        assert answer.json() == {"msg": "this access token does not exist", "code": -401}
    now[0] += 43200
    assert token_info(base, access_token).status_code == 401
    assert user_me(base, access_token).status_code == 401


def test_native_token_has_kakaos_shape_and_a_native_id_token(make_standin):
    base = make_standin()
    # when a phone logs in with OpenID Connect and a nonce
    body = native_token(
        base, nickname="모바일", email="mobile@example.com", openid=True, nonce="n-123"
    )
    # then the token response of Kakao's SDK
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
        "id_token",
    }
    assert body["token_type"] == "bearer" and body["expires_in"] == 43199
    assert body["refresh_token_expires_in"] == 5183999
    assert "openid" in body["scope"].split() and "account_email" in body["scope"].split()
    profile = user_me(base, body["access_token"]).json()
    info = token_info(base, body["access_token"]).json()
    assert info["app_id"] == 1000001 and info["id"] == profile["id"]
    # and an id_token for the native app key, signed by the stand-in's JWKS
    jwks = requests.get(f"{base}/.well-known/jwks.json").json()
    claims = jwt.decode(
        body["id_token"],
        jwt.PyJWK(jwks["keys"][0]).key,
        algorithms=["RS256"],
        audience=NATIVE_KEY,
        issuer=base,
    )
    assert claims["sub"] == str(profile["id"]) and claims["nonce"] == "n-123"
    assert claims["nickname"] == "모바일" and claims["email"] == "mobile@example.com"
    assert claims["picture"] == profile["kakao_account"]["profile"]["profile_image_url"]
    assert claims["exp"] > claims["iat"]
    # the REST API key is not its audience
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            body["id_token"],
            jwt.PyJWK(jwks["keys"][0]).key,
            algorithms=["RS256"],
            audience=CLIENT_ID,
        )


def test_native_token_options(make_standin):
    base = make_standin()
    plain = native_token(base, nickname="평범")
    assert "id_token" not in plain and "openid" not in plain["scope"]
    other_aud = native_token(base, nickname="JS", openid=True, aud="js-key", image=False)
    claims = jwt.decode(other_aud["id_token"], options={"verify_signature": False})
    assert claims["aud"] == "js-key" and "nonce" not in claims and "picture" not in claims
    unverified = native_token(base, nickname="미인증", email="u@example.com", verified=False)
    account = user_me(base, unverified["access_token"]).json()["kakao_account"]
    assert account["is_email_verified"] is False


def test_a_token_of_another_app_answers_the_profile_but_not_our_app_id(make_standin):
    base = make_standin()
    # given a token another Kakao app obtained for the same person (token substitution)
    body = native_token(base, nickname="남의앱", email="other@example.com", app_id=9999999)
    # then Kakao says whose app it belongs to...
    info = token_info(base, body["access_token"]).json()
    assert info["app_id"] == 9999999 != 1000001
    # ...while /v2/user/me still answers, as the real Kakao does
    profile = user_me(base, body["access_token"])
    assert profile.status_code == 200 and profile.json()["id"] == info["id"]
    # and the person is not connected to our app
    assert admin_unlink(base, info["id"]).json()["code"] == -101
    assert "남의앱" not in requests.get(f"{base}/_standin/connections").text


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'{"nickname": 5}',
        b'{"email": ["a@example.com"]}',
        b'{"verified": "yes"}',
        b'{"openid": "true"}',
        b'{"app_id": "1000001"}',
        b'{"app_id": true}',
        b'{"app_id": -3}',
        b'{"nonce": 7}',
        b'{"aud": {"x": 1}}',
    ],
)
def test_native_token_refuses_malformed_input(make_standin, raw):
    base = make_standin()
    answer = requests.post(
        f"{base}/_standin/native-token",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == -2 and answer.json()["msg"]
    assert requests.get(f"{base}/_standin/connections").text.count("Disconnect this app") == 0


def test_native_token_page_gives_a_person_a_token_to_paste(make_standin):
    # given the page GraphiQL's tour sends people to
    base = make_standin()
    form = requests.get(f"{base}/_standin/native-token", timeout=5)
    assert form.status_code == 200 and form.headers["Content-Type"].startswith("text/html")
    assert 'method="post" action="/_standin/native-token"' in form.text
    # when a person submits it (a browser's form, not JSON)
    page = requests.post(
        f"{base}/_standin/native-token",
        data={"nickname": "<b>폰</b>", "email": "phone@example.com", "profile_image": "on"},
        timeout=5,
    )
    # then the page shows an SDK's access token for that person, of this app
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<b>폰</b>" not in page.text
    shown = page.text.split('<code id="access-token"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    info = token_info(base, shown).json()
    assert info["app_id"] == 1000001 and 43000 < info["expires_in"] <= 43199
    account = user_me(base, shown).json()["kakao_account"]
    assert account["profile"]["nickname"] == "<b>폰</b>"
    assert account["email"] == "phone@example.com" and account["is_email_verified"] is False


def test_admin_key_unlink(make_standin):
    base = make_standin()
    first = native_token(base, nickname="관리자해제")
    second = native_token(base, nickname="관리자해제")
    user_id = token_info(base, first["access_token"]).json()["id"]
    # a wrong or missing admin key is refused and changes nothing
    for key in ("wrong-key", "", None, ADMIN_KEY + "x"):
        refused = admin_unlink(base, user_id, key=key)
        assert refused.status_code == 401 and refused.json()["code"] == -401
        assert ADMIN_KEY not in refused.text
    bearer_scheme = requests.post(
        f"{base}/v1/user/unlink",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        data={"target_id_type": "user_id", "target_id": str(user_id)},
    )
    assert bearer_scheme.status_code == 401
    assert user_me(base, first["access_token"]).status_code == 200
    # bad parameters
    assert admin_unlink(base, "abc").json()["code"] == -2
    assert admin_unlink(base, user_id, target_id_type="app_user_id").json()["code"] == -2
    # the right key unlinks, and every token of that person dies with the consent
    done = admin_unlink(base, user_id)
    assert done.status_code == 200 and done.json() == {"id": user_id}
    for tokens in (first, second):
        assert user_me(base, tokens["access_token"]).status_code == 401
    # not connected any more, or never: -101
    again = admin_unlink(base, user_id)
    assert again.status_code == 400 and again.json()["code"] == -101
    assert admin_unlink(base, 123456789).json()["code"] == -101
    unlinks = requests.get(f"{base}/_standin/unlinks").json()["unlinks"]
    assert [(u["user_id"], u["by"]) for u in unlinks] == [(user_id, "admin_key")]
    assert datetime.fromisoformat(unlinks[0]["at"]).tzinfo is not None


def test_user_token_unlink_is_recorded_and_ends_the_connection(make_standin):
    base = make_standin()
    first = native_token(base, nickname="스스로해제")
    second = native_token(base, nickname="스스로해제")
    user_id = token_info(base, first["access_token"]).json()["id"]
    answer = requests.post(
        f"{base}/v1/user/unlink", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert answer.json() == {"id": user_id}
    assert user_me(base, second["access_token"]).status_code == 401
    assert admin_unlink(base, user_id).json()["code"] == -101
    assert [u["by"] for u in requests.get(f"{base}/_standin/unlinks").json()["unlinks"]] == [
        "user_token"
    ]
    # a logout is no unlink: the person stays connected
    third = native_token(base, nickname="스스로해제")
    requests.post(
        f"{base}/v1/user/logout", headers={"Authorization": f"Bearer {third['access_token']}"}
    )
    assert admin_unlink(base, user_id).status_code == 200


def test_code_flow_connects_the_person_too(standin, client):
    tokens = client.exchange_code(code=agree(standin)["code"][0], redirect_uri=REDIRECT)
    user_id = client.fetch_profile(access_token=tokens.access_token).id
    page = requests.get(f"{standin}/_standin/connections").text
    assert "테스터" in page and str(user_id) in page
    assert admin_unlink(standin, user_id, key="dev-admin-key").status_code == 200


def test_connections_page_disconnect_sends_kakaos_unlink_notice(make_standin, receiver):
    base = make_standin(app_id=4242, unlink_callback_url=receiver.url)
    tokens = native_token(base, nickname="끊을사람", email="cut@example.com")
    native_token(base, nickname="남을사람")
    user_id = token_info(base, tokens["access_token"]).json()["id"]
    # given the page lists both people, one form and one button each
    page = requests.get(f"{base}/_standin/connections").text
    assert page.count("Disconnect this app") == 2 and page.count("<form") == 2
    assert "끊을사람" in page and receiver.url in page
    # when the person disconnects the app
    answer = requests.post(f"{base}/_standin/connections", data={"user_id": str(user_id)})
    # then the page says what the backend answered, and the person is gone
    assert answer.status_code == 200 and "HTTP 200" in answer.text
    assert answer.text.count("Disconnect this app") == 1 and "남을사람" in answer.text
    assert user_me(base, tokens["access_token"]).status_code == 401
    # and the backend got Kakao's notice
    [notice] = receiver.notices
    assert notice["path"] == "/kakao/unlink-notice"
    assert notice["authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert notice["content_type"].startswith("application/x-www-form-urlencoded")
    assert notice["form"] == {
        "app_id": ["4242"],
        "user_id": [str(user_id)],
        "referrer_type": ["UNLINK_FROM_APPS"],
    }
    # an unlink the app did not ask for is no unlink by the app
    assert requests.get(f"{base}/_standin/unlinks").json() == {"unlinks": []}


def test_disconnect_json_reports_the_backends_status(make_standin, receiver):
    base = make_standin(unlink_callback_url=receiver.url)
    user_id = token_info(base, native_token(base, nickname="제이슨")["access_token"]).json()["id"]
    answer = requests.post(f"{base}/_standin/disconnect", json={"user_id": user_id})
    assert answer.json() == {"notified": True, "status": 200}
    # a backend that fails, and a person the stand-in forgot (ids as strings for JavaScript)
    receiver.status = 500
    again = requests.post(f"{base}/_standin/disconnect", json={"user_id": str(user_id)})
    assert again.json() == {"notified": True, "status": 500}
    assert [n["form"]["user_id"] for n in receiver.notices] == [[str(user_id)]] * 2
    for bad in ({}, {"user_id": True}, {"user_id": "12a"}, {"user_id": -5}, {"user_id": 1.5}):
        refused = requests.post(f"{base}/_standin/disconnect", json=bad)
        assert refused.status_code == 400 and refused.json()["code"] == -2
    assert requests.post(f"{base}/_standin/connections", data={"user_id": "x"}).status_code == 400
    assert len(receiver.notices) == 2


def test_disconnect_without_callback_or_with_a_dead_one(make_standin):
    quiet = make_standin()
    user_id = token_info(quiet, native_token(quiet, nickname="알림없음")["access_token"]).json()
    assert "No unlink callback URL" in requests.get(f"{quiet}/_standin/connections").text
    answer = requests.post(f"{quiet}/_standin/disconnect", json={"user_id": user_id["id"]})
    assert answer.json() == {"notified": False, "status": None}
    # nobody listens on the callback: answered quickly, not notified
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    dead = make_standin(unlink_callback_url=f"http://127.0.0.1:{dead_port}/cb")
    started = time.monotonic()
    answer = requests.post(f"{dead}/_standin/disconnect", json={"user_id": 42}, timeout=10)
    assert answer.json() == {"notified": False, "status": None}
    assert time.monotonic() - started < 3.5


def test_connections_page_escapes_nicknames(make_standin):
    base = make_standin()
    native_token(base, nickname='<img src=x onerror="alert(1)">')
    page = requests.get(f"{base}/_standin/connections").text
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_the_admin_key_never_reaches_the_log(make_standin, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    base = make_standin(unlink_callback_url=receiver.url)
    user_id = token_info(base, native_token(base, nickname="로그")["access_token"]).json()["id"]
    admin_unlink(base, user_id, key="wrong")
    native_token(base, nickname="로그")
    admin_unlink(base, user_id)
    native_token(base, nickname="로그")
    requests.post(f"{base}/_standin/connections", data={"user_id": str(user_id)})
    assert receiver.notices and "standin unlink" in caplog.text
    assert ADMIN_KEY not in caplog.text


def test_index_lists_what_the_standin_offers(make_standin):
    page = requests.get(make_standin() + "/").text
    for path in (
        "/oauth/authorize",
        "/_standin/code",
        "/_standin/native-token",
        "/_standin/connections",
        "/_standin/disconnect",
        "/_standin/unlinks",
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ):
        assert path in page
    assert ADMIN_KEY not in page


def test_command_options_reach_the_standin_and_the_admin_key_is_not_echoed(settings, monkeypatch):
    settings.DEBUG = True
    made = []

    def serve_once(self, *args, **kwargs):
        made.append(self.standin)
        raise KeyboardInterrupt

    monkeypatch.setattr(StandInServer, "serve_forever", serve_once)
    out = io.StringIO()
    call_command(
        "kakao_standin",
        "--port=0",
        "--app-id=4242",
        "--admin-key=cmd-admin-secret",
        "--native-app-key=cmd-native",
        "--unlink-callback-url=http://127.0.0.1:9/cb",
        stdout=out,
    )
    [standin] = made
    assert (standin.app_id, standin.admin_key) == (4242, "cmd-admin-secret")
    assert standin.native_app_key == "cmd-native"
    assert standin.unlink_callback_url == "http://127.0.0.1:9/cb"
    assert "cmd-admin-secret" not in out.getvalue() and "cmd-admin-secret" not in repr(standin)
    assert "KAKAO_APP_ID=4242" in out.getvalue()
    # defaults
    settings.KAKAO_APP_ID = ""
    settings.KAKAO_ADMIN_KEY = ""
    call_command("kakao_standin", "--port=0", stdout=io.StringIO())
    assert (made[1].app_id, made[1].admin_key) == (1000001, "dev-admin-key")
    assert made[1].native_app_key == "dev-native-app-key" and made[1].unlink_callback_url == ""
