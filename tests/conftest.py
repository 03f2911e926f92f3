from __future__ import annotations

import logging
import time
from types import SimpleNamespace

import pytest
import responses
from django.conf import settings
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Rate-limit counters, used states and cached keys never leak between tests.

    Without REDIS_URL the cache is a table of the test database: emptied before each test
    that uses the database (one that does not cannot reach it: pytest-django refuses).
    Not after it, when the test's monkeypatches may still stand in for the database.
    """
    if "DatabaseCache" not in settings.CACHES["default"]["BACKEND"]:
        cache.clear()
        yield
        cache.clear()
        return
    if request.node.get_closest_marker("django_db") or "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")  # the test's own database access, first
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _rate_limit_windows_start_with_the_test(monkeypatch):
    """The rate limiter's clock starts each test 1 s into a new window, then runs on.

    Its windows are fixed (a minute is 12:00:00 to 12:00:59), and a test that counts requests
    within one went wrong whenever it ran across a window's edge (seen in CI: three logins at
    hh:24:59.99 to hh:25:00.00 started a new count halfway and saw no limit). The clock is the
    real one shifted to a day's start, so every window of a minute, an hour or a day starts
    with the test; it still moves with time, and with freezegun's when a test freezes it.
    """
    from accounts import ratelimit

    started = time.time()
    shift = (started // 86_400 + 1) * 86_400 + 1 - started
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: time.time() + shift))


@pytest.fixture
def kakao():
    """Kakao's hosts, faked; any request not registered fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def all_logs(caplog):
    """Capture every log record at DEBUG and above, to check none holds a secret."""
    caplog.set_level(logging.DEBUG)
    return caplog


def pytest_collection_modifyitems(config, items):
    """Tests marked `services` need PostgreSQL and Redis: `make test-services` runs them."""
    from django.conf import settings

    on_services = settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ) and settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    if on_services:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis: run `make test-services`")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)
