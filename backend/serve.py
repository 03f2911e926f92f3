"""The production server as ``make serve`` runs it: granian, HTTP in Rust, the app in WSGI threads.

    python -m backend.serve

Why not gunicorn's gthread worker (still supported: ``gunicorn -c gunicorn.conf.py
backend.wsgi``): gthread parses HTTP, polls sockets and hands each request to a thread in
Python, and on the requests every screen sends (an authenticated read) that was about as much
CPU as Django and the GraphQL query together. Granian does that part in Rust; side by side on
this machine the same build cost about 0.7 of gunicorn's server CPU per read (``make bench``,
``bench/results/compare.md``).

Like gunicorn.conf.py: one process per core, threads for the waiting (a login spends most of
its time waiting on Kakao), the application loaded and its system checks run before the socket
is bound (a configuration ``manage.py check`` refuses exits 1 here), workers forked from it.

Environment (default):
  PORT (8000), SERVER_BIND (0.0.0.0:$PORT)   where to listen
  WEB_CONCURRENCY (cores)                    processes
  WEB_THREADS (16)                           threads per process running the app
  (GUNICORN_BIND, GUNICORN_THREADS and GUNICORN_ACCESSLOG="" are still read where the new
  name is not set, so an environment written for gunicorn keeps working)
  SERVER_BACKLOG (2048)                      connections waiting to be accepted
  SERVER_GRACEFUL_TIMEOUT (30)               seconds a stopping worker may finish requests
  ACCESS_LOG (on)                            a JSON line per request (backend.access)
  METRICS_ENABLED, PROMETHEUS_MULTIPROC_DIR  Prometheus counts from every worker (as gunicorn)
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from backend import multiproc


@dataclass(frozen=True)
class ServeConfig:
    host: str
    port: int
    workers: int
    threads: int
    backlog: int
    graceful_timeout: int

    @classmethod
    def from_environment(cls, environ: dict[str, str] | os._Environ) -> ServeConfig:
        """The settings above; a bad value raises ValueError naming the variable."""
        bind = (
            _first(environ, "SERVER_BIND", "GUNICORN_BIND")
            or f"0.0.0.0:{environ.get('PORT', '8000')}"
        )
        host, separator, port = bind.rpartition(":")
        if not separator or not host:
            raise ValueError(f"SERVER_BIND must be host:port, got {bind!r}")
        return cls(
            host=host.strip("[]"),
            port=_number("SERVER_BIND port", port, 1, 65535),
            workers=_setting(environ, "WEB_CONCURRENCY", multiprocessing.cpu_count(), 1, 64),
            threads=_setting(environ, "WEB_THREADS", 16, 1, 256, older="GUNICORN_THREADS"),
            backlog=_setting(environ, "SERVER_BACKLOG", 2048, 128, 65535),
            graceful_timeout=_setting(environ, "SERVER_GRACEFUL_TIMEOUT", 30, 1, 3600),
        )


def _first(environ, name: str, older: str) -> str:
    """``name``, else the name the same setting had under gunicorn (still honoured)."""
    return environ.get(name, "").strip() or environ.get(older, "").strip()


def _setting(environ, name: str, default: int, low: int, high: int, older: str = "") -> int:
    raw = _first(environ, name, older) if older else environ.get(name, "").strip()
    return _number(name, raw, low, high) if raw else default


def _number(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


class _ThreadCountWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Configuration allows spawning up to")


def main() -> None:
    try:
        config = ServeConfig.from_environment(os.environ)
    except ValueError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        raise SystemExit(1) from None
    # Read by the settings (below) and by prometheus_client when it is first imported.
    # GUNICORN_ACCESSLOG="" (no access log under gunicorn) still means none.
    os.environ.setdefault("ACCESS_LOG", "0" if os.environ.get("GUNICORN_ACCESSLOG") == "" else "1")
    metrics_dir, own_dir = multiproc.prepare_directory()
    if metrics_dir is not None:
        multiproc.clear(metrics_dir)  # a previous run's counts are not this run's

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    # Load the application here, before binding: a configuration the system checks refuse
    # exits now, and the workers, forked from this process, start warm.
    try:
        importlib.import_module("backend.wsgi")
    except SystemExit:
        if own_dir and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        raise

    server = Granian(
        "backend.wsgi:worker_application",
        factory=True,
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        workers=config.workers,
        blocking_threads=config.threads,
        # A thread and its database connection live as long as the worker.
        blocking_threads_idle_timeout=600,
        backlog=config.backlog,
        http=HTTPModes.auto,
        websockets=False,
        respawn_failed_workers=True,
        workers_kill_timeout=config.graceful_timeout,
        log_level=os.environ.get("SERVER_LOG_LEVEL", "info").lower(),
        log_access=False,  # the app writes its own (ACCESS_LOG), with the request id
    )
    # Granian warns about more threads than 2 x cores + 1: here they wait on Kakao, not on
    # the CPU (WEB_THREADS above), so the warning is left out of every start's output.
    logging.getLogger("_granian").addFilter(_ThreadCountWarning())
    if own_dir and metrics_dir is not None:
        server.on_shutdown(lambda: shutil.rmtree(metrics_dir, ignore_errors=True))
    server.serve()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
