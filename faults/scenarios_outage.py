"""Dependencies failing under steady load: Redis frozen and down, PostgreSQL down, Kakao hung."""

from __future__ import annotations

import secrets
import subprocess
import threading
import time
from collections import Counter

from faults.checks import check_database
from faults.client import (
    LOGIN,
    Outcome,
    Row,
    burst,
    call,
    default_verdict,
    label,
    login,
    me,
    new_session,
    now,
    percentile,
    person,
    refresh,
)
from faults.infra import PY, ROOT, Stack
from faults.load import LOAD_CLIENTS, ReadyzPoller, SteadyLoad
from faults.servers import pg_redis_server, sqlite_server


def _no_failures(outcome: Outcome) -> tuple[str, str]:
    verdict = default_verdict(outcome)
    if "Internal server error." in outcome.messages:
        return ("unexpected", label(outcome) + " Internal server error.")
    return verdict


def redis_outage(stack: Stack) -> Row:
    """Redis frozen ~4 s, then down ~5 s: logins and refreshes go on, /readyz says degraded."""
    api, db = pg_redis_server(stack)
    redis = stack.redis_server()
    row = Row("redis_outage")
    load = SteadyLoad(api, stack.standin(), "redis")
    load.start()
    poller = ReadyzPoller(api)
    try:
        time.sleep(2)
        frozen = now()
        redis.freeze()
        time.sleep(4)
        redis.thaw()
        thawed = now()
        time.sleep(2)
        redis.stop()
        down = now()
        time.sleep(5)
        redis.start()
        back = now()
        time.sleep(3)
    finally:
        redis.thaw()
        outcomes = load.stop()
        poller.stop()
    row.add(outcomes, _no_failures)
    p99 = percentile([o.ms for o in outcomes], 0.99)
    row.check(p99 < 1500, f"p99 latency {p99:.0f} ms (limit 1500 ms)")
    row.notes.append(f"p99 {p99:.0f} ms")
    # A frozen Redis is only noticed after the cache's socket timeout (2 s).
    poller.check_degraded(row, frozen + 2.5, thawed - 0.3, "frozen")
    poller.check_degraded(row, down + 1.0, back - 0.3, "down")
    poller.check_recovered(row)
    check_database(row, db, people=load.people, alive=load.alive)
    return row


def _connect_timeout(env: dict[str, str]) -> float:
    """The server's own PostgreSQL connect timeout, read from its settings."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('connect_timeout', 10))"
    )
    out = subprocess.run(  # noqa: S603 -- our interpreter, a fixed snippet
        [PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def postgres_outage(stack: Stack) -> Row:
    """PostgreSQL stopped ~3 s: 503 SERVICE_UNAVAILABLE with Retry-After, then success."""
    api, db = pg_redis_server(stack)
    pg = stack.postgres()
    limit_ms = (_connect_timeout(stack.env(database_url=pg.url)) + 1) * 1000
    row = Row("postgres_outage")
    load = SteadyLoad(api, stack.standin(), "pg")
    load.start()
    back = float("inf")
    try:
        time.sleep(2)
        pg.stop("fast")
        time.sleep(3)
        pg.start()
        back = now()
        time.sleep(4)
    finally:
        outcomes = load.stop()

    def verdict(outcome: Outcome) -> tuple[str, str]:
        if outcome.ok:
            return ("ok", "")
        if outcome.started >= back:
            return ("unexpected", label(outcome) + " (after the restart)")
        if (
            outcome.status == 503
            and outcome.retry_after
            and outcome.first_code == "SERVICE_UNAVAILABLE"
        ):
            return ("expected", "503 SERVICE_UNAVAILABLE")
        return ("unexpected", label(outcome))

    row.add(outcomes, verdict)
    slow = [o for o in outcomes if o.ms > limit_ms]
    row.check(not slow, f"{len(slow)} answers slower than {limit_ms:.0f} ms")
    after = [o for o in outcomes if o.started >= back]
    row.check(bool(after), "no request was made after the restart")
    row.notes.append(f"{len(after)} requests after the restart, limit {limit_ms:.0f} ms")
    check_database(row, db, people=load.people, alive=load.alive)
    return row


def kakao_hang(stack: Stack) -> Row:
    """Kakao accepts and never answers: logins fail fast, refreshes and `me` stay fast."""
    healthy, db = sqlite_server(stack)
    env = stack.env(
        database_url=stack.sqlite_url, kakao_url=stack.hang_server().url, KAKAO_TIMEOUT_SECONDS="1"
    )
    api = stack.server("sqlite-kakao-hang", env)
    row = Row("kakao_hang")
    people = [person("hang") for _ in range(LOAD_CLIENTS)]
    session = new_session()
    firsts = [login(session, healthy, stack.standin(), who) for who in people]
    row.add(firsts, default_verdict)
    tokens = [[o.payload["refreshToken"]] if o.ok else [] for o in firsts]
    background: list[Outcome] = []
    stop = threading.Event()

    def client(i: int) -> None:
        own = new_session()
        while tokens[i] and not stop.wait(0.02):
            fresh = refresh(own, api, tokens[i][0])
            background.append(fresh)
            if not fresh.ok:
                return
            tokens[i][0] = fresh.payload["refreshToken"]
            background.append(me(own, api, fresh.payload["token"]))

    clients = [threading.Thread(target=client, args=(i,)) for i in range(LOAD_CLIENTS)]
    for thread in clients:
        thread.start()
    time.sleep(0.3)
    hung = burst(
        40,
        lambda i: call(new_session(), api, "login", LOGIN, {"code": secrets.token_urlsafe(16)}),
    )
    stop.set()
    for thread in clients:
        thread.join(timeout=30)

    def hung_verdict(outcome: Outcome) -> tuple[str, str]:
        if outcome.status == 200 and not outcome.top and outcome.codes == ("KAKAO_UNAVAILABLE",):
            if outcome.ms <= 2500:
                return ("expected", "KAKAO_UNAVAILABLE")
            return ("unexpected", f"KAKAO_UNAVAILABLE after {outcome.ms:.0f} ms")
        return ("unexpected", label(outcome))

    row.add(hung, hung_verdict)
    # Answers come in waves when there are more logins than server threads: show them.
    waves = Counter(min(int(o.ms // 1000), 5) for o in hung)
    row.notes.append(
        "logins answered in "
        + ", ".join(f"{s}-{s + 1 if s < 5 else ''} s: {n}" for s, n in sorted(waves.items()))
    )
    row.add(background, default_verdict)
    p95 = percentile([o.ms for o in background], 0.95)
    row.check(bool(background), "no refresh or me answered while logins hung")
    row.check(p95 < 300, f"refresh/me p95 {p95:.0f} ms while logins hung (limit 300 ms)")
    row.notes.append(f"{len(background)} refresh/me, p95 {p95:.0f} ms")
    alive = [t[0] for t in tokens if t]
    check_database(
        row, db, people=[p for p, o in zip(people, firsts, strict=True) if o.ok], alive=alive
    )
    return row
