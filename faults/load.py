"""Steady background load, and a /readyz watcher, for the outage scenarios."""

from __future__ import annotations

import contextlib
import threading
import time

import requests

from faults.client import Outcome, Row, login, new_session, now, person, refresh

LOAD_CLIENTS = 8
PAUSE = 0.03  # between one client's requests: a steady load, not a saturating one


class SteadyLoad:
    """Clients, one person each, alternating refreshes and returning logins until stopped."""

    def __init__(self, api: str, standin: str, tag: str, clients: int = LOAD_CLIENTS) -> None:
        self.api, self.standin = api, standin
        self.people = [person(tag) for _ in range(clients)]
        self.outcomes: list[Outcome] = []
        self.sessions: list[list[str]] = [[] for _ in range(clients)]
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(clients)]

    def start(self) -> None:
        session = new_session()
        for i, who in enumerate(self.people):  # first logins while everything is healthy
            first = login(session, self.api, self.standin, who)
            self._record(first)
            if first.ok:
                self.sessions[i].append(first.payload["refreshToken"])
        for thread in self.threads:
            thread.start()

    def _record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def _run(self, i: int) -> None:
        session = new_session()
        step = 0
        while not self.stop_event.wait(PAUSE):
            step += 1
            if step % 3 == 0 or not self.sessions[i]:
                outcome = login(session, self.api, self.standin, self.people[i])
                if outcome.ok:
                    self.sessions[i].append(outcome.payload["refreshToken"])
            else:  # a failed refresh keeps its token: the client tries it again later
                outcome = refresh(session, self.api, self.sessions[i][-1])
                if outcome.ok:
                    self.sessions[i][-1] = outcome.payload["refreshToken"]
            self._record(outcome)

    def stop(self) -> list[Outcome]:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)
        return sorted(self.outcomes, key=lambda o: o.started)

    @property
    def alive(self) -> list[str]:
        return [token for tokens in self.sessions for token in tokens]


class ReadyzPoller:
    """GET /readyz every 0.4 s, each probe in its own thread so a hung one delays no other."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.samples: list[tuple[float, int | None, dict, float]] = []
        self.stop_event = threading.Event()
        self.probes: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop_event.wait(0.4):
            probe = threading.Thread(target=self._probe, daemon=True)
            probe.start()
            self.probes.append(probe)

    def _probe(self) -> None:
        started, t0 = now(), time.perf_counter()
        try:
            response = requests.get(f"{self.api}/readyz", timeout=10)
            status, body = response.status_code, response.json()
        except (requests.RequestException, ValueError):
            status, body = None, {}
        self.samples.append((started, status, body, (time.perf_counter() - t0) * 1000))

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=15)
        for probe in self.probes:
            probe.join(timeout=15)

    def check_degraded(self, row: Row, start: float, end: float, what: str) -> None:
        """Every probe sent between `start` and `end` answered 200 with cache=degraded."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        wrong = [
            (s[1], s[2].get("cache"))
            for s in inside
            if (s[1], s[2].get("cache")) != (200, "degraded")
        ]
        row.notes.append(
            f"/readyz while Redis is {what}: {len(inside) - len(wrong)}/{len(inside)} degraded"
        )
        row.check(
            bool(inside) and not wrong,
            f"/readyz while Redis is {what}: {len(inside)} samples, "
            f"{len(wrong)} not 200 + cache=degraded {sorted(set(map(str, wrong)))[:3]}",
        )

    def check_recovered(self, row: Row) -> None:
        """Redis is back: /readyz says ok again within 5 s."""
        deadline = time.monotonic() + 5
        body: dict = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException, ValueError):
                body = requests.get(f"{self.api}/readyz", timeout=5).json()
                if body.get("cache") == "ok":
                    return
            time.sleep(0.2)
        row.check(False, f"/readyz after Redis came back: {body}")
