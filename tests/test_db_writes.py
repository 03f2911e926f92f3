"""SQLite's one write lock, queued per process: writers wait their turn, bounded by the timeout."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from accounts.db import write_transaction


@pytest.fixture
def short_timeout(monkeypatch):
    if connection.vendor != "sqlite":
        return  # SQLite's busy timeout; PostgreSQL has no such option
    options = {**connection.settings_dict.get("OPTIONS", {}), "timeout": 0.2}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)


def in_thread(target) -> list:
    outcome: list = []

    def run():
        try:
            target()
            outcome.append("ok")
        except OperationalError as error:
            outcome.append(error)
        finally:
            from django.db import connections

            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10)
    return outcome


def enter_and_leave():
    with write_transaction():
        pass


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_and_gives_up_as_a_locked_database(short_timeout):
    if connection.vendor != "sqlite":
        pytest.skip("the process-wide writer queue is SQLite's")
    with write_transaction():
        outcome = in_thread(enter_and_leave)
    assert len(outcome) == 1 and isinstance(outcome[0], OperationalError)
    assert "database is locked" in str(outcome[0])
    # once the first writer is done, the next one goes through
    assert in_thread(enter_and_leave) == ["ok"]


@pytest.mark.django_db(transaction=True)
def test_nested_write_blocks_are_savepoints_not_a_deadlock():
    with write_transaction():
        with write_transaction():
            assert connection.in_atomic_block
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_failing_block_releases_the_queue(short_timeout):
    with pytest.raises(ValueError), write_transaction():
        raise ValueError("boom")
    assert in_thread(enter_and_leave) == ["ok"]
    assert not transaction.get_connection().in_atomic_block


@pytest.fixture
def database_file(tmp_path, monkeypatch):
    """The writers' file lock as for a SQLite file (the suite's own database is in memory)."""
    if connection.vendor != "sqlite":
        pytest.skip("the writers' file lock is SQLite's")
    name = str(tmp_path / "app.sqlite3")
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    return f"{name}-writers"


def test_writers_of_two_processes_take_turns_on_a_file_lock(database_file):
    """Another process's writer holds the file lock: ours waits, then gives up as locked."""
    import fcntl
    import os
    import time

    from accounts import db

    other = os.open(database_file, os.O_RDWR | os.O_CREAT)  # another open file: another process
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="another process's writers"):
            db._file_lock(connection, time.monotonic() + 0.2)
        assert 0.2 <= time.monotonic() - started < 2
        fcntl.flock(other, fcntl.LOCK_UN)
        # Free again: ours is taken at once, and the other waits for it in turn.
        descriptor = db._file_lock(connection, time.monotonic() + 0.2)
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)


def test_a_forked_worker_opens_its_own_lock_file(database_file, monkeypatch):
    """A descriptor inherited from gunicorn's master would share one lock between workers."""
    from accounts import db

    first = db._lock_descriptor(connection)
    assert db._lock_descriptor(connection) == first
    monkeypatch.setattr("os.getpid", lambda: -1)  # as seen from a child after the fork
    assert db._lock_descriptor(connection) != first


def test_an_in_memory_database_needs_no_lock_file():
    from accounts import db

    if connection.vendor == "sqlite":
        assert db._lock_descriptor(connection) is None  # the suite's database is in memory
