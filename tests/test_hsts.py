"""HSTS: on by default with DEBUG off (a year), off with 0, sent only on secure requests."""

from __future__ import annotations

import importlib
import json

import pytest
from django.test import Client

from accounts.checks import check_configuration

YEAR = 365 * 24 * 3600


def me(**extra):
    return Client().post(
        "/graphql", json.dumps({"query": "{ me { id } }"}), content_type="application/json", **extra
    )


@pytest.mark.parametrize(
    ("environment", "seconds"),
    [({}, YEAR), ({"SECURE_HSTS_SECONDS": "0"}, 0), ({"DJANGO_DEBUG": "1"}, 0)],
)
def test_a_year_by_default_with_debug_off(monkeypatch, environment, seconds):
    import backend.settings as module

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.delenv("SECURE_HSTS_SECONDS", raising=False)
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        assert importlib.reload(module).SECURE_HSTS_SECONDS == seconds
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_sent_on_secure_requests_only():
    # The suite's settings are production's: DEBUG off, so the default year.
    assert me(secure=True)["Strict-Transport-Security"] == f"max-age={YEAR}"
    assert "Strict-Transport-Security" not in me()


def test_behind_a_tls_proxy_it_needs_the_proxy_header_trusted(settings):
    # Anyone can send X-Forwarded-Proto: without BEHIND_TLS_PROXY it is not believed...
    assert "Strict-Transport-Security" not in me(HTTP_X_FORWARDED_PROTO="https")
    # ...with it (SECURE_PROXY_SSL_HEADER), the proxy's word makes the request secure.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert me(HTTP_X_FORWARDED_PROTO="https")["Strict-Transport-Security"] == f"max-age={YEAR}"


def test_zero_turns_it_off_and_a_negative_value_is_refused(settings):
    settings.SECURE_HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in me(secure=True)
    assert "accounts.E025" not in [m.id for m in check_configuration()]
    settings.SECURE_HSTS_SECONDS = -1
    assert "accounts.E025" in [m.id for m in check_configuration()]
