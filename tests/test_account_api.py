"""deleteAccount, linkKakao and unlinkKakao as a client sees them: payloads, codes, cookies."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.test import Client
from freezegun import freeze_time
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.errors import AccountErrorCode
from accounts.models import RefreshToken, SocialAccount, User
from accounts.services import sessions
from tests.kakao_fixtures import KAKAO_ACCESS_TOKEN, mock_login, token_error, user_response
from tests.test_account_service import (
    ADMIN_KEY,
    BAD_ADMIN_KEY,
    NOT_CONNECTED,
    UID,
    UNLINK_URL,
    kakao_user,
    live_sessions,
    mock_unlink,
    snapshot,
)
from tests.test_graphql_api import (
    ACCESS_COOKIE,
    CODE,
    REFRESH,
    REFRESH_COOKIE,
    authorize,
    errors_of,
    gql,
    login,
)

pytestmark = pytest.mark.django_db

DELETE = "mutation { deleteAccount { ok errors { field message code } } }"
LINK = """
mutation Link($code: String!, $redirectUri: String, $state: String) {
  linkKakao(code: $code, redirectUri: $redirectUri, state: $state) {
    user { id email } errors { field message code }
  }
}
"""
UNLINK = "mutation { unlinkKakao { ok errors { field message code } } }"
ME = "query { me { id email } }"


@pytest.fixture(autouse=True)
def _admin_key(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY


def signed_in(kakao) -> tuple[Client, dict]:
    """A browser that signed in with Kakao: its cookies, and kakaoLogin's payload.

    The payload has no refresh token (it went to the HttpOnly cookie); the one the
    browser holds is added as `refreshToken`, for tests that present it elsewhere.
    """
    client = Client()
    response = login(client, kakao)
    data = response.json()["data"]["kakaoLogin"]
    assert data["errors"] == [] and data["refreshToken"] is None
    return client, {**data, "refreshToken": response.cookies[REFRESH_COOKIE].value}


def bearer(user: User) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {sessions.start_session(user=user).token}"}


def codes(response, field: str) -> list[str]:
    return [e["code"] for e in errors_of(response, field)]


def assert_cookies_deleted(response) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0


# --- deleteAccount ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["anonymize", "delete"])
def test_delete_account_leaves_and_deletes_cookies(kakao, settings, mode):
    settings.ACCOUNT_DELETE_MODE = mode
    client, data = signed_in(kakao)
    mock_unlink(kakao)
    # when
    response = gql(client, DELETE)
    # then
    assert response.json() == {"data": {"deleteAccount": {"ok": True, "errors": []}}}
    assert_cookies_deleted(response)
    unlink = kakao.calls[-1].request
    assert unlink.url == UNLINK_URL
    assert unlink.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert parse_qs(unlink.body) == {"target_id_type": ["user_id"], "target_id": [UID]}
    assert SocialAccount.objects.count() == 0
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0
    if mode == "delete":
        assert User.objects.count() == 0
    else:
        user = User.objects.get()
        assert user.username.startswith("deleted_") and not user.is_active
    # The access token already handed out has lost its session, the refresh token is dead.
    me = gql(Client(), ME, HTTP_AUTHORIZATION=f"Bearer {data['token']}").json()
    assert me["data"]["me"] is None
    assert [e["extensions"]["code"] for e in me["errors"]] == ["SESSION_ENDED"]
    refresh = gql(Client(), REFRESH, {"refreshToken": data["refreshToken"]})
    assert codes(refresh, "refreshToken") == ["INVALID_REFRESH_TOKEN"]


def test_login_after_delete_account_is_a_new_sign_up_with_the_email_free(kakao):
    client, first = signed_in(kakao)
    mock_unlink(kakao)
    assert gql(client, DELETE).json()["data"]["deleteAccount"]["ok"] is True
    # when: the same Kakao account signs in again
    again = login(Client(), kakao).json()["data"]["kakaoLogin"]
    # then
    assert again["errors"] == [] and again["created"] is True
    assert again["user"]["id"] != first["user"]["id"]
    assert again["user"]["email"] == "sample@sample.com"


@pytest.mark.parametrize("failure", ["500", "503", "timeout"])
def test_delete_while_kakao_is_down_changes_nothing(kakao, failure):
    client, data = signed_in(kakao)
    user = User.objects.get()
    before = snapshot(user)
    if failure == "timeout":
        kakao.add(responses.POST, UNLINK_URL, body=requests.exceptions.ConnectTimeout("down"))
    else:
        mock_unlink(kakao, int(failure), {"msg": "internal error", "code": -1})
    # when
    response = gql(client, DELETE)
    # then
    assert response.json()["data"]["deleteAccount"]["ok"] is None
    assert codes(response, "deleteAccount") == ["KAKAO_UNAVAILABLE"]
    assert REFRESH_COOKIE not in response.cookies and ACCESS_COOKIE not in response.cookies
    assert snapshot(user) == before
    assert gql(client, ME).json()["data"]["me"]["id"] == data["user"]["id"]


def test_kakao_not_connected_on_delete_counts_as_done(kakao):
    client, _ = signed_in(kakao)
    mock_unlink(kakao, 400, NOT_CONNECTED)
    response = gql(client, DELETE)
    assert response.json()["data"]["deleteAccount"] == {"ok": True, "errors": []}
    assert SocialAccount.objects.count() == 0


@pytest.mark.parametrize("admin_key", ["", "refused"])
def test_delete_with_a_missing_or_refused_admin_key_is_misconfigured(kakao, settings, admin_key):
    client, _ = signed_in(kakao)
    user = User.objects.get()
    before = snapshot(user)
    settings.KAKAO_ADMIN_KEY = admin_key
    mock_unlink(kakao, 401, BAD_ADMIN_KEY)
    calls = len(kakao.calls)
    response = gql(client, DELETE)
    assert codes(response, "deleteAccount") == ["KAKAO_MISCONFIGURED"]
    assert snapshot(user) == before
    assert len(kakao.calls) == calls + (1 if admin_key else 0)


# --- who may call --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "variables"),
    [
        (DELETE, "deleteAccount", {}),
        (LINK, "linkKakao", {"code": CODE}),
        (UNLINK, "unlinkKakao", {}),
    ],
)
def test_anonymous_callers_are_unauthenticated(kakao, query, field, variables):
    kakao_user()
    response = gql(Client(), query, variables)
    assert codes(response, field) == ["UNAUTHENTICATED"]
    assert len(kakao.calls) == 0
    assert SocialAccount.objects.count() == 1 and User.objects.get().is_active


@pytest.mark.parametrize(
    ("query", "field", "variables"),
    [
        (DELETE, "deleteAccount", {}),
        (LINK, "linkKakao", {"code": CODE}),
        (UNLINK, "unlinkKakao", {}),
    ],
)
def test_expired_token_is_top_level_token_expired(kakao, query, field, variables):
    user = kakao_user(password="pw-0123456789")
    headers = bearer(user)
    with freeze_time(timedelta(minutes=6)):
        body = gql(Client(), query, variables, **headers).json()
    assert body["data"][field] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TOKEN_EXPIRED"]
    assert len(kakao.calls) == 0
    assert User.objects.get().is_active and SocialAccount.objects.count() == 1


def test_cookie_carrying_form_post_cannot_delete_the_account(kakao):
    client, _ = signed_in(kakao)
    response = client.post(
        "/graphql",
        "query=mutation+%7B+deleteAccount+%7B+ok+%7D+%7D",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert User.objects.get().is_active


# --- linkKakao ------------------------------------------------------------------------------


def link(client: Client, kakao, user: User, *, mock: dict | None = None, **variables):
    mock_login(kakao, **(mock or {}))
    state = variables.pop("state", None) or authorize(client)
    return gql(client, LINK, {"code": CODE, "state": state, **variables}, **bearer(user))


def test_link_kakao_attaches_kakao_to_a_password_user(kakao):
    user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    # when
    response = link(Client(), kakao, user)
    # then
    data = response.json()["data"]["linkKakao"]
    assert data == {"user": {"id": str(user.pk), "email": "me@example.com"}, "errors": []}
    assert SocialAccount.objects.get().user_id == user.pk
    # and kakaoLogin now signs in to that user
    again = login(Client(), kakao).json()["data"]["kakaoLogin"]
    assert again["created"] is False and again["user"]["id"] == str(user.pk)


def test_link_when_already_linked_does_not_spend_the_code(kakao):
    user = kakao_user()
    response = link(Client(), kakao, user, mock={"user": user_response(99)})
    assert codes(response, "linkKakao") == ["ALREADY_LINKED"]
    assert len(kakao.calls) == 0
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == [UID]


def test_link_with_someone_elses_kakao_account_is_refused(kakao):
    owner = kakao_user()
    user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    response = link(Client(), kakao, user)
    assert codes(response, "linkKakao") == ["KAKAO_ALREADY_LINKED"]
    assert response.json()["data"]["linkKakao"]["user"] is None
    assert list(SocialAccount.objects.values_list("user_id", flat=True)) == [owner.pk]


def test_link_needs_this_browsers_state(kakao):
    user = kakao_user(None, password="pw-0123456789")
    attacker_state = authorize(Client())
    response = link(Client(), kakao, user, state=attacker_state)
    assert codes(response, "linkKakao") == ["INVALID_STATE"]
    assert len(kakao.calls) == 0 and SocialAccount.objects.count() == 0


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"code": ""}, ("INVALID_INPUT", "code")),
        ({"code": "abc\ndef"}, ("INVALID_INPUT", "code")),
        ({"code": "ok", "state": "bad\tstate"}, ("INVALID_INPUT", "state")),
        (
            {"code": "ok", "redirectUri": "https://evil.example/cb"},
            ("REDIRECT_URI_NOT_ALLOWED", "redirectUri"),
        ),
    ],
)
def test_link_bad_input_is_refused_before_kakao(kakao, variables, expected):
    user = kakao_user(None, password="pw-0123456789")
    response = gql(Client(), LINK, variables, **bearer(user))
    errors = errors_of(response, "linkKakao")
    assert [(e["code"], e["field"]) for e in errors] == [expected]
    assert len(kakao.calls) == 0


def test_link_with_a_used_code_is_invalid_code(kakao):
    user = kakao_user(None, password="pw-0123456789")
    response = link(
        Client(),
        kakao,
        user,
        mock={"token_status": 400, "token_body": token_error("KOE320", code=CODE)},
    )
    assert codes(response, "linkKakao") == ["INVALID_CODE"]
    assert CODE not in response.content.decode()
    assert SocialAccount.objects.count() == 0


# --- unlinkKakao -----------------------------------------------------------------------------


def test_unlinking_the_last_login_method_is_refused(kakao):
    client, _ = signed_in(kakao)
    user = User.objects.get()
    before = snapshot(user)
    calls = len(kakao.calls)
    response = gql(client, UNLINK)
    assert codes(response, "unlinkKakao") == ["LAST_LOGIN_METHOD"]
    assert len(kakao.calls) == calls
    assert snapshot(user) == before
    assert REFRESH_COOKIE not in response.cookies


def test_unlink_with_a_password_ends_sessions_and_deletes_cookies(kakao):
    client, data = signed_in(kakao)
    user = User.objects.get()
    user.set_password("pw-0123456789")
    user.save()
    mock_unlink(kakao)
    # when
    response = gql(client, UNLINK)
    # then
    assert response.json()["data"]["unlinkKakao"] == {"ok": True, "errors": []}
    assert_cookies_deleted(response)
    assert kakao.calls[-1].request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert SocialAccount.objects.count() == 0 and live_sessions(user) == 0
    refresh = gql(Client(), REFRESH, {"refreshToken": data["refreshToken"]})
    assert codes(refresh, "refreshToken") == ["INVALID_REFRESH_TOKEN"]
    assert User.objects.get().is_active


def test_unlink_without_a_link_is_ok(kakao):
    user = kakao_user(None, password="pw-0123456789")
    response = gql(Client(), UNLINK, **bearer(user))
    assert response.json()["data"]["unlinkKakao"] == {"ok": True, "errors": []}
    assert len(kakao.calls) == 0
    assert live_sessions(user) == 1  # nothing was unlinked, so the session stays


# --- nothing secret in the logs -----------------------------------------------------------------


def test_nothing_secret_is_logged(kakao, settings, all_logs):
    client, data = signed_in(kakao)
    mock_unlink(kakao, 401, BAD_ADMIN_KEY)
    gql(client, DELETE)  # refused: KAKAO_MISCONFIGURED
    password_user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    headers = bearer(password_user)
    mock_login(kakao, user=user_response(77, email=None))
    linked = gql(Client(), LINK, {"code": "link-code-SECRET-1"}, **headers)
    assert codes(linked, "linkKakao") == ["INVALID_STATE"]  # no state: refused first
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao, user=user_response(77, email=None))
    gql(Client(), LINK, {"code": "link-code-SECRET-2"}, **headers)
    mock_unlink(kakao)
    gql(client, DELETE)
    text = all_logs.text
    for secret in (
        ADMIN_KEY,
        CODE,
        "link-code-SECRET",
        KAKAO_ACCESS_TOKEN,
        "kakao-refresh-token-SECRET",
        data["token"],
        data["refreshToken"],
        headers["HTTP_AUTHORIZATION"].split()[1],
    ):
        assert secret not in text
    assert "kakao_linked user=" in text and "account_removed user=" in text


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    code=st.one_of(st.text(max_size=1100), st.sampled_from(["", "\x00", "' OR 1=1 --"])),
    state=st.none() | st.text(max_size=600),
    redirect_uri=st.none() | st.text(max_size=100),
)
def test_any_link_arguments_give_a_typed_error_and_no_call(kakao, code, state, redirect_uri):
    user = kakao_user(None, password="pw-0123456789")
    variables = {"code": code, "state": state, "redirectUri": redirect_uri}
    response = gql(Client(), LINK, variables, **bearer(user))
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert {e["code"] for e in errors_of(response, "linkKakao")} <= {
        c.name for c in AccountErrorCode
    }
    assert len(kakao.calls) == 0  # no state cookie in this browser: never reaches Kakao
    assert SocialAccount.objects.count() == 0
    User.objects.all().delete()
