"""The GraphQL-over-HTTP spec: the answer's media type from Accept, and its status per kind.

https://graphql.github.io/graphql-over-http/draft/ — a client that accepts
application/graphql-response+json (Apollo Client 4, urql, graphql-request) gets it, with
400 for every request error; one that accepts application/json, or sends no Accept
(curl, scripts, older clients), keeps application/json, where only a request that is not
well-formed is a 400 and a document that fails (parse, validation, our limits, the
operation, the variables) is a 200 without data. Execution errors are 200 with data in
both. Our own 403, 405 and 503 stay as they were; `clients/` runs graphql-http's audit
against a running server.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, RequestFactory

from schema.requests import GRAPHQL_RESPONSE_JSON, JSON, response_media_type
from schema.views import GraphQLView

pytestmark = pytest.mark.django_db

SPEC = GRAPHQL_RESPONSE_JSON
APOLLO_4 = "application/graphql-response+json,application/json;q=0.9"
URQL_6 = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)
GRAPHQL_REQUEST_7 = "application/graphql-response+json, application/json"
CHROME_NAVIGATION = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("APPLICATION/JSON", JSON),
        ("application/json; charset=utf-8", JSON),
        ('application/json; charset="UTF-8"', JSON),
        (SPEC, SPEC),
        (f"{SPEC}; charset=utf-8, application/json; charset=utf-8", SPEC),
        (APOLLO_4, SPEC),
        (URQL_6, SPEC),
        (GRAPHQL_REQUEST_7, SPEC),
        ("application/json, application/graphql-response+json", JSON),  # the first listed
        ("application/json;q=0.5, application/graphql-response+json;q=0.8", SPEC),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("*/*, application/graphql-response+json", SPEC),  # named beats a wildcard
        ("application/graphql-response+json;q=0, */*", JSON),
        ("application/json;q=0, */*", SPEC),
        ("*/*;q=0, application/json", JSON),
        ("application/json;q=0.5, */*;q=0.1", JSON),
        (CHROME_NAVIGATION, JSON),
        ("text/html, application/json;q=abc, application/graphql-response+json;q=0.1", SPEC),
        # nothing we can write: 406
        ("text/html", None),
        ("application/xml, text/plain;q=0.5", None),
        ("application/json; charset=iso-8859-1", None),
        ("application/json;q=2", None),
        ("application/json;q=-1", None),
        ("application/json;q=0", None),
        ("application/graphql+json", None),  # the draft's old name, which nobody needs alone
        (",,;", None),
    ],
)
def test_the_media_type_follows_accept(accept, media_type):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    assert response_media_type(RequestFactory().post("/graphql", **extra)) == media_type


def post(body, accept: str | None, **extra):
    text = body if isinstance(body, str) else json.dumps(body)
    if accept is not None:
        extra["HTTP_ACCEPT"] = accept
    return Client().post("/graphql", text, content_type="application/json", **extra)


def answer(response, media_type: str) -> dict:
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in response["Vary"]
    return response.json()


TWO_OPERATIONS = "query A { __typename } query B { __typename }"
SIXTEEN_ALIASES = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(16)) + " }"
SCOPE_QUERY = "query($s: [String!]) { kakaoAuthorizeUrl(scope: $s) { url } }"
NULLS = {"variables": None, "extensions": None, "operationName": None}

# (name, body, extra headers): each kind of answer the endpoint gives.
EXECUTED = [
    ("success", {"query": "{ __typename }"}, {}),
    ("operationName", {"query": TWO_OPERATIONS, "operationName": "A"}, {}),
    ("null parameters", {"query": "{ __typename }", **NULLS}, {}),
    ("extensions object", {"query": "{ __typename }", "extensions": {"persistedQuery": {}}}, {}),
    ("field error", {"query": "{ me { id } }"}, {"HTTP_AUTHORIZATION": "Bearer garbage"}),
]
DOCUMENT_FAILURES = [
    ("parse", {"query": "{"}, None),
    ("validation", {"query": "{ nope }"}, None),
    ("unknown fragment", {"query": "{ ...F }"}, None),
    ("too many bytes", {"query": "{ me { id } }" + " " * 10_001}, "QUERY_TOO_LARGE"),
    ("too many tokens", {"query": "{ " + "a " * 1000 + "}"}, "QUERY_TOO_LARGE"),
    ("too many aliases", {"query": SIXTEEN_ALIASES}, "QUERY_TOO_COMPLEX"),
    ("no operation chosen", {"query": TWO_OPERATIONS}, None),
    ("unknown operation", {"query": TWO_OPERATIONS, "operationName": "C"}, None),
    ("variable coercion", {"query": "query($id: ID!) { __typename }", "variables": {}}, None),
    ("variable type", {"query": SCOPE_QUERY, "variables": {"s": [1, {}]}}, None),
]
NOT_WELL_FORMED = [
    ("not JSON", '{ "not a JSON'),
    ("empty body", ""),
    ("a JSON array", "[1]"),
    ("no query", {"qeury": "{ __typename }"}),
    ("query not a string", {"query": {"obj": "ect"}}),
    ("variables not an object", {"query": "{ __typename }", "variables": [7]}),
    ("variables a string", {"query": "{ __typename }", "variables": "string"}),
    ("extensions not an object", {"query": "{ __typename }", "extensions": ["array"]}),
    ("extensions a number", {"query": "{ __typename }", "extensions": 0}),
    ("extensions a string", {"query": "{ __typename }", "extensions": "string"}),
    ("operationName not a string", {"query": "{ __typename }", "operationName": False}),
]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(SPEC, SPEC), (APOLLO_4, SPEC), ("application/json", JSON), (None, JSON), ("*/*", JSON)],
)
@pytest.mark.parametrize(("name", "body", "extra"), EXECUTED, ids=[e[0] for e in EXECUTED])
def test_executed_operations_answer_200_with_data(name, body, extra, accept, media_type):
    response = post(body, accept, **extra)
    assert response.status_code == 200
    payload = answer(response, media_type)
    assert payload["data"] is not None


@pytest.mark.parametrize(
    ("name", "body", "code"), DOCUMENT_FAILURES, ids=[f[0] for f in DOCUMENT_FAILURES]
)
@pytest.mark.parametrize(
    ("accept", "media_type", "status"),
    [
        (SPEC, SPEC, 400),
        (APOLLO_4, SPEC, 400),
        (URQL_6, SPEC, 400),
        ("application/json", JSON, 200),
        (None, JSON, 200),
        ("*/*", JSON, 200),
    ],
)
def test_a_document_that_fails_is_400_in_the_spec_type_and_200_in_json(
    name, body, code, accept, media_type, status
):
    response = post(body, accept)
    assert response.status_code == status
    payload = answer(response, media_type)
    assert "data" not in payload  # a request error: not executed
    assert payload["errors"]
    if code:
        assert payload["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(("name", "body"), NOT_WELL_FORMED, ids=[n[0] for n in NOT_WELL_FORMED])
@pytest.mark.parametrize(
    ("accept", "media_type"), [(SPEC, SPEC), ("application/json", JSON), (None, JSON)]
)
def test_a_request_that_is_not_well_formed_is_400_in_both(name, body, accept, media_type):
    response = post(body, accept)
    assert response.status_code == 400
    payload = answer(response, media_type)
    assert "data" not in payload
    assert [set(error) for error in payload["errors"]] == [{"message"}]


@pytest.mark.parametrize("accept", [SPEC, "application/json", None])
def test_a_post_without_content_type_is_400(accept):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = Client().generic("POST", "/graphql", b'{"query": "{ __typename }"}', **extra)
    assert response.status_code == 400


@pytest.mark.parametrize("accept", [SPEC, "application/json"])
def test_get_queries_negotiate_too(accept):
    response = Client().get("/graphql", {"query": "{ nope }"}, HTTP_ACCEPT=accept)
    assert response.status_code == (400 if accept == SPEC else 200)
    assert "data" not in answer(response, accept)
    ok = Client().get("/graphql", {"query": "{ __typename }"}, HTTP_ACCEPT=accept)
    assert answer(ok, accept) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nothing_acceptable_is_406_before_any_work(accept, method, django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):
        if method == "GET":
            response = client.get("/graphql", {"query": "{ __typename }"}, HTTP_ACCEPT=accept)
        else:
            response = post({"query": "{ __typename }"}, accept)
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert "data" not in response.json()
    assert "application/graphql-response+json" in response.json()["errors"][0]["message"]


def test_a_browser_asking_for_html_only_still_gets_graphiql_where_it_is_on():
    request = RequestFactory().get("/graphql", HTTP_ACCEPT="text/html")
    request.user = AnonymousUser()
    response = GraphQLView.as_view(graphiql=True)(request)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    off = Client().get("/graphql", HTTP_ACCEPT="text/html")  # GraphiQL is off here
    assert off.status_code == 406


# --- our own answers, as they were ---------------------------------------------------


@pytest.mark.parametrize("accept", [SPEC, APOLLO_4, "application/json", None])
def test_csrf_refusal_stays_403_in_json(accept):
    client = Client()
    client.cookies["JWT-refresh-token"] = "a-cookie"
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = client.get("/graphql", {"query": "{ __typename }"}, **extra)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"


@pytest.mark.parametrize("accept", [SPEC, "application/json", None])
def test_a_mutation_over_get_stays_405_in_json(accept):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = Client().get("/graphql", {"query": "mutation { logout { ok } }"}, **extra)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("accept", [SPEC, "application/json", None])
def test_a_database_outage_stays_503_in_json(accept, monkeypatch):
    def refuse(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    refresh = 'mutation { refreshToken(refreshToken: "r") { token } }'
    response = post({"query": refresh}, accept)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
