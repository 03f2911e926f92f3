"""On real PostgreSQL and Redis, with real concurrency and several instances.

Run by `make test-services` (and CI); skipped by plain `make test`.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from accounts.errors import AccountError
from accounts.kakao import KakaoProfile
from accounts.models import SocialAccount, User
from accounts.services import login as services
from kakao_standin.server import start_in_thread
from tests import servers
from tests.kakao_fixtures import user_response

pytestmark = pytest.mark.services

ROUNDS = 30
THREADS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("email", [None, "race{}@example.com"], ids=["no-email", "verified-email"])
def test_concurrent_first_logins_make_one_user(email):
    for round_ in range(ROUNDS):
        uid = 7_000_000 + round_ * 10 + (1 if email else 0)
        profile = KakaoProfile.from_api(
            user_response(uid=uid, email=email.format(round_) if email else None)
        )
        barrier = threading.Barrier(THREADS)
        users: list[int] = []
        failures: list[BaseException] = []

        def login(profile=profile, barrier=barrier, users=users, failures=failures):
            try:
                barrier.wait(timeout=10)
                users.append(services.social_login(profile=profile).user.pk)
            except (AccountError, Exception) as exc:  # any failure fails the round
                failures.append(exc)
            finally:
                connection.close()

        workers = [threading.Thread(target=login) for _ in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
        assert failures == [], f"round {round_}: {failures!r}"
        assert len(users) == THREADS and len(set(users)) == 1, f"round {round_}: {users}"
        assert SocialAccount.objects.filter(provider="kakao", uid=profile.id).count() == 1
        assert User.objects.filter(social_accounts__uid=profile.id).count() == 1
    assert User.objects.count() == ROUNDS


# --- two instances behind one database and one cache ---------------------------------------

CLIENT_ID = "multi-instance-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"
LOGIN = """mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token refreshToken errors { code } } }"""
REFRESH = """mutation($refreshToken: String) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken errors { code } } }"""
AUTHORIZE = "query { kakaoAuthorizeUrl { url state errors { code } } }"


@pytest.fixture
def instances(tmp_path):
    """Two servers as `make serve` runs them (DEBUG off) on the test database and the test
    Redis."""
    server, standin_url = start_in_thread(client_id=CLIENT_ID)
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        # The production settings, not the suite's (which pin Kakao to its real hosts).
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "multi-instance-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "KAKAO_REST_API_KEY": CLIENT_ID,
        "KAKAO_AUTH_URL": standin_url,
        "KAKAO_API_URL": standin_url,
        "KAKAO_REDIRECT_URIS": REDIRECT,
        # The stand-in on loopback with DEBUG off (the start-up checks refuse it otherwise).
        "KAKAO_ALLOW_LOCAL_URLS": "1",
        "RATE_LIMIT_REFRESH_PER_IP": "9/60",
        "JWT_REFRESH_REUSE_SECONDS": "1",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "4",
        "ACCESS_LOG": "0",
    }
    try:
        with contextlib.ExitStack() as running:
            urls = [
                running.enter_context(servers.serve(env, tmp_path / f"serve-{i}.log"))
                for i in range(2)
            ]
            yield urls, standin_url
    finally:
        for log in sorted(tmp_path.glob("serve-*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        server.shutdown()
        server.server_close()


def _gql(session: requests.Session, url: str, query: str, **variables) -> dict:
    response = session.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, timeout=10
    )
    assert response.status_code == 200, response.text
    return next(iter(response.json()["data"].values()))


def _codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


@pytest.mark.django_db(transaction=True)
def test_two_instances_share_sessions_states_replays_and_limits(instances):
    (a, b), standin = instances
    browser = servers.browser()  # the cookies are Secure, as in production

    def new_code(authorize_url: str) -> str:
        # The code Kakao issues for that URL, bound to its PKCE challenge.
        pkce = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        return requests.post(
            f"{standin}/_standin/code",
            json={
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT,
                "nickname": "둘",
                "email": "two@example.com",
                "code_challenge": pkce["code_challenge"],
                "code_challenge_method": pkce["code_challenge_method"],
            },
            timeout=5,
        ).json()["code"]

    # A state issued by A is accepted by B (and B derives the same PKCE verifier)...
    started = _gql(browser, a, AUTHORIZE)
    state = started["state"]
    state_cookie = browser.cookies["kakao-oauth-state"]
    login = _gql(browser, b, LOGIN, code=new_code(started["url"]), state=state)
    assert _codes(login) == [] and login["token"]
    # ...exactly once, whichever instance sees it again.
    browser.cookies.set("kakao-oauth-state", state_cookie)
    again = _gql(browser, a, LOGIN, code=new_code(started["url"]), state=state)
    assert _codes(again) == ["INVALID_STATE"]

    # A login through B, a refresh through A (the cookie alone). The refresh token
    # travels in the cookie only, never also in the body.
    first_refresh = browser.cookies["JWT-refresh-token"]
    assert first_refresh and login["refreshToken"] is None
    refreshed = _gql(browser, a, REFRESH)
    successor = browser.cookies["JWT-refresh-token"]
    assert _codes(refreshed) == [] and successor != first_refresh
    # A retry of the rotated token on B within the reuse window: the same successor
    # (derived with the shared secret key, so any instance answers the same).
    retry = _gql(requests.Session(), b, REFRESH, refreshToken=first_refresh)
    assert _codes(retry) == [] and retry["refreshToken"] == successor
    # Past the window, the rotated token replayed on B: refused, and the family is
    # revoked everywhere.
    time.sleep(1.5)
    assert _codes(_gql(requests.Session(), b, REFRESH, refreshToken=first_refresh)) == [
        "INVALID_REFRESH_TOKEN"
    ]
    assert _codes(_gql(browser, a, REFRESH)) == ["INVALID_REFRESH_TOKEN"]

    # Rate limits are counted across both instances (9 refreshes a minute per address;
    # 4 spent above): alternating A and B, the 10th attempt overall is refused.
    answers = [
        _codes(_gql(requests.Session(), (a, b)[i % 2], REFRESH, refreshToken="nope"))
        for i in range(6)
    ]
    assert answers[:5] == [["INVALID_REFRESH_TOKEN"]] * 5
    assert answers[5] == ["RATE_LIMITED"]
    assert json.dumps(answers).count("RATE_LIMITED") == 1


@pytest.mark.django_db
def test_postgres_binds_parameters_on_the_server():
    """DATABASE_SERVER_SIDE_BINDING (on by default): values travel apart from the SQL text
    (psycopg's server-side cursor, not ClientCursor, which quotes them into the text)."""
    import psycopg

    connection.ensure_connection()
    assert not issubclass(connection.connection.cursor_factory, psycopg.ClientCursor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text", ["it's; -- not SQL"])
        assert cursor.fetchone() == ("it's; -- not SQL",)
