"""`make serve`'s workers (``python -m backend.serve``: granian) killed: respawned, and their
Prometheus files (backend/multiproc.py: granian has no hook for a worker's exit).

make serve's shape, 2 workers, metrics on, on a migrated SQLite file (tests/servers.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from backend import multiproc
from tests import servers

TOKEN = "serve-metrics-token-0123456789abcdef"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve-workers")
    metrics = directory / "prometheus"
    metrics.mkdir()
    env = servers.production_env(
        DATABASE_URL=f"sqlite:///{directory}/db.sqlite3", WEB_CONCURRENCY="2", METRICS_ENABLED="1",
        METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS="", PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )  # fmt: skip
    servers.migrate(env)
    with servers.serve_process(env, directory / "server.log") as (process, url):
        # Granian stops the whole server when a worker dies within 5.5 s of being respawned
        # (a "crash loop"): each test below kills one of these, never a replacement.
        yield process.pid, url, metrics, servers.workers(process.pid)


def per_worker(directory) -> dict[int, float]:
    """Each process's own count of CSRF refusals, from its file (what /metrics adds up)."""
    csrf = ["graphql_requests_refused_total", {"reason": "csrf"}]
    return {
        int(path.stem.rsplit("_", 1)[1]): sum(
            value for key, value, *_ in MmapedDict.read_all_values_from_file(str(path))
            if json.loads(key)[1:3] == csrf
        )
        for path in directory.glob("counter_*.db")
    }  # fmt: skip


def until_served_by(url: str, directory, pids: set[int]) -> None:
    """Refused form POSTs, one connection each, until each of ``pids`` counted one (bounded)."""
    for _ in range(400):
        if all(per_worker(directory).get(pid, 0) > 0 for pid in pids):
            return
        answer = requests.post(
            f"{url}/graphql", data={"query": "{ me { id } }"}, cookies={"JWT-refresh-token": "x"},
            headers={"Connection": "close"}, timeout=30,
        )  # fmt: skip
        assert answer.status_code == 403
    raise AssertionError(f"{pids} answered none of 400 requests: {per_worker(directory)}")


def kill_a_worker(master: int, originals: set[int]) -> tuple[int, int]:
    """SIGKILL to a worker never respawned; the victim and its replacement (within 30 s)."""
    before = servers.workers(master)
    victim = min(before & originals)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while victim in (now := servers.workers(master)) or len(now) < len(before):
        assert time.monotonic() < deadline, f"nothing replaced {victim}: {now}"
        time.sleep(0.1)
    (replacement,) = now - before
    return victim, replacement


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(server):
    master, url, directory, originals = server
    _, replacement = kill_a_worker(master, originals)
    assert requests.get(f"{url}/readyz", timeout=10).status_code == 200
    until_served_by(url, directory, {replacement})  # the replacement itself answers


def test_a_dead_workers_live_gauge_goes_once_its_replacement_runs_and_its_counts_stay(server):
    master, url, directory, originals = server
    until_served_by(url, directory, servers.workers(master) & originals)
    victim = min(servers.workers(master) & originals)
    counted = per_worker(directory)[victim]
    assert (directory / f"gauge_livemax_{victim}.db").exists() and counted > 0
    _, replacement = kill_a_worker(master, originals)
    until_served_by(url, directory, {replacement})
    # The replacement forgot the dead worker before it served (backend/wsgi.py)...
    assert not (directory / f"gauge_livemax_{victim}.db").exists()
    # ...whose counts stay, in every answer.
    now = per_worker(directory)
    assert now[victim] == counted
    body = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    samples = [s for f in text_string_to_metric_families(body.text) for s in f.samples]
    csrf = [s for s in samples if s.name == "graphql_requests_refused_total"]
    assert [(s.labels, s.value) for s in csrf] == [({"reason": "csrf"}, sum(now.values()))]


def test_forget_dead_workers_drops_the_live_gauges_of_dead_processes_only(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: no process has its pid now
    kinds = ("gauge_livemax", "gauge_livesum", "gauge_max", "counter")
    names = {f"{kind}_{pid}.db" for kind in kinds for pid in (dead.pid, os.getpid())}
    for name in names:
        MmapedDict(str(tmp_path / name)).close()
    assert multiproc.forget_dead_workers(tmp_path) == [dead.pid]
    gone = {f"gauge_livemax_{dead.pid}.db", f"gauge_livesum_{dead.pid}.db"}
    assert {path.name for path in tmp_path.iterdir()} == names - gone
