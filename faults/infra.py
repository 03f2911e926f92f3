"""The processes a fault run starts: the server (`make serve`'s launcher, granian), the Kakao
stand-in, Redis, PostgreSQL.

Every one is started in its own session (so Ctrl-C reaches only the runner, which
stops them) and registered with the Stack, which stops them all on any exit.
Nothing here talks to the machine's shared PostgreSQL or Redis.
"""

# ruff: noqa: S603 -- fixed argument lists for local tools; no shell, no user input.

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "faults" / "logs"
PY = sys.executable
CLIENT_ID = "faults-rest-api-key"
REDIRECT_URI = "http://localhost:5173/oauth/kakao/callback"
GENEROUS = "1000000/60"  # rate limits on (they use the cache) but never reached


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(
    url: str,
    seconds: float = 40,
    ok=lambda r: r.status_code < 500,
    process: subprocess.Popen | None = None,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode}); see faults/logs/")
        try:
            if ok(requests.get(url, timeout=2)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGCONT (a frozen process cannot exit), SIGTERM, then SIGKILL its whole group."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGCONT, signal.SIGTERM):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise RuntimeError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin")
    return found


class Postgres:
    """A throwaway cluster in a temporary directory, on a free port, socket in that directory."""

    def __init__(self, tmp: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir=tmp))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [_tool(args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command,
            cwd=self.dir,
            check=True,
            timeout=timeout,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():  # pg_ctl failed: kill the postmaster ourselves
            with contextlib.suppress(Exception):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """redis-server with no persistence, bound to loopback on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [_tool("redis-server"), "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1"],
            start_new_session=True,
            stdout=(LOGS / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


class HangServer:
    """Accepts connections and never answers: a Kakao that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="hang-server").start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


class Stack:
    """Everything started for one run, started lazily and stopped together."""

    def __init__(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="kakao-faults-"))
        # The postgres user must reach its directory inside (traverse only, no listing).
        os.chmod(self.tmp, 0o711)  # noqa: S103
        self.secret = secrets.token_urlsafe(48)  # one key: tokens work on every server
        self.processes: list[subprocess.Popen] = []
        self.servers: dict[str, str] = {}
        self.migrated: set[str] = set()
        self.standin_url = ""
        self.pg: Postgres | None = None
        self.redis: Redis | None = None
        self.hang: HangServer | None = None
        self.sqlite_url = f"sqlite:///{self.tmp / 'db.sqlite3'}"

    def _popen(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (LOGS / f"{name}.log").open("w")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
        )
        self.processes.append(process)
        return process

    def standin(self) -> str:
        if not self.standin_url:
            port = free_port()
            code = (
                "from kakao_standin.server import make_server; "
                f"make_server('127.0.0.1', {port}, client_id={CLIENT_ID!r}).serve_forever()"
            )
            process = self._popen("standin", [PY, "-c", code], dict(os.environ))
            self.standin_url = f"http://127.0.0.1:{port}"
            wait_http(f"{self.standin_url}/", process=process)
        return self.standin_url

    def postgres(self) -> Postgres:
        if self.pg is None:
            self.pg = Postgres(self.tmp)
            self.pg.init()
        return self.pg

    def redis_server(self) -> Redis:
        if self.redis is None:
            self.redis = Redis()
            self.redis.start()
        return self.redis

    def hang_server(self) -> HangServer:
        if self.hang is None:
            self.hang = HangServer()
        return self.hang

    def env(self, *, database_url: str, redis_url: str = "", kakao_url: str = "", **extra: str):
        """Production settings (DEBUG off) on our own database, cache and Kakao."""
        drop = ("DATABASE_", "REDIS_", "KAKAO_", "JWT_", "RATE_LIMIT_", "DJANGO_", "GUNICORN_")
        drop += ("SERVER_", "WEB_", "ACCESS_LOG", "METRICS_", "PROMETHEUS_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        kakao_url = kakao_url or self.standin()
        env.update(
            DJANGO_SETTINGS_MODULE="backend.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=self.secret,
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=database_url,
            KAKAO_REST_API_KEY=CLIENT_ID,
            KAKAO_AUTH_URL=kakao_url,
            KAKAO_API_URL=kakao_url,
            KAKAO_REDIRECT_URIS=REDIRECT_URI,
            KAKAO_REQUIRE_STATE="0",
            # Our stand-in (or hanging Kakao) on loopback over http with DEBUG off, which the
            # start-up checks refuse otherwise. Nothing else is relaxed: cookies stay Secure
            # (the clients here send theirs themselves).
            KAKAO_ALLOW_LOCAL_URLS="1",
            RATE_LIMIT_LOGIN_PER_IP=GENEROUS,
            RATE_LIMIT_LOGIN_PER_KAKAO_USER=GENEROUS,
            RATE_LIMIT_REFRESH_PER_IP=GENEROUS,
            WEB_CONCURRENCY="2",
            WEB_THREADS="16",
            ACCESS_LOG="0",
            LOG_LEVEL="WARNING",
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra)
        return env

    def migrate(self, env: dict[str, str]) -> None:
        if env["DATABASE_URL"] in self.migrated:
            return
        # The system checks run here too; their warnings (KAKAO_ALLOW_LOCAL_URLS is on, no
        # admin key) are expected, so they are shown only if migrate fails.
        result = subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=env, timeout=120, start_new_session=True, capture_output=True,
            text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{result.stderr[-3000:]}")
        self.migrated.add(env["DATABASE_URL"])

    def server(self, name: str, env: dict[str, str]) -> str:
        """The server as `make serve` runs it (python -m backend.serve) on a free port, started
        once per name."""
        if name not in self.servers:
            self.migrate(env)
            port = free_port()
            process = self._popen(
                f"serve-{name}",
                [PY, "-m", "backend.serve"],
                {**env, "SERVER_BIND": f"127.0.0.1:{port}"},
            )
            url = f"http://127.0.0.1:{port}"
            wait_http(f"{url}/readyz", ok=lambda r: r.status_code == 200, process=process)
            self.servers[name] = url
        return self.servers[name]

    def close(self) -> None:
        # Every server told to stop first, then waited for: their shutdowns overlap.
        for process in self.processes:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sig)
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                stop_process(process)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                self.redis.stop()
        if self.pg is not None:
            self.pg.close()
        if self.hang is not None:
            self.hang.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
