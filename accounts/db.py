"""Write transactions that hold up on SQLite under a threaded server, unchanged elsewhere.

SQLite has one write lock for the whole file. With 16 threads per worker all
waiting in SQLite's busy handler, the thread that holds the lock competes for
the GIL with every one of them, and under load an unlucky writer can starve past
the busy timeout ("database is locked"). So on SQLite, writers first queue on a
lock of their own process (a plain wait, no polling): SQLite then sees at most one
waiting writer per process. The database cache's writes (backend/dbcache.py) queue
the same way, on the queue of the file they write to.

Between processes (gunicorn's workers), SQLite's busy handler would do the waiting, and it
sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries: one worker's writers kept taking the lock
while the other's slept, and logins per second fell as concurrency rose. So the one waiting
writer of each process also takes an advisory lock on a file beside the database
(``<database>-writers``), trying every few hundred microseconds until the busy timeout; the
kernel drops it if a process dies. SQLite's own lock still guards the file for anything
that does not come through here (a management command, another program).

PostgreSQL locks rows, not the database: there this is just ``transaction.atomic()``.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# One queue per SQLite file (database alias): the main database, and the cache's.
_sqlite_writers: dict[str, threading.Lock] = {}
# This process's descriptor on each lock file, by path, with the pid that opened it: a
# descriptor inherited from gunicorn's master would share its lock with every worker.
_lock_files: dict[str, tuple[int, int]] = {}
# Between tries for the file lock: short, since a write transaction lasts a millisecond or two.
_RETRY_SECONDS = (0.0002, 0.0005, 0.001, 0.002)


@contextmanager
def queued_writer(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On SQLite, outside a transaction: wait for the other writers of the file, ours first."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Nested blocks are savepoints of a transaction that already holds the lock.
        yield
        return
    writers = _sqlite_writers.setdefault(connection.alias, threading.Lock())
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
    deadline = time.monotonic() + timeout
    if not writers.acquire(timeout=timeout):
        # The same answer SQLite's own busy timeout gives: a 503 to retry.
        raise OperationalError("database is locked (waited for this process's writers)")
    try:
        descriptor = _file_lock(connection, deadline)
        try:
            yield
        finally:
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        writers.release()


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` for a block that writes; one such block per process on SQLite."""
    with queued_writer(connection), transaction.atomic():
        yield


def _file_lock(connection: BaseDatabaseWrapper, deadline: float) -> int | None:
    """Take the writers' file lock by ``deadline`` (its descriptor), or None without a file."""
    descriptor = _lock_descriptor(connection)
    if descriptor is None:
        return None
    tries = 0
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError(
                    "database is locked (waited for another process's writers)"
                ) from None
        time.sleep(_RETRY_SECONDS[min(tries, len(_RETRY_SECONDS) - 1)])
        tries += 1


def _lock_descriptor(connection: BaseDatabaseWrapper) -> int | None:
    """This process's descriptor on ``<database>-writers``; None for an in-memory database.

    Called with the file's writer queue held, so one thread at a time per file.
    """
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = f"{name}-writers"
    pid = os.getpid()
    opened = _lock_files.get(path)
    if opened is not None and opened[0] == pid:
        return opened[1]
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    _lock_files[path] = (pid, descriptor)
    return descriptor
