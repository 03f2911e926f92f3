"""Guard: SQL queries per login and per refresh (targets: ≤ 6 returning login, ≤ 4 refresh).

A login's SIGNED_IN security event is one INSERT in the login's transaction (no
extra commit); a refresh records its address in the successor it inserts anyway.

The numbers are exact so that any change is seen; raise them only with a reason.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.kakao_fixtures import mock_login

pytestmark = pytest.mark.django_db

LOGIN = """mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token refreshToken created errors { code } } }"""
REFRESH = "mutation { refreshToken { token errors { code } } }"


def post(client: Client, query: str, **variables) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    return next(iter(response.json()["data"].values()))


def statements(queries: CaptureQueriesContext) -> list[str]:
    # Each test runs inside a transaction, so atomic() blocks show up as savepoints;
    # in production they are BEGIN/COMMIT, which Django does not count as queries.
    # Without REDIS_URL the cache is a table of this database (rate limits, used
    # states): not the login's own SQL, which is what this guard keeps down.
    return [
        q["sql"] for q in queries if "SAVEPOINT" not in q["sql"] and '"kakao_cache"' not in q["sql"]
    ]


def login(client: Client) -> tuple[dict, list[str]]:
    state = post(client, "query { kakaoAuthorizeUrl { state } }")["state"]
    with CaptureQueriesContext(connection) as queries:
        data = post(client, LOGIN, code="c0de", state=state)
    assert data["errors"] == []
    return data, statements(queries)


def test_new_user_login_queries(kakao):
    mock_login(kakao)
    data, queries = login(Client())
    assert data["created"] is True
    # link lookup, email lookup, user insert, social account insert, the consent items the
    # token response granted (one insert: a new link has no history to compare with),
    # session insert, refresh token insert, security event insert (one transaction)
    assert len(queries) == 8, queries


def test_returning_user_login_queries(kakao):
    mock_login(kakao)
    login(Client())
    data, queries = login(Client())
    assert data["created"] is False
    # link lookup (joined with the user), last_login, the link's recorded consent items
    # (compared with the token response's scope; unchanged, so nothing is written),
    # session insert, refresh token insert, security event insert
    assert len(queries) == 6, queries


def test_refresh_queries(kakao):
    mock_login(kakao)
    client = Client()
    login(client)
    with CaptureQueriesContext(connection) as queries:
        assert post(client, REFRESH)["errors"] == []
    # token with its user, conditional revoke, new token
    assert len(statements(queries)) == 3, statements(queries)
