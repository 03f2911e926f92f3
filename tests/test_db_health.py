"""backend/dbhealth.py: a kept connection is health-checked after sitting idle, not before
every request, and a connection that just failed is always checked again."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import override_settings

from backend import dbhealth
from tests.servers import ROOT


@pytest.fixture
def kept(db):
    connection.ensure_connection()
    wrapper = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy
    saved = (wrapper.health_check_enabled, wrapper.health_check_done, wrapper.errors_occurred)
    wrapper.health_check_enabled, wrapper.errors_occurred = True, False
    yield wrapper
    wrapper.health_check_enabled, wrapper.health_check_done, wrapper.errors_occurred = saved


def _request_start(wrapper) -> bool:
    """What Django does at a request's start, then ours: is the check skipped?"""
    wrapper.health_check_done = False  # close_if_unusable_or_obsolete()
    dbhealth.skip_recent_checks()
    return wrapper.health_check_done


@override_settings(DATABASE_HEALTH_CHECK_IDLE_SECONDS=5)
def test_a_connection_that_just_served_is_not_checked_again(kept):
    dbhealth.note_request_end()
    assert _request_start(kept) is True


@override_settings(DATABASE_HEALTH_CHECK_IDLE_SECONDS=5)
def test_an_idle_connection_is_checked(kept):
    dbhealth.note_request_end()
    setattr(kept, dbhealth._LAST_USED, time.monotonic() - 6)
    assert _request_start(kept) is False


@override_settings(DATABASE_HEALTH_CHECK_IDLE_SECONDS=5)
def test_a_connection_that_failed_is_checked(kept):
    setattr(kept, dbhealth._LAST_USED, time.monotonic() - 6)
    kept.errors_occurred = True
    dbhealth.note_request_end()  # a request that ended in a database error stamps nothing
    assert getattr(kept, dbhealth._LAST_USED) < time.monotonic() - 5
    assert _request_start(kept) is False


@override_settings(DATABASE_HEALTH_CHECK_IDLE_SECONDS=0)
def test_zero_checks_before_every_request_as_django_does(kept):
    dbhealth.note_request_end()
    assert _request_start(kept) is False


def test_ours_runs_after_djangos_own_receivers_in_a_server_process():
    # Django's close_old_connections (which resets the flag) must come first. The test
    # client moves it around, so this is read in a process of its own, as a server starts.
    script = (
        "import django; django.setup();"
        "from django.core.signals import request_started as s;"
        "print(','.join(getattr(r[1](), '__name__', '?') for r in s.receivers))"
    )
    names = (
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"DJANGO_SETTINGS_MODULE": "backend.settings", "DJANGO_DEBUG": "1", "PATH": ""},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        .stdout.strip()
        .split(",")
    )
    assert names.index("close_old_connections") < names.index("skip_recent_checks")
