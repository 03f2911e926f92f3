"""gunicorn settings: `gunicorn -c gunicorn.conf.py backend.wsgi`.

`make serve` runs granian (backend/serve.py), which costs less CPU per request; gunicorn
stays supported and reads the launcher's SERVER_BIND and WEB_THREADS too.

gthread workers: a login spends most of its time waiting on Kakao (two HTTPS
calls), so each worker process runs several threads and a thread waiting on
Kakao does not block the others. One process per core, threads for the waiting.
"""

import multiprocessing
import os
import shutil

from backend import multiproc

# The launcher's names (backend/serve.py) first, then the ones this file always read.
bind = (
    os.environ.get("SERVER_BIND")
    or os.environ.get("GUNICORN_BIND")
    or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
)
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS") or os.environ.get("GUNICORN_THREADS") or "16")
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
# backend/multiproc.py: each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR
# and /metrics adds them all up. The variable must be set before the app (and
# prometheus_client) is imported: this file is read first. Unset, a fresh directory is
# made for this run and removed when the master exits.
_METRICS_DIR, _OWN_METRICS_DIR = multiproc.prepare_directory()


def on_starting(server):
    """A previous run's counts would be added to this run's: start from an empty directory."""
    if _METRICS_DIR is not None:
        multiproc.clear(_METRICS_DIR)


def child_exit(server, worker):
    """A worker is gone: its live gauges (cache_degraded) stop counting; counters stay."""
    if _METRICS_DIR is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, str(_METRICS_DIR))


def on_exit(server):
    if _METRICS_DIR is not None and _OWN_METRICS_DIR:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
