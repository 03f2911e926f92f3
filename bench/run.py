"""`make bench`: measure the login path on this machine and write bench/results/.

1. In-process (bench/inprocess.py): server-side cost per kakaoLogin (returning and new
   user), per kakaoLoginWithToken (the native SDK-token login, with and without an
   id_token) and per refreshToken, without Kakao's time; SQL queries; calls to Kakao.
2. Over HTTP through the server `make serve` runs (granian, backend/serve.py), against the
   Kakao stand-in in its own process, on PostgreSQL + Redis and on the embedded default
   (SQLite file, the cache a table in it) with the same server settings: sequential latency,
   logins/s and refreshes/s under load, the server's CPU time per login and per refresh
   (from the server processes' CPU counters, so the load generator and the stand-in, which share the machine, are
   not counted), and a refresh storm (many tabs refreshing with one cookie at once).
   PostgreSQL also runs with Kakao at 100 ms of latency.

BENCH_QUICK=1 is a smoke run through every part (under a minute); its results go to a
temporary directory, never over bench/results/ (BENCH_RESULTS=dir chooses another). All traffic stays on 127.0.0.1; every
loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, servers
from bench.common import QUICK, ROOT, RUNS, reference_cpu_ms, server_env
from bench.report import chart, markdown, targets

RESULTS = Path(
    os.environ.get("BENCH_RESULTS") or (servers.LOGS if QUICK else ROOT / "bench" / "results")
)


STARTED = time.monotonic()


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.monotonic() - STARTED:5.1f} s] {message}\n")


def in_process(database: dict[str, str]) -> dict:
    completed = subprocess.run(
        [sys.executable, "bench/inprocess.py"],
        cwd=ROOT,
        env=server_env(servers.STANDIN, **database),
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr[-4000:])
        raise SystemExit("bench/inprocess.py failed")
    return json.loads(completed.stdout)


def http_runs(label: str, database: dict[str, str], standin, *, with_100ms: bool) -> list[dict]:
    """One server on `database`: everything at Kakao 0 ms, then logins at 100 ms."""
    server = servers.start_server(
        database, workers=load.WORKERS, threads=load.THREADS, JWT_ACCESS_TTL_SECONDS="3600"
    )
    try:
        master = psutil.Process(server.pid)
        run: dict = {"kakao_latency_ms": 0}
        log(f"{label}: sequential logins")
        run["sequential_login"] = load.sequential_logins()
        log(f"{label}: logins under load, Kakao at 0 ms")
        run["logins"] = load.load("login", master)
        log(f"{label}: refreshes under load")
        run["refreshes"] = load.load("refresh", master)
        log(f"{label}: authenticated reads under load")
        run["reads"] = load.load("read", master)
        log(f"{label}: refresh storm")
        run["refresh_storm"] = load.storm()
        if not with_100ms:
            return [run]
        log(f"{label}: logins under load, Kakao at 100 ms")
        servers.set_latency(standin, 100)
        try:
            slow = {"kakao_latency_ms": 100, "logins": load.load("login", master)}
        finally:
            servers.set_latency(standin, 0)
        return [run, slow]
    finally:
        # SIGINT: the server's quick shutdown; no request of the bench is in flight.
        servers.stop(server, signal.SIGINT)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log(f"{'QUICK smoke run' if QUICK else 'full run'}; server output in {servers.LOGS}")
    machine_before = {"reference_cpu_ms": reference_cpu_ms(), "load_average": os.getloadavg()}
    log("fresh PostgreSQL database and Redis db")
    postgres = servers.fresh_postgres()
    # A smoke run does the in-process part and the SQLite migration alongside the
    # HTTP runs; a full run keeps the machine quiet for each measurement.
    background = ThreadPoolExecutor(2)
    sqlite_ready = background.submit(servers.fresh_sqlite) if QUICK else None
    log(f"in-process, {RUNS} runs each" + (" (alongside)" if QUICK else ""))
    inprocess_ready = background.submit(in_process, postgres)
    if not QUICK:
        inprocess_ready.result()
    standin = servers.start_standin()
    try:
        pg0, pg100 = http_runs("PostgreSQL", postgres, standin, with_100ms=True)
        log("fresh SQLite file")
        sqlite, sqlite_path = sqlite_ready.result() if sqlite_ready else servers.fresh_sqlite()
        (lite0,) = http_runs("SQLite", sqlite, standin, with_100ms=False)
    finally:
        servers.stop(standin)
    lite0["journal_mode"] = servers.sqlite_journal_mode(sqlite_path)
    inprocess = inprocess_ready.result()
    background.shutdown()
    cores = os.cpu_count() or 2
    cpu_per_login = pg0["logins"]["server_cpu_ms_per_op_median_of_windows"]
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": QUICK,
        "machine": {
            "cores": cores,
            "memory_gib": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "before": machine_before,
            "after": {"reference_cpu_ms": reference_cpu_ms(), "load_average": os.getloadavg()},
        },
        "server": {
            "kind": servers.server_kind(),
            "workers": load.WORKERS,
            "threads_per_worker": load.THREADS,
        },
        "in_process": inprocess,
        "http": {
            "postgres_kakao_0ms": pg0,
            "postgres_kakao_100ms": pg100,
            "sqlite_kakao_0ms": lite0,
        },
        "cpu_bound_ceiling_logins_per_second": round(cores * 1000 / cpu_per_login, 1)
        if cpu_per_login
        else None,
        "ratio_100ms_to_0ms": round(
            pg100["logins"]["per_second"] / max(pg0["logins"]["per_second"], 0.1), 3
        ),
    }
    results["targets"] = targets(results)
    results["wall_seconds"] = round(time.monotonic() - STARTED)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(results))
    chart(results, RESULTS / "latest.png")
    sys.stdout.write(markdown(results))
    log(f"done in {results['wall_seconds']} s; results in {RESULTS}")


if __name__ == "__main__":
    main()
