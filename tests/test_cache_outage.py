"""Redis down or frozen: logins and refreshes go on, what guards against abuse degrades.

The cache here is a real ``RedisCache``: pointed at a closed port on 127.0.0.1
(refused at once), or at a ``redis-server`` of our own that we SIGSTOP (every
read times out). The shared Redis is never touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from asgiref.local import Local
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from freezegun import freeze_time

from accounts import cache as cache_guard
from accounts.kakao import oidc
from accounts.models import RefreshToken, User
from tests.kakao_fixtures import TOKEN_URL, mock_login, token_error, token_response
from tests.test_oidc import JWKS_URL, id_token, jwks

pytestmark = pytest.mark.django_db

AUTHORIZE = """
mutation Authorize($redirectUri: String) {
  kakaoAuthorize(redirectUri: $redirectUri) { state nonce errors { code } }
}
"""
LOGIN = """
mutation Login($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state, delivery: BODY) {
    token refreshToken errors { field code } }
}
"""
REFRESH = """
mutation Refresh($refreshToken: String) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken errors { code } }
}
"""
STATE_COOKIE = "kakao-oauth-state"
# What backend/settings.py gives a RedisCache by default (checked below).
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_cache_at(port: int) -> Iterator[None]:
    """The default cache is a RedisCache on 127.0.0.1:port for the block."""
    config = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": REDIS_OPTIONS,
        }
    }
    with override_settings(CACHES=config):
        _forget_cache_objects()
        assert type(caches["default"]).__name__ == "RedisCache"
        yield
    _forget_cache_objects()


def _forget_cache_objects() -> None:
    # Django's setting_changed handler does this too; explicit, so no cache
    # object (or its connection pool) outlives the block either way.
    caches._connections = Local(caches.thread_critical)


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    """Back-off, warning throttle and the process's JWKS copy start empty in every test."""
    cache_guard.reset()
    monkeypatch.setattr(oidc, "_process_keys", oidc._ProcessKeys())
    yield
    cache_guard.reset()


@pytest.fixture
def unreachable_redis() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """A factory: ``with unreachable_redis():`` points the cache at a closed port."""
    return lambda: redis_cache_at(free_port())


@pytest.fixture
def connects(monkeypatch) -> list[tuple[str, int]]:
    """Every TCP connection redis-py tries to open, in order."""
    attempts: list[tuple[str, int]] = []
    original = redis.connection.Connection._connect

    def counting(self):
        attempts.append((self.host, self.port))
        return original(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counting)
    return attempts


@pytest.fixture
def cache_warnings(caplog) -> Callable[[], list[str]]:
    caplog.set_level(logging.INFO, logger="accounts.cache")
    return lambda: [
        r.getMessage()
        for r in caplog.records
        if r.name == "accounts.cache" and r.levelno == logging.WARNING
    ]


def gql(client: Client, query: str, variables: dict) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body  # never "Internal server error."
    return body["data"]


def authorize(client: Client, **variables) -> dict:
    return gql(client, AUTHORIZE, variables)["kakaoAuthorize"]


def login(client: Client, state: str | None, code: str = "the-code") -> dict:
    return gql(client, LOGIN, {"code": code, "state": state})["kakaoLogin"]


def codes(data: dict) -> list[str]:
    return [e["code"] for e in data["errors"]]


# --- logins and refreshes go on -------------------------------------------------


def test_login_and_refresh_work_with_redis_unreachable(
    kakao, unreachable_redis, connects, cache_warnings, settings
):
    # given: limits that would refuse the second attempt, were they counted
    settings.RATE_LIMIT_LOGIN_PER_IP = "1/60"
    settings.RATE_LIMIT_REFRESH_PER_IP = "1/60"
    settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER = "1/60"
    mock_login(kakao)
    with unreachable_redis():
        # when: three browsers log in, and one refreshes twice
        results = []
        for _ in range(3):
            client = Client()
            results.append(login(client, authorize(client)["state"]))
        first = gql(Client(), REFRESH, {"refreshToken": results[0]["refreshToken"]})
        second = gql(Client(), REFRESH, {"refreshToken": first["refreshToken"]["refreshToken"]})
    # then: every one succeeded (the limits failed open)
    assert [codes(r) for r in results] == [[], [], []]
    assert all(r["token"] for r in results)
    assert codes(first["refreshToken"]) == [] and first["refreshToken"]["token"]
    assert codes(second["refreshToken"]) == [] and second["refreshToken"]["token"]
    assert User.objects.count() == 1 and RefreshToken.objects.count() == 5
    # one warning for the whole burst, naming the operation and error class only
    logged = cache_warnings()
    assert len(logged) == 1
    assert "op=ratelimit.add" in logged[0] and "error=ConnectionError" in logged[0]
    assert "rl:" not in logged[0] and "127.0.0.1" not in logged[0]
    # and the back-off: the first cache call tried Redis, the next ones did not
    assert len(connects) == 1


def test_back_off_ends_and_the_cache_is_tried_again_without_a_new_warning(
    kakao, unreachable_redis, connects, cache_warnings, monkeypatch, settings
):
    # A clock of our own: the machine's load must not decide when the back-off ends.
    now = [1000.0]
    monkeypatch.setattr(cache_guard, "time", type("Clock", (), {"monotonic": lambda: now[0]}))
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    with unreachable_redis():
        assert codes(login(Client(), None)) == []
        now[0] += cache_guard.BACKOFF_SECONDS - 0.1
        assert codes(login(Client(), None)) == []
        assert len(connects) == 1  # in back-off: not tried
        now[0] += 0.2
        assert codes(login(Client(), None)) == []
    assert len(connects) == 2  # back-off over: tried once more, failed, back-off again
    assert len(cache_warnings()) == 1  # the second failure was within the warning interval
    now[0] += cache_guard.WARNING_INTERVAL_SECONDS
    with unreachable_redis():
        assert codes(login(Client(), None)) == []
    assert len(cache_warnings()) == 2  # a long outage is logged again, once per interval
    assert "suppressed=1" in cache_warnings()[1]


def test_recovery_is_noticed_and_limits_count_again(kakao, settings, caplog, monkeypatch):
    # given: the cache failed once (a ConnectionError from the backend)
    settings.KAKAO_REQUIRE_STATE = False
    settings.RATE_LIMIT_LOGIN_PER_IP = "1/60"
    caplog.set_level(logging.INFO, logger="accounts.cache")
    monkeypatch.setattr(cache_guard, "BACKOFF_SECONDS", 0.0)
    mock_login(kakao)

    def refuse(*args, **kwargs):
        raise ConnectionError("refused")

    with monkeypatch.context() as patched:
        patched.setattr(cache_guard.django_cache, "add", refuse)
        assert codes(login(Client(), None)) == []
    # when: it answers again
    assert codes(login(Client(), None)) == []
    # then: the limit holds again, and the log says the cache is back
    assert codes(login(Client(), None)) == ["RATE_LIMITED"]
    assert any(r.getMessage().startswith("cache_recovered") for r in caplog.records)


# --- the state still protects the login -------------------------------------------


def test_bad_state_is_still_refused_with_redis_down(kakao, unreachable_redis):
    mock_login(kakao)
    with unreachable_redis():
        victim, attacker = Client(), Client()
        state = authorize(victim)["state"]
        # a tampered signature
        tampered = Client()
        tampered.cookies[STATE_COOKIE] = victim.cookies[STATE_COOKIE].value[:-2] + "xx"
        assert codes(login(tampered, state)) == ["INVALID_STATE"]
        # another browser's state (login CSRF)
        assert codes(login(victim, authorize(attacker)["state"])) == ["INVALID_STATE"]
        # no cookie at all
        assert codes(login(Client(), state)) == ["INVALID_STATE"]
        # issued for another redirect URI
        other = Client()
        other_state = authorize(other, redirectUri="myapp://oauth")["state"]
        assert codes(login(other, other_state)) == ["INVALID_STATE"]
        # expired
        with freeze_time(timedelta(minutes=11)):
            assert codes(login(victim, state)) == ["INVALID_STATE"]
    assert len(kakao.calls) == 0 and User.objects.count() == 0


def test_replayed_state_with_redis_down_gets_nothing_because_the_code_is_spent(
    kakao, unreachable_redis
):
    # The single-use mark is skipped, but Kakao accepts a code only once.
    kakao.add("POST", TOKEN_URL, json=token_response())
    kakao.add("POST", TOKEN_URL, status=400, json=token_error("KOE320"))
    mock_login(kakao)
    with unreachable_redis():
        first = Client()
        state = authorize(first)["state"]
        copied = first.cookies[STATE_COOKIE].value
        assert codes(login(first, state)) == []
        replay = Client()
        replay.cookies[STATE_COOKIE] = copied
        data = login(replay, state)
    assert codes(data) == ["INVALID_CODE"] and data["token"] is None


def test_refused_state_leaves_the_browsers_own_cookie(kakao):
    # given: this browser started a login; another tab's state arrives first
    mock_login(kakao)
    browser, other_tab = Client(), Client()
    own_state = authorize(browser)["state"]
    response = browser.post(
        "/graphql",
        json.dumps({"query": LOGIN, "variables": {"code": "c", "state": "another-tab-state"}}),
        content_type="application/json",
    )
    assert codes(response.json()["data"]["kakaoLogin"]) == ["INVALID_STATE"]
    # then: the cookie was not deleted, and the browser's own login still finishes
    assert STATE_COOKIE not in response.cookies
    assert codes(login(browser, own_state)) == []
    assert browser.cookies[STATE_COOKIE].value == ""  # spent once it passed
    assert authorize(other_tab)["state"]


# --- Kakao's keys -----------------------------------------------------------------


def oidc_login(kakao, kid: str = "kakao-kid-1") -> dict:
    client = Client()
    started = authorize(client)
    kakao.replace(
        "POST", TOKEN_URL, json=token_response(id_token=id_token(started["nonce"], kid=kid))
    )
    return login(client, started["state"])


def jwks_fetches(kakao) -> int:
    return [call.request.url for call in kakao.calls].count(JWKS_URL)


def test_jwks_come_from_the_process_copy_with_redis_down(kakao, unreachable_redis, settings):
    settings.KAKAO_OIDC = True
    kakao.add("POST", TOKEN_URL, json=token_response())
    kakao.add("GET", JWKS_URL, json=jwks())
    # given: a login while the cache worked fetched the keys once
    assert codes(oidc_login(kakao)) == []
    assert jwks_fetches(kakao) == 1
    with unreachable_redis():
        # when: the cache is down
        assert codes(oidc_login(kakao)) == []
        assert codes(oidc_login(kakao)) == []
    # then: the keys came from this process's copy, not from Kakao again
    assert jwks_fetches(kakao) == 1


def test_forged_kids_cannot_make_us_hammer_kakao_with_redis_down(
    kakao, unreachable_redis, settings
):
    settings.KAKAO_OIDC = True
    kakao.add("POST", TOKEN_URL, json=token_response())
    kakao.add("GET", JWKS_URL, json=jwks())
    with unreachable_redis():
        for _ in range(4):
            assert codes(oidc_login(kakao, kid="forged")) == ["INVALID_ID_TOKEN"]
        # a genuine login still works from the copy
        assert codes(oidc_login(kakao)) == []
    # one fetch to fill the process copy, then at most one refetch per minute
    assert jwks_fetches(kakao) == 2
    assert User.objects.count() == 1


# --- probes and settings ------------------------------------------------------------


def test_readyz_stays_ready_and_says_degraded(unreachable_redis, connects):
    with unreachable_redis():
        first = Client().get("/readyz")
        second = Client().get("/readyz")
    for response in (first, second):
        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "database": "ok",
            "cache": "degraded",
            "cache_backend": "redis",
        }
    assert len(connects) == 1  # the second probe did not wait on the cache


def test_redis_timeouts_are_short_and_follow_the_environment(monkeypatch):
    import importlib

    import backend.settings as module

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    try:
        assert importlib.reload(module).CACHES["default"]["OPTIONS"] == REDIS_OPTIONS
        monkeypatch.setenv("REDIS_TIMEOUT_SECONDS", "1.5")
        options = importlib.reload(module).CACHES["default"]["OPTIONS"]
        assert options == {"socket_connect_timeout": 1.5, "socket_timeout": 1.5}
        for bad in ("0", "-1", "31", "soon"):
            monkeypatch.setenv("REDIS_TIMEOUT_SECONDS", bad)
            with pytest.raises(ImproperlyConfigured):
                importlib.reload(module)
    finally:
        monkeypatch.undo()
        importlib.reload(module)


# --- a frozen Redis ----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
def test_frozen_redis_costs_one_short_timeout_not_a_failure(kakao, settings, cache_warnings):
    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probe = redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5)
        for _ in range(50):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if probe.ping():
                    break
            time.sleep(0.1)
        probe.close()
        server.send_signal(signal.SIGSTOP)
        with redis_cache_at(port):
            started = time.monotonic()
            first = login(Client(), None)
            first_took = time.monotonic() - started
            started = time.monotonic()
            second = login(Client(), None)
            second_took = time.monotonic() - started
        assert codes(first) == [] and first["token"]
        assert codes(second) == [] and second["token"]
        assert first_took < 1.5  # one 0.5 s socket timeout, then the back-off
        assert second_took < 0.5  # in back-off: Redis not waited on at all
        assert len(cache_warnings()) == 1 and "error=TimeoutError" in cache_warnings()[0]
    finally:
        server.send_signal(signal.SIGCONT)
        server.kill()
        server.wait(timeout=10)
