"""Sessions per device over GraphQL: the list, ending one, logging out everywhere."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from graphql_jwt.settings import jwt_settings

from accounts.models import RefreshToken, Session, User
from accounts.services.sessions import start_session
from tests.kakao_fixtures import mock_login

pytestmark = pytest.mark.django_db

SESSIONS = "{ me { id sessions { id current createdAt lastUsedAt expiresAt userAgent } } }"
REVOKE_SESSION = """mutation($id: ID!) { revokeSession(id: $id) {
  ok errors { field message code } } }"""
LOGOUT_EVERYWHERE = """mutation($t: String) { logout(everywhere: true, refreshToken: $t) {
  ok errors { field message code } } }"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""
LOGIN = """mutation($code: String!) { kakaoLogin(code: $code) {
  token refreshToken payload user { id sessions { id current userAgent } } errors { code } } }"""


def gql(client: Client, query: str, variables: dict | None = None, **extra) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )
    return response


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def signed_in(kakao, settings):
    """Sign the same Kakao person in on a device; returns (client, login payload)."""
    settings.KAKAO_REQUIRE_STATE = False

    def sign_in(user_agent: str = "TestBrowser/1.0") -> tuple[Client, dict]:
        mock_login(kakao)
        client = Client(HTTP_USER_AGENT=user_agent)
        data = gql(client, LOGIN, {"code": "c0de"}).json()["data"]["kakaoLogin"]
        assert data["errors"] == []
        return client, data

    return sign_in


def test_login_puts_the_session_in_the_access_token(signed_in):
    _, data = signed_in()
    session = Session.objects.get()
    assert data["payload"]["sid"] == str(session.id)
    claims = jwt.decode(data["token"], options={"verify_signature": False})
    assert claims["sid"] == str(session.id)
    # the login's own payload can list the new session, marked current
    assert data["user"]["sessions"] == [
        {"id": str(session.id), "current": True, "userAgent": "TestBrowser/1.0"}
    ]


def test_two_devices_listed_with_the_current_one_marked(signed_in):
    _phone, phone_login = signed_in("Phone/2.0")
    laptop, _laptop_login = signed_in("Laptop/3.0")
    # a cookie client (the access cookie) and a header-only client see the same list
    from_cookie = gql(laptop, SESSIONS).json()["data"]["me"]["sessions"]
    from_header = gql(Client(), SESSIONS, **bearer(phone_login["token"])).json()["data"]["me"][
        "sessions"
    ]
    assert {s["userAgent"] for s in from_cookie} == {"Phone/2.0", "Laptop/3.0"}
    assert [s["userAgent"] for s in from_cookie if s["current"]] == ["Laptop/3.0"]
    assert [s["userAgent"] for s in from_header if s["current"]] == ["Phone/2.0"]
    # newest use first, and the fields are what they say
    assert from_cookie[0]["userAgent"] == "Laptop/3.0"
    session = from_cookie[0]
    assert session["createdAt"] <= session["lastUsedAt"] < session["expiresAt"]


def test_refresh_moves_last_used_and_expiry_but_not_the_id(signed_in):
    client, _ = signed_in()
    before = gql(client, SESSIONS).json()["data"]["me"]["sessions"][0]
    with freeze_time(timedelta(minutes=3)):
        refreshed = gql(client, REFRESH).json()["data"]["refreshToken"]
        after = gql(Client(), SESSIONS, **bearer(refreshed["token"])).json()["data"]["me"][
            "sessions"
        ]
    assert len(after) == 1
    assert after[0]["id"] == before["id"] and after[0]["current"] is True
    assert after[0]["createdAt"] == before["createdAt"]
    assert after[0]["lastUsedAt"] > before["lastUsedAt"]
    assert after[0]["expiresAt"] > before["expiresAt"]


def test_access_token_without_sid_still_works_and_marks_nothing_current(signed_in):
    signed_in()
    user = User.objects.get()
    payload = jwt_settings.JWT_PAYLOAD_HANDLER(user, None)  # as issued before sessions
    assert "sid" not in payload
    token = jwt_settings.JWT_ENCODE_HANDLER(payload, None)
    sessions = gql(Client(), SESSIONS, **bearer(token)).json()["data"]["me"]["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"] is False


def test_the_list_is_one_query(signed_in):
    signed_in("A")
    _, login = signed_in("B")
    with CaptureQueriesContext(connection) as queries:
        gql(Client(), SESSIONS, **bearer(login["token"]))
    # the user behind the token, then the sessions
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_ended_and_expired_sessions_are_not_listed(signed_in, settings):
    phone, _ = signed_in("Phone")
    laptop, _ = signed_in("Laptop")
    gql(phone, "mutation { logout { ok } }")
    listed = gql(laptop, SESSIONS).json()["data"]["me"]["sessions"]
    assert [s["userAgent"] for s in listed] == ["Laptop"]


def test_user_agent_is_trimmed_and_cleaned(signed_in):
    _, _data = signed_in("X" * 300 + "\x00\x1b[31m")
    agent = Session.objects.get().user_agent
    assert len(agent) == 200 and agent == "X" * 200
    assert "\x00" not in agent


def test_revoke_session_ends_the_other_device(signed_in):
    phone, _phone_login = signed_in("Phone")
    laptop, _ = signed_in("Laptop")
    phone_id = Session.objects.get(user_agent="Phone").pk
    data = gql(laptop, REVOKE_SESSION, {"id": str(phone_id)}).json()["data"]["revokeSession"]
    assert data == {"ok": True, "errors": []}
    # the phone is signed out at its next refresh; the laptop is not
    assert gql(phone, REFRESH).json()["data"]["refreshToken"]["errors"] == [
        {"code": "INVALID_REFRESH_TOKEN"}
    ]
    assert gql(laptop, REFRESH).json()["data"]["refreshToken"]["errors"] == []


def test_revoking_the_current_session_deletes_this_browsers_cookies(signed_in):
    client, _ = signed_in()
    current = Session.objects.get().pk
    response = gql(client, REVOKE_SESSION, {"id": str(current)})
    assert response.json()["data"]["revokeSession"]["ok"] is True
    assert response.cookies["JWT-refresh-token"]["max-age"] == 0


@pytest.mark.parametrize("kind", ["another persons", "malformed", "unknown", "ended"])
def test_revoke_session_cannot_probe_or_touch_others(signed_in, kind):
    client, _ = signed_in()
    stranger = User.objects.create_user(username="stranger")
    theirs = start_session(user=stranger)
    ended = start_session(user=User.objects.get(username__startswith="kakao"))
    RefreshToken.objects.filter(family_id=ended.session_id).update(revoked="2026-01-01T00:00Z")
    target = {
        "another persons": str(theirs.session_id),
        "malformed": "not-a-session-id",
        "unknown": "00000000-0000-0000-0000-000000000000",
        "ended": str(ended.session_id),
    }[kind]
    data = gql(client, REVOKE_SESSION, {"id": target}).json()["data"]["revokeSession"]
    assert data["ok"] is None
    assert [(e["code"], e["field"]) for e in data["errors"]] == [("SESSION_NOT_FOUND", "id")]
    assert RefreshToken.objects.get(family_id=theirs.session_id).revoked is None


def test_logout_everywhere_ends_every_session_and_deletes_cookies(signed_in):
    phone, _ = signed_in("Phone")
    laptop, _ = signed_in("Laptop")
    other = start_session(user=User.objects.create_user(username="someone-else"))
    response = gql(laptop, LOGOUT_EVERYWHERE)
    assert response.json()["data"]["logout"] == {"ok": True, "errors": []}
    assert response.cookies["JWT"]["max-age"] == 0
    assert response.cookies["JWT-refresh-token"]["max-age"] == 0
    for device in (phone, laptop):
        errors = gql(device, REFRESH).json()["data"]["refreshToken"]["errors"]
        assert errors == [{"code": "INVALID_REFRESH_TOKEN"}]
    assert RefreshToken.objects.get(family_id=other.session_id).revoked is None


def test_logout_everywhere_from_an_app_sets_no_cookies(signed_in):
    _, app = signed_in("App")
    response = gql(Client(), LOGOUT_EVERYWHERE, {"t": app["refreshToken"]}, **bearer(app["token"]))
    assert response.json()["data"]["logout"]["ok"] is True
    assert "Set-Cookie" not in response.headers
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


@pytest.mark.parametrize(
    "query", [SESSIONS, LOGOUT_EVERYWHERE, REVOKE_SESSION], ids=["me", "logout", "revoke"]
)
def test_anonymous_callers(query):
    body = gql(Client(), query, {"id": "x"}).json()
    if query == SESSIONS:
        assert body == {"data": {"me": None}}
        return
    payload = next(iter(body["data"].values()))
    assert [e["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]


def test_expired_access_token_is_the_same_signal_as_on_me(signed_in, settings):
    _, login = signed_in()
    with freeze_time(timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS + 5)):
        body = gql(Client(), LOGOUT_EVERYWHERE, **bearer(login["token"])).json()
    assert body["data"]["logout"] is None
    assert body["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_a_login_payload_lists_the_new_persons_sessions_not_the_cookie_holders(kakao, signed_in):
    # a browser still holding person A's cookies signs in as person B
    client, a_login = signed_in()
    from tests.kakao_fixtures import user_response

    mock_login(kakao, user=user_response(uid=42, email=None))
    b_login = gql(client, LOGIN, {"code": "c0de"}).json()["data"]["kakaoLogin"]
    b_sessions = b_login["user"]["sessions"]
    assert len(b_sessions) == 1 and b_sessions[0]["current"] is True
    assert b_sessions[0]["id"] == b_login["payload"]["sid"] != a_login["payload"]["sid"]
