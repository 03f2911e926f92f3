"""Limits on what one request may ask for, and the API's response headers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def post(query: str, client: Client | None = None):
    return (client or Client()).post(
        "/graphql", json.dumps({"query": query}), content_type="application/json"
    )


def test_introspection_is_off_in_production():
    body = post("{ __schema { types { name } } }").json()
    assert "introspection" in body["errors"][0]["message"].lower()
    assert "data" not in body or body["data"] is None


def test_typename_is_still_allowed():
    assert post("{ __typename }").json() == {"data": {"__typename": "Query"}}


def test_introspection_can_be_switched_on(settings):
    settings.GRAPHQL_INTROSPECTION = True
    body = post("{ __schema { queryType { name } } }").json()
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_deep_queries_are_refused(settings):
    settings.GRAPHQL_MAX_DEPTH = 2
    body = post("{ me { id } }").json()
    assert "errors" not in body
    deep = 'mutation { kakaoLogin(code: "x") { user { id } errors { code } } }'
    settings.GRAPHQL_MAX_DEPTH = 1
    (error,) = post(deep).json()["errors"]
    assert error["message"] == "The operation is 2 fields deep; the depth limit is 1."
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_long_queries_are_refused_before_parsing(settings):
    query = "{ me { id } }" + " " * 10_001
    body = post(query).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


def test_queries_with_too_many_tokens_are_refused(settings):
    settings.GRAPHQL_MAX_TOKENS = 50
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    body = post(query).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


def test_huge_bodies_are_refused():
    response = Client().post(
        "/graphql",
        json.dumps({"query": "{ me { id } }", "variables": {"x": "y" * 100_000}}),
        content_type="application/json",
    )
    assert response.status_code in (400, 413)


def test_json_answers_are_never_cached_nor_framed():
    response = post("{ me { id } }")
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_when_configured(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().post(
        "/graphql",
        json.dumps({"query": "{ me { id } }"}),
        content_type="application/json",
        secure=True,
    )
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_batching_is_off():
    response = Client().post(
        "/graphql",
        json.dumps([{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]),
        content_type="application/json",
    )
    assert response.status_code == 400
