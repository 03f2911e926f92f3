"""Abuse limits: per client IP and per Kakao user, with explicit proxy trust."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from freezegun import freeze_time

from accounts import ratelimit
from accounts.ratelimit import Rate
from tests.kakao_fixtures import mock_login, token_error

pytestmark = pytest.mark.django_db

LOGIN = """
mutation Login($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token errors { code message retryAfter } }
}
"""
REFRESH = 'mutation { refreshToken(refreshToken: "nope") { token errors { code retryAfter } } }'


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KAKAO_REQUIRE_STATE = False
    settings.RATE_LIMIT_LOGIN_PER_IP = "3/60"
    settings.RATE_LIMIT_REFRESH_PER_IP = "2/60"
    settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER = "off"


def login(ip: str = "203.0.113.7", **headers) -> dict:
    response = Client(REMOTE_ADDR=ip).post(
        "/graphql",
        json.dumps({"query": LOGIN, "variables": {"code": "c0de"}}),
        content_type="application/json",
        **headers,
    )
    return response.json()["data"]["kakaoLogin"]


def codes(data: dict) -> list[str]:
    return [e["code"] for e in data["errors"]]


def test_login_is_limited_per_ip_before_calling_kakao(kakao):
    kakao.add("POST", "https://kauth.kakao.com/oauth/token", status=400, json=token_error("KOE320"))
    for _ in range(3):
        assert codes(login()) == ["INVALID_CODE"]
    calls = len(kakao.calls)
    # when: one attempt too many
    data = login()
    # then
    assert codes(data) == ["RATE_LIMITED"]
    assert 1 <= data["errors"][0]["retryAfter"] <= 60
    assert str(data["errors"][0]["retryAfter"]) in data["errors"][0]["message"]
    assert len(kakao.calls) == calls
    # another address is not affected
    assert codes(login(ip="198.51.100.1")) == ["INVALID_CODE"]


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(kakao):
    kakao.add("POST", "https://kauth.kakao.com/oauth/token", status=400, json=token_error("KOE320"))
    for i in range(3):
        login(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    # Rotating the header does not escape the limit...
    assert codes(login(HTTP_X_FORWARDED_FOR="10.9.9.9")) == ["RATE_LIMITED"]


def test_forged_forwarded_for_cannot_lock_out_someone_else(kakao):
    kakao.add("POST", "https://kauth.kakao.com/oauth/token", status=400, json=token_error("KOE320"))
    for _ in range(4):
        login(ip="203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert codes(login(ip="198.51.100.1")) == ["INVALID_CODE"]


def test_trusted_proxy_uses_the_address_it_saw(kakao, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    kakao.add("POST", "https://kauth.kakao.com/oauth/token", status=400, json=token_error("KOE320"))
    proxy = "10.0.0.1"
    for _ in range(3):
        login(ip=proxy, HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.9")
    assert codes(login(ip=proxy, HTTP_X_FORWARDED_FOR="other, 203.0.113.9")) == ["RATE_LIMITED"]
    # a different client behind the same proxy is counted separately
    assert codes(login(ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")) == ["INVALID_CODE"]


def test_ipv6_clients_are_grouped_by_64(kakao):
    kakao.add("POST", "https://kauth.kakao.com/oauth/token", status=400, json=token_error("KOE320"))
    for i in range(3):
        login(ip=f"2001:db8:1:2::{i + 1}")
    assert codes(login(ip="2001:db8:1:2:ffff::1")) == ["RATE_LIMITED"]
    assert codes(login(ip="2001:db8:1:3::1")) == ["INVALID_CODE"]


def test_login_is_limited_per_kakao_user(kakao, settings):
    settings.RATE_LIMIT_LOGIN_PER_IP = "off"
    settings.RATE_LIMIT_LOGIN_PER_KAKAO_USER = "2/60"
    mock_login(kakao)
    assert codes(login(ip="203.0.113.1")) == []
    assert codes(login(ip="203.0.113.2")) == []
    assert codes(login(ip="203.0.113.3")) == ["RATE_LIMITED"]


def test_refresh_is_limited_per_ip():
    client = Client(REMOTE_ADDR="203.0.113.5")

    def refresh():
        response = client.post(
            "/graphql", json.dumps({"query": REFRESH}), content_type="application/json"
        )
        return response.json()["data"]["refreshToken"]

    assert codes(refresh()) == ["INVALID_REFRESH_TOKEN"]
    assert codes(refresh()) == ["INVALID_REFRESH_TOKEN"]
    limited = refresh()
    assert codes(limited) == ["RATE_LIMITED"] and limited["errors"][0]["retryAfter"] > 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("20/60", Rate(20, 60)), ("off", None), ("", None), (" 5/1 ", Rate(5, 1))],
)
def test_rate_parsing(value, expected):
    assert Rate.parse(value) == expected


@pytest.mark.parametrize("value", ["20", "a/b", "-1/60", "5/0", "1/2/3"])
def test_bad_rates_fail_the_system_check(settings, value):
    from accounts.checks import check_configuration

    settings.RATE_LIMIT_LOGIN_PER_IP = value
    assert "accounts.E008" in [e.id for e in check_configuration()]


def test_each_test_starts_one_second_into_every_window_and_its_clock_moves():
    """The guard of conftest's _rate_limit_windows_start_with_the_test: without it, a test
    counting requests fails whenever it runs across a minute's edge."""
    now = ratelimit.time.time()
    assert 1 <= now % 86_400 < 30  # a day's, an hour's and a minute's window alike
    with freeze_time(timedelta(minutes=2)):  # a test that moves time moves the limiter's too
        assert ratelimit.time.time() - now == pytest.approx(120, abs=10)
