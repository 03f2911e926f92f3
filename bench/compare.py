"""`make bench BENCH_BASE=<commit>`: the working tree against another commit, side by side.

Both builds run at once, each served as its own `make serve` serves it (granian through
backend/serve.py where the build has it, else gunicorn with the build's gunicorn.conf.py; the
same virtual environment; each on a fresh database of its own), on SQLite and on PostgreSQL + Redis, and
every phase alternates between them (base then head, then head then base in the next round),
so that both see the same machine under the same load. What is compared is the server's CPU
per operation (bench/phases.py) and logins per second at concurrency 8 and 32 with Kakao at 0
and 100 ms; each ratio is the median of the rounds' head ÷ base. Logins per second are measured
with the server and its database on their own CPUs (bench/cores.py), concurrency 8 and 32 back
to back within each round, and how a build scales is the median of the rounds' c32 ÷ c8; the
same pairs on shared CPUs (Kakao at 0 ms) are kept for the record. Results:
bench/results/compare.{json,md}.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cores, load, phases, servers
from bench.common import QUICK, ROOT, reference_cpu_ms, size
from bench.compare_report import markdown, targets

BASE = os.environ.get("BENCH_BASE", "")
ROUNDS = int(size("BENCH_ROUNDS", "5", "1"))
SECONDS = float(size("BENCH_PHASE_SECONDS", "3", "1"))
WARMUP = float(size("BENCH_PHASE_WARMUP", "0.7", "0.3"))
CONCURRENCY = int(os.environ.get("BENCH_CPU_CONCURRENCY", "8"))
LOGIN_CONCURRENCY = (8, 32)
# A part of the comparison only (while working on one path): BENCH_OPERATIONS=read,refresh
# BENCH_DATABASES=sqlite; BENCH_LOGIN_RATES=0 leaves out the logins-per-second phases.
OPERATIONS = [
    op for op in os.environ.get("BENCH_OPERATIONS", ",".join(phases.OPERATIONS)).split(",") if op
]
DATABASES = [db for db in os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",") if db]
LOGIN_RATES = os.environ.get("BENCH_LOGIN_RATES", "1") != "0"
RESULTS = Path(
    os.environ.get("BENCH_RESULTS") or (servers.LOGS if QUICK else ROOT / "bench/results")
)
STARTED = time.monotonic()
# Tokens outlive the run (the default 5 minutes would not).
ENV = {"JWT_ACCESS_TTL_SECONDS": "7200"}


def log(message: str) -> None:
    sys.stderr.write(f"[compare {time.monotonic() - STARTED:5.0f} s] {message}\n")


def checkout(commit: str) -> Path:
    """The base commit in a worktree of its own (removed at the end)."""
    path = servers.LOGS / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), commit],
        check=True,
    )
    return path


class Build:
    """One build's server on one database, with its signed-in clients."""

    def __init__(self, name: str, root: Path, kind: str, standin: int) -> None:
        self.name, self.root, self.standin = name, root, standin
        if kind == "sqlite":
            database, _ = servers.fresh_sqlite(name=f"compare-{name}", root=root)
        else:
            database = servers.fresh_postgres(suffix=f"_{name}", root=root)
        self.database = database
        self.api = f"http://127.0.0.1:{servers.free_port()}"
        self.server = servers.start_server(database, root=root, url=self.api, **ENV, **_sizes())
        self.master = psutil.Process(self.server.pid)
        self.clients: dict[int, list[phases.Client]] = {}

    def signed_in(self, count: int) -> list[phases.Client]:
        if count not in self.clients:
            clients = [phases.Client(self.api, f"cmp-{count}-{i}") for i in range(count)]
            for client in clients:
                client.login()
            self.clients[count] = clients
        return self.clients[count]

    def measure(self, operation: str, concurrency: int = CONCURRENCY, *, split=False) -> dict:
        clients = self.signed_in(concurrency)
        server, load_side = cores.tree(self.master), [self.standin]
        with cores.Split(server, load_side, self.database, on=split) as placed:
            return phases.run(
                clients,
                phases.OPERATIONS[operation],
                self.master,
                warmup=WARMUP,
                seconds=SECONDS,
                settle=placed.settle,
            )

    def stop(self) -> None:
        servers.stop(self.server, signal.SIGINT)


def _sizes() -> dict[str, int]:
    """BENCH_WORKERS / BENCH_THREADS override both builds' server defaults when set."""
    sizes = {}
    if os.environ.get("BENCH_WORKERS"):
        sizes["workers"] = int(os.environ["BENCH_WORKERS"])
    if os.environ.get("BENCH_THREADS"):
        sizes["threads"] = int(os.environ["BENCH_THREADS"])
    return sizes


def alternate(builds: list[Build], rounds: int, measure) -> dict[str, list[dict]]:
    """``measure(build)`` for each build, ``rounds`` times, the order flipped every round."""
    runs: dict[str, list[dict]] = {b.name: [] for b in builds}
    for r in range(rounds):
        for build in builds if r % 2 == 0 else builds[::-1]:
            runs[build.name].append(measure(build))
    return runs


def paired_rates(builds: list[Build], latency: int, *, split: bool) -> dict:
    """Logins/s at each concurrency, the two back to back per build and round (orders
    flipped every round), so that each round gives a build's c32 ÷ c8 on one machine state."""
    runs = {f"{latency}ms_c{c}": {b.name: [] for b in builds} for c in LOGIN_CONCURRENCY}
    for r in range(ROUNDS):
        for build in builds if r % 2 == 0 else builds[::-1]:
            for c in LOGIN_CONCURRENCY if r % 2 == 0 else LOGIN_CONCURRENCY[::-1]:
                measured = build.measure("login", c, split=split)
                runs[f"{latency}ms_c{c}"][build.name].append(measured)
    return runs


def compare_on(kind: str, roots: dict[str, Path], standin) -> dict:
    log(f"{kind}: fresh databases, both servers")
    builds = [Build(name, root, kind, standin.pid) for name, root in roots.items()]
    split, placement = cores.possible(builds[0].database)
    try:
        result: dict = {"cpu": {}, "logins": {}, "logins_shared": {}, "cores": placement}
        for operation in OPERATIONS:
            log(f"{kind}: {operation}")
            result["cpu"][operation] = alternate(
                builds, ROUNDS, lambda b, op=operation: b.measure(op)
            )
        for latency in (0, 100) if LOGIN_RATES else ():
            servers.set_latency(standin, latency)
            log(f"{kind}: logins at concurrency 8 and 32, Kakao at {latency} ms ({placement})")
            result["logins"] |= paired_rates(builds, latency, split=split)
        servers.set_latency(standin, 0)
        if LOGIN_RATES and split:
            log(f"{kind}: logins at concurrency 8 and 32, Kakao at 0 ms, shared CPUs")
            result["logins_shared"] = paired_rates(builds, 0, split=False)
        log(f"{kind}: refresh storm (head)")
        result["storm"] = load.storm(api=builds[-1].api)
        return result
    finally:
        for build in builds:
            build.stop()


def summarise(runs: dict[str, list[dict]], key: str) -> dict:
    base, head = runs["base"], runs["head"]
    ratios = [h[key] / b[key] for b, h in zip(base, head, strict=True) if b[key]]
    return {
        "base_median": round(statistics.median(r[key] for r in base), 3),
        "head_median": round(statistics.median(r[key] for r in head), 3),
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
        "errors": {"base": sum(r["errors"] for r in base), "head": sum(r["errors"] for r in head)},
        "load_averages": [r["load_average"] for r in base + head],
    }


def scaling(phases_: dict[str, dict[str, list[dict]]]) -> dict[str, dict[str, float | None]]:
    """Per Kakao latency and build: the median of the rounds' c32 ÷ c8 logins/s."""
    result: dict[str, dict[str, float | None]] = {}
    for latency in sorted({phase.split("_")[0] for phase in phases_}):
        low, high = phases_[f"{latency}_c8"], phases_[f"{latency}_c32"]
        result[latency] = {}
        for build in low:
            pairs = zip(low[build], high[build], strict=True)
            ratios = [h["per_second"] / lo["per_second"] for lo, h in pairs if lo["per_second"]]
            result[latency][build] = round(statistics.median(ratios), 3) if ratios else None
    return result


def main() -> None:
    if not BASE:
        raise SystemExit("BENCH_BASE=<commit> names the build to compare with")
    RESULTS.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", BASE],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    log(f"base {commit} against the working tree ({head}); server output in {servers.LOGS}")
    machine = {"before": {"reference_cpu_ms": reference_cpu_ms(), "load_average": os.getloadavg()}}
    base_root = checkout(commit)
    served = {"base": servers.server_kind(base_root), "head": servers.server_kind(ROOT)}
    standin = servers.start_standin()
    raw: dict = {}
    try:
        for kind in DATABASES:
            raw[kind] = compare_on(kind, {"base": base_root, "head": ROOT}, standin)
    finally:
        servers.stop(standin)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_root)])
    machine["after"] = {"reference_cpu_ms": reference_cpu_ms(), "load_average": os.getloadavg()}
    summary = {
        kind: {
            "cpu_ms_per_op": {
                op: summarise(r, "cpu_ms_per_op") for op, r in raw[kind]["cpu"].items()
            },
            "logins_per_second": {
                phase: summarise(r, "per_second") for phase, r in raw[kind]["logins"].items()
            },
            "scaling": scaling(raw[kind]["logins"]),
            "cores": raw[kind]["cores"],
            "logins_per_second_shared_cpus": {
                phase: summarise(r, "per_second") for phase, r in raw[kind]["logins_shared"].items()
            },
            "scaling_shared_cpus": scaling(raw[kind]["logins_shared"]),
            "storm": raw[kind]["storm"],
        }
        for kind in raw
    }
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": QUICK,
        "base": commit,
        "head": head,
        # How each build serves in production (make serve): what its CPU figures include.
        "servers": served,
        "rounds": ROUNDS,
        "phase_seconds": SECONDS,
        "concurrency": CONCURRENCY,
        "machine": {"cores": os.cpu_count(), **machine},
        "summary": summary,
        "runs": raw,
        "wall_seconds": round(time.monotonic() - STARTED),
    }
    results["targets"] = targets(summary)
    (RESULTS / "compare.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "compare.md").write_text(markdown(results))
    sys.stdout.write(markdown(results))
    log(f"done; results in {RESULTS}")


if __name__ == "__main__":
    main()
