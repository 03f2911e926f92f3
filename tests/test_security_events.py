"""Security events on the real database: one for every transition, in its transaction.

The trail must match the changes (STYLE §19): an event for each sign-in, refusal,
session ended (and by whom), replay, link, unlink and deletion; none when the
change rolls back; the change rolled back when its event cannot be written; and
nothing secret in any of them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import responses
from django.core.management import call_command
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from accounts.caller import Caller
from accounts.errors import AccountError, AccountErrorCode
from accounts.models import RefreshToken, SecurityEvent, Session, User
from accounts.services import account, devices, events, login, sdk_login, sessions
from accounts.services.events import EndCause, EventType
from tests.kakao_fixtures import ME_URL, TOKEN_INFO_URL, mock_login, token_error, user_response
from tests.kakao_fixtures import token_info_response as info_response
from tests.test_account_service import ADMIN_KEY, UID, kakao_user, mock_unlink

pytestmark = pytest.mark.django_db

PHONE = Caller(
    ip="203.0.113.7",
    user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
)
LAPTOP = Caller(ip="198.51.100.2", user_agent="Mozilla/5.0 (Macintosh) Chrome/126.0.0.0")


@pytest.fixture(autouse=True)
def _kakao_app(settings):
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_APP_ID = "1000001"


def trail(user: User | None = None) -> list[tuple[str, dict]]:
    """(type, details) oldest first, for one user or all."""
    rows = SecurityEvent.objects.order_by("at", "id")
    if user is not None:
        rows = rows.filter(user=user)
    return [(e.type, e.details) for e in rows]


def code_login(kakao, caller: Caller = PHONE, **mock) -> login.LoginResult:
    mock_login(kakao, **mock)
    return login.kakao_login(code="c0de-SECRET", caller=caller)


def signed_in_with(caller: Caller, user: User) -> Caller:
    """The caller, now making requests from a session of ``user``."""
    issued = sessions.start_session(user=user, caller=caller)
    return Caller(ip=caller.ip, user_agent=caller.user_agent, session_id=issued.session_id)


# --- signing in -----------------------------------------------------------------------


def test_a_code_sign_in_records_who_which_session_and_from_where(kakao):
    result = code_login(kakao)
    event = SecurityEvent.objects.get()
    assert event.type == EventType.SIGNED_IN and event.user == result.user
    assert event.session_id == result.tokens.session_id
    assert (event.ip, event.user_agent) == (PHONE.ip, PHONE.user_agent)
    assert event.details == {"method": "code", "new_account": True}
    code_login(kakao, LAPTOP)
    assert trail()[-1] == ("signed_in", {"method": "code", "new_account": False})


def test_a_native_sign_in_says_native_and_keeps_the_apps_name(kakao):
    kakao.add(responses.GET, TOKEN_INFO_URL, json=info_response())
    kakao.add(responses.GET, ME_URL, json=user_response())
    app = Caller.of(ip="10.0.0.1", user_agent="okhttp/4.12.0", app_name="MyApp", app_version="2.3")
    sdk_login.kakao_login_with_token(access_token="kakao-token-SECRET", caller=app)
    event = SecurityEvent.objects.get()
    assert event.details == {"method": "native", "new_account": True}
    assert (event.app_name, event.app_version) == ("MyApp", "2.3")
    session = Session.objects.get()
    assert (session.app_name, session.app_version) == ("MyApp", "2.3")
    assert RefreshToken.objects.get().ip == "10.0.0.1"


def test_an_inactive_account_refused_is_in_its_owners_trail(kakao):
    user = kakao_user()
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(AccountError):
        code_login(kakao)
    assert trail(user) == [("sign_in_refused", {"method": "code", "error": "ACCOUNT_INACTIVE"})]
    assert not Session.objects.exists()


def test_a_taken_email_refused_names_the_kakao_id_and_nobody_else(kakao):
    owner = User.objects.create_user(username="owner", email="sample@sample.com")
    with pytest.raises(AccountError):
        code_login(kakao)
    event = SecurityEvent.objects.get()
    assert event.user is None  # not the email's owner: they did not try anything
    assert event.details == {
        "method": "code",
        "error": "EMAIL_ALREADY_REGISTERED",
        "kakao_id": "1234567890",
    }
    assert trail(owner) == []


def test_too_many_sign_ins_of_one_kakao_user_are_recorded(kakao, settings):
    settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER = "1/60"
    user = code_login(kakao).user
    with pytest.raises(AccountError):
        code_login(kakao)
    assert trail(user)[-1] == ("sign_in_refused", {"method": "code", "error": "RATE_LIMITED"})


def test_nothing_is_recorded_before_kakao_says_who_it_is(kakao):
    with pytest.raises(AccountError):
        code_login(kakao, token_status=400, token_body=token_error("KOE320", code="c0de-SECRET"))
    kakao.add(responses.GET, TOKEN_INFO_URL, json=info_response(app_id=999))
    with pytest.raises(AccountError):
        sdk_login.kakao_login_with_token(access_token="other-apps-token", caller=PHONE)
    assert not SecurityEvent.objects.exists()


def test_a_sign_in_whose_event_cannot_be_written_leaves_no_session(kakao, monkeypatch):
    def broken(**kwargs):
        raise IntegrityError("simulated failure writing the event")

    monkeypatch.setattr(login.events, "record", broken)
    with pytest.raises(IntegrityError):
        code_login(kakao)
    assert not Session.objects.exists() and not RefreshToken.objects.exists()
    assert not User.objects.exists()


def test_a_sign_in_rolled_back_after_its_session_leaves_no_event(kakao, monkeypatch):
    real_open = sessions.open_session

    def open_then_fail(**kwargs):
        real_open(**kwargs)
        raise OperationalError("simulated failure after the session rows")

    monkeypatch.setattr(login.sessions, "open_session", open_then_fail)
    with pytest.raises(OperationalError):
        code_login(kakao)
    assert not SecurityEvent.objects.exists() and not Session.objects.exists()


# --- sessions ending -------------------------------------------------------------------


def test_logging_out_ends_this_devices_session(kakao):
    user = kakao_user()
    issued = sessions.start_session(user=user, caller=PHONE)
    devices.revoke_refresh_token(value=issued.refresh_token_value, caller=PHONE)
    event = SecurityEvent.objects.get()
    assert (event.type, event.session_id) == ("session_ended", issued.session_id)
    assert event.details == {"cause": "this_device"}
    # ending it again changes nothing and records nothing
    with pytest.raises(AccountError):
        devices.revoke_refresh_token(value=issued.refresh_token_value, caller=PHONE)
    assert SecurityEvent.objects.count() == 1


def test_ending_a_session_says_whether_it_was_this_device_or_another():
    user = kakao_user()
    phone = signed_in_with(PHONE, user)
    laptop = signed_in_with(LAPTOP, user)
    devices.end_session(user=user, session_id=str(laptop.session_id), caller=phone)
    devices.end_session(user=user, session_id=str(phone.session_id), caller=phone)
    ended = SecurityEvent.objects.order_by("at")
    assert [(e.session_id, e.details["cause"], e.ip) for e in ended] == [
        (laptop.session_id, "another_device", PHONE.ip),
        (phone.session_id, "this_device", PHONE.ip),
    ]


def test_an_unknown_session_id_records_nothing():
    user, stranger = kakao_user(), kakao_user("42", email=None)
    theirs = sessions.start_session(user=stranger)
    for sid in (str(theirs.session_id), str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(AccountError):
            devices.end_session(user=user, session_id=sid, caller=PHONE)
    assert not SecurityEvent.objects.exists()


def test_everywhere_records_one_event_per_live_session():
    user = kakao_user()
    live = {sessions.start_session(user=user).session_id for _ in range(3)}
    dead = sessions.start_session(user=user)
    devices.revoke_refresh_token(value=dead.refresh_token_value)
    SecurityEvent.objects.all().delete()
    assert devices.end_all_sessions(user=user, cause=EndCause.EVERYWHERE, caller=PHONE) == 3
    ended = SecurityEvent.objects.filter(type=EventType.SESSION_ENDED)
    assert {e.session_id for e in ended} == live
    assert {e.details["cause"] for e in ended} == {"everywhere"}
    assert not RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()


def test_a_replay_ends_the_session_once_and_says_so(settings):
    settings.JWT_REFRESH_REUSE_SECONDS = 0
    user = kakao_user()
    first = sessions.start_session(user=user, caller=PHONE)
    sessions.rotate_refresh_token(value=first.refresh_token_value, caller=PHONE)
    thief = Caller(ip="192.0.2.66", user_agent="curl/8.5.0")
    for _ in range(2):  # the second replay finds the session already ended
        with pytest.raises(AccountError):
            sessions.rotate_refresh_token(value=first.refresh_token_value, caller=thief)
    assert trail(user) == [
        ("refresh_replay_detected", {}),
        ("session_ended", {"cause": "replay"}),
    ]
    replay = SecurityEvent.objects.get(type=EventType.REFRESH_REPLAY_DETECTED)
    assert (replay.session_id, replay.ip) == (first.session_id, thief.ip)


def test_a_refresh_records_where_it_came_from_in_the_token_it_writes():
    user = kakao_user()
    first = sessions.start_session(user=user, caller=PHONE)
    moved = Caller(ip="192.0.2.10", user_agent=PHONE.user_agent)
    sessions.rotate_refresh_token(value=first.refresh_token_value, caller=moved)
    (info,) = devices.live_sessions(user=user)
    assert info.last_ip == "192.0.2.10"
    assert info.device.name == "Safari on iPhone"
    assert not SecurityEvent.objects.exists()  # a refresh is not an event


# --- the account's life --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["anonymize", "delete"])
def test_leaving_records_the_deletion_and_every_session_then_forgets_the_devices(
    kakao, settings, mode
):
    settings.ACCOUNT_DELETE_MODE = mode
    user = kakao_user()
    phone = signed_in_with(PHONE, user)
    laptop = signed_in_with(LAPTOP, user)
    mock_unlink(kakao)
    account.delete_account(user=user, session_id=str(phone.session_id), caller=phone)
    rows = list(SecurityEvent.objects.order_by("type", "session_id"))
    assert [(e.type, e.session_id) for e in rows] == [
        ("account_deleted", phone.session_id),
        *sorted(
            [("session_ended", phone.session_id), ("session_ended", laptop.session_id)],
            key=lambda row: str(row[1]),
        ),
    ]
    assert rows[0].details == {"reason": "delete_account", "mode": mode}
    assert {e.details.get("cause") for e in rows[1:]} == {"account_deleted"}
    # the trail stays, anonymized: no device, and no person in "delete" mode
    assert {(e.user_agent, e.app_name) for e in rows} == {("", "")}
    expected_user = None if mode == "delete" else user.pk
    assert {e.user_id for e in rows} == {expected_user}
    assert {e.ip for e in rows} == {PHONE.ip}  # kept until SECURITY_EVENTS_RETENTION_DAYS


def test_leaving_that_fails_midway_records_nothing(kakao, monkeypatch):
    user = kakao_user()
    sid = str(sessions.start_session(user=user).session_id)
    mock_unlink(kakao)

    def broken(pk):
        raise OperationalError("simulated failure while anonymizing")

    monkeypatch.setattr(account, "_anonymize", broken)
    with pytest.raises(OperationalError):
        account.delete_account(user=user, session_id=sid, caller=PHONE)
    assert not SecurityEvent.objects.exists()
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()


def test_linking_and_unlinking_kakao_are_recorded(kakao):
    user = kakao_user(None, password="a-strong-password-123")
    caller = signed_in_with(LAPTOP, user)
    mock_login(kakao)
    account.link_kakao(user=user, code="link-c0de-SECRET", caller=caller)
    assert trail(user) == [("kakao_linked", {})]
    assert SecurityEvent.objects.get().session_id == caller.session_id
    mock_unlink(kakao)
    account.unlink_kakao(user=user, session_id=str(caller.session_id), caller=caller)
    assert trail(user)[1:] == [
        ("session_ended", {"cause": "kakao_unlinked"}),
        ("kakao_unlinked", {"reason": "unlink_kakao"}),
    ]


def test_a_refused_link_records_nothing(kakao):
    kakao_user()  # owns the Kakao account already
    other = kakao_user(None, email=None, password="a-strong-password-123")
    mock_login(kakao)
    with pytest.raises(AccountError) as raised:
        account.link_kakao(user=other, code="link-c0de-SECRET", caller=PHONE)
    assert raised.value.code is AccountErrorCode.KAKAO_ALREADY_LINKED
    assert not SecurityEvent.objects.exists()


def test_kakaos_unlink_notice_is_the_cause(settings):
    settings.KAKAO_APP_ID = "123456"
    remover = kakao_user()
    keeper = kakao_user("42", email=None, password="a-strong-password-123")
    sessions.start_session(user=remover)
    sessions.start_session(user=keeper)
    account.handle_unlink_notice(app_id="123456", user_id=UID, referrer_type="ACCOUNT_DELETE")
    account.handle_unlink_notice(app_id="123456", user_id="42", referrer_type="UNLINK_FROM_APPS")
    assert [t for t, _ in trail(remover)] == ["session_ended", "account_deleted"]
    assert trail(remover)[1][1]["reason"] == "kakao_notice"
    assert trail(keeper) == [
        ("session_ended", {"cause": "kakao_unlink_notice"}),
        ("kakao_unlinked", {"reason": "kakao_notice"}),
    ]
    assert {e.details.get("cause") for e in SecurityEvent.objects.filter(user=remover)} == {
        "kakao_unlink_notice",
        None,
    }
    # Kakao's server is not the person: no address or device of theirs is recorded
    assert set(SecurityEvent.objects.values_list("ip", "user_agent")) == {("", "")}


def test_an_admin_ending_sessions_is_in_the_persons_trail(admin_client, admin_user):
    user = kakao_user()
    sessions.start_session(user=user)
    sessions.start_session(user=user)
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "end_sessions", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert trail(user) == [("session_ended", {"cause": "admin", "admin_id": admin_user.pk})] * 2
    # revoking a live token from the token list ends its session too, recorded the same way
    third = sessions.start_session(user=user)
    admin_client.post(
        "/admin/accounts/refreshtoken/",
        {"action": "revoke", "_selected_action": [third.refresh_token.pk]},
    )
    assert trail(user)[-1] == ("session_ended", {"cause": "admin", "admin_id": admin_user.pk})
    assert SecurityEvent.objects.filter(user=user).count() == 3


# --- nothing secret ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        {"token": "x"},  # not a known key
        {"reason": "r" * 41},  # too long to be anything but a secret
        {"scopes": ["a"] * 21},
        {"method": {"nested": "object"}},
    ],
)
def test_details_refuse_unknown_keys_and_long_values(details):
    with pytest.raises(ValueError):
        events.record(type=EventType.REAUTHENTICATED, user_id=None, details=details)


def test_a_refresh_token_cannot_fit_in_details():
    token = sessions.start_session(user=kakao_user()).refresh_token_value
    assert len(token) > events.MAX_DETAIL_STRING
    with pytest.raises(ValueError):
        events.record(type=EventType.REAUTHENTICATED, user_id=None, details={"method": token})


def test_the_recording_api_for_consent_and_reauthentication():
    user = kakao_user()
    caller = signed_in_with(PHONE, user)
    for type_, details in (
        (EventType.CONSENT_GRANTED, {"scopes": ["account_email"], "terms": ["marketing"]}),
        (EventType.CONSENT_WITHDRAWN, {"scopes": ["account_email"]}),
        (EventType.REAUTHENTICATED, {"method": "code"}),
    ):
        events.record(
            type=type_,
            user_id=user.pk,
            caller=caller,
            session_id=caller.session_id,
            details=details,
        )
    assert [t for t, _ in trail(user)] == [
        "consent_granted",
        "consent_withdrawn",
        "reauthenticated",
    ]


# --- retention -------------------------------------------------------------------------


def test_cleartokens_deletes_events_past_the_retention(settings, capsys):
    settings.SECURITY_EVENTS_RETENTION_DAYS = 30
    user = kakao_user()
    for days in (400, 31, 29, 0):
        event = events.record(type=EventType.SIGNED_IN, user_id=user.pk, details={"method": "code"})
        SecurityEvent.objects.filter(pk=event.pk).update(at=timezone.now() - timedelta(days=days))
    call_command("cleartokens", "--keep-events")
    assert SecurityEvent.objects.count() == 4
    call_command("cleartokens")
    assert "Deleted 2 security event(s) older than 30 days." in capsys.readouterr().out
    kept = SecurityEvent.objects.values_list("at", flat=True)
    assert all(timezone.now() - at < timedelta(days=30) for at in kept) and len(kept) == 2


def test_retention_deletes_in_batches(monkeypatch):
    monkeypatch.setattr(events, "DELETE_BATCH", 3)
    old = timezone.now() - timedelta(days=4000)
    SecurityEvent.objects.bulk_create(
        [SecurityEvent(type=EventType.SIGNED_IN, at=old) for _ in range(7)]
    )
    assert events.delete_expired() == 7 and not SecurityEvent.objects.exists()


def test_the_admin_lists_events_read_only_filtered_by_type_user_address_and_date(admin_client):
    user, other = kakao_user(), kakao_user("42", email=None)
    sessions.start_session(user=user, caller=PHONE)
    events.record(type=EventType.SIGNED_IN, user_id=user.pk, caller=PHONE, details={})
    events.record(type=EventType.KAKAO_LINKED, user_id=other.pk, caller=LAPTOP)
    url = "/admin/accounts/securityevent/"
    page = admin_client.get(url).content.decode()
    assert "Safari on iPhone" in page and PHONE.ip in page
    today = timezone.now()
    for query, shown, hidden in (
        ("?type__exact=kakao_linked", LAPTOP.ip, PHONE.ip),
        (f"?user__id__exact={user.pk}", PHONE.ip, LAPTOP.ip),
        (f"?ip__exact={LAPTOP.ip}", LAPTOP.ip, PHONE.ip),
        (f"?q={PHONE.ip}", PHONE.ip, LAPTOP.ip),
    ):
        listed = admin_client.get(url + query)
        assert listed.status_code == 200, query
        assert shown in listed.content.decode() and hidden not in listed.content.decode(), query
    by_day = admin_client.get(
        url + f"?at__year={today.year}&at__month={today.month}&at__day={today.day}"
    )
    assert by_day.status_code == 200 and PHONE.ip in by_day.content.decode()
    event = SecurityEvent.objects.filter(user=user).first()
    assert admin_client.get(f"{url}add/").status_code == 403
    detail = admin_client.get(f"{url}{event.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.post(f"{url}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()
