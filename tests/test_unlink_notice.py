"""Kakao's unlink notice over HTTP: only Kakao may send it, and it is idempotent."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import OperationalError
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.checks import check_configuration
from accounts.models import RefreshToken, SocialAccount, User
from accounts.services import sessions
from tests.test_account_service import ADMIN_KEY, UID, kakao_user, live_sessions, snapshot
from tests.test_graphql_api import gql

pytestmark = pytest.mark.django_db

URL = "/kakao/unlink-callback"
APP_ID = "123456"
ME = "query { me { id } }"


@pytest.fixture(autouse=True)
def _kakao_app(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_APP_ID = APP_ID


def send(
    method: str,
    *,
    client: Client | None = None,
    authorization: str | None = f"KakaoAK {ADMIN_KEY}",
    **params: str,
):
    """Send a notice the way Kakao does: query string for GET, form body for POST."""
    params = {"app_id": APP_ID, "user_id": UID, "referrer_type": "UNLINK_FROM_APPS", **params}
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    client = client or Client()
    if method == "GET":
        return client.get(URL, params, **headers)
    return client.post(
        URL, urlencode(params), content_type="application/x-www-form-urlencoded", **headers
    )


both_methods = pytest.mark.parametrize("method", ["GET", "POST"])


@both_methods
@pytest.mark.parametrize("mode", ["anonymize", "delete"])
def test_notice_removes_a_kakao_only_user(settings, method, mode):
    settings.ACCOUNT_DELETE_MODE = mode
    user = kakao_user()
    token = sessions.start_session(user=user).token
    # when
    response = send(method)
    # then
    assert response.status_code == 200
    assert SocialAccount.objects.count() == 0
    if mode == "delete":
        assert User.objects.count() == 0 and RefreshToken.objects.count() == 0
    else:
        user.refresh_from_db()
        assert user.is_active is False and user.email is None and user.nickname == ""
        assert live_sessions(user) == 0
    # and the access token already handed out no longer finds anyone
    assert gql(Client(), ME, HTTP_AUTHORIZATION=f"Bearer {token}").json()["data"]["me"] is None


@both_methods
def test_notice_for_a_user_with_a_password_only_removes_the_link_and_sessions(method):
    user = kakao_user(password="pw-0123456789")
    sessions.start_session(user=user)
    assert send(method).status_code == 200
    user.refresh_from_db()
    assert user.is_active and user.email == "sample@sample.com" and user.has_usable_password()
    assert SocialAccount.objects.count() == 0 and live_sessions(user) == 0


@both_methods
def test_replayed_notice_is_200_and_changes_nothing_more(method):
    user = kakao_user()
    assert send(method).status_code == 200
    after_first = snapshot(user)
    replay = send(method)
    assert replay.status_code == 200
    assert replay.json() == {"result": "unknown"}
    assert snapshot(user) == after_first


@both_methods
def test_notice_for_an_unknown_person_is_200(method):
    user = kakao_user()
    before = snapshot(user)
    response = send(method, user_id="987654321")
    assert response.status_code == 200
    assert snapshot(user) == before


FORGED_AUTHORIZATION = [
    None,
    "",
    "KakaoAK",
    "KakaoAK ",
    "KakaoAK wrong-key",
    f"KakaoAK {ADMIN_KEY}x",
    f"KakaoAK {ADMIN_KEY[:-1]}",
    f"Bearer {ADMIN_KEY}",
    f"kakaoak {ADMIN_KEY}",
    ADMIN_KEY,
    "KakaoAK 관리자키",
]


@both_methods
@pytest.mark.parametrize("authorization", FORGED_AUTHORIZATION)
def test_forged_key_is_401_and_changes_nothing(method, authorization):
    user = kakao_user()
    sessions.start_session(user=user)
    before = snapshot(user)
    response = send(method, authorization=authorization)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "KakaoAK"
    assert snapshot(user) == before


@both_methods
@pytest.mark.parametrize(
    "params",
    [
        {"app_id": "999999"},
        {"app_id": ""},
        {"app_id": f"{APP_ID} "},
        {"user_id": "12a"},
        {"user_id": ""},
        {"user_id": "-1234567890"},
        {"user_id": "1" * 21},
        {"user_id": f"{UID}\n"},
        {"user_id": "١٢٣"},  # digits, but not ASCII ones
        {"user_id": f"{UID} OR 1=1"},
    ],
)
def test_wrong_app_id_or_bad_user_id_is_400_and_changes_nothing(method, params):
    user = kakao_user()
    before = snapshot(user)
    response = send(method, **params)
    assert response.status_code == 400
    assert snapshot(user) == before


def test_post_parameters_must_be_in_the_body():
    user = kakao_user()
    query = urlencode({"app_id": APP_ID, "user_id": UID})
    response = Client().post(f"{URL}?{query}", HTTP_AUTHORIZATION=f"KakaoAK {ADMIN_KEY}")
    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).is_active


def test_other_methods_are_refused():
    kakao_user()
    response = Client().put(URL, HTTP_AUTHORIZATION=f"KakaoAK {ADMIN_KEY}")
    assert response.status_code == 405
    assert SocialAccount.objects.count() == 1


@pytest.mark.parametrize("missing", ["KAKAO_ADMIN_KEY", "KAKAO_APP_ID"])
def test_unconfigured_notice_is_503_and_changes_nothing(settings, missing):
    setattr(settings, missing, "")
    user = kakao_user()
    before = snapshot(user)
    # Even an empty Authorization must not match an empty key.
    assert send("POST", authorization="KakaoAK ").status_code == 503
    assert send("POST").status_code == 503
    assert snapshot(user) == before


def test_database_error_is_503_not_a_500_page(monkeypatch, all_logs):
    def broken(**kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr("accounts.services.account.handle_unlink_notice", broken)
    response = send("POST")
    # the project's one answer for a database outage (backend/outages.py), so Kakao may retry
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response["Retry-After"]) > 0
    assert "database_unavailable error=OperationalError" in all_logs.text


def test_database_error_midway_rolls_back(monkeypatch):
    user = kakao_user()
    sessions.start_session(user=user)
    before = snapshot(user)

    def broken_anonymize(pk):
        raise OperationalError("lost the connection")

    monkeypatch.setattr("accounts.services.account._anonymize", broken_anonymize)
    assert send("POST").status_code == 503
    assert snapshot(user) == before  # sessions and link are back: Kakao may retry


def test_notice_is_exempt_from_csrf_and_rate_limits(settings):
    settings.RATE_LIMIT_LOGIN_PER_IP = "1/60"
    settings.RATE_LIMIT_REFRESH_PER_IP = "1/60"
    client = Client(enforce_csrf_checks=True)
    client.cookies["JWT"] = "some-cookie"  # the GraphQL CSRF rule would refuse a form POST
    client.cookies["JWT-refresh-token"] = "some-cookie"
    for uid in range(1, 8):
        kakao_user(str(uid), email=None)
        assert send("POST", client=client, user_id=str(uid)).status_code == 200
    assert SocialAccount.objects.count() == 0


@pytest.mark.parametrize(
    ("referrer_type", "logged"),
    [
        ("UNLINK_FROM_APPS", "UNLINK_FROM_APPS"),
        ("ACCOUNT_DELETE", "ACCOUNT_DELETE"),
        ("SOMETHING_NEW", "other"),
        ("x\nforged log line", "other"),
    ],
)
def test_notice_is_logged_with_user_and_referrer_never_the_key(all_logs, referrer_type, logged):
    user = kakao_user()
    send("POST", referrer_type=referrer_type)
    send("GET", authorization=f"KakaoAK {ADMIN_KEY}-wrong")
    text = all_logs.text
    assert f"kakao_unlink_notice user={user.pk} referrer_type={logged} outcome=removed" in text
    assert "kakao_unlink_notice_refused reason=unauthorized" in text
    assert ADMIN_KEY not in text
    assert "forged log line" not in text


# --- start-up checks of the settings this story reads ----------------------------------


def check_ids() -> list[str]:
    return [message.id for message in check_configuration()]


@pytest.mark.parametrize(
    ("name", "bad", "error"),
    [
        ("ACCOUNT_DELETE_MODE", "purge", "accounts.E014"),
        ("KAKAO_APP_ID", "my-app", "accounts.E015"),
        ("KAKAO_ADMIN_KEY", "key with spaces", "accounts.E016"),
        ("KAKAO_ADMIN_KEY", "관리자키", "accounts.E016"),
    ],
)
def test_bad_account_setting_is_an_error(settings, name, bad, error):
    assert error not in check_ids()
    setattr(settings, name, bad)
    assert error in check_ids()


def test_bad_admin_key_error_does_not_echo_the_key(settings):
    settings.KAKAO_ADMIN_KEY = "SECRET key"
    assert all("SECRET" not in message.msg for message in check_configuration())


def test_missing_admin_key_or_app_id_is_a_warning(settings):
    assert {"accounts.W002", "accounts.W003"}.isdisjoint(check_ids())
    settings.KAKAO_APP_ID = ""
    assert "accounts.W003" in check_ids()
    settings.KAKAO_ADMIN_KEY = ""
    assert "accounts.W002" in check_ids()


# --- arbitrary input -------------------------------------------------------------------------

notice_texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", UID, APP_ID, "1" * 21, "' OR 1=1 --", "\x00", "١٢٣"]),
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST"]),
    authorized=st.booleans(),
    authorization=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80
    ),
    app_id=notice_texts,
    user_id=notice_texts,
    referrer_type=notice_texts,
)
def test_any_notice_is_answered_without_a_500(
    method, authorized, authorization, app_id, user_id, referrer_type
):
    user = kakao_user(str(UID))
    header = f"KakaoAK {ADMIN_KEY}" if authorized else authorization
    response = send(
        method, authorization=header, app_id=app_id, user_id=user_id, referrer_type=referrer_type
    )
    valid = authorized and app_id == APP_ID and user_id == UID
    assert response.status_code in (200, 400, 401)
    assert response.status_code != 200 or (authorized and app_id == APP_ID)
    assert User.objects.get(pk=user.pk).is_active is (not valid)
    User.objects.all().delete()
