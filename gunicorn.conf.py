"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py backend.wsgi`.

gthread workers: a login spends most of its time waiting on Kakao (two HTTPS
calls), so each worker process runs several threads and a thread waiting on
Kakao does not block the others. One process per core, threads for the waiting.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Kakao calls are bounded by KAKAO_TIMEOUT_SECONDS; nothing legitimate takes 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 20000
max_requests_jitter = 2000
backlog = 2048
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Path without the query string, and the request id the app put on the response.
access_log_format = (
    '{"ts":"%(t)s","access":"%(m)s %(U)s","status":%(s)s,"bytes":%(B)s,'
    '"ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)
# X-Forwarded-* are trusted only from the proxies named here (default: none but localhost).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# --- Prometheus metrics from every worker (METRICS_ENABLED=1) -----------------------------
# Each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds
# them all up, whichever worker answers. The variable must be set before the app (and
# prometheus_client) is imported: this file is read first. Unset, a fresh directory is
# made for this run and removed when the master exits.


def _metrics_on() -> bool:
    return os.environ.get("METRICS_ENABLED", "").strip().lower() in {"1", "true", "yes", "on"}


_OWN_METRICS_DIR = False
if _metrics_on() and not os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip():
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prometheus-multiproc-")
    _OWN_METRICS_DIR = True


def _metrics_dir() -> Path | None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    return Path(directory) if _metrics_on() and directory else None


def on_starting(server):
    """A previous run's counts would be added to this run's: start from an empty directory."""
    directory = _metrics_dir()
    if directory is not None:
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server, worker):
    """A worker is gone: its live gauges (cache_degraded) stop counting; counters stay."""
    if _metrics_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    directory = _metrics_dir()
    if directory is not None and _OWN_METRICS_DIR:
        shutil.rmtree(directory, ignore_errors=True)
