"""Fail fast, in one line, when PostgreSQL or Redis is not reachable."""

import sys

import psycopg
import redis


def main(database_url: str, redis_url: str) -> int:
    try:
        psycopg.connect(database_url, connect_timeout=3).close()
    except psycopg.Error as exc:
        sys.stderr.write(f"PostgreSQL is not reachable at {database_url}: {exc}\n")
        return 1
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        sys.stderr.write(f"Redis is not reachable at {redis_url}: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
