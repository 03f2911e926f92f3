"""The processes a benchmark run talks to: the bench databases, the Kakao stand-in and
the server. Everything binds 127.0.0.1 on free ports of 8100-8999, so that a bench run
never collides with `make run` or another process on the machine.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import redis
import requests

from bench.common import CLIENT_ID, DATABASE_URL, REDIS_URL, ROOT, server_env

PY = sys.executable
LOGS = Path(tempfile.mkdtemp(prefix="kakao-bench-"))


def free_port() -> int:
    for port in random.sample(range(8100, 9000), 900):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8100-8999")


STANDIN = f"http://127.0.0.1:{free_port()}"
API = f"http://127.0.0.1:{free_port()}"


def postgres_env() -> dict[str, str]:
    """PostgreSQL + Redis: the bench's own database and Redis db (never the shared ones)."""
    return {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}


def sqlite_env(path: Path) -> dict[str, str]:
    """The embedded default: a SQLite file, the cache a table in it (no REDIS_URL)."""
    return {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": ""}


def fresh_postgres(*, suffix: str = "", root: Path = ROOT) -> dict[str, str]:
    """Drop and re-create the bench database (name + suffix), empty the bench Redis db, migrate."""
    base, name = DATABASE_URL.rsplit("/", 1)
    if name in ("postgres", "template0", "template1", "test"):
        raise SystemExit(f"BENCH_DATABASE_URL must name a database of its own, not {name!r}")
    name += suffix
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    # FLUSHDB empties this one numbered db only: never db 0 (every app's default) nor
    # the one the tests or the app are configured with.
    client = redis.Redis.from_url(REDIS_URL)
    others = {os.environ.get(name) for name in ("REDIS_URL", "TEST_REDIS_URL")}
    if not client.connection_pool.connection_kwargs.get("db") or REDIS_URL in others:
        raise SystemExit(f"BENCH_REDIS_URL must name a Redis db of its own, not {REDIS_URL}")
    client.flushdb()
    env = {**postgres_env(), "DATABASE_URL": f"{base}/{name}"}
    migrate(env, root=root)
    return env


def fresh_sqlite(*, name: str = "bench", root: Path = ROOT) -> tuple[dict[str, str], Path]:
    """A new SQLite file in a temporary directory, migrated."""
    path = LOGS / f"{name}.sqlite3"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    env = sqlite_env(path)
    migrate(env, root=root)
    return env, path


def sqlite_journal_mode(path: Path) -> str:
    """WAL is a property of the file once set: what the server left it in."""
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


def migrate(database: dict[str, str], *, root: Path = ROOT) -> None:
    # The system checks run here too; their warnings (KAKAO_ALLOW_LOCAL_URLS is on, no
    # admin key) are expected, so they are shown only if migrate fails. Another build
    # (make bench BENCH_BASE=…) may not know this bench's settings: its checks are skipped.
    skip = [] if root == ROOT else ["--skip-checks"]
    result = subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0", *skip],
        cwd=root,
        env=server_env(STANDIN, **database),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"migrate failed:\n{result.stderr[-3000:]}")


def start_standin() -> subprocess.Popen:
    """The stand-in in its own process, at 0 ms; `set_latency` changes its latency."""
    port = STANDIN.rsplit(":", 1)[1]
    # Each line on stdin is a new latency in ms, so one stand-in and one gunicorn
    # serve both latencies (no second start-up to wait for).
    code = (
        "import sys, threading; from kakao_standin.server import make_server; "
        f"server = make_server('127.0.0.1', {port}, client_id={CLIENT_ID!r}); "
        "threading.Thread(target=lambda: [setattr(server.standin, 'latency_ms', "
        "int(line)) for line in sys.stdin], daemon=True).start(); server.serve_forever()"
    )
    process = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, text=True)
    wait_for(f"{STANDIN}/", process)
    return process


def set_latency(standin: subprocess.Popen, latency_ms: int) -> None:
    standin.stdin.write(f"{latency_ms}\n")
    standin.stdin.flush()
    time.sleep(0.2)  # the stand-in's reader thread picks it up


def server_kind(root: Path = ROOT) -> str:
    """How a build serves in production: granian through backend/serve.py, else gunicorn."""
    return "granian" if (root / "backend" / "serve.py").exists() else "gunicorn"


def start_server(
    database: dict[str, str],
    *,
    workers: int | None = None,
    threads: int | None = None,
    root: Path = ROOT,
    url: str = API,
    **extra: str,
) -> subprocess.Popen:
    """The build's production server as `make serve` runs it (its defaults unless
    workers/threads): `python -m backend.serve` (granian) where the build has it, else
    gunicorn with the build's own gunicorn.conf.py."""
    kind = server_kind(root)
    sizes = {"WEB_CONCURRENCY": str(workers)} if workers else {}
    if threads:
        sizes["WEB_THREADS" if kind == "granian" else "GUNICORN_THREADS"] = str(threads)
    env = server_env(
        STANDIN,
        **database,
        # The in-process numbers include the state check; here each load thread
        # would otherwise need a third request per login.
        KAKAO_REQUIRE_STATE="0",
        # No access log from either server (each has its own switch).
        GUNICORN_ACCESSLOG="",
        ACCESS_LOG="0",
        SERVER_BIND=url.removeprefix("http://"),
        **sizes,
        **extra,
    )
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "GUNICORN_THREADS"):
        if name not in sizes and name not in extra:
            env.pop(name, None)
    if kind == "granian":
        command = [PY, "-m", "backend.serve"]
    else:
        command = [
            str(Path(PY).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            url.removeprefix("http://"),
            # No worker recycling during a measurement: a worker that exits takes its
            # CPU counters with it (the window's total would drop), and its successor
            # starts cold. (granian recycles none unless told to.)
            "--max-requests",
            "0",
            "backend.wsgi",
        ]
    # The child keeps its own copy of the descriptor.
    with open(LOGS / f"{kind}.log", "ab") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for(f"{url}/readyz", process)
    return process


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop(process)
    raise SystemExit(f"{url} did not come up (server output: {LOGS})")


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> None:
    """Stop a server and whatever it started: no worker may outlive its master."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.send_signal(how)
    try:
        # Longer than the servers' graceful timeout (30 s), after which they kill workers.
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    for child in children:
        try:
            child.kill()  # a worker stuck past its master's end
        except psutil.NoSuchProcess:
            pass


def server_cpu_seconds(master: psutil.Process) -> float:
    """User + system CPU of the server's main process and its workers, nothing else."""
    total = 0.0
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total
