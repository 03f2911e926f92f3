from __future__ import annotations

import logging

import pytest
import responses
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters, used states and cached keys never leak between tests."""
    cache.clear()
    yield
    cache.clear()


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
