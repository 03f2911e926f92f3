"""Without REDIS_URL every process shares one cache, in the database: states single-use,
rate limits counted once, counters exact under concurrent increments (backend/dbcache.py).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection

from backend.dbcache import TABLE, SharedDatabaseCache
from kakao_standin.server import start_in_thread
from tests.servers import ROOT, browser, migrate, production_env, serve

# --- counters: exact when several processes increment at once -------------------------

WORKER = """
import sys
import django
django.setup()
from django.core.cache import cache
print(cache.add("single-use", "mark", 60), flush=True)   # True for exactly one process
sys.stdin.readline()                                      # "go": all of them at once
for _ in range({increments}):
    cache.incr("counter")
print("done", flush=True)
"""


def run_script(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_processes_incrementing_at_once_are_all_counted(tmp_path):
    # given: the embedded default (SQLite, no REDIS_URL), as `make serve` runs it
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(env)
    setup = "import django; django.setup(); from django.core.cache import cache; "
    run_script(env, setup + "cache.add('counter', 0, 600)")
    processes, increments = 4, 100
    # when: four processes, released together, each increment one counter 100 times
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER.format(increments=increments)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    first_use = [worker.stdout.readline().strip() for worker in workers]
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    # then: not one increment lost (Django's DatabaseCache.incr, a get then a set, loses
    # some), and a mark added once by exactly one of them
    assert [worker.returncode for worker in workers] == [0] * processes, outputs
    total = run_script(env, setup + "print(cache.get('counter'))")
    assert int(total) == processes * increments
    assert sorted(first_use) == ["False"] * (processes - 1) + ["True"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_threads_incrementing_at_once_on_postgresql_are_all_counted():
    # The row lock (SELECT … FOR UPDATE) on PostgreSQL, where threads really run at once.
    assert connection.vendor == "postgresql"
    store = SharedDatabaseCache(TABLE, {})
    store.clear()
    store.add("counter", 0, 600)

    def increment(_: int) -> None:
        try:
            for _ in range(50):
                store.incr("counter")
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(increment, range(8)))
    assert store.get("counter") == 400
    store.clear()


def test_incr_keeps_the_expiry_and_add_never_overwrites_a_live_entry(db):
    store = SharedDatabaseCache(TABLE, {})
    assert store.add("k", 1, 60) is True
    assert store.add("k", 5, 60) is False and store.get("k") == 1
    assert store.incr("k") == 2 and store.incr("k", 3) == 5 and store.decr("k") == 4
    with pytest.raises(ValueError):
        store.incr("missing")
    # an expired entry is gone for incr, and add writes over it
    assert store.add("old", 7, -1) is True
    with pytest.raises(ValueError):
        store.incr("old")
    assert store.add("old", 1, 60) is True and store.get("old") == 1


def test_live_entries_are_never_evicted(db):
    # Django's DatabaseCache drops a third of its entries past MAX_ENTRIES, live or not:
    # a flood of keys would forget rate-limit counters and used-state marks.
    store = SharedDatabaseCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 3}})
    store.add("used-state", 1, 600)
    for i in range(30):
        store.set(f"flood-{i}", i, 600)
        store.add(f"flood-add-{i}", i, 600)
    assert store.get("used-state") == 1
    assert all(store.get(f"flood-{i}") == i for i in range(30))


# --- make serve's shape: python -m backend.serve, 2 workers, SQLite, no REDIS_URL --------

CLIENT_ID = "shared-cache-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"
AUTHORIZE = "mutation { kakaoAuthorize { url state errors { code } } }"
LOGIN = """mutation($code: String!, $state: String) {
  kakaoLogin(code: $code, state: $state) { token errors { code } } }"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) { token errors { code } } }"""


def gql(session: requests.Session, url: str, query: str, **variables) -> dict:
    response = session.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Connection": "close"},  # a new connection each time: any worker may take it
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return next(iter(response.json()["data"].values()))


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def test_two_workers_share_states_and_rate_limits(tmp_path):
    standin, standin_url = start_in_thread(client_id=CLIENT_ID)
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KAKAO_REST_API_KEY=CLIENT_ID,
        KAKAO_AUTH_URL=standin_url,
        KAKAO_API_URL=standin_url,
        KAKAO_ALLOW_LOCAL_URLS="1",
        KAKAO_REDIRECT_URIS=REDIRECT,
        RATE_LIMIT_REFRESH_PER_IP="9/60",
        WEB_CONCURRENCY="2",
    )
    migrate(env)
    try:
        with serve(env, tmp_path / "serve.log") as api:
            assert requests.get(f"{api}/readyz", timeout=5).json()["cache_backend"] == "database"

            def new_code() -> str:
                # The code Kakao issues for this state's authorize URL (its PKCE challenge).
                body = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "nickname": "둘"}
                body.update(
                    (name, values[0])
                    for name, values in parse_qs(urlsplit(started["url"]).query).items()
                    if name.startswith("code_challenge")
                )
                return requests.post(f"{standin_url}/_standin/code", json=body, timeout=5).json()[
                    "code"
                ]

            # A state is used once, whichever worker sees it again: one login, then its
            # replays (the same cookie, fresh connections, some at once) all refused.
            person = browser()
            started = gql(person, api, AUTHORIZE)
            state = started["state"]
            cookie = {"kakao-oauth-state": person.cookies["kakao-oauth-state"]}  # copied
            assert codes(gql(person, api, LOGIN, code=new_code(), state=state)) == []

            def replay(_: int) -> list[str]:
                thief = browser()
                thief.cookies.update(cookie)
                return codes(gql(thief, api, LOGIN, code=new_code(), state=state))

            with ThreadPoolExecutor(6) as pool:
                replays = list(pool.map(replay, range(12)))
            assert replays == [["INVALID_STATE"]] * 12

            # A rate limit counts once: 20 refreshes at once from one address, 9 a minute.
            barrier = threading.Barrier(20)

            def refresh(_: int) -> list[str]:
                barrier.wait(timeout=30)
                return codes(gql(requests.Session(), api, REFRESH, t="not-a-token"))

            with ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(refresh, range(20)))
            assert sorted(map(tuple, answers)) == sorted(
                [("INVALID_REFRESH_TOKEN",)] * 9 + [("RATE_LIMITED",)] * 11
            )
    finally:
        standin.shutdown()
        standin.server_close()
