"""Operations: health probes, request ids, structured logs, service settings."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import Client, RequestFactory

from accounts import cache as cache_guard
from backend.health import cache_backend, healthz
from backend.logs import JsonFormatter, RequestIdFilter, request_id_var


def test_healthz_touches_nothing():
    # No django_db mark: any database access would fail this test.
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache():
    response = Client().get("/readyz")
    assert response.status_code == 200
    shared = "redis" if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") else "database"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "cache_backend": shared,
    }


@pytest.mark.parametrize(
    ("backend", "name"),
    [
        ("django.core.cache.backends.redis.RedisCache", "redis"),
        ("backend.dbcache.SharedDatabaseCache", "database"),
        ("django.core.cache.backends.locmem.LocMemCache", "local-memory"),
    ],
)
def test_readyz_says_which_cache_the_processes_share(backend, name, monkeypatch):
    monkeypatch.setitem(settings.CACHES, "default", {"BACKEND": backend})
    assert cache_backend() == name


@pytest.mark.django_db
def test_probes_answer_head_and_refuse_writes():
    # Load balancers often probe with HEAD; a probe never changes anything.
    for path in ("/healthz", "/readyz"):
        head = Client().head(path)
        assert head.status_code == 200 and head.content == b""
        assert Client().post(path).status_code == 405
        assert Client().delete(path).status_code == 405


def test_a_head_probe_gets_headers_without_a_body():
    # The view itself, not the test client (which drops HEAD bodies on its own).
    get = healthz(RequestFactory().get("/healthz"))
    head = healthz(RequestFactory().head("/healthz"))
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(get.content))


@pytest.fixture
def _cache_guard_reset():
    """A failure opens the guard's back-off; later tests must not inherit it."""
    cache_guard.reset()
    yield
    cache_guard.reset()


@pytest.mark.django_db
@pytest.mark.usefixtures("_cache_guard_reset")
def test_readyz_stays_ready_when_only_the_cache_is_down(monkeypatch):
    # A shared cache down would otherwise take every instance out at once.
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache_guard.django_cache, "set", broken)
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body == {**body, "status": "degraded", "database": "ok", "cache": "degraded"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_down(monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("database down")

    monkeypatch.setattr(type(connections["default"]), "cursor", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "error"
    # A cache kept in the database fails with it; Redis does not.
    assert body["cache"] == ("degraded" if body["cache_backend"] == "database" else "ok")


def test_request_id_is_echoed_when_sane_and_made_up_otherwise():
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    for bad in ("", "a" * 65, "abc 123", "x\ny", "<script>"):
        made_up = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert made_up != bad and len(made_up) == 32


def test_json_formatter_one_line_with_request_id_and_extras():
    token = request_id_var.set("req-1")
    try:
        record = logging.makeLogRecord(
            {
                "name": "accounts",
                "levelno": logging.INFO,
                "levelname": "INFO",
                "msg": "kakao_login user=%s",
                "args": (42,),
                "user_id": 42,
            }
        )
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "kakao_login user=42"
    assert entry["request_id"] == "req-1" and entry["level"] == "INFO"
    assert entry["user_id"] == 42


def test_json_formatter_keeps_exceptions_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()}
        )
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]


def test_log_lines_of_a_request_carry_its_id(caplog):
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    client = Client()
    client.cookies["JWT"] = "x"
    client.post(
        "/graphql", "query={me{id}}", content_type="text/plain", HTTP_X_REQUEST_ID="trace-77"
    )
    rejected = [r for r in caplog.records if r.getMessage().startswith("csrf_rejected")]
    assert rejected and rejected[0].request_id == "trace-77"
    assert request_id_var.get() == "-"


def test_database_and_cache_follow_the_environment(monkeypatch):
    import importlib

    import backend.settings as module

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/app")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    try:
        reloaded = importlib.reload(module)
        database = reloaded.DATABASES["default"]
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
        assert database["OPTIONS"]["server_side_binding"] is True
        # A pooler that cannot keep prepared statements turns it off.
        monkeypatch.setenv("DATABASE_SERVER_SIDE_BINDING", "0")
        options = importlib.reload(module).DATABASES["default"]["OPTIONS"]
        assert options["server_side_binding"] is False
        monkeypatch.delenv("DATABASE_SERVER_SIDE_BINDING")
        cache = reloaded.CACHES["default"]
        assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert cache["LOCATION"] == "redis://cache.internal:6379/0"
        monkeypatch.delenv("DATABASE_URL")
        monkeypatch.delenv("REDIS_URL")
        reloaded = importlib.reload(module)
        assert reloaded.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        # Without Redis: the database cache, shared by every process on the database.
        assert reloaded.CACHES["default"]["BACKEND"] == "backend.dbcache.SharedDatabaseCache"
    finally:
        monkeypatch.undo()
        importlib.reload(module)
