"""`make bench`: measure the login path on this machine and write bench/results/.

1. In-process (bench/inprocess.py): server-side cost per kakaoLogin (returning and new
   user) and per refreshToken, without Kakao's time; SQL queries; calls to Kakao.
2. Over HTTP through gunicorn (gthread) on PostgreSQL and Redis, against the Kakao
   stand-in in its own process at 0 ms and 100 ms latency: sequential latency,
   logins/s and refreshes/s under load, and the server's CPU time per login (from the
   gunicorn processes' CPU counters, so the load generator and the stand-in, which
   share the machine, are not counted).

All traffic stays on 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CLIENT_ID,
    DATABASE_URL,
    REDIRECT_URI,
    REDIS_URL,
    ROOT,
    server_env,
    summary,
)

PY = sys.executable
RESULTS = ROOT / "bench" / "results"
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "64"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
THREADS = int(os.environ.get("BENCH_THREADS", "16"))  # the production default
SEQUENTIAL_RUNS = int(os.environ.get("BENCH_RUNS", "500"))
STANDIN_PORT, API_PORT = 18001, 18000
API = f"http://127.0.0.1:{API_PORT}"
STANDIN = f"http://127.0.0.1:{STANDIN_PORT}"
LOGIN = """mutation($code: String!) {
  kakaoLogin(code: $code) { token refreshToken errors { code } } }"""
REFRESH = (
    """mutation($t: String) { refreshToken(refreshToken: $t) { refreshToken errors { code } } }"""
)


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")


def fresh_database() -> None:
    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(STANDIN)
    # --skip-checks: production settings pointed at the local stand-in on purpose.
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_standin(latency_ms: int) -> subprocess.Popen:
    code = (
        "import sys; from kakao_standin.server import make_server; "
        f"make_server('127.0.0.1', {STANDIN_PORT}, client_id={CLIENT_ID!r}, "
        f"latency_ms={latency_ms}).serve_forever()"
    )
    process = subprocess.Popen([PY, "-c", code], cwd=ROOT)
    wait_for(f"{STANDIN}/")
    return process


def start_gunicorn() -> subprocess.Popen:
    env = server_env(
        STANDIN,
        # The in-process numbers include the state check; here each load thread
        # would otherwise need a third request per login.
        KAKAO_REQUIRE_STATE="0",
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS=str(THREADS),
        GUNICORN_ACCESSLOG="",
    )
    process = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{API_PORT}",
            "backend.wsgi",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_for(f"{API}/readyz")
    return process


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def server_cpu_seconds(master: psutil.Process) -> float:
    total = 0.0
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


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


def login(session: requests.Session, nickname: str) -> dict:
    response = session.post(
        f"{API}/graphql",
        json={"query": LOGIN, "variables": {"code": get_code(session, nickname)}},
        timeout=30,
    )
    return response.json()["data"]["kakaoLogin"]


def sequential_logins() -> dict:
    """Latency of one returning-user login at a time (Kakao at 0 ms, in its own process)."""
    session = requests.Session()
    login(session, "sequential")
    times = []
    for _ in range(SEQUENTIAL_RUNS):
        code = get_code(session, "sequential")
        started = time.perf_counter()
        response = session.post(
            f"{API}/graphql", json={"query": LOGIN, "variables": {"code": code}}, timeout=30
        )
        times.append((time.perf_counter() - started) * 1000)
        assert response.json()["data"]["kakaoLogin"]["errors"] == []
    return summary(times)


def load(kind: str, master: psutil.Process) -> dict:
    """`CONCURRENCY` threads for `DURATION` seconds: logins of returning users, or refreshes."""
    sessions = [requests.Session() for _ in range(CONCURRENCY)]
    tokens = [login(s, f"load-{i}")["refreshToken"] for i, s in enumerate(sessions)]
    ok, errors, windows = [0] * CONCURRENCY, [0] * CONCURRENCY, []
    stop_at = time.monotonic() + DURATION
    stop_event = threading.Event()

    def worker(i: int) -> None:
        session, token = sessions[i], tokens[i]
        while time.monotonic() < stop_at:
            try:
                if kind == "login":
                    result = login(session, f"load-{i}")
                else:
                    response = session.post(
                        f"{API}/graphql",
                        json={"query": REFRESH, "variables": {"t": token}},
                        timeout=30,
                    )
                    result = response.json()["data"]["refreshToken"]
                    token = result.get("refreshToken") or token
                if result["errors"]:
                    errors[i] += 1
                else:
                    ok[i] += 1
            except (requests.RequestException, ValueError, KeyError, TypeError):
                errors[i] += 1

    def sampler() -> None:
        # CPU per operation in 2-second windows, for a median.
        last_cpu, last_ok = server_cpu_seconds(master), 0
        while not stop_event.wait(2.0):
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
    cpu = server_cpu_seconds(master) - cpu_before
    done = sum(ok)
    return {
        "per_second": round(done / elapsed, 1),
        "completed": done,
        "errors": sum(errors),
        "concurrency": CONCURRENCY,
        "seconds": round(elapsed, 1),
        "server_cpu_ms_per_op": round(cpu * 1000 / max(done, 1), 2),
        "server_cpu_ms_per_op_median_of_windows": round(statistics.median(windows), 2)
        if windows
        else None,
    }


def http_run(latency_ms: int, *, with_refresh: bool) -> dict:
    standin = start_standin(latency_ms)
    server = start_gunicorn()
    try:
        master = psutil.Process(server.pid)
        run = {"kakao_latency_ms": latency_ms}
        if latency_ms == 0:
            run["sequential_login"] = sequential_logins()
        log(f"logins under load, Kakao at {latency_ms} ms")
        run["logins"] = load("login", master)
        if with_refresh:
            log("refreshes under load")
            run["refreshes"] = load("refresh", master)
        return run
    finally:
        stop(server)
        stop(standin)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log("fresh database")
    fresh_database()
    log(f"in-process, {SEQUENTIAL_RUNS} runs each")
    inprocess = json.loads(
        subprocess.run(
            [PY, "bench/inprocess.py"],
            cwd=ROOT,
            env=server_env(STANDIN),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    http0 = http_run(0, with_refresh=True)
    http100 = http_run(100, with_refresh=False)
    cpu_per_login = http0["logins"]["server_cpu_ms_per_op_median_of_windows"]
    cores = os.cpu_count() or 2
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": cores,
            "memory_gib": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "server": {
            "gunicorn_workers": WORKERS,
            "threads_per_worker": THREADS,
            "database": "PostgreSQL",
            "cache": "Redis",
        },
        "in_process": inprocess,
        "http": {"kakao_0ms": http0, "kakao_100ms": http100},
        "cpu_bound_ceiling_logins_per_second": round(cores * 1000 / cpu_per_login, 1)
        if cpu_per_login
        else None,
        "ratio_100ms_to_0ms": round(
            http100["logins"]["per_second"] / http0["logins"]["per_second"], 3
        ),
    }
    results["targets"] = targets(results)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(results))
    chart(results)
    sys.stdout.write(markdown(results))


def targets(r: dict) -> dict:
    ip, h0, h100 = r["in_process"], r["http"]["kakao_0ms"], r["http"]["kakao_100ms"]
    cpu = h0["logins"]["server_cpu_ms_per_op_median_of_windows"]
    return {
        "returning_login_sql_le_5": ip["returning_login"]["sql_queries"] <= 5,
        "refresh_sql_le_4": ip["refresh"]["sql_queries"] <= 4,
        "server_cpu_per_returning_login_le_8ms": cpu is not None and cpu <= 8,
        "logins_at_100ms_ge_80pct_of_0ms": r["ratio_100ms_to_0ms"] >= 0.8,
        "no_errors_under_load": all(
            run[k]["errors"] == 0 for run in (h0, h100) for k in ("logins", "refreshes") if k in run
        ),
    }


def markdown(r: dict) -> str:
    ip, h0, h100 = r["in_process"], r["http"]["kakao_0ms"], r["http"]["kakao_100ms"]
    m = r["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"{r['date']} · {m['cores']} cores, {m['memory_gib']} GiB · Python {m['python']} · "
        f"gunicorn gthread {r['server']['gunicorn_workers']}×"
        f"{r['server']['threads_per_worker']} · PostgreSQL + Redis · Kakao = local stand-in",
        "",
        "## Server-side cost (in-process, Kakao's time excluded)",
        "",
        "| operation | runs | median ms | p95 ms | SQL queries | calls to Kakao |",
        "|---|---|---|---|---|---|",
    ]
    for name, key in (
        ("kakaoLogin, returning user", "returning_login"),
        ("kakaoLogin, new user", "new_login"),
        ("refreshToken", "refresh"),
    ):
        row = ip[key]
        lines.append(
            f"| {name} | {row['n']} | {row['median_ms']} | {row['p95_ms']} | "
            f"{row['sql_queries']} | {row.get('kakao_calls', 0)} |"
        )
    oidc = ip["kakao_calls_with_oidc"]
    lines += [
        "",
        f"Calls to Kakao per login: {ip['returning_login']['kakao_calls']} with the profile "
        f"call; with a verified id_token (KAKAO_OIDC=1): {oidc['returning']} for a returning "
        f"user, {oidc['new_without_email']} for a new user without email, "
        f"{oidc['first_login_with_email']} for a first login with an email (it needs the "
        "verification flags) — the first of these also fetched the JWKS once.",
        "",
        "## Through gunicorn over HTTP",
        "",
        f"Sequential returning-user login, Kakao at 0 ms (round trip, {h0['sequential_login']['n']}"
        f" runs): median {h0['sequential_login']['median_ms']} ms, p95 "
        f"{h0['sequential_login']['p95_ms']} ms.",
        "",
        "| load | Kakao latency | concurrency | per second | errors | server CPU ms/op (median of 2 s windows) |",
        "|---|---|---|---|---|---|",
    ]
    for label, run, key in (
        ("logins", h0, "logins"),
        ("refreshes", h0, "refreshes"),
        ("logins", h100, "logins"),
    ):
        row = run[key]
        lines.append(
            f"| {label} | {run['kakao_latency_ms']} ms | {row['concurrency']} | "
            f"{row['per_second']} | {row['errors']} | "
            f"{row['server_cpu_ms_per_op_median_of_windows']} |"
        )
    lines += [
        "",
        f"CPU-bound ceiling (cores ÷ server CPU per login): "
        f"{r['cpu_bound_ceiling_logins_per_second']} logins/s. "
        f"Logins/s at 100 ms ÷ at 0 ms: {r['ratio_100ms_to_0ms']}.",
        "",
        "The load generator and the stand-in run on the same 2 cores as the server, so the "
        "measured rates are lower than the ceiling; the CPU figures count the gunicorn "
        "processes only.",
        "",
        "## Targets",
        "",
    ]
    lines += [f"- {'met' if ok else 'MISSED'}: {name}" for name, ok in r["targets"].items()]
    return "\n".join(lines) + "\n"


def chart(r: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h0, h100 = r["http"]["kakao_0ms"], r["http"]["kakao_100ms"]
    ip = r["in_process"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    labels = ["logins\n0 ms", "logins\n100 ms", "refreshes\n0 ms", "CPU ceiling\n(logins)"]
    values = [
        h0["logins"]["per_second"],
        h100["logins"]["per_second"],
        h0["refreshes"]["per_second"],
        r["cpu_bound_ceiling_logins_per_second"] or 0,
    ]
    left.bar(labels, values, color=["#fee500", "#f5b700", "#8ecae6", "#cccccc"])
    left.set_ylabel("per second")
    left.set_title("Through gunicorn (2 cores, shared with load)")
    names = ["returning\nlogin", "new\nlogin", "refresh"]
    keys = ["returning_login", "new_login", "refresh"]
    right.bar(names, [ip[k]["median_ms"] for k in keys], color="#fee500", label="median")
    right.scatter(names, [ip[k]["p95_ms"] for k in keys], color="black", zorder=3, label="p95")
    right.set_ylabel("ms of server time (Kakao excluded)")
    right.set_title("Server-side cost per request")
    right.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "latest.png", dpi=110)


if __name__ == "__main__":
    main()
