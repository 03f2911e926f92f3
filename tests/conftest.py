from __future__ import annotations

import logging

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
