"""The load side: GraphQL calls over HTTP, what each answer was, and a scenario's row."""

from __future__ import annotations

import http.cookiejar
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from faults.infra import CLIENT_ID, REDIRECT_URI
from kakao_standin.server import Identity

LOGIN = """mutation($code: String!) {
  kakaoLogin(code: $code, delivery: BODY) { token refreshToken user { id } errors { code } } }"""
REFRESH = """mutation($t: String) {
  refreshToken(refreshToken: $t) { token refreshToken errors { code } } }"""
ME = "query { me { id } }"
REFRESH_COOKIE = "JWT-refresh-token"
TIMEOUT = 15
_clock_zero = time.monotonic()
_ids = itertools.count()


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Clients here hold tokens explicitly; a jar would send stale cookies along."""

    def set_ok(self, cookie, request) -> bool:
        return False


def new_session() -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(_NoCookies())
    return session


@dataclass
class Outcome:
    """One answer (or its absence), as the load generator saw it."""

    kind: str
    started: float  # seconds since the runner started
    ms: float
    status: int | None = None  # None: no HTTP answer (timeout, refused)
    top: tuple[str, ...] = ()  # top-level errors: extensions.code, else the message
    codes: tuple[str, ...] = ()  # the payload's errors[].code
    payload: dict | None = None
    retry_after: str | None = None
    transport: str = ""  # the exception, when there was no answer
    messages: tuple[str, ...] = ()
    first_code: str | None = None  # errors[0].extensions.code, as a client would branch on it
    cookie_token: str | None = None  # the refresh token in Set-Cookie, as a browser keeps it

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.top and not self.codes and self.payload is not None


def now() -> float:
    return time.monotonic() - _clock_zero


def person(prefix: str) -> Identity:
    """A new person, distinct across scenarios and runs of this process."""
    nickname = f"{prefix}-{next(_ids)}-{time.time_ns() % 10**9}"
    return Identity(nickname=nickname, email=f"{nickname}@example.com")


def get_code(session: requests.Session, standin: str, who: Identity) -> str:
    response = session.post(
        f"{standin}/_standin/code",
        json={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "nickname": who.nickname,
            "email": who.email,
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return response.json()["code"]


def call(
    session: requests.Session,
    api: str,
    kind: str,
    query: str,
    variables: dict | None = None,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """POST one GraphQL document and record everything about the answer."""
    started = now()
    t0 = time.perf_counter()
    try:
        response = session.post(
            f"{api}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        ms = (time.perf_counter() - t0) * 1000
        return Outcome(kind, started, ms, transport=type(exc).__name__)
    ms = (time.perf_counter() - t0) * 1000
    outcome = Outcome(kind, started, ms, status=response.status_code)
    outcome.retry_after = response.headers.get("Retry-After")
    outcome.cookie_token = response.cookies.get(REFRESH_COOKIE) or None
    try:
        body = response.json()
    except ValueError:
        outcome.top = (f"non-JSON {response.headers.get('Content-Type', '?')}",)
        return outcome
    errors = (body.get("errors") or []) if isinstance(body, dict) else []
    outcome.top = tuple(
        str((e.get("extensions") or {}).get("code") or e.get("message"))[:60] for e in errors
    )
    outcome.messages = tuple(str(e.get("message"))[:80] for e in errors)
    if errors and isinstance(errors[0], dict):
        outcome.first_code = (errors[0].get("extensions") or {}).get("code")
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and data:
        payload = next(iter(data.values()))
        if isinstance(payload, dict):  # null (e.g. `me` without a user) is not a success
            outcome.payload = payload
            outcome.codes = tuple(e.get("code", "?") for e in payload.get("errors") or [])
    return outcome


def login(
    session: requests.Session, api: str, standin: str, who: Identity, kind: str = "login"
) -> Outcome:
    return call(session, api, kind, LOGIN, {"code": get_code(session, standin, who)})


def refresh(session: requests.Session, api: str, token: str, *, cookie: bool = False) -> Outcome:
    if cookie:
        return call(session, api, "refresh", REFRESH, {}, {"Cookie": f"{REFRESH_COOKIE}={token}"})
    return call(session, api, "refresh", REFRESH, {"t": token})


def me(session: requests.Session, api: str, access: str) -> Outcome:
    return call(session, api, "me", ME, {}, {"Authorization": f"Bearer {access}"})


def burst(count: int, work: Callable[[int], Outcome]) -> list[Outcome]:
    """`count` threads released together by a barrier; their answers in thread order."""
    barrier = threading.Barrier(count)
    results: list[Outcome | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 30)
    return [r or Outcome("lost", now(), 0, transport="thread did not finish") for r in results]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Verdict = tuple[str, str]  # ("ok" | "expected" | "unexpected", label)


def default_verdict(outcome: Outcome) -> Verdict:
    """Anything but a clean success is unexpected."""
    return ("ok", "") if outcome.ok else ("unexpected", label(outcome))


def label(outcome: Outcome) -> str:
    if outcome.status is None:
        return f"{outcome.kind}:{outcome.transport}"
    parts = [str(outcome.status), *outcome.top, *outcome.codes]
    return f"{outcome.kind}:" + "/".join(parts)


@dataclass
class Row:
    """One scenario's result line."""

    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, outcomes: list[Outcome], verdict: Callable[[Outcome], Verdict]) -> None:
        self.outcomes += outcomes
        self.verdicts += [verdict(o) for o in outcomes]

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.failures.append(message)
        return condition

    @property
    def expected(self) -> Counter:
        return Counter(lbl for kind, lbl in self.verdicts if kind == "expected")

    @property
    def unexpected(self) -> Counter:
        return Counter(lbl for kind, lbl in self.verdicts if kind == "unexpected")

    @property
    def passed(self) -> bool:
        return not self.failures and not self.unexpected

    def cells(self) -> list[str]:
        ms = [o.ms for o in self.outcomes]
        statuses = Counter(str(o.status or o.transport) for o in self.outcomes)
        top = Counter(code for o in self.outcomes for code in o.top)
        codes = Counter(code for o in self.outcomes for code in o.codes)
        return [
            self.name,
            "PASS" if self.passed else "FAIL",
            str(len(self.outcomes)),
            str(sum(1 for kind, _ in self.verdicts if kind == "ok")),
            _counts(self.expected),
            str(sum(self.unexpected.values())),
            _counts(statuses),
            _counts(top),
            _counts(codes),
            f"{percentile(ms, 0.5):.0f}/{percentile(ms, 0.95):.0f}/{max(ms, default=0):.0f}",
        ]


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} x{v}" for k, v in counter.most_common()) or "-"
