"""A newcomer's first hour: the stand-in starts quietly and advises only what is missing,
its test people say what they are, it has a favicon, and the native example finds
`make run`'s servers through the same variables."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kakao_standin.identity import PRESETS
from kakao_standin.management.commands.kakao_standin import backend_advice
from kakao_standin.server import start_in_thread
from tests.test_devloop import clean_env

ROOT = Path(__file__).resolve().parent.parent
NATIVE_LOGIN = ROOT / "examples" / "native" / "native_login.py"


def test_the_standin_starts_without_the_backends_configuration_warnings():
    # given: `make standin` on a fresh machine, where the backend's Kakao settings are empty
    standin = subprocess.Popen(
        [sys.executable, "manage.py", "kakao_standin", "--port", "0"],
        cwd=ROOT,
        env=clean_env(DJANGO_DEBUG="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # when: it has said all it says at start-up (three lines, then it serves)
        said = [standin.stdout.readline() for _ in range(5)]
    finally:
        standin.terminate()
        rest, err = standin.communicate(timeout=30)
    out = "".join(said) + rest
    # then: no accounts.W001-W003 (they are about the backend), only how to pair the two
    assert "W00" not in err + out and "System check" not in err + out, err + out
    assert said[0].startswith("Kakao stand-in on http://127.0.0.1:"), out
    assert said[2].startswith("Kakao Sync service terms:"), out
    assert said[3].startswith("Logout redirect URIs:"), out
    assert said[4].startswith("Point the backend at it: KAKAO_AUTH_URL=http://127.0.0.1:"), out
    assert "KAKAO_ADMIN_KEY=dev-admin-key" in said[4]  # the public development default


def test_inside_make_run_the_standin_gives_no_advice_already_taken(settings):
    # given: the backend's settings as scripts/dev.sh exports them for this stand-in
    base = "http://127.0.0.1:8001"
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = base
    settings.KAKAO_REST_API_KEY = "dev-rest-api-key"
    settings.KAKAO_APP_ID = "1000001"
    settings.KAKAO_ADMIN_KEY = "dev-admin-key"
    settings.KAKAO_ID_TOKEN_AUDIENCES = ["dev-native-app-key", "dev-rest-api-key"]
    pairing = {
        "base": base,
        "client_id": "dev-rest-api-key",
        "app_id": 1000001,
        "admin_key": "dev-admin-key",
        "native_app_key": "dev-native-app-key",
    }
    assert backend_advice(**pairing) == (
        "The backend's settings in this environment already point at it."
    )
    # when one of them differs, only that one is advised
    settings.KAKAO_APP_ID = "42"
    assert backend_advice(**pairing) == "Point the backend at it: KAKAO_APP_ID=1000001"
    # an admin key of one's own is never echoed
    assert backend_advice(**{**pairing, "app_id": 42, "admin_key": "my-own-admin-key"}) == (
        "Point the backend at it: KAKAO_ADMIN_KEY=<the one given to the stand-in>"
    )


def test_dev_sh_pairs_the_standin_with_everything_it_would_advise():
    """What the stand-in would advise is what scripts/dev.sh exports (so it advises nothing)."""
    dev_sh = (ROOT / "scripts" / "dev.sh").read_text()
    advised = re.findall(
        r"KAKAO_[A-Z_]+(?==)",
        backend_advice(base="http://x", client_id="c", app_id=1, admin_key="a", native_app_key="n"),
    )
    assert advised
    for name in advised:
        assert re.search(rf"export (?:\w+=\S+ )*{name}=", dev_sh), f"dev.sh does not set {name}"


def test_preset_people_are_named_for_what_they_are():
    """A preset's name and label say whether Kakao calls its email verified."""
    assert PRESETS
    for person in PRESETS:
        name, label = person["nickname"], person["label"]
        if not person["email"]:
            assert "이메일없음" in name and "no email" in label
        elif person["email_verified"]:
            assert "미인증" not in name and "unverified" not in label
            assert "verified" in label
        else:
            # 미인증: not verified. ("이미인증", "already verified", once named this one.)
            assert "미인증" in name and "이미인증" not in name and "unverified" in label


def test_the_consent_page_shows_each_presets_label():
    server, base = start_in_thread(client_id="first-hour")
    try:
        page = requests.get(
            f"{base}/oauth/authorize",
            params={
                "client_id": "first-hour",
                "redirect_uri": "http://x/cb",
                "response_type": "code",
            },
            timeout=5,
        ).text
    finally:
        server.shutdown()
        server.server_close()
    for person in PRESETS:
        assert f"{person['nickname']} <small>{person['label']}</small>" in page


@pytest.mark.parametrize("path", ["/favicon.svg", "/favicon.ico"])
def test_the_standin_has_a_favicon_and_every_page_links_it(path):
    server, base = start_in_thread(client_id="first-hour")
    try:
        icon = requests.get(base + path, timeout=5)
        pages = [
            requests.get(base + page, timeout=5).text
            for page in ("/", "/_standin/connections", "/oauth/authorize?client_id=nope")
        ]
    finally:
        server.shutdown()
        server.server_close()
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.text.startswith("<svg ")
    for page in pages:
        assert '<link rel="icon" href="/favicon.svg"' in page


# --- examples/native/native_login.py --------------------------------------------


def native(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(NATIVE_LOGIN), *args],
        env=clean_env(COLUMNS="200", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_native_example_takes_its_defaults_from_make_runs_variables():
    shown = native({"PORT": "18080", "STANDIN_PORT": "18081"}, "--help").stdout
    assert "http://localhost:18080/graphql, from PORT" in shown
    assert "http://127.0.0.1:18081, from STANDIN_PORT" in shown
    shown = native({}, "--help").stdout
    assert "http://localhost:8000/graphql" in shown and "http://127.0.0.1:8001" in shown
    refused = native({"PORT": "eighty"})
    assert refused.returncode == 2
    assert "PORT='eighty' is not a port number" in refused.stderr


def test_the_native_example_is_shown_run_as_python3():
    """Debian has no `python`: every command that runs it says python3."""
    for document in (NATIVE_LOGIN, ROOT / "examples" / "native" / "README.md", ROOT / "README.md"):
        text = document.read_text()
        assert not re.search(r"(?<![\w/.])python (?:examples/native/)?native_login", text), document
    assert NATIVE_LOGIN.read_text().startswith("#!/usr/bin/env python3\n")


@pytest.mark.django_db(transaction=True)
def test_the_native_example_signs_in_against_servers_on_make_runs_ports(live_server, settings):
    # given: a backend (live_server) and a stand-in on ports of their own
    server, base = start_in_thread(client_id=settings.KAKAO_REST_API_KEY, app_id=1000001)
    settings.KAKAO_AUTH_URL = settings.KAKAO_API_URL = base
    settings.KAKAO_APP_ID = "1000001"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    api_port = live_server.url.rsplit(":", 1)[1]
    standin_port = base.rsplit(":", 1)[1]
    try:
        # when: run as the README says, with only PORT and STANDIN_PORT set
        result = native({"PORT": api_port, "STANDIN_PORT": standin_port})
    finally:
        server.shutdown()
        server.server_close()
    # then: login, refresh, logout, and the logged-out refresh refused
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"stand-in http://127.0.0.1:{standin_port}" in result.stdout
    assert f"kakaoLoginWithToken → http://localhost:{api_port}/graphql" in result.stdout
    assert "refused as it should be: INVALID_REFRESH_TOKEN" in result.stdout
