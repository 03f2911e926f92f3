"""Write transactions that hold up on SQLite under a threaded server, unchanged elsewhere.

SQLite has one write lock for the whole file. With 16 threads per worker all
waiting in SQLite's busy handler, the thread that holds the lock competes for
the GIL with every one of them, and under load an unlucky writer can starve past
the busy timeout ("database is locked"). So on SQLite, writers first queue on a
lock of their own process (a plain wait, no polling): SQLite then sees at most one
waiting writer per process. PostgreSQL locks rows, not the database: there this
is just ``transaction.atomic()``. The database cache's writes (backend/dbcache.py)
queue the same way, on the queue of the file they write to.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# One queue per SQLite file (database alias): the main database, and the cache's.
_sqlite_writers: dict[str, threading.Lock] = {}


@contextmanager
def queued_writer(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On SQLite, outside a transaction: wait for this process's other writers of the file."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Nested blocks are savepoints of a transaction that already holds the lock.
        yield
        return
    writers = _sqlite_writers.setdefault(connection.alias, threading.Lock())
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
    if not writers.acquire(timeout=timeout):
        # The same answer SQLite's own busy timeout gives: a 503 to retry.
        raise OperationalError("database is locked (waited for this process's writers)")
    try:
        yield
    finally:
        writers.release()


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` for a block that writes; one such block per process on SQLite."""
    with queued_writer(connection), transaction.atomic():
        yield
