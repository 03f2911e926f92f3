"""Write transactions that hold up on SQLite under a threaded server, unchanged elsewhere.

SQLite has one write lock for the whole file. With 16 threads per worker all
waiting in SQLite's busy handler, the thread that holds the lock competes for
the GIL with every one of them, and under load an unlucky writer can starve past
the busy timeout ("database is locked"). So on SQLite, writers first queue on a
lock of their own process (a plain wait, no polling): SQLite then sees at most one
waiting writer per process.

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

_sqlite_writers = threading.Lock()
# The lock file of this process: (pid, path, descriptor). Opened after a fork, never shared
# with the parent, whose open file description would make the lock a shared one.
_lock_file: tuple[int, str, int] | None = None
# Between tries for the file lock: short, since a write transaction lasts a millisecond or two.
_RETRY_SECONDS = (0.0002, 0.0005, 0.001, 0.002)


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` for a block that writes; one such block per process on SQLite."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Nested blocks are savepoints of a transaction that already holds the lock.
        with transaction.atomic():
            yield
        return
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
    deadline = time.monotonic() + timeout
    if not _sqlite_writers.acquire(timeout=timeout):
        # The same answer SQLite's own busy timeout gives: a 503 to retry.
        raise OperationalError("database is locked (waited for this process's writers)")
    try:
        descriptor = _file_lock(deadline)
        try:
            with transaction.atomic():
                yield
        finally:
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        _sqlite_writers.release()


def _file_lock(deadline: float) -> int | None:
    """Take the writers' file lock by ``deadline`` (its descriptor), or None without a file."""
    descriptor = _lock_descriptor()
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


def _lock_descriptor() -> int | None:
    """This process's descriptor on ``<database>-writers``; None for an in-memory database."""
    global _lock_file
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = f"{name}-writers"
    pid = os.getpid()
    if _lock_file is not None and _lock_file[:2] == (pid, path):
        return _lock_file[2]
    if _lock_file is not None and _lock_file[0] == pid:
        os.close(_lock_file[2])  # another database than before (tests); ours to close
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    _lock_file = (pid, path, descriptor)
    return descriptor
