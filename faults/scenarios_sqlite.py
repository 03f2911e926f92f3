"""The embedded default (SQLite, the cache in it) under concurrent logins and refreshes."""

from __future__ import annotations

import random
import threading
from collections import Counter

from faults.checks import check_database
from faults.client import (
    LOGIN,
    Row,
    burst,
    call,
    default_verdict,
    get_code,
    login,
    new_session,
    person,
    refresh,
)
from faults.infra import Stack
from faults.servers import sqlite_server

MIXED_REQUESTS = 1500
MIXED_CONCURRENCY = 32
SAME_PERSON_LOGINS = 20


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
        session = new_session()
        mine, sessions, local = [], [], []  # people; [token] per live session; outcomes
        for _ in range(share[t]):
            pick = rng.random()
            if not mine or pick < 0.2:  # a first login
                who = person("mixed")
                outcome = login(session, api, standin, who, "first_login")
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
    kinds = Counter(o.kind for o in outcomes)
    row.notes.append(", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))
    check_database(row, db, people=people, alive=alive)
    return row


def sqlite_same_person(stack: Stack) -> Row:
    """20 simultaneous first logins of one person: all succeed, one user, one link."""
    api, db = sqlite_server(stack)
    standin = stack.standin()
    row = Row("sqlite_same_person")
    who = person("same")
    sessions = [new_session() for _ in range(SAME_PERSON_LOGINS)]
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
