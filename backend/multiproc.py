"""Prometheus counts from several worker processes, whichever server runs them.

Each worker writes its counts to files in ``PROMETHEUS_MULTIPROC_DIR`` and /metrics adds them
all up, whichever worker answers (backend/metrics.py). The variable must be set before
prometheus_client is first imported, so the server sets it up before it loads the app
(gunicorn.conf.py, backend/serve.py). Standard library only: nothing here may import
prometheus_client early.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# prometheus_client's files of live gauges, one per process: gauge_livesum_1234.db
_LIVE_GAUGE = re.compile(r"gauge_live\w*?_(\d+)\.db")


def enabled() -> bool:
    return os.environ.get("METRICS_ENABLED", "").strip().lower() in {"1", "true", "yes", "on"}


def prepare_directory() -> tuple[Path | None, bool]:
    """The directory (None with metrics off) and whether it was made here for this run.

    Unset, a fresh directory is made for this run, set in the environment for the workers,
    and should be removed when the server exits.
    """
    if not enabled():
        return None, False
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if directory:
        return Path(directory), False
    directory = tempfile.mkdtemp(prefix="prometheus-multiproc-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return Path(directory), True


def directory() -> Path | None:
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    return Path(configured) if enabled() and configured else None


def clear(directory: Path) -> None:
    """A previous run's counts would be added to this run's: start from an empty directory."""
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def forget_dead_workers(directory: Path) -> list[int]:
    """Drop the live gauges (cache_degraded) of workers that no longer run; counters stay.

    gunicorn says when a worker exits (gunicorn.conf.py's child_exit); a server that does not
    (granian respawns a failed worker without a hook) calls this from each new worker.
    """
    from prometheus_client import multiprocess

    dead = sorted(
        {
            int(match.group(1))
            for path in directory.glob("gauge_live*.db")
            if (match := _LIVE_GAUGE.fullmatch(path.name)) and not _alive(int(match.group(1)))
        }
    )
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(directory))
    return dead


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (one of another user's processes counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
