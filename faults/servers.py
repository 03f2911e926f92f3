"""The server configurations the scenarios run against, started once per run."""

from __future__ import annotations

from faults.checks import Database
from faults.infra import Stack


def sqlite_server(stack: Stack, name: str = "sqlite", **extra: str) -> tuple[str, Database]:
    """The embedded default: a migrated SQLite file, the cache a table in it."""
    env = stack.env(database_url=stack.sqlite_url, **extra)
    return stack.server(name, env), Database(stack.sqlite_url)


def pg_redis_server(stack: Stack, name: str = "pg-redis", **extra: str) -> tuple[str, Database]:
    """The production path: our own PostgreSQL and our own Redis."""
    pg, redis = stack.postgres(), stack.redis_server()
    env = stack.env(database_url=pg.url, redis_url=redis.url, **extra)
    return stack.server(name, env), Database(pg.url)
