"""/metrics under a real gunicorn with two workers: every worker's counts in one answer.

gunicorn.conf.py points prometheus_client's multi-process mode at
PROMETHEUS_MULTIPROC_DIR, empties it at start (a previous run's counts must not
be added) and marks dead workers; /metrics adds up every worker's files. SQLite
and the local-memory cache: nothing outside this test is used.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict, mmap_key

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "gunicorn-metrics-token-0123456789abcdef"
REFUSED = ("graphql_requests_refused", "graphql_requests_refused_total")
REFUSED_HELP = "stale help"  # any: samples are merged by name and labels


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn, 2 workers, metrics on, a fresh SQLite file; a stale count left in its dir."""
    tmp_path = tmp_path_factory.mktemp("gunicorn-metrics")
    directory = tmp_path / "prometheus"
    directory.mkdir()
    stale = MmapedDict(str(directory / "counter_999999.db"))
    stale.write_value(mmap_key(*REFUSED, ["reason"], ["csrf"], REFUSED_HELP), 1000.0, 0.0)
    stale.close()
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "gunicorn-metrics-secret-key-0123456789-abcdefghijkl",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "RATE_LIMIT_REFRESH_PER_IP": "off",
            "METRICS_ENABLED": "1",
            "METRICS_TOKEN": TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(directory),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_ACCESSLOG": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "backend.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded machine boots workers slowly
        while True:
            try:
                if requests.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not become ready"
            time.sleep(0.2)
        # cleaned at start: an earlier run's counts are not added to this run's
        assert not (directory / "counter_999999.db").exists()
        yield url, directory
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        print((tmp_path / "gunicorn.log").read_text()[-3000:])


def scrape(url: str, **headers: str) -> requests.Response:
    return requests.get(f"{url}/metrics", headers=headers, timeout=30)


def sample(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$"
    found = re.search(pattern, body, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def per_worker(directory: Path, name: str, **labels: str) -> dict[int, float]:
    """Each worker's own count, from its file (what /metrics adds up)."""
    counts: dict[int, float] = defaultdict(float)
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            _, sample_name, sample_labels, _ = json.loads(key)
            if sample_name == name and sample_labels == labels:
                counts[pid] += value
    return dict(counts)


def csrf_refused(url: str) -> int:
    """A cookie-carrying form POST: refused before anything runs (one connection each)."""
    response = requests.post(
        f"{url}/graphql",
        data={"query": "{ me { id } }"},
        cookies={"JWT-refresh-token": "x"},
        headers={"Connection": "close"},
        timeout=30,
    )
    assert response.status_code == 403
    return 1


def invalid_refresh(url: str) -> int:
    response = requests.post(
        f"{url}/graphql",
        json={"query": 'mutation { refreshToken(refreshToken: "nope") { errors { code } } }'},
        headers={"Connection": "close"},
        timeout=30,
    )
    assert response.json()["data"]["refreshToken"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    return 1


def test_two_workers_counts_are_summed_in_one_answer(server):
    url, directory = server
    before = sum(per_worker(directory, REFUSED[1], reason="csrf").values())
    sent = refreshes = 0
    # Concurrent connections until both workers have served some (bounded).
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(20):
            sent += sum(pool.map(lambda _: csrf_refused(url), range(24)))
            refreshes += sum(pool.map(lambda _: invalid_refresh(url), range(8)))
            workers = per_worker(directory, REFUSED[1], reason="csrf")
            if len([pid for pid, n in workers.items() if n > 0 and pid != 999999]) >= 2:
                break
    workers = per_worker(directory, REFUSED[1], reason="csrf")
    assert 999999 not in workers
    assert len([n for n in workers.values() if n > 0]) == 2, workers
    assert sum(workers.values()) == before + sent
    # whichever worker answers the scrape, it reports the sum of both
    for _ in range(6):
        body = scrape(url, Authorization=f"Bearer {TOKEN}").text
        assert sample(body, REFUSED[1], reason="csrf") == before + sent
        assert sample(body, "auth_refreshes_total", outcome="invalid") == refreshes
        assert sample(body, "cache_degraded") == 0


def test_metrics_are_refused_without_the_token_or_with_cookies_only(server):
    url, _ = server
    assert scrape(url).status_code == 401
    assert scrape(url, Authorization="Bearer not-the-token-0123456789").status_code == 401
    with_cookies = requests.get(
        f"{url}/metrics",
        cookies={"JWT": "anything", "JWT-refresh-token": "anything", "sessionid": "x"},
        timeout=30,
    )
    assert with_cookies.status_code == 401
    ok = scrape(url, Authorization=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"


def test_a_dead_workers_counts_stay_and_its_live_gauge_goes(server):
    url, directory = server
    before = sum(per_worker(directory, REFUSED[1], reason="csrf").values())
    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = sum(pool.map(lambda _: csrf_refused(url), range(40)))
    served = per_worker(directory, REFUSED[1], reason="csrf")
    victim = max(served, key=served.get)
    assert (directory / f"gauge_livemax_{victim}.db").exists()
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while (directory / f"gauge_livemax_{victim}.db").exists():
        assert time.monotonic() < deadline, "child_exit did not mark the worker dead"
        time.sleep(0.1)
    body = scrape(url, Authorization=f"Bearer {TOKEN}").text
    assert sample(body, REFUSED[1], reason="csrf") == before + sent
