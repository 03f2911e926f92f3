"""Refresh-token races: one token presented concurrently, a retry, a replay too late."""

from __future__ import annotations

import time

from faults.checks import Database, check_database
from faults.client import (
    Outcome,
    Row,
    burst,
    default_verdict,
    label,
    login,
    new_session,
    person,
    refresh,
)
from faults.infra import Stack
from faults.servers import pg_redis_server, sqlite_server

RACE_SIZES = (2, 6, 20)
REUSE_SECONDS = 2  # short, so that "past the window" costs a 3-second wait


def _expect_invalid(outcome: Outcome) -> tuple[str, str]:
    if outcome.status == 200 and not outcome.top and outcome.codes == ("INVALID_REFRESH_TOKEN",):
        return ("expected", "INVALID_REFRESH_TOKEN")
    return ("unexpected", label(outcome) + (" (succeeded)" if outcome.ok else ""))


def refresh_race(stack: Stack) -> Row:
    """The races on the embedded default (SQLite: writers take turns)."""
    api, db = sqlite_server(stack, "sqlite-reuse2", JWT_REFRESH_REUSE_SECONDS=str(REUSE_SECONDS))
    return _races(Row("refresh_race"), api, db, stack.standin())


def refresh_race_pg(stack: Stack) -> Row:
    """The same races on PostgreSQL, where the concurrent refreshes really run in parallel."""
    api, db = pg_redis_server(stack, "pg-reuse2", JWT_REFRESH_REUSE_SECONDS=str(REUSE_SECONDS))
    return _races(Row("refresh_race_pg"), api, db, stack.standin())


def _races(row: Row, api: str, db: Database, standin: str) -> Row:
    """One refresh token presented 2, 6 and 20 times at once; a retry; a replay too late."""
    session = new_session()
    people, alive, dead = [], [], []

    def start(tag: str) -> str | None:
        who = person(tag)
        first = login(session, api, standin, who)
        row.add([first], default_verdict)
        if first.ok:
            people.append(who)
            return first.payload["refreshToken"]
        return None

    def lives_on(token: str, context: str) -> None:
        after = refresh(session, api, token)
        row.add([after], default_verdict)
        if row.check(after.ok, f"{context}: the successor does not refresh ({label(after)})"):
            alive.append(after.payload["refreshToken"])

    for size in RACE_SIZES:
        for mode in ("argument", "cookie", "both"):
            token = start(f"race{size}")
            if token is None:
                continue
            clients = [new_session() for _ in range(size)]
            cookie = [mode == "cookie" or (mode == "both" and i % 2 == 1) for i in range(size)]
            outcomes = burst(
                size, lambda i, s=clients, t=token, c=cookie: refresh(s[i], api, t, cookie=c[i])
            )
            row.add(outcomes, default_verdict)
            good = [o for o in outcomes if o.ok]
            # A browser keeps the cookie, an app the field: both must name the one successor
            # (and each gets it in one place only: the cookie, or the body).
            successors = {
                o.cookie_token if c else o.payload["refreshToken"]
                for o, c in zip(outcomes, cookie, strict=True)
                if o.ok
            }
            row.check(
                len(good) == size and len(successors) == 1,
                f"{size} concurrent ({mode}): {len(good)}/{size} succeeded, "
                f"{len(successors)} distinct successors (payload and cookie)",
            )
            if successors:
                lives_on(sorted(successors)[0], f"{size} concurrent ({mode})")

    # A retry after a lost answer, within the reuse window: the same successor.
    token = start("retry")
    if token is not None:
        lost = refresh(session, api, token)
        time.sleep(0.3)
        retry = refresh(session, api, token)
        row.add([lost, retry], default_verdict)
        same = (
            lost.ok and retry.ok and lost.payload["refreshToken"] == retry.payload["refreshToken"]
        )
        row.check(same, f"retry within the window: not the same successor ({label(retry)})")
        if retry.ok:
            lives_on(retry.payload["refreshToken"], "retry within the window")

    # Past the window: a replay, and the whole family is revoked.
    token = start("late")
    if token is not None:
        first = refresh(session, api, token)
        row.add([first], default_verdict)
        if first.ok:
            time.sleep(REUSE_SECONDS + 1)
            replay = refresh(session, api, token)
            successor = refresh(session, api, first.payload["refreshToken"])
            row.add([replay, successor], _expect_invalid)
            dead.append(first.payload["refreshToken"])
    check_database(row, db, people=people, alive=alive, dead=dead)
    return row
