"""Database health checks where they pay: on a connection that sat idle, not on every request.

With ``CONN_HEALTH_CHECKS`` (on here) Django runs ``SELECT 1`` before the first query of every
request on a kept connection: on PostgreSQL a round trip as costly as the authenticated read's
own query. A connection that served a request a moment ago is almost always still good; the
one that a restarted database, an idle timeout or a proxy has dropped behind our back is one
that sat idle. So a connection whose last request ended less than
``DATABASE_HEALTH_CHECK_IDLE_SECONDS`` ago is not checked again. (A request counts whether or
not it queried; Django does not say which did. So a thread serving only requests without a
query, /healthz say, keeps its connection trusted.) Should it be broken after
all (the database restarted under load), that request answers the typed, retryable 503
(backend/outages.py), and Django closes the connection at its end: the next request connects
afresh. 0 checks before every request, as Django does.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

# When a connection's last request ended (time.monotonic()), kept on Django's wrapper.
_LAST_USED = "_kakao_last_request_end"


def skip_recent_checks(**_kwargs) -> None:
    """At a request's start, after Django's own close_old_connections (connected first)."""
    idle = settings.DATABASE_HEALTH_CHECK_IDLE_SECONDS
    if idle <= 0:
        return
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if (
            connection.connection is not None
            and connection.health_check_enabled
            and not connection.errors_occurred
            and now - getattr(connection, _LAST_USED, float("-inf")) < idle
        ):
            connection.health_check_done = True


def note_request_end(**_kwargs) -> None:
    """At a request's end: a connection Django kept open has just served."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.errors_occurred:
            setattr(connection, _LAST_USED, now)


def connect() -> None:
    request_started.connect(skip_recent_checks, dispatch_uid="kakao_skip_recent_db_checks")
    request_finished.connect(note_request_end, dispatch_uid="kakao_note_db_request_end")
