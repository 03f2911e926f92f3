"""`me { securityEvents }` and readable devices as a client sees them."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import jwt
import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.caller import Caller
from accounts.models import SecurityEvent, Session, User
from accounts.services import account, events, sessions
from accounts.services.events import EventType
from accounts.useragent import describe
from tests.kakao_fixtures import mock_login

pytestmark = pytest.mark.django_db

CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EVENTS = """query($first: Int, $after: String) {
  me { id securityEvents(first: $first, after: $after) {
    edges { node { id type at ip device { name browser os kind } sessionId current details }
            cursor }
    pageInfo { hasNextPage endCursor } } } }"""
SESSIONS = "{ me { sessions { id current userAgent lastIp device { name browser os kind } } } }"
LOGIN = """mutation($code: String!) { kakaoLogin(code: $code, delivery: BODY) {
  token refreshToken errors { code } } }"""
REFRESH = (
    "mutation($t: String) { refreshToken(refreshToken: $t) { token refreshToken errors { code } } }"
)
REVOKE_SESSION = "mutation($id: ID!) { revokeSession(id: $id) { ok errors { code } } }"


def gql(client: Client, query: str, variables: dict | None = None, **extra) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )
    return response.json()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def device(kakao, settings):
    """Sign the same Kakao person in from a device; returns its login payload."""
    settings.KAKAO_REQUIRE_STATE = False

    def sign_in(user_agent: str = CHROME_MAC, ip: str = "127.0.0.1", **headers) -> dict:
        mock_login(kakao)
        client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip, **headers)
        data = gql(client, LOGIN, {"code": "c0de"})["data"]["kakaoLogin"]
        assert data["errors"] == []
        return data

    return sign_in


def page(token: str, **variables) -> dict:
    answer = gql(Client(), EVENTS, variables, **bearer(token))
    return answer


def connection(token: str, **variables) -> dict:
    answer = page(token, **variables)
    assert "errors" not in answer, answer
    return answer["data"]["me"]["securityEvents"]


def user_with_events(count: int, *, same_time: bool = False) -> tuple[User, str]:
    """A user with ``count`` REAUTHENTICATED events a minute apart (or all at once), a token."""
    user = User.objects.create_user(username=f"u{uuid.uuid4().hex[:8]}")
    token = sessions.start_session(user=user).token
    now = timezone.now()
    SecurityEvent.objects.bulk_create(
        [
            SecurityEvent(
                user=user,
                type=EventType.REAUTHENTICATED,
                at=now if same_time else now - timedelta(minutes=i),
                details={"method": str(i)},
            )
            for i in range(count)
        ]
    )
    return user, token


def methods(conn: dict) -> list[str]:
    return [json.loads(edge["node"]["details"])["method"] for edge in conn["edges"]]


# --- what the person sees -------------------------------------------------------------------


def test_events_newest_first_with_readable_device_and_the_current_session(device, client):
    phone = device(SAFARI_IPHONE, "203.0.113.7")
    laptop = device(CHROME_MAC, "198.51.100.2")
    from_laptop = Client(REMOTE_ADDR="198.51.100.2")
    gql(from_laptop, REVOKE_SESSION, {"id": _sid(phone)}, **bearer(laptop["token"]))
    conn = connection(laptop["token"])
    nodes = [edge["node"] for edge in conn["edges"]]
    assert [n["type"] for n in nodes] == ["SESSION_ENDED", "SIGNED_IN", "SIGNED_IN"]
    ended, laptop_in, phone_in = nodes
    assert json.loads(ended["details"]) == {"cause": "another_device"}
    assert ended["sessionId"] == _sid(phone) and ended["current"] is False
    assert ended["ip"] == "198.51.100.2"  # who ended it: the laptop
    assert laptop_in["current"] is True and phone_in["current"] is False
    assert laptop_in["device"] == {
        "name": "Chrome on macOS",
        "browser": "Chrome",
        "os": "macOS",
        "kind": "BROWSER",
    }
    assert phone_in["device"]["name"] == "Safari on iPhone" and phone_in["ip"] == "203.0.113.7"
    assert json.loads(phone_in["details"]) == {"method": "code", "new_account": True}
    assert conn["pageInfo"] == {"hasNextPage": False, "endCursor": conn["edges"][-1]["cursor"]}


def _sid(login: dict) -> str:
    return jwt.decode(login["token"], options={"verify_signature": False})["sid"]


def test_sessions_show_a_readable_device_and_the_address_of_the_last_refresh(device, settings):
    login = device(SAFARI_IPHONE, "203.0.113.7")
    listed = gql(Client(), SESSIONS, **bearer(login["token"]))["data"]["me"]["sessions"]
    assert listed[0]["device"]["name"] == "Safari on iPhone"
    assert listed[0]["lastIp"] == "203.0.113.7"
    assert listed[0]["userAgent"] == SAFARI_IPHONE  # the raw string stays available
    # a refresh through a trusted proxy, from another address
    settings.TRUSTED_PROXY_COUNT = 1
    moved = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99, 192.0.2.10")
    refreshed = gql(moved, REFRESH, {"t": login["refreshToken"]})["data"]["refreshToken"]
    listed = gql(Client(), SESSIONS, **bearer(refreshed["token"]))["data"]["me"]["sessions"]
    assert listed[0]["lastIp"] == "192.0.2.10"  # as the rate limiter sees it
    assert listed[0]["current"] is True


def test_an_app_that_names_itself_is_shown_by_that_name(device):
    login = device(
        "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)",
        HTTP_X_CLIENT_NAME="MyApp",
        HTTP_X_CLIENT_VERSION="2.3",
    )
    listed = gql(Client(), SESSIONS, **bearer(login["token"]))["data"]["me"]["sessions"]
    assert listed[0]["device"] == {
        "name": "MyApp 2.3 on Android",
        "browser": None,
        "os": "Android",
        "kind": "APP",
    }
    event = connection(login["token"])["edges"][0]["node"]
    assert event["device"]["name"] == "MyApp 2.3 on Android"


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("<script>alert(1)</script>", "1.0"),
        ("A" * 41, "1.0"),
        ("", "2.3"),  # a version alone means nothing
        ("Tab\tApp", "1"),
        ("MyApp", "1.0 beta; DROP"),
    ],
)
def test_bad_app_headers_are_ignored(device, name, version):
    login = device("okhttp/4.12.0", HTTP_X_CLIENT_NAME=name, HTTP_X_CLIENT_VERSION=version)
    listed = gql(Client(), SESSIONS, **bearer(login["token"]))["data"]["me"]["sessions"]
    shown = listed[0]["device"]["name"]
    assert "<" not in shown and "DROP" not in shown and "\t" not in shown
    assert shown in ("okhttp", "MyApp")


def test_cors_allows_the_app_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    response = client.options(
        "/graphql",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-client-name, x-client-version",
    )
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "x-client-name" in allowed and "x-client-version" in allowed


# --- pagination ---------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats():
    _, token = user_with_events(5)
    first = connection(token, first=2)
    assert methods(first) == ["0", "1"] and first["pageInfo"]["hasNextPage"] is True
    second = connection(token, first=2, after=first["pageInfo"]["endCursor"])
    assert methods(second) == ["2", "3"] and second["pageInfo"]["hasNextPage"] is True
    third = connection(token, first=2, after=second["pageInfo"]["endCursor"])
    assert methods(third) == ["4"] and third["pageInfo"]["hasNextPage"] is False
    after_last = connection(token, first=2, after=third["pageInfo"]["endCursor"])
    assert after_last["edges"] == []
    assert after_last["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_a_page_exactly_full_has_no_next_page():
    _, token = user_with_events(3)
    conn = connection(token, first=3)
    assert len(conn["edges"]) == 3 and conn["pageInfo"]["hasNextPage"] is False


def test_events_at_the_same_instant_are_neither_skipped_nor_repeated():
    _, token = user_with_events(7, same_time=True)
    seen, after = [], None
    for _ in range(5):
        conn = connection(token, first=2, after=after)
        seen += [edge["node"]["id"] for edge in conn["edges"]]
        after = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
    assert len(seen) == 7 and len(set(seen)) == 7


def test_default_page_is_20_and_at_most_100():
    _, token = user_with_events(101)
    assert len(connection(token)["edges"]) == 20
    hundred = connection(token, first=100)
    assert len(hundred["edges"]) == 100 and hundred["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [0, -1, 101, 10_000])
def test_first_out_of_range_is_refused(first):
    _, token = user_with_events(1)
    answer = page(token, first=first)
    assert answer["data"]["me"]["securityEvents"] is None
    assert answer["data"]["me"]["id"]  # the rest of `me` still answers
    assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


# --- nobody sees another person's events ------------------------------------------------------


def test_another_persons_events_never_appear_and_their_cursors_are_refused():
    mine, my_token = user_with_events(2)
    theirs, their_token = user_with_events(3)
    assert len(connection(my_token)["edges"]) == 2
    their_cursor = connection(their_token, first=1)["pageInfo"]["endCursor"]
    answer = page(my_token, after=their_cursor)
    assert answer["data"]["me"]["securityEvents"] is None
    assert answer["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
    own_ids = {str(e.id) for e in SecurityEvent.objects.filter(user=mine)}
    assert {edge["node"]["id"] for edge in connection(my_token)["edges"]} == own_ids
    assert theirs.pk != mine.pk


def test_a_forged_cursor_cannot_point_into_someone_elses_trail():
    mine, my_token = user_with_events(1)
    theirs, _ = user_with_events(3)
    newest_of_theirs = SecurityEvent.objects.filter(user=theirs).order_by("-at").first()
    # a cursor made without the server's key, naming my id and their position
    forged = signing.Signer(key="not-the-server-key", salt="accounts.events.cursor").sign_object(
        [mine.pk, newest_of_theirs.at.isoformat(), newest_of_theirs.id.hex]
    )
    for cursor in (forged, "garbage", "x" * 5000, forged[:-1] + "A", ""):
        answer = page(my_token, after=cursor)
        assert answer["data"]["me"]["securityEvents"] is None, cursor
        assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_even_a_validly_signed_position_reads_only_my_rows():
    # The query is the caller's rows whatever the cursor says: a position past their
    # newest event still lists only the caller's own events.
    mine, my_token = user_with_events(2)
    user_with_events(3)
    cursor = events._cursor(
        SecurityEvent(at=timezone.now() + timedelta(days=1), id=uuid.uuid4()), user_id=mine.pk
    )
    conn = connection(my_token, after=cursor)
    assert len(conn["edges"]) == 2


def test_without_credentials_there_is_no_trail():
    user_with_events(2)
    answer = gql(Client(), EVENTS)
    assert answer["data"]["me"] is None


def test_the_trail_of_a_deleted_person_is_out_of_reach(kakao, settings):
    settings.KAKAO_ADMIN_KEY = "admin-key-SECRET-0123456789abcdef"
    user, token = user_with_events(2)
    sid = str(Session.objects.get(user=user).pk)
    account.delete_account(user=user, session_id=sid, caller=Caller())
    answer = gql(Client(), EVENTS, **bearer(token))
    assert answer["data"]["me"] is None


def test_device_descriptions_are_cached():
    describe.cache_clear()
    for _ in range(3):
        describe(CHROME_MAC)
    info = describe.cache_info()
    assert (info.misses, info.hits) == (1, 2)
