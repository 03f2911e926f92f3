"""GraphiQL's first document: a tour of real, named, runnable operations."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from graphene_django.settings import graphene_settings
from graphql import OperationDefinitionNode, parse, print_ast, validate

from schema.graphiql_tour import graphiql_tour
from schema.views import GraphQLView

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/graphiql/callback"
OPERATIONS = ["KakaoAuthorize", "Me", "Refresh", "Logout", "KakaoLoginWithToken"]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = "http://127.0.0.1:8001"
    settings.KAKAO_REDIRECT_URIS = [*settings.KAKAO_REDIRECT_URIS, CALLBACK]
    return settings


def tour(**headers) -> dict[str, str]:
    return graphiql_tour(RequestFactory().get("/graphql", **headers))


def prose(document: str) -> str:
    """The comments as one text, whatever their line breaks."""
    return re.sub(r"\n#\s*", " ", document)


def operations(document: str) -> dict[str, OperationDefinitionNode]:
    return {
        d.name.value: d
        for d in parse(document).definitions
        if isinstance(d, OperationDefinitionNode) and d.name
    }


@pytest.mark.parametrize("debug_on", [True, False])
def test_the_tour_is_named_operations_valid_against_the_schema(settings, debug_on):
    settings.DEBUG = debug_on
    document = tour()["query"]
    assert list(operations(document)) == OPERATIONS
    assert len(parse(document).definitions) == len(OPERATIONS)  # every one has its name
    assert validate(graphene_settings.SCHEMA.graphql_schema, parse(document)) == []
    # Arguments come from Variables: the explorer plugin steals the focus for a literal.
    assert '"' not in print_ast(parse(document))


def test_the_tour_says_why(debug):
    words = prose(tour()["query"])
    for why in (
        "state cookie",
        "login CSRF",
        "HttpOnly refresh cookie, which rotates",
        "delivery: COOKIE, the default",
        "delivery: BODY",
        "TOKEN_EXPIRED",
        "SESSION_ENDED",
        "Authorization: Bearer",
        '{"Authorization": "Bearer <token>"}',
        "http://127.0.0.1:8001/_standin/native-token",
    ):
        assert why in words, why
    steps = re.findall(r"^# (\d)\. ", tour()["query"], re.M)
    assert steps == ["1", "2", "3", "4", "5"]


def test_in_debug_the_tour_signs_in_through_graphiqls_callback(debug):
    given = tour()
    assert json.loads(given["variables"]) == {
        "redirectUri": CALLBACK,
        "kakaoToken": "paste the Kakao access_token here",
    }
    assert "/graphiql/callback" in given["query"]
    assert "KAKAO_REDIRECT_URIS first" not in prose(given["query"])  # it is registered


def test_the_callback_follows_the_origin_graphiql_was_opened_on(debug):
    given = tour(HTTP_HOST="127.0.0.1:8000")
    assert (
        json.loads(given["variables"])["redirectUri"] == "http://127.0.0.1:8000/graphiql/callback"
    )
    # Not registered in this configuration: the tour says what to add.
    assert "Add it to KAKAO_REDIRECT_URIS first" in prose(given["query"])
    assert "http://127.0.0.1:8000/graphiql/callback" in given["query"]


def test_in_production_the_tour_uses_the_configured_redirect_and_no_stand_in(settings):
    settings.DEBUG = False
    given = tour()
    assert json.loads(given["variables"])["redirectUri"] is None  # the first of KAKAO_REDIRECT_URIS
    words = prose(given["query"])
    assert "graphiql/callback" not in words and "stand-in" not in words
    assert "your front end's callback" in words


def test_with_a_real_kakao_in_debug_the_tour_names_no_stand_in(debug):
    debug.KAKAO_AUTH_URL = "https://kauth.kakao.com"
    words = prose(tour()["query"])
    assert "_standin" not in words and "(a local stand-in)" not in words


def post(client: Client, document: str, name: str, variables: str) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": document, "operationName": name, "variables": json.loads(variables)}),
        content_type="application/json",
    )
    return response.json()


def test_the_tours_operations_run_as_given(client, debug):
    """Each step, pressed as it stands (before any sign-in), gives its expected answer."""
    given = tour()
    document, variables = given["query"], given["variables"]
    authorize = post(client, document, "KakaoAuthorize", variables)["data"]["kakaoAuthorize"]
    assert authorize["errors"] == [] and "graphiql%2Fcallback" in authorize["url"]
    assert client.cookies["kakao-oauth-state"]["httponly"]
    assert post(client, document, "Me", variables) == {"data": {"me": None}}
    refresh = post(client, document, "Refresh", variables)["data"]["refreshToken"]
    assert [e["code"] for e in refresh["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert post(client, document, "Logout", variables)["data"]["logout"]["errors"] == []


def test_the_page_carries_the_tour_as_data_not_as_a_script(debug):
    request = RequestFactory().get("/graphql", HTTP_ACCEPT="text/html")
    request.user = AnonymousUser()
    page = GraphQLView.as_view(graphiql=True)(request)
    html = page.content.decode()
    data = re.search(
        r'<script id="graphiql-tour" type="application/json">(.*?)</script>', html, re.S
    )
    assert data, "the tour is a json_script element"
    assert json.loads(data.group(1)) == tour()
    assert '/static/graphiql/explore.js"' in html
    assert "graphene_django/graphiql.js" not in html  # ours replaces it
    assert "csrfmiddlewaretoken" not in html  # the endpoint uses no Django CSRF token
