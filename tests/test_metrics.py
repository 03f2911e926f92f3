"""Prometheus metrics in one process: /metrics' protection, and what each counter counts.

Counters are process-wide, so each test reads them before and after (``Delta``).
What describes a committed change is counted on commit: these tests run inside
pytest-django's transaction, so they run the on_commit callbacks explicitly
(``django_capture_on_commit_callbacks(execute=True)``), as a real commit would.
The multi-process sum across gunicorn workers is in test_metrics_gunicorn.py.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
import responses
from django.db import transaction
from django.test import Client
from prometheus_client import REGISTRY

from accounts import cache as cache_guard
from accounts.models import User
from accounts.services import devices, sessions
from accounts.services.events import EndCause
from tests.kakao_fixtures import (
    TOKEN_INFO_URL,
    TOKEN_URL,
    mock_login,
    token_error,
    token_info_response,
)
from tests.test_database_outage import database_down

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-SECRET-0123456789abcdef"
LOGIN = """mutation($code: String!) { kakaoLogin(code: $code) {
  token refreshToken errors { code } } }"""
NATIVE = """mutation($t: String!) { kakaoLoginWithToken(accessToken: $t) {
  token errors { code } } }"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""
REVOKE_SESSION = "mutation($id: ID!) { revokeSession(id: $id) { ok errors { code } } }"
NAMES = (
    "auth_logins_total",
    "auth_refreshes_total",
    "auth_sessions_ended_total",
    "kakao_api_requests_total",
    "kakao_api_request_duration_seconds",
    "database_unavailable_total",
    "cache_degraded",
    "graphql_requests_refused_total",
)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """How much a sample grew inside the block."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels

    def __enter__(self) -> Delta:
        self.before = value(self.name, **self.labels)
        return self

    def __exit__(self, *exc) -> None:
        self.grew = value(self.name, **self.labels) - self.before


def gql(client: Client, query: str, variables: dict | None = None, **extra):
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


@pytest.fixture
def enabled(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


@pytest.fixture
def no_state(settings):
    settings.KAKAO_REQUIRE_STATE = False


# --- /metrics is the operator's only ---------------------------------------------------


def test_metrics_are_off_unless_enabled(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.usefixtures("enabled")
def test_the_token_opens_metrics_and_the_answer_is_never_cached(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    for name in NAMES:
        assert f"# TYPE {name} " in body, name


@pytest.mark.usefixtures("enabled")
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789abcdef", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN],
)
def test_without_the_token_metrics_are_refused(client, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"
    assert "auth_logins" not in response.content.decode()


@pytest.mark.usefixtures("enabled")
def test_cookies_give_no_access_not_even_an_admins(admin_client, admin_user):
    # an admin's browser session, and a signed-in person's token cookies
    issued = sessions.start_session(user=admin_user)
    admin_client.cookies["JWT"] = issued.token
    admin_client.cookies["JWT-refresh-token"] = issued.refresh_token_value
    assert admin_client.get("/metrics").status_code == 401


@pytest.mark.usefixtures("enabled")
def test_metrics_answer_reads_only(client):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.usefixtures("enabled")
def test_allowed_addresses_as_the_rate_limiter_sees_them(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::1"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="2001:db8::1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics").status_code == 401
    # a forged X-Forwarded-For counts for nothing without trusted proxies...
    forged = Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.get("/metrics").status_code == 401
    # ...and only as far as they go: the client is the entry our proxy appended
    settings.TRUSTED_PROXY_COUNT = 1
    assert forged.get("/metrics").status_code == 200
    spoofed = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.1.2.3, 192.0.2.1")
    assert spoofed.get("/metrics").status_code == 401


# --- what is counted -----------------------------------------------------------------------


@pytest.mark.usefixtures("no_state")
def test_logins_by_method_and_outcome(kakao, django_capture_on_commit_callbacks):
    with Delta("auth_logins_total", method="code", outcome="ok") as ok:
        with django_capture_on_commit_callbacks(execute=True):
            mock_login(kakao)
            assert gql(Client(), LOGIN, {"code": "c0de"}).json()["data"]["kakaoLogin"]["token"]
    assert ok.grew == 1
    with Delta("auth_logins_total", method="code", outcome="INVALID_CODE") as refused:
        mock_login(kakao, token_status=400, token_body=token_error("KOE320", code="c0de"))
        gql(Client(), LOGIN, {"code": "c0de"})
    assert refused.grew == 1
    with Delta("auth_logins_total", method="native", outcome="KAKAO_APP_MISMATCH") as native:
        kakao.add(responses.GET, TOKEN_INFO_URL, json=token_info_response(app_id=999))
        gql(Client(), NATIVE, {"t": "kakao-token"})
    assert native.grew == 1


def test_a_login_that_rolls_back_is_not_ok(kakao, settings, monkeypatch):
    settings.KAKAO_REQUIRE_STATE = False
    from accounts.services import login

    def broken(**kwargs):
        raise login.AccountError(login.AccountErrorCode.ACCOUNT_INACTIVE)

    monkeypatch.setattr(login, "social_login", broken)
    with Delta("auth_logins_total", method="code", outcome="ok") as ok:
        mock_login(kakao)
        gql(Client(), LOGIN, {"code": "c0de"})
    assert ok.grew == 0
    assert value("auth_logins_total", method="code", outcome="ACCOUNT_INACTIVE") >= 1


def test_refreshes_by_outcome(settings, django_capture_on_commit_callbacks):
    settings.JWT_REFRESH_REUSE_SECONDS = 5
    first = sessions.start_session(user=User.objects.create_user(username="r"))
    counted = {
        outcome: Delta("auth_refreshes_total", outcome=outcome)
        for outcome in ("rotated", "reused", "replay", "invalid")
    }
    for delta in counted.values():
        delta.__enter__()
    with django_capture_on_commit_callbacks(execute=True):
        gql(Client(), REFRESH, {"t": first.refresh_token_value})  # rotated
        gql(Client(), REFRESH, {"t": first.refresh_token_value})  # reused (within 5 s)
        gql(Client(), REFRESH, {"t": "not-a-token"})  # invalid
        settings.JWT_REFRESH_REUSE_SECONDS = 0
        gql(Client(), REFRESH, {"t": first.refresh_token_value})  # replay
    for delta in counted.values():
        delta.__exit__()
    assert {o: d.grew for o, d in counted.items()} == {
        "rotated": 1,
        "reused": 1,
        "replay": 1,
        "invalid": 1,
    }


def test_sessions_ended_by_cause_only_once_committed(django_capture_on_commit_callbacks):
    user = User.objects.create_user(username="s")
    for _ in range(2):
        sessions.start_session(user=user)
    with Delta("auth_sessions_ended_total", cause="everywhere") as everywhere:
        with django_capture_on_commit_callbacks(execute=True):
            # rolled back: neither ended nor counted
            with pytest.raises(RuntimeError), transaction.atomic():
                devices.end_all_sessions(user=user, cause=EndCause.EVERYWHERE)
                raise RuntimeError("the request failed after ending the sessions")
    assert everywhere.grew == 0
    with Delta("auth_sessions_ended_total", cause="everywhere") as everywhere:
        with django_capture_on_commit_callbacks(execute=True):
            assert devices.end_all_sessions(user=user, cause=EndCause.EVERYWHERE) == 2
    assert everywhere.grew == 2


def test_revoking_another_device_is_counted_as_such(django_capture_on_commit_callbacks):
    user = User.objects.create_user(username="d")
    phone, laptop = sessions.start_session(user=user), sessions.start_session(user=user)
    with Delta("auth_sessions_ended_total", cause="another_device") as ended:
        with django_capture_on_commit_callbacks(execute=True):
            answer = gql(
                Client(),
                REVOKE_SESSION,
                {"id": str(phone.session_id)},
                HTTP_AUTHORIZATION=f"Bearer {laptop.token}",
            )
    assert answer.json()["data"]["revokeSession"]["ok"] is True
    assert ended.grew == 1


@pytest.mark.usefixtures("no_state")
def test_kakao_calls_by_fixed_endpoint_path_and_status(kakao):
    with (
        Delta("kakao_api_requests_total", endpoint="/oauth/token", status="200") as token,
        Delta("kakao_api_requests_total", endpoint="/v2/user/me", status="200") as me,
        Delta("kakao_api_request_duration_seconds_count", endpoint="/oauth/token") as timed,
    ):
        mock_login(kakao)
        gql(Client(), LOGIN, {"code": "c0de"})
    assert (token.grew, me.grew, timed.grew) == (1, 1, 1)
    with Delta("kakao_api_requests_total", endpoint="/oauth/token", status="error") as failed:
        kakao.add(responses.POST, TOKEN_URL, body=requests.ConnectionError("down"))
        gql(Client(), LOGIN, {"code": "c0de"})
    assert failed.grew == 1


def test_database_outages_are_counted(monkeypatch):
    issued = sessions.start_session(user=User.objects.create_user(username="o"))
    with Delta("database_unavailable_total") as outages, database_down(monkeypatch):
        response = gql(Client(), REFRESH, {"t": issued.refresh_token_value})
    assert response.status_code == 503 and outages.grew == 1


def test_cache_degraded_is_1_while_the_cache_fails_and_0_after(monkeypatch):
    cache_guard.reset()
    assert value("cache_degraded") == 0

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache_guard.django_cache, "get", broken)
    with pytest.raises(cache_guard.CacheUnavailable):
        cache_guard.get("k", op="test.get")
    assert value("cache_degraded") == 1
    monkeypatch.undo()
    cache_guard._health.down_until = 0  # the back-off is over
    cache_guard.get("k", op="test.get")
    assert value("cache_degraded") == 0
    cache_guard.reset()


def test_refused_graphql_requests_by_reason(settings):
    issued = sessions.start_session(user=User.objects.create_user(username="c"))
    browser = Client()
    browser.cookies["JWT-refresh-token"] = issued.refresh_token_value
    settings.RATE_LIMIT_REFRESH_PER_IP = "1/60"
    cases = {
        "csrf": lambda: browser.post("/graphql", {"query": "{ me { id } }"}),
        "too_large": lambda: gql(Client(), "{ me { id } }" + " " * 10_001),
        "invalid": lambda: gql(Client(), "{ nope }"),
        "method": lambda: Client().get(
            "/graphql", {"query": "mutation { logout { ok } }"}, HTTP_ACCEPT="application/json"
        ),
        "malformed": lambda: Client().post(
            "/graphql", "{not json", content_type="application/json"
        ),
        "rate_limited": lambda: [gql(Client(), REFRESH, {"t": "x"}) for _ in range(2)],
    }
    for reason, send in cases.items():
        with Delta("graphql_requests_refused_total", reason=reason) as refused:
            send()
        assert refused.grew == 1, reason
    settings.GRAPHQL_MAX_DEPTH = 1
    with Delta("graphql_requests_refused_total", reason="too_complex") as deep:
        gql(Client(), 'mutation { kakaoLogin(code: "x") { user { id } errors { code } } }')
    assert deep.grew == 1
    with Delta("graphql_requests_refused_total", reason="malformed") as in_url:
        Client().post("/graphql?query={me{id}}", {}, content_type="application/json")
    assert in_url.grew == 1


@pytest.mark.usefixtures("enabled", "no_state")
def test_no_label_holds_an_address_a_user_or_a_secret(kakao, client):
    mock_login(kakao)
    login = gql(Client(REMOTE_ADDR="203.0.113.77"), LOGIN, {"code": "c0de-SECRET"}).json()
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    ours = "\n".join(line for line in body.splitlines() if line.startswith(NAMES))
    labels = set(re.findall(r"[{,](\w+)=", ours))
    assert labels <= {"method", "outcome", "cause", "endpoint", "status", "reason", "le"}
    assert "203.0.113.77" not in body and "c0de-SECRET" not in body
    assert login["data"]["kakaoLogin"]["token"] not in body
    endpoints = set(re.findall(r'endpoint="([^"]*)"', body))
    assert endpoints and all(e.startswith("/") and "?" not in e for e in endpoints)
