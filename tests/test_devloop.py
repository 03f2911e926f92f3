"""The newcomer's first half hour: start-up errors in one line, `make run` starts and stops."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import proc_stat

ROOT = Path(__file__).resolve().parent.parent
DEV_SH = ROOT / "scripts" / "dev.sh"


def clean_env(**overrides: str) -> dict[str, str]:
    """This environment minus every Django setting and an enclosing make's choices."""
    # pytest-django exports its settings module; `PYTHON=… make test` would reach a nested
    # make through the environment and MAKEFLAGS.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KAKAO_", "CORS_", "DATABASE_", "REDIS_", "MAKE"))
        and name not in {"MFLAGS", "PYTHON", "VENV"}
    }
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


SECRET_KEY_MISSING = (
    "Configuration error: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
    "(set DJANGO_DEBUG=1 for local development)."
)


@pytest.mark.parametrize(
    ("command", "env", "message"),
    [
        (["check"], {}, SECRET_KEY_MISSING),
        (["migrate", "--plan"], {}, SECRET_KEY_MISSING),
        (["help"], {}, SECRET_KEY_MISSING),
        (
            ["check"],
            {"DJANGO_DEBUG": "maybe"},
            "Configuration error: DJANGO_DEBUG must be a boolean (1/0, true/false), got 'maybe'",
        ),
        (
            ["runserver"],
            {"DJANGO_DEBUG": "1", "JWT_ACCESS_TTL_SECONDS": "soon"},
            "Configuration error: JWT_ACCESS_TTL_SECONDS must be an integer, got 'soon'",
        ),
    ],
)
def test_a_bad_setting_is_one_line_not_a_traceback(command, env, message):
    result = run([sys.executable, "manage.py", *command], clean_env(**env))
    assert result.returncode == 1
    assert result.stderr == message + "\n"
    assert result.stdout == ""


def test_gunicorn_stops_on_a_bad_setting_with_one_line(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = clean_env(GUNICORN_BIND=f"127.0.0.1:{free_port()}", WEB_CONCURRENCY="1")
    result = run([str(gunicorn), "-c", "gunicorn.conf.py", "backend.wsgi"], env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [SECRET_KEY_MISSING]


def test_make_serves_server_stops_on_a_bad_setting_with_one_line():
    # `python -m backend.serve` (granian): the same line, before granian starts (stdout is
    # where granian would say "Starting granian" and "Listening at").
    env = clean_env(SERVER_BIND=f"127.0.0.1:{free_port()}", WEB_CONCURRENCY="1")
    result = run([sys.executable, "-m", "backend.serve"], env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [SECRET_KEY_MISSING]
    assert result.stdout == ""


def test_a_good_configuration_still_starts():
    result = run([sys.executable, "manage.py", "check"], clean_env(DJANGO_DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert "Configuration error" not in result.stderr


# --- scripts/dev.sh (`make run`) ---------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def processes() -> dict[int, tuple[int, str, str]]:
    """pid → (parent pid, state, start time) of every process."""
    return {pid: (int(f[1]), f[0], f[19]) for pid, f in proc_stat().items()}


def descendants(pid: int) -> dict[int, str]:
    """pid → start time of every living descendant of pid."""
    table = processes()
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, state, started) in table.items():
            if ppid == parent and child not in found and state != "Z":
                found[child] = started
                frontier.append(child)
    return found


def still_running(pids: dict[int, str]) -> list[int]:
    table = processes()
    return [
        pid
        for pid, started in pids.items()
        if pid in table and table[pid][2] == started and table[pid][1] != "Z"
    ]


def dev_env(tmp_path: Path, ports: dict[str, int], run_app: bool) -> dict[str, str]:
    """dev.sh's environment; with run_app it decides itself (Node new enough)."""
    env = clean_env(
        PY=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        START_TIMEOUT="30",
        **{name: str(port) for name, port in ports.items()},
    )
    env.pop("RUN_APP", None)
    if not run_app:
        env["RUN_APP"] = "0"
    return env


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_dev_sh_starts_everything_and_a_sigterm_stops_every_child(tmp_path):
    # Vite only where it can start offline: node_modules installed from this lockfile
    # (`make e2e` and `make run` install it); otherwise dev.sh would run npm ci.
    app = ROOT / "examples" / "apollo"
    installed = app / "node_modules" / ".package-lock.json"
    run_app = (
        shutil.which("npm") is not None
        and installed.exists()
        and installed.stat().st_mtime > (app / "package-lock.json").stat().st_mtime
    )
    ports = {"PORT": free_port(), "STANDIN_PORT": free_port(), "APP_PORT": free_port()}
    log = (tmp_path / "dev.log").open("w+")
    dev = subprocess.Popen(
        ["bash", str(DEV_SH)],
        cwd=ROOT,
        env=dev_env(tmp_path, ports, run_app),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 45
        while "Ctrl-C stops everything." not in (tmp_path / "dev.log").read_text():
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "dev.log").read_text()
            time.sleep(0.2)
        banner = (tmp_path / "dev.log").read_text()
        assert f"http://localhost:{ports['PORT']}/graphql" in banner
        # Everything is configured: no warning, and no advice to set what dev.sh has set.
        assert "WARNINGS" not in banner and "Point the backend at it" not in banner, banner
        assert "The backend's settings in this environment already point at it." in banner
        # Node new enough for Vite (the stand-in's own lines name the app's URL too)
        app_ran = f"Example app      http://localhost:{ports['APP_PORT']}" in banner
        listening = [port for name, port in ports.items() if app_ran or name != "APP_PORT"]
        # The banner comes only once the servers answer.
        for port in listening:
            assert not port_is_free(port)
        both_spellings_reach_the_api(ports)
        graphiql_signs_in_through_its_callback(ports, tmp_path / "dev.log")
        children = descendants(dev.pid)
        assert len(children) >= 3 + app_ran  # stand-in, runserver and its reloaded child
        # When: dev.sh alone is told to stop.
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=15) != 0
    finally:
        if dev.poll() is None:  # a failed assertion: still leave nothing behind
            dev.terminate()
            dev.wait(timeout=15)
        log.close()
    # Then: every child is gone and every port is free again.
    deadline = time.monotonic() + 5
    while still_running(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert still_running(children) == []
    assert all(port_is_free(port) for port in listening)


AUTHORIZE = "mutation($uri: String) { kakaoAuthorize(redirectUri: $uri) { url errors { code } } }"


def both_spellings_reach_the_api(ports: dict[str, int]) -> None:
    """The app opened as localhost or as 127.0.0.1: CORS allows it, its redirect URI is known."""
    app_port = ports["APP_PORT"]
    api = f"http://127.0.0.1:{ports['PORT']}/graphql"
    for host in ("localhost", "127.0.0.1"):
        origin = f"http://{host}:{app_port}"
        preflight = urllib.request.Request(
            api,
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        with urllib.request.urlopen(preflight, timeout=10) as response:
            assert response.headers["Access-Control-Allow-Origin"] == origin
        variables = {"uri": f"{origin}/oauth/kakao/callback"}
        start = urllib.request.Request(
            api,
            data=json.dumps({"query": AUTHORIZE, "variables": variables}).encode(),
            headers={"Content-Type": "application/json", "Origin": origin},
        )
        with urllib.request.urlopen(start, timeout=10) as response:
            answer = json.load(response)["data"]["kakaoAuthorize"]
        assert answer["errors"] == [] and answer["url"].startswith(
            f"http://127.0.0.1:{ports['STANDIN_PORT']}/oauth/authorize?"
        )


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def graphiql_signs_in_through_its_callback(ports: dict[str, int], log: Path) -> None:
    """make run registers GraphiQL's callback on both spellings; runserver logs no code."""
    api = ports["PORT"]
    for host in ("localhost", "127.0.0.1"):
        callback = f"http://{host}:{api}/graphiql/callback"
        start = urllib.request.Request(
            f"http://{host}:{api}/graphql",
            data=json.dumps({"query": AUTHORIZE, "variables": {"uri": callback}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(start, timeout=10) as response:
            assert json.load(response)["data"]["kakaoAuthorize"]["errors"] == []
    code = "dev-loop-code-SECRET-0123456789"
    opener = urllib.request.build_opener(NoRedirects)
    with pytest.raises(urllib.error.HTTPError) as handed:
        opener.open(f"http://localhost:{api}/graphiql/callback?code={code}&state=s", timeout=10)
    assert handed.value.code == 302
    assert handed.value.headers["Location"].startswith("/graphql#query=")
    deadline = time.monotonic() + 5
    while '"GET /graphiql/callback HTTP/1.1" 302' not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    assert code not in log.read_text()


def test_debug_allows_both_spellings_of_the_local_dev_origins(monkeypatch):
    import importlib

    import backend.settings as module

    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    try:
        origins = importlib.reload(module).CORS_ALLOWED_ORIGINS
        assert origins == [
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            "http://localhost:5173",
            "http://127.0.0.1:5173",
        ]
        monkeypatch.setenv("DJANGO_DEBUG", "0")
        assert importlib.reload(module).CORS_ALLOWED_ORIGINS == []
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_dev_sh_checks_its_ports_before_starting_anything(tmp_path):
    ports = {"PORT": free_port(), "STANDIN_PORT": free_port()}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["STANDIN_PORT"]))
        busy.listen()
        result = run(["bash", str(DEV_SH)], dev_env(tmp_path, ports, run_app=False))
    assert result.returncode == 1
    assert result.stderr == (
        f"port {ports['STANDIN_PORT']} is in use (set STANDIN_PORT=… to use another)\n"
    )
    assert not (tmp_path / "db.sqlite3").exists()  # not even migrate ran
