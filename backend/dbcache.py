"""Django's database cache, made exact for counters and safe for single-use marks.

Without ``REDIS_URL`` the cache lives in a database table, so every gunicorn worker (and
every instance on one PostgreSQL) shares it: an OAuth state is used once, a rate limit
counts once. Three things Django's ``DatabaseCache`` does are wrong or slow for that use:

- ``incr`` is a get and then a set: two processes incrementing 3 at once both write 4,
  and a rate limit counts less than it saw. Here it is one transaction that holds the
  row (``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions hold the write lock from
  their start) and keeps the entry's expiry, as Redis's ``INCR`` does.
- Past ``MAX_ENTRIES`` Django evicts a third of the *live* entries, so a flood of distinct
  keys would forget rate-limit counters and used-state marks (limits reopen, states
  replay). Here only expired entries are ever removed.
- ``add`` (every rate limit and state mark) counts the table's rows and then runs a
  transaction of two or three statements. Here it is one upsert that only overwrites an
  expired entry (SQLite and PostgreSQL), half the time; expired rows are swept at most
  once a minute per process instead.

The table is created by ``migrate`` (``accounts/migrations/0005_cache_table.py``).
"""

from __future__ import annotations

import base64
import pickle
import time
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

from accounts.db import queued_writer

TABLE = "kakao_cache"
SWEEP_SECONDS = 60.0
_UPSERT_VENDORS = ("sqlite", "postgresql")
_next_sweep = 0.0


class SharedDatabaseCache(DatabaseCache):
    """``DatabaseCache`` with an atomic ``incr``, a one-statement ``add`` and no eviction."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor not in _UPSERT_VENDORS:
            return super().add(key, value, timeout, version)
        key = self.make_and_validate_key(key, version=version)
        self._sweep_now_and_then(connection)
        quote, table = connection.ops.quote_name, connection.ops.quote_name(self._table)
        cache_key, stored, expires = quote("cache_key"), quote("value"), quote("expires")
        with queued_writer(connection), connection.cursor() as cursor:
            # A live entry stays as it is (rowcount 0); a missing or expired one is written.
            cursor.execute(
                f"INSERT INTO {table} ({cache_key}, {stored}, {expires}) "  # noqa: S608
                f"VALUES (%s, %s, %s) ON CONFLICT ({cache_key}) DO UPDATE SET "
                f"{stored} = excluded.{stored}, {expires} = excluded.{expires} "
                f"WHERE {table}.{expires} < %s",
                [key, self._encode(value), self._expiry(connection, timeout), _now(connection)],
            )
            return cursor.rowcount == 1

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote, table = connection.ops.quote_name, connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with queued_writer(connection), transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')} FROM {table} "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s AND {quote('expires')} > %s{lock}",
                [key, _now(connection)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [self._encode(value), key],
            )
        return value

    # Django's other writes (set, touch, delete, clear, and get's removal of expired
    # entries) queue like ours: on SQLite, one writer per process and file at a time.

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        with queued_writer(connections[router.db_for_write(self.cache_model_class)]):
            return super()._base_set(mode, key, value, timeout)

    def _base_delete_many(self, keys):
        with queued_writer(connections[router.db_for_write(self.cache_model_class)]):
            return super()._base_delete_many(keys)

    def clear(self):
        with queued_writer(connections[router.db_for_write(self.cache_model_class)]):
            super().clear()

    def _cull(self, db, cursor, now, num):
        # Django's set() calls this past MAX_ENTRIES: expired entries only, never live ones.
        self._delete_expired(connections[db], cursor)

    def _sweep_now_and_then(self, connection) -> None:
        global _next_sweep
        if time.monotonic() < _next_sweep:
            return
        _next_sweep = time.monotonic() + SWEEP_SECONDS
        with queued_writer(connection), connection.cursor() as cursor:
            self._delete_expired(connection, cursor)

    def _delete_expired(self, connection, cursor) -> None:
        quote = connection.ops.quote_name
        cursor.execute(
            f"DELETE FROM {quote(self._table)} WHERE {quote('expires')} < %s",  # noqa: S608
            [_now(connection)],
        )

    def _encode(self, value) -> str:
        # As Django's DatabaseCache stores values, so that its get() reads ours.
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _expiry(self, connection, timeout):
        seconds = self.get_backend_timeout(timeout)
        expires = datetime.max if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
        return connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))


def _now(connection):
    return connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
