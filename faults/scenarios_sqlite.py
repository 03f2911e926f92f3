"""The embedded default (SQLite, local-memory cache) under concurrency, and refresh races."""

from __future__ import annotations

import random
import threading
import time

import requests

from faults.checks import Database, check_database
from faults.client import (
    LOGIN,
    Outcome,
    Row,
    burst,
    call,
    default_verdict,
    get_code,
    label,
    login,
    person,
    refresh,
)
from faults.infra import Stack

MIXED_REQUESTS = 1500
MIXED_CONCURRENCY = 32
SAME_PERSON_LOGINS = 20
RACE_SIZES = (2, 6, 20)
REUSE_SECONDS = 2


def sqlite_server(stack: Stack, name: str = "sqlite", **extra: str) -> tuple[str, Database]:
    env = stack.env(database_url=stack.sqlite_url, **extra)
    return stack.server(name, env), Database(stack.sqlite_url)


def sqlite_mixed(stack: Stack) -> Row:
    """1,500 first logins, returning logins and refreshes from 32 threads; zero errors."""
    api, db = sqlite_server(stack)
    standin = stack.standin()
    row = Row("sqlite_mixed")
    lock = threading.Lock()
    people, alive, outcomes = [], [], []
    share = [
        MIXED_REQUESTS // MIXED_CONCURRENCY + (i < MIXED_REQUESTS % MIXED_CONCURRENCY)
        for i in range(MIXED_CONCURRENCY)
    ]

    def worker(t: int) -> None:
        rng = random.Random(t)  # noqa: S311 -- a repeatable mix of requests, not a secret
        session = requests.Session()
        mine, sessions, local = [], [], []  # people; [token] per live session; outcomes
        for _ in range(share[t]):
            pick = rng.random()
            if not mine or pick < 0.2:  # a first login
                who = person("mixed")
                outcome = login(session, api, standin, who)
                if outcome.ok:
                    mine.append(who)
                    sessions.append([outcome.payload["refreshToken"]])
            elif pick < 0.6 or not sessions:  # a returning login: one more session
                outcome = login(session, api, standin, rng.choice(mine))
                if outcome.ok:
                    sessions.append([outcome.payload["refreshToken"]])
            else:  # a refresh of one of the sessions
                held = rng.choice(sessions)
                outcome = refresh(session, api, held[0])
                if outcome.ok:
                    held[0] = outcome.payload["refreshToken"]
                else:  # its fate is unknown; the failure itself is reported
                    sessions.remove(held)
            local.append(outcome)
        with lock:
            people.extend(mine)
            alive.extend(token for (token,) in sessions)
            outcomes.extend(local)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(MIXED_CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    row.add(sorted(outcomes, key=lambda o: o.started), default_verdict)
    row.check(len(outcomes) == MIXED_REQUESTS, f"{len(outcomes)} of {MIXED_REQUESTS} answered")
    check_database(row, db, people=people, alive=alive)
    return row


def sqlite_same_person(stack: Stack) -> Row:
    """20 simultaneous first logins of one person: all succeed, one user, one link."""
    api, db = sqlite_server(stack)
    standin = stack.standin()
    row = Row("sqlite_same_person")
    who = person("same")
    sessions = [requests.Session() for _ in range(SAME_PERSON_LOGINS)]
    codes = [get_code(s, standin, who) for s in sessions]
    outcomes = burst(
        SAME_PERSON_LOGINS, lambda i: call(sessions[i], api, "login", LOGIN, {"code": codes[i]})
    )
    row.add(outcomes, default_verdict)
    ids = {o.payload["user"]["id"] for o in outcomes if o.ok and o.payload.get("user")}
    row.check(len(ids) <= 1, f"the logins answered {len(ids)} different users")
    created = sum(1 for o in outcomes if o.ok)
    row.notes.append(f"{created}/{SAME_PERSON_LOGINS} logins succeeded")
    alive = [o.payload["refreshToken"] for o in outcomes if o.ok]
    check_database(row, db, people=[who], alive=alive)
    return row


def _expect_invalid(outcome: Outcome) -> tuple[str, str]:
    if outcome.status == 200 and not outcome.top and outcome.codes == ("INVALID_REFRESH_TOKEN",):
        return ("expected", "INVALID_REFRESH_TOKEN")
    return ("unexpected", label(outcome) + (" (succeeded)" if outcome.ok else ""))


def refresh_race(stack: Stack) -> Row:
    """One refresh token presented 2, 6 and 20 times at once; a retry; a replay too late."""
    api, db = sqlite_server(stack, "sqlite-reuse2", JWT_REFRESH_REUSE_SECONDS=str(REUSE_SECONDS))
    standin = stack.standin()
    row = Row("refresh_race")
    session = requests.Session()
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
        for cookie in (False, True):
            mode = "cookie" if cookie else "argument"
            token = start(f"race{size}")
            if token is None:
                continue
            clients = [requests.Session() for _ in range(size)]
            outcomes = burst(
                size, lambda i, s=clients, t=token, c=cookie: refresh(s[i], api, t, cookie=c)
            )
            row.add(outcomes, default_verdict)
            good = [o for o in outcomes if o.ok]
            successors = {o.payload["refreshToken"] for o in good}
            row.check(
                len(good) == size and len(successors) == 1,
                f"{size} concurrent ({mode}): {len(good)}/{size} succeeded, "
                f"{len(successors)} distinct successors",
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
