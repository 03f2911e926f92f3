"""Malformed requests are JSON request errors, never HTML pages or logged bugs; no tokens in URLs"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from backend.logs import JsonFormatter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SECRET = "refresh-token-that-must-not-be-logged"


def request_error(response, all_logs) -> str:
    """The one message of a request error; nothing was logged as a bug."""
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert not [record for record in all_logs.records if record.levelno >= logging.ERROR]
    assert "Traceback" not in all_logs.text
    return error["message"]


def post(body, **extra):
    text = body if isinstance(body, str) else json.dumps(body)
    return Client().post("/graphql", text, content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{ me { id } }", "variables": [1]}, "Variables must be a JSON object."),
        ({"query": "{ me { id } }", "variables": 5}, "Variables must be a JSON object."),
        ({"query": "{ me { id } }", "variables": "[1]"}, "Variables must be a JSON object."),
        ({"query": "{ me { id } }", "variables": "{"}, "Variables are not valid JSON."),
        ({"query": "{ me { id } }", "operationName": 5}, "The operationName must be a string."),
        ({"query": "{ me { id } }", "operationName": ["a"]}, "The operationName must be a string."),
        ({"query": "{ me { id } }", "extensions": [1]}, "Extensions must be a JSON object."),
        ({"query": "{ me { id } }", "extensions": "x"}, "Extensions are not valid JSON."),
        ({"query": 5}, "The query must be a string."),
        ({"query": {"a": 1}}, "The query must be a string."),
        ({"variables": {}}, "Must provide query string."),
        ([1, 2], "The received data is not a valid JSON query."),
        ("{", "POST body sent invalid JSON."),
    ],
)
def test_malformed_bodies_are_request_errors(all_logs, body, message):
    assert request_error(post(body), all_logs) == message


def test_well_formed_parameters_still_work():
    body = {
        "query": "query Me { me { id } } query Other { __typename }",
        "operationName": "Other",
        "variables": {},
        "extensions": {"persistedQuery": None},
    }
    assert post(body).json() == {"data": {"__typename": "Query"}}
    assert post({**body, "variables": None, "extensions": None}).status_code == 200


def test_variables_nested_30000_deep_are_a_request_error(all_logs):
    # given: the JSON parser's recursion limit, 30,000 levels down, in 60 KB
    deep = "[" * 30_000 + "]" * 30_000
    body = '{"query": "{ me { id } }", "variables": {"x": ' + deep + "}}"

    started = time.perf_counter()
    message = request_error(post(body), all_logs)

    assert message == "The JSON body is nested too deeply."
    assert time.perf_counter() - started < 1


def test_variables_in_a_url_nested_too_deeply_are_a_request_error(all_logs):
    variables = urllib.parse.quote("[" * 5000 + "]" * 5000)
    response = Client().get(f"/graphql?query=%7B__typename%7D&variables={variables}")
    assert request_error(response, all_logs) == "Variables are nested too deeply."


def test_get_parameters_are_checked_too(all_logs):
    response = Client().get("/graphql?query=%7B__typename%7D&variables=%5B1%5D")
    assert request_error(response, all_logs) == "Variables must be a JSON object."


def test_a_body_over_the_size_limit_is_a_json_request_error(all_logs):
    body = json.dumps({"query": "{ me { id } }", "variables": {"x": "y" * 100_000}})
    message = request_error(post(body), all_logs)
    assert message == "The request body is too large or malformed."


def test_a_broken_multipart_body_is_a_json_request_error(all_logs):
    response = Client().post(
        "/graphql",
        b"--b\r\nContent-Disposition: form-data\r\n\r\nx",
        content_type="multipart/form-data; boundary=b",
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"


# --- Tokens stay out of URLs ------------------------------------------------------------


@pytest.mark.parametrize("name", ["query", "variables", "operationName", "extensions"])
def test_a_post_with_graphql_parameters_in_its_url_is_refused(all_logs, name):
    # given: the refresh token in the URL, where proxies and access logs keep it
    value = {"query": "{ __typename }", "operationName": "R"}.get(name, "{}")
    url = f"/graphql?{urllib.parse.urlencode({name: value})}"
    body = {
        "query": "mutation R($t: String) { refreshToken(refreshToken: $t) { token } }",
        "variables": {"t": SECRET},
    }

    response = Client().post(url, json.dumps(body), content_type="application/json")

    message = request_error(response, all_logs)
    assert message == f"A POST request carries {name} in its body, never in its URL."
    assert SECRET not in all_logs.text


def test_get_queries_keep_working():
    response = Client().get("/graphql?query=%7B__typename%7D&operationName=&variables=")
    assert response.json() == {"data": {"__typename": "Query"}}
    query = urllib.parse.urlencode({"query": "query($x: Boolean!) { __typename @include(if: $x) }"})
    response = Client().get(f"/graphql?{query}&variables=%7B%22x%22%3Atrue%7D")
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_logged_request_shows_its_path_not_its_query_string():
    # django.request passes the request to every 5xx record; its repr is the full URL
    request = RequestFactory().get(f"/graphql?variables=%7B%22t%22%3A%22{SECRET}%22%7D")
    record = logging.makeLogRecord(
        {"name": "django.request", "msg": "Internal Server Error: %s", "args": (request.path,)}
    )
    record.request = request
    line = JsonFormatter().format(record)
    assert json.loads(line)["request"] == "GET /graphql"
    assert SECRET not in line


def test_gunicorns_access_log_writes_the_path_only():
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert "%(U)s" in config
    for with_query in ("%(r)s", "%(q)s", "%(u)s"):
        assert with_query not in config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_development_server_logs_no_query_string(tmp_path):
    # given: `make backend`'s server, DEBUG on, asked with variables in its URL
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/graphql"
        variables = urllib.parse.quote(json.dumps({"t": SECRET}))
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}?query=%7B__typename%7D&variables={variables}")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError):  # 400: a POST's URL carries no variables
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}?variables={variables}",
                    data=b'{"query": "{ __typename }"}',
                    headers={"Content-Type": "application/json"},
                )
            )
        # One request at a time: once this one is answered, the two above are logged.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert '"GET /graphql HTTP/1.1" 200' in output
    assert '"POST /graphql HTTP/1.1" 400' in output
    assert SECRET not in output
    assert "variables" not in output
