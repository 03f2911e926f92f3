"""The admin's login form under password guessing: locked per address and per username."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from accounts.models import User

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(username="admin", email="", password=PASSWORD)


def attempt(username: str, password: str, *, ip: str = "198.51.100.7", **headers):
    return Client().post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_ten_failures_from_one_address_lock_it_even_for_the_right_password(admin_user):
    # given: ten wrong guesses from one address, each for another username
    for i in range(10):
        response = attempt(f"guess{i}", "wrong")
        assert response.status_code == 200 and b"Please enter the correct" in response.content
    # when / then: that address is refused, the right password included, the form too
    locked = attempt("admin", PASSWORD)
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert b"Too many failed logins" in locked.content
    assert Client().get(LOGIN, REMOTE_ADDR="198.51.100.7").status_code == 429
    # ...while the admin signs in from elsewhere
    assert signed_in(attempt("admin", PASSWORD, ip="203.0.113.9"))


def test_ten_failures_for_one_username_lock_it_from_every_address(admin_user):
    User.objects.create_user(username="staff", password=PASSWORD, is_staff=True)
    for i in range(10):
        assert attempt("admin", "wrong", ip=f"198.51.100.{i + 1}").status_code == 200
    # a new address, the right password: still refused for that username
    assert attempt("admin", PASSWORD, ip="203.0.113.9").status_code == 429
    assert attempt(" ADMIN ", PASSWORD, ip="203.0.113.9").status_code == 429
    # the form is not locked for the address, nor another username
    assert Client().get(LOGIN, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert signed_in(attempt("staff", PASSWORD, ip="203.0.113.9"))


def test_nine_failures_and_successes_do_not_lock(admin_user):
    for _ in range(9):
        assert attempt("admin", "wrong").status_code == 200
    for _ in range(3):
        assert signed_in(attempt("admin", PASSWORD))  # a success counts as no failure
    assert signed_in(attempt("admin", PASSWORD))
    assert attempt("admin", "wrong").status_code == 200  # the tenth failure
    assert attempt("admin", PASSWORD).status_code == 429


def test_an_incomplete_form_is_no_failure(admin_user):
    for _ in range(12):
        assert attempt("admin", "").status_code == 200  # no password check happened
    assert signed_in(attempt("admin", PASSWORD))


def test_the_lock_ends_with_its_window(admin_user, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    settings.ADMIN_LOGIN_WINDOW_SECONDS = 2  # DB cache expiries are whole seconds: > 1 s left
    assert attempt("admin", "wrong").status_code == 200
    assert attempt("admin", "wrong").status_code == 200
    assert attempt("admin", PASSWORD).status_code == 429
    time.sleep(2.1)
    assert signed_in(attempt("admin", PASSWORD))


def test_the_address_is_the_one_the_rate_limits_see(admin_user, settings):
    # given: no trusted proxy, so a forged X-Forwarded-For changes nothing
    for i in range(10):
        attempt(f"guess{i}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt("x", "y", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429
    # when one proxy of ours is in front, its entry is the client: each counts apart
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(10):
        response = attempt(f"other{i}", "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50")
        assert response.status_code == 200
    proxied = attempt("admin", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert proxied.status_code == 429
    assert signed_in(attempt("admin", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.51"))


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_at_most_the_limit_checked(settings, monkeypatch):
    # The store is not under test here (its own tests prove it atomic); the local-memory
    # cache is thread-safe, where the suite's in-memory SQLite is not for parallel writers.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    User.objects.create_superuser(username="admin", email="", password=PASSWORD)
    checked = []
    real_authenticate = ModelBackend.authenticate

    def slow_authenticate(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        time.sleep(0.3)  # a real password hash takes this long; the burst arrives meanwhile
        return real_authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow_authenticate)
    statuses: list[int] = []
    start = threading.Barrier(25)

    def guess(i: int) -> None:
        start.wait(timeout=10)
        statuses.append(attempt("admin", f"guess-{i}").status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(checked) == 10  # never more passwords checked than the limit
    assert sorted(statuses) == [200] * 10 + [429] * 15
    assert attempt("admin", PASSWORD).status_code == 429


def test_a_cache_that_cannot_answer_refuses_the_attempt(admin_user, monkeypatch):
    from accounts import cache

    def down(*args, **kwargs):
        raise cache.CacheUnavailable("admin_login.add")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)
    response = attempt("admin", PASSWORD)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    # the form still shows: it checks no password
    assert Client().get(LOGIN).status_code == 200


def test_the_lockout_is_logged_without_the_username(admin_user, caplog):
    for _ in range(11):
        attempt("hunter2-typed-as-username", "wrong")
    locked = [r.getMessage() for r in caplog.records if "admin_login_locked" in r.getMessage()]
    assert locked == ["admin_login_locked scope=ip"]
    assert "hunter2" not in caplog.text
