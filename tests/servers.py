"""The production server, DEBUG off, for the tests that need one: ``serve`` runs it as `make serve`
does (``python -m backend.serve``: granian), ``gunicorn`` as gunicorn.conf.py (still supported)."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SERVE = [sys.executable, "-m", "backend.serve"]
SECRET_KEY = "production-shaped-secret-key-0123456789-abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**overrides: str) -> dict[str, str]:
    """This environment minus every setting of ours, plus a good production configuration."""
    ours = ("DJANGO_", "KAKAO_", "CORS_", "DATABASE_", "REDIS_", "JWT_", "GRAPHIQL_", "GRAPHQL_")
    servers = ("GUNICORN_", "SERVER_", "WEB_", "METRICS_", "PROMETHEUS_")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith((*ours, *servers, "RATE_LIMIT_", "ADMIN_", "SECURE_", "MAKE"))
        and name not in {"TRUSTED_PROXY_COUNT", "BEHIND_TLS_PROXY", "ACCESS_LOG", "PORT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
        GUNICORN_THREADS="4",
        # No access log (the launcher's default is on, gunicorn.conf.py's too).
        ACCESS_LOG="0",
        GUNICORN_ACCESSLOG="",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """A gunicorn on a free port, ready (``/readyz`` 200); its URL. Stopped afterwards."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "backend.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited: {log.read_text()[-3000:]}"
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"gunicorn not ready: {log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=40)


def start_refused(
    env: dict[str, str], command: list[str] | None = None, port: int | None = None
) -> tuple[subprocess.CompletedProcess, list[str], int]:
    """A server that should refuse to start (``python -m backend.serve`` unless ``command``),
    run to its end on a free port (SERVER_BIND, GUNICORN_BIND unless in ``env``); every
    connection it accepted, knocking from its start to its exit; the port."""
    port = port or free_port()
    env = {"SERVER_BIND": f"127.0.0.1:{port}", "GUNICORN_BIND": f"127.0.0.1:{port}", **env}
    accepted: list[str] = []
    done = threading.Event()

    def knock() -> None:  # from the start until the server has exited: did anything listen?
        while not done.is_set():
            with socket.socket() as sock:
                sock.settimeout(0.2)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    accepted.append(f"connected to {port}")
            time.sleep(0.01)

    knocker = threading.Thread(target=knock)
    knocker.start()
    process = subprocess.Popen(
        command or SERVE,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    try:  # until it exits; should it listen, it is stopped at once
        while process.poll() is None and not accepted and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        knocker.join()
        leftover = stop_serve(process, timeout=2)
    stdout, stderr = process.communicate(timeout=10)
    assert not leftover, f"it did not exit: {accepted}, {stdout[-2000:]}, {stderr[-2000:]}"
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return result, accepted, port


# --- `make serve`: python -m backend.serve (granian, its workers forked from it) ----------


def proc_stat() -> dict[int, list[str]]:
    """pid → the fields of /proc/<pid>/stat after the command name, for every process.

    [0] state, [1] parent pid, [2] process group, [19] start time (clock ticks).
    """
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # The command name is in parentheses and may hold spaces; the fields follow it.
        table[int(entry.name)] = stat[stat.rindex(")") + 2 :].split()
    return table


def processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, process group, state) of every process."""
    return {pid: (int(f[1]), int(f[2]), f[0]) for pid, f in proc_stat().items()}


def workers(master: int) -> set[int]:
    """The server's running worker processes: its master's children (zombies are not)."""
    return {
        pid for pid, (parent, _, state) in processes().items() if parent == master and state != "Z"
    }


def in_group(group: int) -> set[int]:
    """The running processes of a process group (the launcher's own: its master and workers)."""
    return {pid for pid, (_, pgid, state) in processes().items() if pgid == group and state != "Z"}


def start_serve(
    env: dict[str, str], log: Path, ready_seconds: float = 60
) -> tuple[subprocess.Popen, str]:
    """``python -m backend.serve`` on a free port (SERVER_BIND), in a process group of its own,
    stdout (granian's lines) and stderr (the app's) appended to ``log``; ready once /readyz
    answers 200 and every worker (WEB_CONCURRENCY) has been forked. The process and its URL."""
    port = free_port()
    env = {"SERVER_GRACEFUL_TIMEOUT": "10", **env, "SERVER_BIND": f"127.0.0.1:{port}"}
    expected_workers = int(env.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
    with log.open("a") as output:
        process = subprocess.Popen(
            SERVE,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            assert process.poll() is None, f"the server exited: {log.read_text()[-3000:]}"
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if (
                    requests.get(f"{url}/readyz", timeout=2).status_code == 200
                    and len(workers(process.pid)) >= expected_workers
                ):
                    break
            assert time.monotonic() < deadline, f"the server not ready: {log.read_text()[-3000:]}"
            time.sleep(0.2)
    except BaseException:
        stop_serve(process, timeout=5)
        raise
    return process, url


def stop_serve(process: subprocess.Popen, timeout: float) -> set[int]:
    """SIGTERM to the master (as a process manager stops it), ``timeout`` seconds for it to
    exit; then SIGKILL to whatever is left of its process group. The pids that had to be
    killed: a worker among them outlived its master."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    leftover = in_group(process.pid)
    if leftover or process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    return leftover


@contextlib.contextmanager
def serve_process(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`make serve`'s server (``python -m backend.serve``), ready, on a free port: its master
    process and URL.

    Stopped afterwards with SIGTERM; it must exit 0 within SERVER_GRACEFUL_TIMEOUT (10 here)
    and a few seconds, its workers with it: none may outlive the test.
    """
    process, url = start_serve(env, log)
    graceful = float({"SERVER_GRACEFUL_TIMEOUT": "10", **env}["SERVER_GRACEFUL_TIMEOUT"])
    try:
        yield process, url
    finally:
        leftover = stop_serve(process, timeout=graceful + 10)
    assert not leftover, f"still running after the server was stopped: {sorted(leftover)}"
    assert process.returncode == 0, f"exit {process.returncode}: {log.read_text()[-3000:]}"


@contextlib.contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """``serve_process``'s URL."""
    with serve_process(env, log) as (_, url):
        yield url


class LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """A browser's view of http://127.0.0.1: a secure context, so Secure cookies go back.

    requests sends cookies through a fresh jar with the default policy, which keeps Secure
    cookies for https; so a Secure cookie from a loopback host is stored without the mark.
    """

    def set_ok(self, cookie, request) -> bool:
        if request.host.split(":")[0] in ("127.0.0.1", "localhost"):
            cookie.secure = False
        return super().set_ok(cookie, request)


def browser() -> requests.Session:
    """A session that keeps cookies as a browser on this machine would."""
    session = requests.Session()
    session.cookies.set_policy(LoopbackIsSecure())
    return session
