"""Production refuses to run misconfigured, in the process that serves: the server itself.

Each bad setting starts the real server as `make serve` runs it (python -m backend.serve,
DEBUG off) on a free port: it must exit 1 before it listens, printing the system checks' own
one-line messages (those of `manage.py check`), and nothing may ever answer on that port.
gunicorn (gunicorn.conf.py, still supported) refuses the same way.
"""

from __future__ import annotations

import subprocess
import sys

import jwt
import pytest
import requests

from tests.servers import GUNICORN, ROOT, migrate, production_env, serve, start_refused

WEAK_KEY = {"DJANGO_SECRET_KEY": "abc"}
ANY_HOST = {"DJANGO_ALLOWED_HOSTS": "*"}
GRAPHIQL = {"GRAPHIQL_ENABLED": "1", "GRAPHQL_INTROSPECTION": "1"}
INSECURE_COOKIES = {"JWT_COOKIE_SECURE": "0"}
LOCAL_KAKAO = {"KAKAO_AUTH_URL": "http://127.0.0.1:9", "KAKAO_API_URL": "http://127.0.0.1:9"}

E001 = "(accounts.E001) DJANGO_SECRET_KEY must be at least 32 characters when DEBUG is off."
E010 = "(accounts.E010) DJANGO_ALLOWED_HOSTS must not contain * in production."
E012 = "(accounts.E012) JWT_COOKIE_SECURE must be on in production (cookies carry sessions)."
E013 = (
    "(accounts.E013) GraphiQL is on with DEBUG off; "
    "set GRAPHIQL_IN_PRODUCTION=1 if that is intended."
)
E006_AUTH = "(accounts.E006) KAKAO_AUTH_URL must use https when DEBUG is off."
E006_API = "(accounts.E006) KAKAO_API_URL must use https when DEBUG is off."
LOOPBACK_AUTH = "(kakao_standin.E001) KAKAO_AUTH_URL points at a loopback address"
LOOPBACK_API = "(kakao_standin.E001) KAKAO_API_URL points at a loopback address"


GUNICORN_COMMAND = [GUNICORN, "-c", "gunicorn.conf.py", "backend.wsgi"]


EACH_BAD_SETTING = pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (WEAK_KEY, [E001]),
        (ANY_HOST, [E010]),
        (GRAPHIQL, [E013]),
        (INSECURE_COOKIES, [E012]),
        (LOCAL_KAKAO, [E006_AUTH, E006_API, LOOPBACK_AUTH, LOOPBACK_API]),
    ],
    ids=["weak-secret-key", "allowed-hosts-star", "graphiql-on", "insecure-cookies", "local-kakao"],
)


def assert_refused(
    result: subprocess.CompletedProcess, accepted: list, expected: list[str]
) -> None:
    assert result.returncode == 1, result.stderr[-3000:]
    assert accepted == []
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected), lines
    for message in expected:
        assert [line.startswith(f"Configuration error: {message}") for line in lines].count(
            True
        ) == 1


@EACH_BAD_SETTING
def test_the_server_refuses_each_bad_setting_before_it_listens(bad, expected):
    result, accepted, _port = start_refused(production_env(**bad))
    assert_refused(result, accepted, expected)
    # granian says "Starting granian", "Listening at" and "Spawning worker" on stdout: none.
    assert result.stdout == ""


def test_a_refused_start_leaves_no_metrics_directory_behind(tmp_path):
    # With metrics on and no PROMETHEUS_MULTIPROC_DIR, the launcher makes one (in TMPDIR)
    # before it loads the app; when the checks refuse the start, it must remove it again.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = production_env(
        **WEAK_KEY, METRICS_ENABLED="1", METRICS_TOKEN="t" * 32, TMPDIR=str(temporary)
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result, accepted, _port = start_refused(env)
    assert_refused(result, accepted, [E001])
    assert list(temporary.iterdir()) == []


@EACH_BAD_SETTING
def test_gunicorn_refuses_each_bad_setting_before_it_listens(bad, expected):
    result, accepted, _port = start_refused(production_env(**bad), GUNICORN_COMMAND)
    assert_refused(result, accepted, expected)
    assert "Listening at" not in result.stderr and "Booting worker" not in result.stderr


def test_the_same_lines_as_manage_py_check_and_no_forged_token_served():
    # given: the environment, every mistake at once
    env = production_env(**WEAK_KEY, **ANY_HOST, **GRAPHIQL, **INSECURE_COOKIES)
    check = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert check.returncode == 1
    from_check = [  # its errors: manage.py check lists warnings too (in a section of their own)
        line.removeprefix("?: ")
        for line in check.stderr.split("WARNINGS:")[0].splitlines()
        if line.startswith("?: (")
    ]
    assert sorted(from_check) == sorted([E001, E010, E012, E013])
    # when
    result, accepted, port = start_refused(env)
    # then: the same messages, one line each, and nobody ever answered
    assert result.returncode == 1 and accepted == []
    served = [line.removeprefix("Configuration error: ") for line in result.stderr.splitlines()]
    assert served == from_check
    # A token forged with the weak key finds no server to accept it.
    forged = jwt.encode({"username": "admin", "sid": "x", "exp": 2**40}, "abc", "HS256")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {forged}"},
            timeout=2,
        )


def test_a_good_configuration_serves_and_local_kakao_is_allowed_only_when_asked(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(env)
    with serve(env, tmp_path / "good.log") as url:
        ready = requests.get(f"{url}/readyz", timeout=5).json()
        assert ready["status"] == "ok" and ready["cache_backend"] == "database"
    assert "accounts.W004" not in (tmp_path / "good.log").read_text()
    # The benchmarks' and fault tests' switch: the stand-in on loopback over http, said so.
    local = {**env, **LOCAL_KAKAO, "KAKAO_ALLOW_LOCAL_URLS": "1"}
    with serve(local, tmp_path / "local.log") as url:
        assert requests.get(f"{url}/readyz", timeout=5).status_code == 200
    log = (tmp_path / "local.log").read_text()
    assert "system_check (accounts.W004) KAKAO_ALLOW_LOCAL_URLS is on" in log
    # ...and it relaxes nothing else: the same switch with insecure cookies is refused.
    result, accepted, _port = start_refused({**local, **INSECURE_COOKIES})
    assert result.returncode == 1 and accepted == []
    assert [line.split(" ", 3)[2] for line in result.stderr.splitlines()] == ["(accounts.E012)"]


def test_the_local_switch_allows_plain_http_only_on_loopback():
    env = production_env(
        KAKAO_ALLOW_LOCAL_URLS="1",
        KAKAO_AUTH_URL="http://kauth.example.com",
        KAKAO_API_URL="http://127.0.0.1:9",
    )
    result, accepted, _port = start_refused(env)
    assert result.returncode == 1 and accepted == []
    assert result.stderr.splitlines() == [f"Configuration error: {E006_AUTH}"]


# --- the checks themselves -------------------------------------------------------------


def check_ids() -> list[str]:
    from django.core import checks

    return [message.id for message in checks.run_checks()]


# Django 6 runs the database-dependent model checks too (the JSONField's), as at start-up.
@pytest.mark.django_db
def test_the_local_switch_relaxes_loopback_kakao_urls_and_nothing_else(settings):
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = "http://127.0.0.1:8001"
    refused = check_ids()
    assert "accounts.E006" in refused and "kakao_standin.E001" in refused
    settings.KAKAO_ALLOW_LOCAL_URLS = True
    allowed = check_ids()
    assert "accounts.E006" not in allowed and "kakao_standin.E001" not in allowed
    assert "accounts.W004" in allowed  # said at every start
    settings.KAKAO_AUTH_URL = "http://kauth.example.com"  # not loopback: https still
    assert "accounts.E006" in check_ids()
    settings.KAKAO_AUTH_URL = "https://kauth.kakao.com"
    settings.JWT_COOKIE_SECURE = False
    settings.ALLOWED_HOSTS = ["*"]
    assert {"accounts.E010", "accounts.E012"} <= set(check_ids())


@pytest.mark.django_db
def test_the_admin_lockout_settings_must_be_positive(settings):
    assert "accounts.E024" not in check_ids()
    settings.ADMIN_LOGIN_MAX_FAILURES = 0
    assert "accounts.E024" in check_ids()
    settings.ADMIN_LOGIN_MAX_FAILURES = 10
    settings.ADMIN_LOGIN_WINDOW_SECONDS = 0
    assert "accounts.E024" in check_ids()
