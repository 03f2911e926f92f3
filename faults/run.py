"""`make test-faults`: fault injection over real HTTP against processes of our own.

    .venv/bin/python faults/run.py                      # every scenario
    .venv/bin/python faults/run.py sqlite_mixed redis_outage

Starts the server as `make serve` runs it (python -m backend.serve, DEBUG off), the Kakao
stand-in, and, for the scenarios that need them, its own redis-server and a throwaway
PostgreSQL cluster on free ports; never the machine's shared ones. Prints one row per scenario
and exits 1 on any unexpected answer or failed check. Everything started is stopped
on any exit, Ctrl-C included. Server logs: faults/logs/.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faults.client import Row
from faults.infra import LOGS, Stack
from faults.scenarios_outage import kakao_hang, postgres_outage, redis_outage
from faults.scenarios_refresh import refresh_race, refresh_race_pg
from faults.scenarios_sqlite import sqlite_mixed, sqlite_same_person

SCENARIOS = {
    "sqlite_mixed": sqlite_mixed,
    "sqlite_same_person": sqlite_same_person,
    "refresh_race": refresh_race,
    "redis_outage": redis_outage,
    "postgres_outage": postgres_outage,
    "refresh_race_pg": refresh_race_pg,
    "kakao_hang": kakao_hang,
}
BUDGET_SECONDS = int(os.environ.get("FAULTS_BUDGET_SECONDS", "240"))
HEADERS = [
    "scenario", "result", "requests", "OK", "expected errors", "unexpected", "HTTP",
    "top-level errors", "payload codes", "p50/p95/max ms",
]  # fmt: skip


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _over_budget(signum: int, frame: object) -> None:
    raise TimeoutError(f"the run took longer than {BUDGET_SECONDS} s")


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def details(row: Row) -> list[str]:
    lines = [f"  note: {note}" for note in row.notes]
    lines += [f"  FAILED: {failure}" for failure in row.failures]
    lines += [f"  unexpected: {lbl} x{n}" for lbl, n in row.unexpected.most_common(8)]
    return lines


def main(argv: list[str]) -> int:
    names = argv or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        out(f"unknown scenario(s): {', '.join(unknown)}; choose from: {', '.join(SCENARIOS)}")
        return 2
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGALRM, _over_budget)
    signal.alarm(BUDGET_SECONDS)
    rows: list[Row] = []
    started = time.monotonic()
    stack = Stack()
    out(table([]))
    try:
        for name in names:
            out(f"[faults] {name} …")
            t0, load = time.monotonic(), os.getloadavg()[0]
            try:
                row = SCENARIOS[name](stack)
            except (KeyboardInterrupt, TimeoutError):
                raise
            except Exception as exc:  # a broken scenario is a failed one, and the run goes on
                row = Row(name)
                row.check(False, f"crashed: {type(exc).__name__}: {exc}")
                traceback.print_exc()
            # Latency limits mean little on a machine busy with other work: say how busy.
            row.notes.append(f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")
            rows.append(row)
            out(table([row]).splitlines()[-1])
            for line in details(row):
                out(line)
            out(f"  ({time.monotonic() - t0:.1f} s)")
    except (KeyboardInterrupt, TimeoutError) as exc:
        out(f"[faults] stopped: {type(exc).__name__} {exc}")
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        t0 = time.monotonic()
        stack.close()
        out(f"[faults] everything started was stopped ({time.monotonic() - t0:.1f} s)")
    summary = table(rows)
    report = [summary, ""] + [line for row in rows for line in [row.name, *details(row)]]
    (LOGS / "last.md").write_text("\n".join(report) + "\n")
    out("")
    out(summary)
    failed = [row.name for row in rows if not row.passed]
    verdict = f"; failed: {', '.join(failed)}" if failed else ""
    elapsed = time.monotonic() - started
    out(f"\n[faults] {len(rows) - len(failed)}/{len(rows)} passed in {elapsed:.0f} s{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
