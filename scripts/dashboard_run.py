"""A scripted run for the dashboard's picture: real servers, real traffic, real accidents.

gunicorn (2 workers, metrics on, SQLite, a Redis of its own) behind the Kakao stand-in,
scraped every 5 s by Debian's ``prometheus``, all on 127.0.0.1 free ports. Four threads
sign in (web and native), refresh, retry, replay, log out and send junk for about four
minutes while the script makes Kakao slow, then too slow, freezes Redis, and holds
SQLite's write lock. Every loop is bounded in time; everything is stopped at the end.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "dashboard-rest-api-key"
REDIRECT = "http://localhost:5173/oauth/kakao/callback"
TOKEN = "dashboard-metrics-token-0123456789"
STEP = 5
RATE_INTERVAL = "30s"
SECONDS = int(os.environ.get("DASHBOARD_SECONDS", "240"))

LOGIN = """mutation($c: String!) { kakaoLogin(code: $c, delivery: BODY) {
  token refreshToken errors { code } } }"""
NATIVE = """mutation($t: String!) { kakaoLoginWithToken(accessToken: $t) {
  token refreshToken errors { code } } }"""
REFRESH = """mutation($t: String) { refreshToken(refreshToken: $t) {
  token refreshToken errors { code } } }"""
LOGOUT = "mutation($t: String) { logout(refreshToken: $t) { ok errors { code } } }"
EVERYWHERE = "mutation { logout(everywhere: true) { ok errors { code } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, **kwargs) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited")
        try:
            if requests.get(url, timeout=5, **kwargs).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url
        self.window = (0.0, 0.0)

    def query_range(self, expr: str) -> list[tuple[dict, list[tuple[float, float]]]]:
        start, end = self.window
        duration = f"{int(end - start)}s"
        query = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$__range", duration)
        answer = requests.get(
            f"{self.url}/api/v1/query_range",
            params={"query": query, "start": start, "end": end, "step": STEP},
            timeout=10,
        ).json()
        if answer.get("status") != "success":
            raise SystemExit(f"Prometheus refused {query!r}: {answer}")
        return [
            (row["metric"], [(float(t), float(v)) for t, v in row["values"] if v != "NaN"])
            for row in answer["data"]["result"]
        ]


@contextmanager
def scripted_run() -> Iterator[Prometheus]:
    if shutil.which("prometheus") is None:
        raise SystemExit("needs Prometheus: apt-get install prometheus")
    sys.path.insert(0, str(ROOT))
    from kakao_standin.server import start_in_thread

    work = Path(tempfile.mkdtemp(prefix="dashboard-run-"))
    processes: list[subprocess.Popen] = []
    standin, standin_url = start_in_thread(client_id=CLIENT_ID)
    try:
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        processes.append(redis)
        api_port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(
            DJANGO_SETTINGS_MODULE="backend.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="dashboard-run-secret-key-0123456789-abcdefghijklmn",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
            SQLITE_BUSY_TIMEOUT_SECONDS="1",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            REDIS_TIMEOUT_SECONDS="0.2",
            KAKAO_REST_API_KEY=CLIENT_ID,
            KAKAO_AUTH_URL=standin_url,
            KAKAO_API_URL=standin_url,
            KAKAO_REDIRECT_URIS=REDIRECT,
            KAKAO_APP_ID="1000001",
            KAKAO_ID_TOKEN_AUDIENCES=f"dev-native-app-key,{CLIENT_ID}",
            KAKAO_REQUIRE_STATE="0",
            KAKAO_TIMEOUT_SECONDS="1",
            JWT_REFRESH_REUSE_SECONDS="1",
            RATE_LIMIT_LOGIN_PER_IP="off",
            RATE_LIMIT_REFRESH_PER_IP="off",
            RATE_LIMIT_LOGIN_PER_KAKAO_USER="20/60",
            METRICS_ENABLED="1",
            METRICS_TOKEN=TOKEN,
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="8",
            GUNICORN_ACCESSLOG="",
            LOG_LEVEL="ERROR",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        api = f"http://127.0.0.1:{api_port}"
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                *("-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{api_port}", "backend.wsgi"),
            ],
            cwd=ROOT,
            env=env,
            stderr=(work / "gunicorn.log").open("w"),
        )
        processes.append(gunicorn)
        wait_for(f"{api}/readyz", gunicorn)
        prometheus_port = free_port()
        (work / "prometheus.yml").write_text(
            f"global: {{scrape_interval: {STEP}s, scrape_timeout: 4s}}\n"
            "scrape_configs:\n"
            "  - job_name: kakao-login\n"
            f"    authorization: {{type: Bearer, credentials: {TOKEN}}}\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{api_port}']}}]\n"
        )
        prometheus = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={work / 'prometheus.yml'}",
                f"--storage.tsdb.path={work / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(work / "prometheus.log").open("w"),
        )
        processes.append(prometheus)
        prometheus_url = f"http://127.0.0.1:{prometheus_port}"
        wait_for(f"{prometheus_url}/-/ready", prometheus)
        started = time.time()
        Traffic(api, standin_url, standin.standin, redis, work / "db.sqlite3").run(SECONDS)
        time.sleep(2 * STEP)  # the last scrapes
        result = Prometheus(prometheus_url)
        result.window = (started, time.time())
        yield result
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        standin.shutdown()
        shutil.rmtree(work, ignore_errors=True)


class Traffic:
    """Four people's worth of sign-ins and refreshes, and the accidents on a timetable."""

    def __init__(self, api: str, standin_url: str, standin, redis, sqlite_path: Path) -> None:
        self.api, self.standin_url, self.standin = api, standin_url, standin
        self.redis, self.sqlite_path = redis, sqlite_path
        self.stop = threading.Event()

    def run(self, seconds: int) -> None:
        workers = [threading.Thread(target=self.person, args=(i,)) for i in range(4)]
        for worker in workers:
            worker.start()
        started = time.monotonic()
        timetable = [
            (0.25, lambda: setattr(self.standin, "latency_ms", 300)),  # Kakao slow
            (0.37, lambda: setattr(self.standin, "latency_ms", 1500)),  # past the 1 s timeout
            (0.45, lambda: setattr(self.standin, "latency_ms", 0)),
            (0.55, lambda: self.redis.send_signal(signal.SIGSTOP)),  # Redis frozen
            (0.65, lambda: self.redis.send_signal(signal.SIGCONT)),
            (0.75, self.hold_sqlite_lock),  # a stuck writer: 503s
        ]
        for fraction, accident in timetable:
            time.sleep(max(0.0, started + fraction * seconds - time.monotonic()))
            accident()
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        self.stop.set()
        for worker in workers:
            worker.join(timeout=30)

    def hold_sqlite_lock(self) -> None:
        lock = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")
        time.sleep(8)
        lock.execute("ROLLBACK")
        lock.close()

    def person(self, number: int) -> None:
        rng = random.Random(number)
        http = requests.Session()
        held: list[str] = []
        rotated: list[tuple[float, str]] = []
        while not self.stop.is_set():
            try:
                self.act(rng, http, number, held, rotated)
            except (requests.RequestException, ValueError, KeyError, TypeError):
                pass  # a 503 or a timeout is part of the show
            time.sleep(rng.uniform(0.03, 0.12))

    def act(self, rng, http, number, held, rotated) -> None:
        roll = rng.random()
        if roll < 0.22 or not held:
            nickname = f"person-{rng.randrange(8)}" if rng.random() < 0.9 else f"new-{rng.random()}"
            if number == 3 and rng.random() < 0.5:
                nickname = "hammering-person"  # over RATE_LIMIT_LOGIN_PER_KAKAO_USER
            code = http.post(
                f"{self.standin_url}/_standin/code",
                json={"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "nickname": nickname},
                timeout=5,
            ).json()["code"]
            self.keep(held, self.gql(http, LOGIN, c=code), "kakaoLogin")
        elif roll < 0.30:
            token = http.post(
                f"{self.standin_url}/_standin/native-token",
                json={"nickname": f"phone-{rng.randrange(4)}", "verified": True},
                timeout=5,
            ).json()["access_token"]
            self.keep(held, self.gql(http, NATIVE, t=token), "kakaoLoginWithToken")
        elif roll < 0.70:
            old = held.pop(rng.randrange(len(held)))
            answer = self.gql(http, REFRESH, t=old)["refreshToken"]
            if answer["refreshToken"]:
                held.append(answer["refreshToken"])
                rotated.append((time.monotonic(), old))
                if rng.random() < 0.15:  # a second tab with the same token, at once
                    self.gql(http, REFRESH, t=old)
        elif roll < 0.76 and rotated and time.monotonic() - rotated[0][0] > 2:
            self.gql(http, REFRESH, t=rotated.pop(0)[1])  # a stolen token, replayed
        elif roll < 0.84:
            self.gql(http, LOGOUT, t=held.pop(rng.randrange(len(held))))
        elif roll < 0.86:
            access = self.gql(http, REFRESH, t=held.pop())["refreshToken"]["token"]
            http.post(
                f"{self.api}/graphql",
                json={"query": EVERYWHERE},
                headers={"Authorization": f"Bearer {access}"},
                timeout=10,
            )
            held.clear()
        else:
            self.junk(rng, http)
        del rotated[:-50]

    def junk(self, rng, http) -> None:
        kind = rng.randrange(4)
        if kind == 0:
            self.gql(http, LOGIN, c="a-code-kakao-never-issued")
        elif kind == 1:
            http.post(
                f"{self.api}/graphql",
                data={"query": "{ me { id } }"},
                cookies={"JWT-refresh-token": "x"},
                timeout=10,
            )
        elif kind == 2:
            http.post(
                f"{self.api}/graphql",
                data="{not json",
                headers={"Content-Type": "application/json"},
                timeout=10,
            )
        else:
            self.gql(http, "{ me { nope } }")

    def gql(self, http, query: str, **variables) -> dict:
        response = http.post(
            f"{self.api}/graphql", json={"query": query, "variables": variables}, timeout=10
        )
        return response.json().get("data") or {}

    @staticmethod
    def keep(held: list[str], data: dict, field: str) -> None:
        token = (data.get(field) or {}).get("refreshToken")
        if token:
            held.append(token)
