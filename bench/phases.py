"""One measured phase against one server: an operation repeated by N client threads for a while.

Each operation is what a real client sends (an authenticated read, a refresh, a login of a
returning person by the code flow or with an SDK token, a first login, the session list, and
requests that fail as they should). The server's CPU (its own processes only, read from
/proc) is read after a warm-up and at the end, so a phase gives CPU per operation and
operations per second. Clients work against builds from before the refresh token went to one
place (the payload and the cookie) and after (the cookie only, unless asked otherwise).

Every loop is bounded in time; every request has a timeout.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
import requests

from bench.common import CLIENT_ID, NATIVE_AUDIENCE, REDIRECT_URI
from bench.servers import STANDIN, server_cpu_seconds

REFRESH_COOKIE = "JWT-refresh-token"
LOGIN = """mutation($code: String!) {
  kakaoLogin(code: $code) { token refreshToken errors { code } } }"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""
NATIVE_LOGIN = """mutation($t: String!) {
  kakaoLoginWithToken(accessToken: $t) { token errors { code } } }"""
READ = "query { me { id nickname } }"
SESSIONS = "query { me { sessions { id current } } }"
# A token signed with another key: the error path of every authenticated request.
FORGED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VybmFtZSI6Im5vYm9keSIsImV4cCI6NDEwMjQ0NDgw"
    "MCwib3JpZ0lhdCI6MTcwMDAwMDAwMH0.c2lnbmVkLXdpdGgtYW5vdGhlci1rZXktMDEyMzQ1Njc4OWFi"
)


class Failed(Exception):
    """The server did not answer as this operation expects."""


@dataclass
class Client:
    """One client thread's connection and tokens on one server."""

    api: str
    nickname: str
    http: requests.Session = field(default_factory=requests.Session)
    token: str | None = None
    refresh: str | None = None
    count: int = 0

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.post(
            f"{self.api}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        try:
            return response, response.json()
        except ValueError:
            raise Failed(f"HTTP {response.status_code}") from None

    def code(self, nickname: str) -> str:
        body = {
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "nickname": nickname,
            "email": f"{nickname}@example.com",
        }
        return self.http.post(f"{STANDIN}/_standin/code", json=body, timeout=10).json()["code"]

    def login(self, nickname: str | None = None) -> None:
        response, body = self.graphql(LOGIN, {"code": self.code(nickname or self.nickname)})
        result = _field(body, "kakaoLogin")
        self.token = result["token"]
        # Cookie delivery leaves the payload's refreshToken null; older builds answer both.
        self.refresh = result.get("refreshToken") or response.cookies.get(REFRESH_COOKIE)
        self.http.cookies.clear()  # each request says what it sends: no cookie carried along


def _field(body: dict, name: str, expect: str | None = None) -> dict:
    result = (body.get("data") or {}).get(name)
    if expect is not None:  # an error path: this payload or top-level code is the answer
        codes = [e.get("code") for e in (result or {}).get("errors") or []]
        codes += [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        if expect not in codes:
            raise Failed(f"expected {expect}, got {codes}")
        return result or {}
    if result is None or result.get("errors"):
        raise Failed(str((result or body).get("errors"))[:80])
    return result


# --- the operations: each raises Failed (or a requests error) when not answered as it should --


def read(c: Client) -> None:
    _, body = c.graphql(READ, token=c.token)
    if not (body.get("data") or {}).get("me"):
        raise Failed(str(body.get("errors"))[:80])


def sessions(c: Client) -> None:
    _, body = c.graphql(SESSIONS, token=c.token)
    if not ((body.get("data") or {}).get("me") or {}).get("sessions"):
        raise Failed(str(body.get("errors"))[:80])


def refresh(c: Client) -> None:
    response, body = c.graphql(REFRESH, {"t": c.refresh})
    result = _field(body, "refreshToken")
    c.refresh = result.get("refreshToken") or response.cookies.get(REFRESH_COOKIE) or c.refresh
    c.http.cookies.clear()


def login(c: Client) -> None:
    c.login()


def first_login(c: Client) -> None:
    c.count += 1
    c.login(f"{c.nickname}-new-{time.time_ns()}-{c.count}")


def native_login(c: Client) -> None:
    body = {"nickname": c.nickname, "email": f"{c.nickname}@example.com", "verified": True}
    body |= {"openid": False, "aud": NATIVE_AUDIENCE, "nonce": ""}
    tokens = c.http.post(f"{STANDIN}/_standin/native-token", json=body, timeout=10).json()
    # A variable, as an app sends it (one document, checked once per process); both builds
    # declare accessToken as String!.
    body = c.graphql(NATIVE_LOGIN, {"t": tokens["access_token"]})[1]
    _field(body, "kakaoLoginWithToken")


def forged_token(c: Client) -> None:
    body = c.graphql(READ, token=FORGED)[1]
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    if codes != ["INVALID_TOKEN"]:
        raise Failed(f"expected INVALID_TOKEN, got {codes}")


def unknown_refresh(c: Client) -> None:
    _field(c.graphql(REFRESH, {"t": "0" * 64})[1], "refreshToken", "INVALID_REFRESH_TOKEN")


def bad_code(c: Client) -> None:
    _field(c.graphql(LOGIN, {"code": "spent-or-made-up"})[1], "kakaoLogin", "INVALID_CODE")


OPERATIONS: dict[str, Callable[[Client], None]] = {
    "read": read,
    "refresh": refresh,
    "login": login,
    "native_login": native_login,
    "first_login": first_login,
    "sessions": sessions,
    "forged_token": forged_token,
    "unknown_refresh": unknown_refresh,
    "bad_code": bad_code,
}


def run(
    clients: list[Client],
    operation: Callable[[Client], None],
    master: psutil.Process,
    *,
    warmup: float,
    seconds: float,
    settle: Callable[[], None] | None = None,
) -> dict:
    """``operation`` by every client at once; server CPU per operation after the warm-up.

    ``settle`` runs at the end of the warm-up, before the measured window opens (the
    database connections the server opened while warming up exist by then).
    """
    done, errors, kinds = [0] * len(clients), [0] * len(clients), Counter()
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + warmup + seconds

    def worker(i: int) -> None:
        while time.monotonic() < stop_at:
            try:
                operation(clients[i])
                done[i] += 1
            except (requests.RequestException, Failed, KeyError, ValueError) as exc:
                errors[i] += 1
                with lock:
                    kinds[f"{type(exc).__name__}: {exc}"[:100]] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    if settle is not None:
        settle()
    cpu, ok, at = server_cpu_seconds(master), sum(done), time.monotonic()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 60)
    elapsed = time.monotonic() - at
    completed = sum(done) - ok
    return {
        "per_second": round(completed / elapsed, 1),
        "cpu_ms_per_op": round((server_cpu_seconds(master) - cpu) * 1000 / max(completed, 1), 3),
        "completed": completed,
        "errors": sum(errors),
        "error_kinds": dict(kinds.most_common(3)),
        "concurrency": len(clients),
        "load_average": round(psutil.getloadavg()[0], 1),
    }
