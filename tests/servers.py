"""gunicorn as production runs it (gunicorn.conf.py, DEBUG off), for the tests that need it."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET_KEY = "production-shaped-secret-key-0123456789-abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**overrides: str) -> dict[str, str]:
    """This environment minus every setting of ours, plus a good production configuration."""
    ours = ("DJANGO_", "KAKAO_", "CORS_", "DATABASE_", "REDIS_", "JWT_", "GRAPHIQL_", "GRAPHQL_")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith((*ours, "RATE_LIMIT_", "ADMIN_", "SECURE_", "GUNICORN_", "MAKE"))
        and name not in {"WEB_CONCURRENCY", "TRUSTED_PROXY_COUNT", "BEHIND_TLS_PROXY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
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
