"""SQLite's one write lock, queued per process: writers wait their turn, bounded by the timeout."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from accounts.db import write_transaction


@pytest.fixture
def short_timeout(monkeypatch):
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
