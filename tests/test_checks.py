"""Start-up checks: each refuses a bad configuration and accepts a good one."""

from __future__ import annotations

import pytest

from accounts.checks import check_configuration


def ids() -> list[str]:
    return [message.id for message in check_configuration()]


def test_suite_configuration_is_clean():
    assert [i for i in ids() if i.startswith("accounts.E")] == []


@pytest.mark.parametrize(
    ("name", "bad", "error"),
    [
        ("SECRET_KEY", "short", "accounts.E001"),
        ("JWT_COOKIE_SAMESITE", "Sometimes", "accounts.E002"),
        ("KAKAO_REDIRECT_URIS", ["/relative/callback"], "accounts.E004"),
        ("KAKAO_AUTH_URL", "ftp://kauth.kakao.com", "accounts.E005"),
        ("KAKAO_API_URL", "http://kapi.kakao.com", "accounts.E006"),
        ("KAKAO_TIMEOUT_SECONDS", 0, "accounts.E007"),
        ("KAKAO_TIMEOUT_SECONDS", 120, "accounts.E007"),
        ("TRUSTED_PROXY_COUNT", -1, "accounts.E009"),
        ("ALLOWED_HOSTS", ["*"], "accounts.E010"),
        ("CORS_ALLOWED_ORIGINS", ["*"], "accounts.E011"),
        ("CORS_ALLOW_ALL_ORIGINS", True, "accounts.E011"),
        ("JWT_COOKIE_SECURE", False, "accounts.E012"),
        ("GRAPHIQL_ENABLED", True, "accounts.E013"),
        ("KAKAO_REQUIRED_SERVICE_TERMS", ["tos", "no spaces"], "accounts.E019"),
        ("KAKAO_REQUIRED_SERVICE_TERMS", ["tos"], "accounts.E020"),  # no admin key
        ("KAKAO_CONSENT_MAX_AGE_SECONDS", -1, "accounts.E021"),
        ("REAUTHENTICATION_MAX_AGE_SECONDS", 5, "accounts.E022"),
        ("REAUTHENTICATION_MAX_AGE_SECONDS", 7 * 24 * 3600, "accounts.E022"),
        ("KAKAO_LOGOUT_REDIRECT_URIS", ["/signed-out"], "accounts.E023"),
    ],
)
def test_bad_value_is_an_error(settings, name, bad, error):
    assert error not in ids()
    setattr(settings, name, bad)
    assert error in ids()


def test_samesite_none_needs_secure(settings):
    settings.JWT_COOKIE_SAMESITE = "None"
    assert "accounts.E003" not in ids()
    settings.JWT_COOKIE_SECURE = False
    assert "accounts.E003" in ids()


def test_graphiql_in_production_can_be_intended(settings):
    settings.GRAPHIQL_ENABLED = True
    settings.GRAPHIQL_IN_PRODUCTION = True
    assert "accounts.E013" not in ids()


def test_debug_relaxes_production_rules(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["*"]
    settings.JWT_COOKIE_SECURE = False
    settings.KAKAO_AUTH_URL = "http://127.0.0.1:8001"
    assert [i for i in ids() if i.startswith("accounts.E")] == []


def test_debug_allows_a_reauthentication_window_of_seconds(settings):
    settings.REAUTHENTICATION_MAX_AGE_SECONDS = 5
    assert "accounts.E022" in ids()  # production: a minute at least
    settings.DEBUG = True
    assert "accounts.E022" not in ids()
    settings.REAUTHENTICATION_MAX_AGE_SECONDS = 0
    assert "accounts.E022" in ids()


def test_missing_kakao_key_is_a_warning_not_an_error(settings):
    settings.KAKAO_REST_API_KEY = ""
    assert "accounts.W001" in ids()


def test_missing_secret_key_refuses_to_start_without_debug(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAKAO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_missing_app_id_is_a_warning_and_a_wrong_one_an_error(settings):
    settings.KAKAO_APP_ID = ""
    assert "accounts.W003" in ids()
    settings.KAKAO_APP_ID = "my-app"
    assert "accounts.E015" in ids()


@pytest.mark.parametrize("seconds", [-1, 61])
def test_reuse_window_is_bounded(settings, seconds):
    settings.JWT_REFRESH_REUSE_SECONDS = seconds
    assert "accounts.E017" in ids()


def test_pkce_off_without_oidc_is_a_warning(settings):
    assert "accounts.W005" not in ids()
    settings.KAKAO_PKCE = False
    assert "accounts.W005" in ids()
    # The id_token's nonce bound to the state is a local defence of its own.
    settings.KAKAO_OIDC = True
    assert "accounts.W005" not in ids()


def test_kakao_pkce_is_on_unless_switched_off(monkeypatch):
    import importlib

    import backend.settings as module

    try:
        monkeypatch.delenv("KAKAO_PKCE", raising=False)
        assert importlib.reload(module).KAKAO_PKCE is True
        monkeypatch.setenv("KAKAO_PKCE", "0")
        assert importlib.reload(module).KAKAO_PKCE is False
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_required_service_terms_with_an_admin_key_are_fine(settings):
    settings.KAKAO_ADMIN_KEY = "admin-key-0123456789"
    settings.KAKAO_REQUIRED_SERVICE_TERMS = ["tos", "privacy"]
    settings.KAKAO_LOGOUT_REDIRECT_URIS = ["https://app.example.com/signed-out"]
    assert [i for i in ids() if i.startswith("accounts.E")] == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"SECURITY_EVENTS_RETENTION_DAYS": 0}, "accounts.E026"),
        ({"SECURITY_EVENTS_RETENTION_DAYS": 30}, "accounts.W006"),
        ({"METRICS_TOKEN": "short"}, "accounts.E027"),
        ({"METRICS_TOKEN": "has spaces in it but long enough"}, "accounts.E027"),
        ({"METRICS_ALLOWED_IPS": ["10.0.0.0/8", "not-an-address"]}, "accounts.E028"),
        ({"METRICS_ENABLED": True}, "accounts.E029"),
        ({"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/prometheus"}, "accounts.E030"),
    ],
)
def test_security_events_and_metrics_settings_are_checked(settings, changes, error):
    assert error not in ids()
    for name, value in changes.items():
        setattr(settings, name, value)
    assert error in ids()


def test_metrics_with_a_token_or_addresses_start(settings, tmp_path):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = "a-long-enough-metrics-token"
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    assert [i for i in ids() if i.startswith("accounts.E")] == []
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
    assert [i for i in ids() if i.startswith("accounts.E")] == []


def test_a_bad_metrics_token_is_not_echoed(settings):
    settings.METRICS_TOKEN = "s3cret token"
    assert all("s3cret" not in message.msg for message in check_configuration())


@pytest.mark.parametrize(
    "name",
    [
        "GRAPHQL_MAX_QUERY_BYTES",
        "GRAPHQL_MAX_TOKENS",
        "GRAPHQL_MAX_DEPTH",
        "GRAPHQL_MAX_ALIASES",
        "GRAPHQL_MAX_DIRECTIVES",
        "GRAPHQL_MAX_COST",
    ],
)
@pytest.mark.parametrize("bad", [0, -1, 2.5, "100", True])
def test_graphql_limits_must_be_positive_whole_numbers(settings, name, bad):
    assert "accounts.E018" not in ids()
    setattr(settings, name, bad)
    assert "accounts.E018" in ids()
