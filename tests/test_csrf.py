"""CSRF rule with the Origin check (Apollo Server's prevention, plus origins)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.services.sessions import start_session as issue_tokens

pytestmark = pytest.mark.django_db

LOGOUT = json.dumps({"query": "mutation { logout { ok } }"})


@pytest.fixture
def cookie_client(settings) -> Client:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    settings.ALLOWED_HOSTS = ["api.example.com", "testserver"]
    user = User.objects.create_user(username="u", email="u@example.com")
    issued = issue_tokens(user=user)
    client = Client()
    client.cookies["JWT-refresh-token"] = issued.refresh_token_value
    client.cookies["JWT"] = issued.token
    return client


def post(client: Client, **extra):
    return client.post("/graphql", LOGOUT, content_type="application/json", **extra)


def session_alive() -> bool:
    return RefreshToken.objects.filter(revoked__isnull=True).exists()


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://app.example.com.evil"])
def test_json_post_with_cookies_from_a_foreign_origin_is_refused(cookie_client, origin):
    response = post(cookie_client, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    assert session_alive()


def test_json_post_from_an_allowed_origin_runs(cookie_client):
    response = post(cookie_client, HTTP_ORIGIN="https://app.example.com")
    assert response.json()["data"]["logout"]["ok"] is True
    assert not session_alive()


def test_json_post_from_the_api_itself_runs(cookie_client):
    response = post(
        cookie_client, HTTP_ORIGIN="http://api.example.com", HTTP_HOST="api.example.com"
    )
    assert response.json()["data"]["logout"]["ok"] is True


def test_preflight_header_is_enough_but_origin_still_counts(cookie_client):
    body = "query=mutation+%7B+logout+%7B+ok+%7D+%7D"
    foreign = cookie_client.generic(
        "POST",
        "/graphql",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_APOLLO_REQUIRE_PREFLIGHT="true",
        HTTP_ORIGIN="https://evil.example",
    )
    assert foreign.status_code == 403 and session_alive()


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", ""],
)
def test_simple_requests_with_cookies_are_refused_even_from_allowed_origin(
    cookie_client, content_type
):
    response = cookie_client.generic(
        "POST",
        "/graphql",
        LOGOUT,
        content_type=content_type,
        HTTP_ORIGIN="https://app.example.com",
    )
    assert response.status_code == 403 and session_alive()


def test_get_with_cookies_is_refused(cookie_client):
    response = cookie_client.get("/graphql", {"query": "{ me { id } }"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"


# What Apollo Client 4's HttpLink sends with `useGETForQueries: true`: the operation
# in the URL, and its default headers, Content-Type included.
APOLLO_GET_HEADERS = {
    "CONTENT_TYPE": "application/json",
    "HTTP_ACCEPT": "application/graphql-response+json,application/json;q=0.9",
    "HTTP_ORIGIN": "https://app.example.com",
}
ME_QUERY = {"query": "query Me { me { id } }", "operationName": "Me", "variables": "{}"}


def apollo_get(client: Client, params: dict, **headers):
    from urllib.parse import urlencode

    return client.generic("GET", "/graphql?" + urlencode(params), **headers)


def test_apollo_get_query_with_cookies_runs(cookie_client):
    response = apollo_get(cookie_client, ME_QUERY, **APOLLO_GET_HEADERS)
    assert response.status_code == 200
    assert response.json()["data"]["me"]["id"]


def test_apollo_get_query_with_preflight_header_only_runs(cookie_client):
    response = apollo_get(
        cookie_client,
        ME_QUERY,
        HTTP_APOLLO_REQUIRE_PREFLIGHT="true",
        HTTP_ORIGIN="https://app.example.com",
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["id"]


def test_apollo_get_query_without_cookies_runs():
    response = apollo_get(Client(), ME_QUERY, **APOLLO_GET_HEADERS)
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_get_body_is_never_parsed(cookie_client):
    from urllib.parse import urlencode

    headers = {k: v for k, v in APOLLO_GET_HEADERS.items() if k != "CONTENT_TYPE"}
    response = cookie_client.generic(
        "GET", "/graphql?" + urlencode(ME_QUERY), "not json {", "application/json", **headers
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["id"]


def test_apollo_get_from_a_foreign_origin_is_refused(cookie_client):
    headers = {**APOLLO_GET_HEADERS, "HTTP_ORIGIN": "https://evil.example"}
    response = apollo_get(cookie_client, ME_QUERY, **headers)
    assert response.status_code == 403


def test_mutation_over_get_stays_refused_with_apollo_headers(cookie_client):
    params = {"query": "mutation { logout { ok } }"}
    response = apollo_get(cookie_client, params, **APOLLO_GET_HEADERS)
    assert response.status_code == 405
    assert session_alive()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_get_with_a_simple_content_type_and_cookies_is_refused(cookie_client, content_type):
    response = apollo_get(
        cookie_client, ME_QUERY, CONTENT_TYPE=content_type, HTTP_ORIGIN="https://app.example.com"
    )
    assert response.status_code == 403


def test_graphiql_page_is_not_refused(cookie_client, settings):
    response = cookie_client.get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code != 403


def test_clients_without_cookies_are_not_affected_by_origin():
    response = Client().post(
        "/graphql",
        json.dumps({"query": "{ me { id } }"}),
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}
