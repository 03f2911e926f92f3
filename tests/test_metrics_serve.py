"""Issue 16's "done means": /metrics on `make serve` (2 workers) reports the matching counts.

The server as `make serve` runs it (python -m backend.serve: granian, DEBUG off, 2
workers) with metrics on, a fresh SQLite file, its own PROMETHEUS_MULTIPROC_DIR and the
Kakao stand-in on a free port: two sign-ins from two devices, one ends the other, and a
rotated refresh cookie is presented again past the reuse window. Every request goes on a
new connection, so either worker may take it; whichever worker answers the scrape reports
them all. Nothing outside this test is used (no shared PostgreSQL or Redis).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kakao_standin.server import start_in_thread
from tests.servers import browser, migrate, production_env, serve

CLIENT_ID = "metrics-serve-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"
TOKEN = "serve-metrics-token-0123456789abcdef"
REUSE_SECONDS = 1  # JWT_REFRESH_REUSE_SECONDS: short, so that "past the window" costs 1.5 s
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

AUTHORIZE = "mutation { kakaoAuthorize { url state errors { code } } }"
LOGIN = """mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token errors { code } } }"""
SESSIONS = "{ me { sessions { id current device { name } } } }"
REVOKE = "mutation($id: ID!) { revokeSession(id: $id) { ok errors { code } } }"
REFRESH = "mutation { refreshToken { token errors { code } } }"


@pytest.fixture
def make_serve(tmp_path):
    """`make serve`'s shape on free ports: the API's URL and the stand-in's."""
    standin, standin_url = start_in_thread(client_id=CLIENT_ID)
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KAKAO_REST_API_KEY=CLIENT_ID,
        KAKAO_AUTH_URL=standin_url,
        KAKAO_API_URL=standin_url,
        KAKAO_ALLOW_LOCAL_URLS="1",
        KAKAO_REDIRECT_URIS=REDIRECT,
        JWT_REFRESH_REUSE_SECONDS=str(REUSE_SECONDS),
        WEB_CONCURRENCY="2",
        METRICS_ENABLED="1",
        METRICS_TOKEN=TOKEN,
        METRICS_ALLOWED_IPS="",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    migrate(env)
    try:
        with serve(env, tmp_path / "serve.log") as api:
            yield api, standin_url
    finally:
        standin.shutdown()
        standin.server_close()


def gql(client: requests.Session, url: str, query: str, token: str | None = None, **variables):
    headers = {"Connection": "close"}  # a new connection each time: any worker may take it
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = client.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    return next(iter(response.json()["data"].values()))


def sign_in(api: str, standin: str, user_agent: str) -> tuple[requests.Session, str]:
    """One person's sign-in through the stand-in on a device: its cookies and access token."""
    device = browser()
    device.headers["User-Agent"] = user_agent
    started = gql(device, api, AUTHORIZE)
    pkce = {
        name: values[0]
        for name, values in parse_qs(urlsplit(started["url"]).query).items()
        if name.startswith("code_challenge")
    }
    body = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "nickname": "지표", **pkce}
    code = requests.post(f"{standin}/_standin/code", json=body, timeout=5).json()["code"]
    login = gql(device, api, LOGIN, code=code, state=started["state"])
    assert login["errors"] == [] and login["token"]
    return device, login["token"]


def scrape(api: str, **headers: str) -> requests.Response:
    return requests.get(f"{api}/metrics", headers={"Connection": "close", **headers}, timeout=30)


def counts(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the answer by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def test_make_serve_reports_two_sign_ins_a_session_ended_and_a_replay(make_serve):
    api, standin = make_serve
    # given: the same person signs in on a laptop and on a phone
    laptop, laptop_token = sign_in(api, standin, CHROME_MAC)
    sign_in(api, standin, SAFARI_IPHONE)

    # when: the laptop ends the phone's session ...
    sessions = gql(laptop, api, SESSIONS, token=laptop_token)["sessions"]
    assert sorted(s["device"]["name"] for s in sessions) == ["Chrome on macOS", "Safari on iPhone"]
    (phone_session,) = [s["id"] for s in sessions if not s["current"]]
    assert gql(laptop, api, REVOKE, token=laptop_token, id=phone_session) == {
        "ok": True,
        "errors": [],
    }
    # ... refreshes once (the cookie rotates), and its old cookie turns up again later
    stolen = laptop.cookies["JWT-refresh-token"]
    rotated = gql(laptop, api, REFRESH)
    assert rotated["errors"] == [] and rotated["token"]
    time.sleep(REUSE_SECONDS + 0.5)
    thief = browser()
    thief.cookies.set("JWT-refresh-token", stolen)
    assert [e["code"] for e in gql(thief, api, REFRESH)["errors"]] == ["INVALID_REFRESH_TOKEN"]
    # (the replay ended the laptop's session too: its own cookie is refused now)
    assert [e["code"] for e in gql(laptop, api, REFRESH)["errors"]] == ["INVALID_REFRESH_TOKEN"]

    # then: whichever worker answers, /metrics counts exactly that
    expected = {
        ("auth_logins_total", (("method", "code"), ("outcome", "ok"))): 2,
        ("auth_sessions_ended_total", (("cause", "another_device"),)): 1,
        ("auth_sessions_ended_total", (("cause", "replay"),)): 1,
        ("auth_refreshes_total", (("outcome", "rotated"),)): 1,
        ("auth_refreshes_total", (("outcome", "replay"),)): 1,
        ("auth_refreshes_total", (("outcome", "invalid"),)): 1,  # the laptop's own, after
    }
    for _ in range(4):
        answer = scrape(api, Authorization=f"Bearer {TOKEN}")
        assert answer.status_code == 200
        found = counts(answer.text)
        assert {key: found.get(key, 0) for key in expected} == expected
        assert not [key for key in found if key[0] == "auth_logins_total" and key not in expected]
        assert not [
            key for key in found if key[0] == "auth_sessions_ended_total" and key not in expected
        ]

    # and the scrape needs the token
    assert scrape(api).status_code == 401
    assert scrape(api, Authorization="Bearer not-the-token-0123456789").status_code == 401
