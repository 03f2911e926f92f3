"""In-process measurements: server-side cost per request without Kakao's time, SQL
queries per operation, and calls to Kakao per login (the web code flow, kakaoLogin,
and the native SDK-token login, kakaoLoginWithToken); what checking hostile GraphQL
documents costs (bench/validation.py). Prints one JSON object.

Run by bench/run.py with the bench environment; Kakao is the stand-in at 0 ms, in a
thread of this process, and the time spent inside the Kakao client is subtracted.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_ID,
    NATIVE_AUDIENCE,
    REDIRECT_URI,
    RUNS,
    WARMUP,
    server_env,
    summary,
)
from kakao_standin.server import start_in_thread

standin, STANDIN_URL = start_in_thread(client_id=CLIENT_ID)
os.environ.update(server_env(STANDIN_URL))

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.cache import cache as django_cache  # noqa: E402
from django.db import close_old_connections, connection, connections  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.kakao import client as kakao  # noqa: E402
from accounts.kakao import oidc  # noqa: E402
from bench import validation  # noqa: E402

# Time spent waiting on Kakao, per thread, so that it can be taken out.
_kakao = threading.local()
_original_request = kakao.KakaoClient._request


def _timed_request(self, method, url, **kwargs):
    started = time.perf_counter()
    try:
        return _original_request(self, method, url, **kwargs)
    finally:
        _kakao.seconds = getattr(_kakao, "seconds", 0.0) + time.perf_counter() - started
        _kakao.calls = getattr(_kakao, "calls", 0) + 1


kakao.KakaoClient._request = _timed_request

# This stand-in signs with a key of its own under the same kid: a key set cached by an
# earlier run would fail every id_token.
django_cache.delete_many([oidc.JWKS_CACHE_KEY, oidc.JWKS_REFETCH_KEY])
codes = requests.Session()


def new_code(nickname: str, **extra) -> str:
    body = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "nickname": nickname,
        "email": f"{nickname}@example.com",
        **extra,
    }
    return codes.post(f"{STANDIN_URL}/_standin/code", json=body, timeout=5).json()["code"]


def gql(client: Client, query: str, **variables) -> dict:
    # What the request_started and request_finished signals do in production (the test
    # client leaves it out): the connection's health check, a SELECT 1 on PostgreSQL
    # before the request's first query, is a round trip of every request.
    close_old_connections()
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    close_old_connections()
    return next(iter(response.json()["data"].values()))


# Health checks run on the driver's connection, past Django's query log: counted here.
_health_checks = [0]
_original_is_usable = type(connections["default"]).is_usable


def _counted_is_usable(self) -> bool:
    _health_checks[0] += 1
    return _original_is_usable(self)


type(connections["default"]).is_usable = _counted_is_usable


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Counted(CaptureQueriesContext):
    """Queries of a block: SQL statements, and round trips (BEGIN, COMMIT, health check)."""

    def __enter__(self) -> Counted:
        self.health_checks = _health_checks[0]
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self.health_checks = _health_checks[0] - self.health_checks

    @property
    def counts(self) -> tuple[int, int]:
        statements = [q for q in self if not q["sql"].startswith(TRANSACTION_CONTROL)]
        return len(statements), len(self) + self.health_checks


def sql(counts: list[tuple[int, int]]) -> dict[str, int]:
    return {
        "sql_queries": max(c[0] for c in counts),
        "sql_round_trips": max(c[1] for c in counts),
    }


AUTHORIZE = "mutation { kakaoAuthorize { url state nonce errors { code } } }"
LOGIN = """mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token created errors { code } } }"""
REFRESH = "mutation { refreshToken { token errors { code } } }"


def timed_login(client: Client, nickname: str, **code_extra) -> tuple[float, tuple[int, int], int]:
    """(server ms without Kakao, SQL queries, Kakao calls) for one kakaoLogin."""
    authorize = gql(client, AUTHORIZE)
    if authorize.get("nonce"):
        code_extra = {"nonce": authorize["nonce"], "scope": "openid", **code_extra}
    # The PKCE challenge in the URL, as the consent page would bind it to the code.
    query = parse_qs(urlsplit(authorize["url"]).query)
    for name in ("code_challenge", "code_challenge_method"):
        if name in query:
            code_extra[name] = query[name][0]
    code = new_code(nickname, **code_extra)
    _kakao.seconds, _kakao.calls = 0.0, 0
    with Counted(connection) as queries:
        started = time.perf_counter()
        data = gql(client, LOGIN, code=code, state=authorize["state"])
        elapsed = time.perf_counter() - started
    assert data["errors"] == [], data
    return (elapsed - _kakao.seconds) * 1000, queries.counts, _kakao.calls


def measure_logins(returning: bool) -> dict:
    costs, queries, calls = [], [], []
    client = Client()
    for i in range(WARMUP + RUNS):
        nickname = "returning" if returning else f"new-{time.time_ns()}-{i}"
        cost, n_queries, n_calls = timed_login(client, nickname)
        if i >= WARMUP:
            costs.append(cost)
            queries.append(n_queries)
            calls.append(n_calls)
    return {**summary(costs), **sql(queries), "kakao_calls": max(calls)}


def measure_refresh() -> dict:
    client = Client()
    timed_login(client, "refresher")
    costs, queries = [], []
    for i in range(WARMUP + RUNS):
        with Counted(connection) as captured:
            started = time.perf_counter()
            data = gql(client, REFRESH)
            elapsed = time.perf_counter() - started
        assert data["errors"] == [], data
        if i >= WARMUP:
            costs.append(elapsed * 1000)
            queries.append(captured.counts)
    return {**summary(costs), **sql(queries)}


READ = "query { me { id nickname } }"


def measure_read() -> dict:
    """An authenticated read: the access token in the header, the caller and session checked."""
    from accounts.models import User
    from accounts.services import sessions

    # Signed in as a login would (a session and its tokens); Kakao plays no part in a read.
    issued = sessions.start_session(user=User.objects.create_user(f"reader-{time.time_ns()}"))
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    costs, queries = [], []
    for i in range(WARMUP + RUNS):
        with Counted(connection) as captured:
            started = time.perf_counter()
            data = gql(bearer, READ)
            elapsed = time.perf_counter() - started
        assert data and data["id"], data
        if i >= WARMUP:
            costs.append(elapsed * 1000)
            queries.append(captured.counts)
    return {**summary(costs), **sql(queries)}


def measure_oidc_calls() -> dict:
    with override_settings(KAKAO_OIDC=True):
        client = Client()
        first = timed_login(client, "oidc-user")  # also fills the JWKS cache
        returning = timed_login(client, "oidc-user")
        new_without_email = timed_login(client, f"oidc-new-{time.time_ns()}", email="")
    return {
        "first_login_with_email": first[2],
        "returning": returning[2],
        "new_without_email": new_without_email[2],
    }


def native_tokens(nickname: str, *, openid: bool, nonce: str = "") -> dict:
    """What a Kakao SDK hands the app after its own login: Kakao's token response."""
    body = {
        "nickname": nickname,
        "email": f"{nickname}@example.com",
        "verified": True,
        "openid": openid,
        "aud": NATIVE_AUDIENCE,
        "nonce": nonce,
    }
    response = codes.post(f"{STANDIN_URL}/_standin/native-token", json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def native_unavailable() -> str | None:
    """Why kakaoLoginWithToken cannot be measured here, or None when it can."""
    from schema.schema import schema

    field = schema.graphql_schema.mutation_type.fields.get("kakaoLoginWithToken")
    if field is None:
        return "kakaoLoginWithToken is not in the schema"
    missing = {"accessToken", "idToken", "nonce"} - set(field.args)
    if missing:
        return f"kakaoLoginWithToken lacks the arguments {sorted(missing)}"
    probe = codes.post(f"{STANDIN_URL}/_standin/native-token", json={}, timeout=5)
    if probe.status_code == 404:
        return "the stand-in has no POST /_standin/native-token"
    return None


def timed_native_login(
    client: Client, nickname: str, *, openid: bool
) -> tuple[float, tuple[int, int], int]:
    """(server ms without Kakao, SQL queries, Kakao calls) for one kakaoLoginWithToken."""
    nonce = secrets.token_urlsafe(16) if openid else ""
    tokens = native_tokens(nickname, openid=openid, nonce=nonce)
    # Literals, not variables: the bench must not guess which arguments are non-null.
    arguments = f"accessToken: {json.dumps(tokens['access_token'])}"
    if openid:
        arguments += f", idToken: {json.dumps(tokens['id_token'])}, nonce: {json.dumps(nonce)}"
    query = f"mutation {{ kakaoLoginWithToken({arguments}) {{ token errors {{ code }} }} }}"
    _kakao.seconds, _kakao.calls = 0.0, 0
    with Counted(connection) as queries:
        started = time.perf_counter()
        data = gql(client, query)
        elapsed = time.perf_counter() - started
    assert data["errors"] == [] and data["token"], data
    return (elapsed - _kakao.seconds) * 1000, queries.counts, _kakao.calls


def measure_native() -> dict:
    reason = native_unavailable()
    if reason:
        return {"available": False, "reason": reason}
    results: dict = {"available": True}
    for key, openid in (("without_id_token", False), ("with_id_token", True)):
        client, costs, queries, calls = Client(), [], [], []
        nickname = f"native-{key}"
        for i in range(WARMUP + RUNS):  # the first run creates the person
            cost, n_queries, n_calls = timed_native_login(client, nickname, openid=openid)
            if i >= WARMUP:
                costs.append(cost)
                queries.append(n_queries)
                calls.append(n_calls)
        new = timed_native_login(Client(), f"native-new-{time.time_ns()}", openid=openid)
        results[key] = {
            **summary(costs),
            **sql(queries),
            "kakao_calls": max(calls),
            "kakao_calls_new_user": new[2],
        }
    return results


results = {
    "runs": RUNS,
    "returning_login": measure_logins(returning=True),
    "new_login": measure_logins(returning=False),
    "refresh": measure_refresh(),
    "read": measure_read(),
    "kakao_calls_with_oidc": measure_oidc_calls(),
    "native_login": measure_native(),
    # Last: the login measurements keep the timing they had (in a smoke run they share
    # the cache, and the stand-in's signing key, with the HTTP part running alongside).
    "validation": validation.measure(runs=min(RUNS, 20)),
}
standin.shutdown()
json.dump(results, sys.stdout)
