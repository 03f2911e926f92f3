"""Traffic over HTTP against the server: sequential logins, sustained load, refresh storms.

Every loop is bounded in count and time; every request has a timeout.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests

from bench.common import CLIENT_ID, REDIRECT_URI, RUNS, size, summary
from bench.servers import API, STANDIN, server_cpu_seconds

DURATION = float(size("BENCH_SECONDS", "10", "2"))
CONCURRENCY = int(size("BENCH_CONCURRENCY", "64", "16"))
WINDOW = float(size("BENCH_WINDOW_SECONDS", "2", "0.5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
THREADS = int(os.environ.get("BENCH_THREADS", "16"))  # the production default
STORM_BROWSERS = int(size("BENCH_STORM_BROWSERS", "8", "4"))
STORM_TABS = int(size("BENCH_STORM_TABS", "8", "8"))
STORM_ROUNDS = int(size("BENCH_STORM_ROUNDS", "20", "3"))
SETUP_THREADS = 8  # logins before the clock starts, a few at a time
REFRESH_COOKIE = "JWT-refresh-token"  # graphql-jwt's JWT_REFRESH_TOKEN_COOKIE_NAME
LOGIN = """mutation($code: String!) {
  kakaoLogin(code: $code) { token refreshToken errors { code } } }"""
REFRESH = (
    """mutation($t: String) { refreshToken(refreshToken: $t) { refreshToken errors { code } } }"""
)
COOKIE_REFRESH = "mutation { refreshToken { refreshToken errors { code } } }"


def get_code(session: requests.Session, nickname: str) -> str:
    response = session.post(
        f"{STANDIN}/_standin/code",
        json={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "nickname": nickname,
            "email": f"{nickname}@example.com",
        },
        timeout=10,
    )
    return response.json()["code"]


class ServerError(Exception):
    """The server answered without the mutation's payload (an unexpected error)."""


def payload(response: requests.Response, field: str) -> dict:
    body = response.json()
    result = (body.get("data") or {}).get(field)
    if result is None:
        raise ServerError(f"HTTP {response.status_code}")
    return result


def login(session: requests.Session, nickname: str, api: str = API) -> dict:
    response = session.post(
        f"{api}/graphql",
        json={"query": LOGIN, "variables": {"code": get_code(session, nickname)}},
        timeout=30,
    )
    result = payload(response, "kakaoLogin")
    # A cookie delivery (the default since the refresh token goes to one place only)
    # leaves the payload's refreshToken null: the token is the cookie's. Builds from
    # before that answer it in both; either way this works against both.
    if not result.get("refreshToken"):
        result["refreshToken"] = response.cookies.get(REFRESH_COOKIE)
    return result


def sequential_logins() -> dict:
    """Latency of one returning-user login at a time (Kakao at 0 ms, in its own process)."""
    session, kinds = requests.Session(), Counter()
    errors = int(setup_login(session, "sequential", kinds) is None)
    times = []
    for _ in range(RUNS):
        code = get_code(session, "sequential")
        started = time.perf_counter()
        response = session.post(
            f"{API}/graphql", json={"query": LOGIN, "variables": {"code": code}}, timeout=30
        )
        times.append((time.perf_counter() - started) * 1000)
        try:
            errors += bool(payload(response, "kakaoLogin")["errors"])
        except (ValueError, ServerError):
            errors += 1
    return {**summary(times), "errors": errors}


def _error_kind(exc_or_errors: object) -> str:
    if isinstance(exc_or_errors, ServerError):
        return f"server error {exc_or_errors}"
    if isinstance(exc_or_errors, BaseException):
        return type(exc_or_errors).__name__
    return ",".join(str(e.get("code")) for e in exc_or_errors) or "unknown"  # type: ignore[union-attr]


_COUNT_LOCK = threading.Lock()


def _count(kinds: Counter[str], kind: str) -> None:
    with _COUNT_LOCK:  # Counter's += is not atomic across threads
        kinds[kind] += 1


def setup_login(
    session: requests.Session,
    nickname: str,
    kinds: Counter[str],
    api: str = API,
    field: str = "refreshToken",
) -> str | None:
    """A login before the clock starts; its refresh (or access) token, or None (an error)."""
    try:
        result = login(session, nickname, api)
    except (requests.RequestException, ValueError, ServerError) as exc:
        _count(kinds, f"setup {_error_kind(exc)}")
        return None
    if result["errors"]:
        _count(kinds, f"setup {_error_kind(result['errors'])}")
        return None
    return result[field]


READ = "query { me { id nickname } }"


def load(kind: str, master: psutil.Process) -> dict:
    """`CONCURRENCY` threads for `DURATION` seconds: logins of returning users, refreshes,
    or authenticated reads (`me { id nickname }` with a Bearer token)."""
    kinds: Counter[str] = Counter()
    sessions = [requests.Session() for _ in range(CONCURRENCY)]
    field = "token" if kind == "read" else "refreshToken"

    def setup(i: int) -> str | None:
        token = setup_login(sessions[i], f"load-{i}", kinds, field=field)
        sessions[i].cookies.clear()  # a read says who it is by its header only
        return token

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        tokens = list(pool.map(setup, range(CONCURRENCY)))
    ok, windows = [0] * CONCURRENCY, []
    errors = [int(token is None) for token in tokens]
    stop_at = time.monotonic() + DURATION
    stop_event = threading.Event()

    def worker(i: int) -> None:
        session, token = sessions[i], tokens[i]
        while token is not None and time.monotonic() < stop_at:
            try:
                if kind == "login":
                    result = login(session, f"load-{i}")
                elif kind == "read":
                    response = session.post(
                        f"{API}/graphql",
                        json={"query": READ},
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=30,
                    )
                    me = payload(response, "me")
                    result = {"errors": [] if me.get("id") else [{"code": "NO_USER"}]}
                else:
                    response = session.post(
                        f"{API}/graphql",
                        json={"query": REFRESH, "variables": {"t": token}},
                        timeout=30,
                    )
                    result = payload(response, "refreshToken")
                    token = result.get("refreshToken") or token
                if result["errors"]:
                    errors[i] += 1
                    _count(kinds, _error_kind(result["errors"]))
                else:
                    ok[i] += 1
            except (requests.RequestException, ValueError, ServerError) as exc:
                errors[i] += 1
                _count(kinds, _error_kind(exc))

    def sampler() -> None:
        # CPU per operation in short windows, for a median.
        last_cpu, last_ok = server_cpu_seconds(master), 0
        while not stop_event.wait(WINDOW):
            cpu, done = server_cpu_seconds(master), sum(ok)
            if done > last_ok:
                windows.append((cpu - last_cpu) * 1000 / (done - last_ok))
            last_cpu, last_ok = cpu, done

    cpu_before = server_cpu_seconds(master)
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONCURRENCY)]
    watcher = threading.Thread(target=sampler)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION + 60)
    elapsed = time.monotonic() - started
    stop_event.set()
    watcher.join()
    cpu_ms_per_op = (server_cpu_seconds(master) - cpu_before) * 1000 / max(sum(ok), 1)
    return {
        "per_second": round(sum(ok) / elapsed, 1),
        "completed": sum(ok),
        "errors": sum(errors),
        "error_kinds": dict(kinds.most_common(5)),
        "concurrency": CONCURRENCY,
        "seconds": round(elapsed, 1),
        "server_cpu_ms_per_op": round(cpu_ms_per_op, 2),
        # The median of windows shrugs off a window disturbed by the other processes.
        "server_cpu_ms_per_op_median_of_windows": round(statistics.median(windows), 2)
        if windows
        else round(cpu_ms_per_op, 2),
    }


def _cookie_refresh(
    session: requests.Session, cookie: str, api: str = API
) -> tuple[str | None, str | None]:
    """One tab's refresh with the browser's cookie: (new cookie, None) or (None, error)."""
    try:
        response = session.post(
            f"{api}/graphql",
            json={"query": COOKIE_REFRESH},
            headers={"Cookie": f"{REFRESH_COOKIE}={cookie}"},
            timeout=30,
        )
        result = payload(response, "refreshToken")
    except (requests.RequestException, ValueError, ServerError) as exc:
        return None, _error_kind(exc)
    if result["errors"]:
        return None, _error_kind(result["errors"])
    return response.cookies.get(REFRESH_COOKIE) or result["refreshToken"], None


def storm(api: str = API) -> dict:
    """Many tabs of one browser: `STORM_TABS` refreshes at once with the same cookie.

    `STORM_BROWSERS` browsers side by side, `STORM_ROUNDS` rounds each; between rounds
    the browser keeps the last cookie it was sent, as a browser does. Afterwards each
    browser refreshes once more: its session is alive if that works.
    """
    answered, failed, distinct = 0, 0, []
    kinds: Counter[str] = Counter()
    lock = threading.Lock()

    def browser(b: int) -> bool:
        nonlocal answered, failed
        tabs, cookie = browsers[b]
        if cookie is None:
            return False
        with ThreadPoolExecutor(STORM_TABS) as pool:
            for _ in range(STORM_ROUNDS):
                barrier = threading.Barrier(STORM_TABS, timeout=30)

                def tab(t: int, cookie: str = cookie, barrier=barrier) -> tuple:
                    barrier.wait()  # all tabs fire together
                    return (*_cookie_refresh(tabs[t], cookie, api), time.monotonic())

                # In the order the answers arrived: the browser keeps the last cookie set.
                outcomes = sorted(pool.map(tab, range(STORM_TABS)), key=lambda o: o[2])
                new = [c for c, _, _ in outcomes if c]
                with lock:
                    answered += len(new)
                    failed += len(outcomes) - len(new)
                    kinds.update(e for _, e, _ in outcomes if e)
                    distinct.append(len(set(new)))
                if new:
                    cookie = new[-1]
        return _cookie_refresh(tabs[0], cookie, api)[0] is not None

    def open_browser(b: int) -> tuple[list[requests.Session], str | None]:
        tabs = [requests.Session() for _ in range(STORM_TABS)]
        return tabs, setup_login(tabs[0], f"storm-{b}", kinds, api)

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        browsers = list(pool.map(open_browser, range(STORM_BROWSERS)))
    started = time.monotonic()
    with ThreadPoolExecutor(STORM_BROWSERS) as pool:
        alive = sum(pool.map(browser, range(STORM_BROWSERS)))
    return {
        "browsers": STORM_BROWSERS,
        "tabs": STORM_TABS,
        "rounds": STORM_ROUNDS,
        "refreshes": STORM_BROWSERS * STORM_TABS * STORM_ROUNDS,
        "setup_failures": sum(cookie is None for _, cookie in browsers),
        "answered": answered,
        "failed": failed,
        "error_kinds": dict(kinds.most_common(5)),
        "max_distinct_tokens_per_round": max(distinct, default=0),
        "sessions_alive_after": alive,
        "seconds": round(time.monotonic() - started, 1),
    }
