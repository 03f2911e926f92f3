"""A database outage is a typed, retryable 503, never "Internal server error."

Here the failure is injected where the driver would raise it (every SQL
statement raises OperationalError); `make test-faults` stops a real PostgreSQL.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.services.sessions import start_session

pytestmark = pytest.mark.django_db

REFRESH = "mutation($t: String) { refreshToken(refreshToken: $t) { token errors { code } } }"


def gql(client: Client, query: str, variables: dict | None = None, **extra):
    return client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


@contextmanager
def database_down(monkeypatch):
    def refuse(self, sql, params=None):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)
    try:
        yield
    finally:
        monkeypatch.undo()


def assert_service_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "data" not in body
    assert "Internal server error" not in response.content.decode()
    assert "Connection refused" not in response.content.decode()


def test_refresh_during_an_outage_is_503_and_works_after(monkeypatch):
    issued = start_session(user=User.objects.create_user(username="u"))
    with database_down(monkeypatch):
        response = gql(Client(), REFRESH, {"t": issued.refresh_token_value})
    assert_service_unavailable(response)
    # the database is back: the same token still works (nothing was spent)
    again = gql(Client(), REFRESH, {"t": issued.refresh_token_value}).json()
    assert again["data"]["refreshToken"]["errors"] == []


def test_me_during_an_outage_is_503(monkeypatch):
    issued = start_session(user=User.objects.create_user(username="u"))
    with database_down(monkeypatch):
        response = gql(Client(), "{ me { id } }", HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert_service_unavailable(response)


def test_login_during_an_outage_is_503(monkeypatch, kakao, settings):
    from tests.kakao_fixtures import mock_login

    settings.KAKAO_REQUIRE_STATE = False
    mock_login(kakao)
    with database_down(monkeypatch):
        response = gql(Client(), 'mutation { kakaoLogin(code: "c0de") { token errors { code } } }')
    assert_service_unavailable(response)
    assert User.objects.count() == 0


def test_outage_is_logged_as_a_warning_without_sql(monkeypatch, all_logs):
    issued = start_session(user=User.objects.create_user(username="u"))
    with database_down(monkeypatch):
        gql(Client(), REFRESH, {"t": issued.refresh_token_value})
    assert "database_unavailable error=OperationalError" in all_logs.text
    assert "graphql_unexpected_error" not in all_logs.text
    assert issued.refresh_token_value not in all_logs.text


def test_other_database_errors_stay_internal_errors(monkeypatch):
    from django.db import ProgrammingError

    issued = start_session(user=User.objects.create_user(username="u"))

    def broken(self, sql, params=None):
        raise ProgrammingError("a bug, not an outage")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = gql(Client(), REFRESH, {"t": issued.refresh_token_value})
    monkeypatch.undo()
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_a_non_graphql_view_answers_503_too(monkeypatch, admin_client):
    with database_down(monkeypatch):
        response = admin_client.get("/admin/accounts/user/")
    assert_service_unavailable(response)


def test_a_browser_app_on_another_origin_can_read_retry_after(monkeypatch, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    issued = start_session(user=User.objects.create_user(username="u"))
    with database_down(monkeypatch):
        response = gql(
            Client(),
            REFRESH,
            {"t": issued.refresh_token_value},
            HTTP_ORIGIN="http://localhost:5173",
        )
    assert response.status_code == 503
    assert response["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "retry-after" in response["Access-Control-Expose-Headers"].lower()
