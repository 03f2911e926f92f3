"""The account's life on the real database, Kakao faked: leaving, linking, unlinking."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import responses

from accounts.caller import Caller
from accounts.errors import AccountError, AccountErrorCode
from accounts.kakao import KakaoClient, KakaoInvalidClient, KakaoNotConnected, KakaoUnavailable
from accounts.models import RefreshToken, Session, SocialAccount, User
from accounts.services import account, devices, login, sessions
from accounts.services.events import EndCause
from tests.kakao_fixtures import API, mock_login, user_response

pytestmark = pytest.mark.django_db

UNLINK_URL = f"{API}/v1/user/unlink"
ADMIN_KEY = "admin-key-SECRET-0123456789abcdef"
UID = "1234567890"
CODE = "link-code-SECRET-0123456789"
NOT_CONNECTED = {"msg": "NotRegisteredUserException", "code": -101}
BAD_ADMIN_KEY = {"msg": "wrong appKey format", "code": -401}


@pytest.fixture(autouse=True)
def _admin_key(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_APP_ID = "123456"


def kakao_user(uid: str | None = UID, *, password: str | None = None, **fields) -> User:
    """A user as a Kakao first login makes one (optionally with a password too)."""
    user = User(
        username=User.generate_username("kakao"),
        email=fields.pop("email", "sample@sample.com"),
        nickname="홍길동",
        profile_image_url="http://k.kakaocdn.net/dn/abc/img_640x640.jpg",
        thumbnail_image_url="http://k.kakaocdn.net/dn/abc/img_110x110.jpg",
        **fields,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if uid is not None:
        SocialAccount.objects.create(user=user, provider="kakao", uid=uid)
    return user


def live_sessions(user: User) -> int:
    return RefreshToken.objects.filter(user=user, revoked__isnull=True).count()


def signed_in(user: User, **kwargs) -> str:
    """A session that signs in now (so it counts as recently authenticated): its id."""
    return str(sessions.start_session(user=user, **kwargs).session_id)


def mock_unlink(kakao, status: int = 200, body: dict | None = None) -> None:
    kakao.add(responses.POST, UNLINK_URL, json=body or {"id": int(UID)}, status=status)


def failure(call, **kwargs) -> AccountErrorCode:
    with pytest.raises(AccountError) as raised:
        call(**kwargs)
    return raised.value.code


def snapshot(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.username,
        user.email,
        user.nickname,
        user.is_active,
        user.password,
        SocialAccount.objects.filter(user=user).count(),
        live_sessions(user),
    )


# --- the Kakao client's admin-key unlink ----------------------------------------------


def make_client(**options) -> KakaoClient:
    defaults = {
        "auth_url": "https://kauth.kakao.com",
        "api_url": API,
        "client_id": "rest-key",
        "admin_key": ADMIN_KEY,
        "timeout": 2.0,
    }
    return KakaoClient(**{**defaults, **options})


def test_client_unlink_sends_kakao_admin_form(kakao):
    mock_unlink(kakao)
    make_client().unlink_user(user_id=UID)
    request = kakao.calls[0].request
    assert request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(request.body) == {"target_id_type": ["user_id"], "target_id": [UID]}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, NOT_CONNECTED, KakaoNotConnected),
        (401, BAD_ADMIN_KEY, KakaoInvalidClient),
        (401, {}, KakaoInvalidClient),
        (500, {"msg": "internal error", "code": -1}, KakaoUnavailable),
        (503, {}, KakaoUnavailable),
    ],
)
def test_client_unlink_errors_are_typed(kakao, status, body, error):
    mock_unlink(kakao, status, body)
    with pytest.raises(error):
        make_client().unlink_user(user_id=UID)


def test_client_without_admin_key_calls_nobody(kakao):
    with pytest.raises(KakaoInvalidClient):
        make_client(admin_key="").unlink_user(user_id=UID)
    assert len(kakao.calls) == 0


# --- end_all_sessions -------------------------------------------------------------------


def test_end_all_sessions_revokes_only_that_users_live_tokens(all_logs):
    user, other = kakao_user(), kakao_user("42", email=None)
    for _ in range(3):
        sessions.start_session(user=user)
    sessions.start_session(user=other)
    assert devices.end_all_sessions(user=user, cause=EndCause.EVERYWHERE) == 3
    assert live_sessions(user) == 0 and live_sessions(other) == 1
    assert devices.end_all_sessions(user=user, cause=EndCause.EVERYWHERE) == 0
    assert f"sessions_ended user={user.pk} count=3" in all_logs.text


# --- deleteAccount -----------------------------------------------------------------------


def test_delete_account_unlinks_at_kakao_then_anonymizes(kakao):
    user = kakao_user(is_staff=True, first_name="길동")
    sid = signed_in(user, caller=Caller(user_agent="Mozilla/5.0 (iPhone; 홍길동's phone)"))
    mock_unlink(kakao)
    # when
    account.delete_account(user=user, session_id=sid)
    # then
    assert len(kakao.calls) == 1
    assert parse_qs(kakao.calls[0].request.body)["target_id"] == [UID]
    user.refresh_from_db()
    assert user.username.startswith("deleted_") and len(user.username) > 20
    assert (user.email, user.nickname, user.first_name) == (None, "", "")
    assert (user.profile_image_url, user.thumbnail_image_url) == ("", "")
    assert user.is_active is False and user.is_staff is False
    assert not user.has_usable_password()
    assert SocialAccount.objects.count() == 0
    assert live_sessions(user) == 0
    assert RefreshToken.objects.filter(user=user).count() == 1  # the row survives, revoked
    assert list(Session.objects.filter(user=user).values_list("user_agent", flat=True)) == [""]


def test_delete_mode_deletes_the_row(kakao, settings):
    settings.ACCOUNT_DELETE_MODE = "delete"
    user = kakao_user()
    sid = signed_in(user)
    mock_unlink(kakao)
    account.delete_account(user=user, session_id=sid)
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0 and RefreshToken.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, {"msg": "internal error", "code": -1}), (502, {}), (None, None)],
    ids=["500", "502", "timeout"],
)
def test_delete_while_kakao_is_down_changes_nothing(kakao, status, body):
    user = kakao_user()
    sid = signed_in(user)
    before = snapshot(user)
    if status is None:
        kakao.add(responses.POST, UNLINK_URL, body=requests.exceptions.ReadTimeout("slow"))
    else:
        mock_unlink(kakao, status, body)
    code = failure(account.delete_account, user=user, session_id=sid)
    assert code == AccountErrorCode.KAKAO_UNAVAILABLE
    assert snapshot(user) == before
    assert len(kakao.calls) == 1  # never retried


def test_kakao_not_connected_on_delete_counts_as_done(kakao):
    user = kakao_user()
    mock_unlink(kakao, 400, NOT_CONNECTED)
    account.delete_account(user=user, session_id=signed_in(user))
    user.refresh_from_db()
    assert user.is_active is False and SocialAccount.objects.count() == 0


def test_delete_without_admin_key_is_misconfigured_and_changes_nothing(kakao, settings):
    settings.KAKAO_ADMIN_KEY = ""
    user = kakao_user()
    sid = signed_in(user)
    before = snapshot(user)
    code = failure(account.delete_account, user=user, session_id=sid)
    assert code == AccountErrorCode.KAKAO_MISCONFIGURED
    assert snapshot(user) == before
    assert len(kakao.calls) == 0


def test_kakao_refusing_the_admin_key_is_misconfigured(kakao):
    user = kakao_user()
    sid = signed_in(user)
    before = snapshot(user)
    mock_unlink(kakao, 401, BAD_ADMIN_KEY)
    with pytest.raises(AccountError) as raised:
        account.delete_account(user=user, session_id=sid)
    assert raised.value.code == AccountErrorCode.KAKAO_MISCONFIGURED
    assert "admin key" in raised.value.message
    assert snapshot(user) == before


def test_delete_of_a_user_without_kakao_link_calls_nobody(kakao, settings):
    settings.KAKAO_ADMIN_KEY = ""
    user = kakao_user(None, password="pw-0123456789")
    account.delete_account(user=user, session_id=signed_in(user))
    user.refresh_from_db()
    assert user.is_active is False and not user.has_usable_password()
    assert len(kakao.calls) == 0


def test_later_login_after_delete_is_a_new_user_and_the_email_is_free(kakao):
    mock_login(kakao)
    first = login.kakao_login(code=CODE)
    mock_unlink(kakao)
    account.delete_account(user=first.user, session_id=str(first.tokens.session_id))
    # when: the same person signs in with Kakao again
    mock_login(kakao)
    again = login.kakao_login(code=CODE)
    # then
    assert again.created is True and again.user.pk != first.user.pk
    assert again.user.email == "sample@sample.com"
    assert SocialAccount.objects.get().user_id == again.user.pk


# --- linkKakao ---------------------------------------------------------------------------------


def test_link_kakao_attaches_the_account_and_keeps_the_email(kakao):
    user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    mock_login(kakao)
    # when
    linked = account.link_kakao(user=user, code=CODE)
    # then
    assert linked.pk == user.pk
    link = SocialAccount.objects.get()
    assert (link.user_id, link.uid) == (user.pk, UID)
    user.refresh_from_db()
    assert user.email == "me@example.com"
    # and Kakao now signs in to that same user
    mock_login(kakao)
    result = login.kakao_login(code=CODE)
    assert result.created is False and result.user.pk == user.pk


def test_link_when_already_linked_does_not_call_kakao(kakao):
    user = kakao_user()
    mock_login(kakao, user=user_response(99))
    assert failure(account.link_kakao, user=user, code=CODE) == AccountErrorCode.ALREADY_LINKED
    assert len(kakao.calls) == 0
    assert SocialAccount.objects.count() == 1


def test_link_with_someone_elses_kakao_account_is_refused(kakao):
    owner = kakao_user()
    user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    mock_login(kakao)
    code = failure(account.link_kakao, user=user, code=CODE)
    assert code == AccountErrorCode.KAKAO_ALREADY_LINKED
    assert list(SocialAccount.objects.values_list("user_id", flat=True)) == [owner.pk]


def test_link_race_lost_to_another_user_is_kakao_already_linked(kakao, monkeypatch):
    user = kakao_user(None, password="pw-0123456789", email="me@example.com")
    winner = kakao_user(None, email=None)
    real = account.kakao_profile_from_code

    def concurrent_winner(**kwargs):
        profile = real(**kwargs)
        # Another request links the same Kakao account while ours talks to Kakao.
        SocialAccount.objects.create(user=winner, provider="kakao", uid=profile.id)
        return profile

    monkeypatch.setattr(account, "kakao_profile_from_code", concurrent_winner)
    mock_login(kakao)
    code = failure(account.link_kakao, user=user, code=CODE)
    assert code == AccountErrorCode.KAKAO_ALREADY_LINKED
    assert SocialAccount.objects.get().user_id == winner.pk


def test_link_with_bad_code_is_refused_before_kakao(kakao):
    user = kakao_user(None, password="pw-0123456789")
    assert failure(account.link_kakao, user=user, code="a\nb") == AccountErrorCode.INVALID_INPUT
    assert len(kakao.calls) == 0


# --- unlinkKakao -------------------------------------------------------------------------------


def test_unlinking_the_last_login_method_is_refused_without_calling_kakao(kakao):
    user = kakao_user()
    sid = signed_in(user)
    before = snapshot(user)
    code = failure(account.unlink_kakao, user=user, session_id=sid)
    assert code == AccountErrorCode.LAST_LOGIN_METHOD
    assert snapshot(user) == before
    assert len(kakao.calls) == 0


def test_unlink_with_a_password_unlinks_at_kakao_and_ends_sessions(kakao):
    user = kakao_user(password="pw-0123456789")
    sid = signed_in(user)
    mock_unlink(kakao)
    assert account.unlink_kakao(user=user, session_id=sid) is True
    assert kakao.calls[0].request.headers["Authorization"] == f"KakaoAK {ADMIN_KEY}"
    assert SocialAccount.objects.count() == 0 and live_sessions(user) == 0
    user.refresh_from_db()
    assert user.is_active and user.email == "sample@sample.com"


def test_unlink_without_a_link_is_nothing_to_do(kakao):
    user = kakao_user(None, password="pw-0123456789")
    assert account.unlink_kakao(user=user, session_id=None) is False
    assert len(kakao.calls) == 0


def test_unlink_while_kakao_is_down_changes_nothing(kakao):
    user = kakao_user(password="pw-0123456789")
    sid = signed_in(user)
    before = snapshot(user)
    mock_unlink(kakao, 503, {})
    code = failure(account.unlink_kakao, user=user, session_id=sid)
    assert code == AccountErrorCode.KAKAO_UNAVAILABLE
    assert snapshot(user) == before


# --- Kakao's unlink notice (the service; the HTTP side is in test_unlink_notice.py) ---------------


def notice(user_id: str = UID, **kwargs) -> str:
    params = {"app_id": "123456", "user_id": user_id, "referrer_type": "UNLINK_FROM_APPS"}
    return account.handle_unlink_notice(**{**params, **kwargs})


def test_notice_removes_a_kakao_only_user_without_calling_kakao(kakao):
    user = kakao_user()
    sessions.start_session(user=user)
    assert notice() == "removed"
    user.refresh_from_db()
    assert user.is_active is False and user.email is None
    assert SocialAccount.objects.count() == 0 and live_sessions(user) == 0
    assert len(kakao.calls) == 0


def test_notice_only_unlinks_a_user_with_a_password():
    user = kakao_user(password="pw-0123456789")
    sessions.start_session(user=user)
    assert notice() == "unlinked"
    user.refresh_from_db()
    assert user.is_active and user.email == "sample@sample.com" and user.has_usable_password()
    assert SocialAccount.objects.count() == 0 and live_sessions(user) == 0


def test_notice_replayed_or_for_a_stranger_changes_nothing():
    user = kakao_user()
    assert notice() == "removed"
    user.refresh_from_db()
    username = user.username
    assert notice() == "unknown"
    assert notice("987654321") == "unknown"
    user.refresh_from_db()
    assert user.username == username


@pytest.mark.parametrize(
    "params",
    [{"app_id": "999"}, {"app_id": ""}, {"user_id": "12a"}, {"user_id": "1" * 21}],
)
def test_bad_notice_is_invalid_input_and_changes_nothing(params):
    user = kakao_user()
    before = snapshot(user)
    assert failure(notice, **params) == AccountErrorCode.INVALID_INPUT
    assert snapshot(user) == before


def test_admin_key_is_never_logged(kakao, all_logs):
    user = kakao_user()
    sid = signed_in(user)
    mock_unlink(kakao, 401, BAD_ADMIN_KEY)
    failure(account.delete_account, user=user, session_id=sid)
    mock_unlink(kakao)
    account.delete_account(user=user, session_id=sid)
    assert ADMIN_KEY not in all_logs.text
    assert f"account_removed user={user.pk} mode=anonymize reason=delete_account" in all_logs.text


# --- the admin ------------------------------------------------------------------------------


def test_admin_user_page_shows_link_and_live_sessions_and_ends_them(admin_client):
    user = kakao_user()
    live = sessions.start_session(user=user)
    devices.revoke_refresh_token(value=sessions.start_session(user=user).refresh_token_value)
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert UID in body and "Live sessions" in body
    assert str(live.refresh_token.family) in body
    assert live.refresh_token_value not in body and live.refresh_token.token not in body
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert live_sessions(user) == 0
