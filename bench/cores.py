"""The server on its own cores for the throughput phases, the load on the others.

Logins per second at concurrency 8 and 32 measure how the server copes with more
logins at once. On a small machine shared with the load generator (a Python client with
one thread per connection) and the Kakao stand-in, every process pays more CPU per login
at concurrency 32 than at 8, the load generator and the stand-in as much as the server
(measured: 10 to 25 % each on 2 cores), so the ratio says as much about the load generator
as about the server. In production neither the clients nor Kakao run on the server's
CPUs. So, for those phases, the server (every thread of every process) and its database
backends run on one half of the CPUs, the load and the stand-in on the other.

Linux only (sched_setaffinity), at least 2 CPUs, and the right to move the database's
backends (root, or the database's own user); anything else, or BENCH_SPLIT_CORES=0,
leaves every process where it is, and the results say so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import psutil
import psycopg


def _allowed() -> set[int]:
    return set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


ALL = _allowed()
_ORDERED = sorted(ALL)
# The server side does more per login (server + database) than the load (client +
# stand-in): on an odd count it gets the extra CPU.
SERVER = set(_ORDERED[: len(_ORDERED) - len(_ORDERED) // 2])
LOAD = ALL - SERVER


def wanted() -> bool:
    return os.environ.get("BENCH_SPLIT_CORES", "1") != "0" and len(ALL) >= 2


def _tasks(pid: int) -> Iterator[int]:
    try:
        yield from (int(task) for task in os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return


def _set(pids: Iterable[int], cpus: set[int]) -> None:
    """Every thread of these processes onto ``cpus``; threads they start later inherit it."""
    for pid in pids:
        for tid in _tasks(pid):
            try:
                os.sched_setaffinity(tid, cpus)
            except ProcessLookupError:
                pass  # a thread that ended meanwhile


def tree(process: psutil.Process) -> list[int]:
    try:
        return [process.pid, *(child.pid for child in process.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def backends(database: dict[str, str]) -> list[int]:
    """The PostgreSQL backends serving this database (none for SQLite)."""
    url = database.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return []
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [pid for (pid,) in rows]


class Split:
    """One phase's placement: ``server`` pids on SERVER, ``load`` pids and this thread on LOAD.

    ``settle()`` moves the database backends, which the server opens during the warm-up;
    leaving the block puts everything back on every CPU. With ``on=False`` it does nothing,
    so that a phase reads the same either way.
    """

    def __init__(
        self, server: list[int], load: list[int], database: dict[str, str], *, on: bool = True
    ) -> None:
        self.server, self.load, self.database, self.on = server, load, database, on
        self.backends: list[int] = []

    def __enter__(self) -> Split:
        if not self.on:
            return self
        _set(self.server, SERVER)
        _set(self.load, LOAD)
        os.sched_setaffinity(0, LOAD)  # this thread; the client threads start from it
        return self

    def settle(self) -> None:
        if not self.on:
            return
        self.backends = backends(self.database)
        _set(self.backends, SERVER)

    def __exit__(self, *exc) -> None:
        if not self.on:
            return
        os.sched_setaffinity(0, ALL)
        _set(self.server + self.load + self.backends + backends(self.database), ALL)


def possible(database: dict[str, str]) -> tuple[bool, str]:
    """Whether this machine and user can split; if not, why (for the report)."""
    if not wanted():
        return False, "BENCH_SPLIT_CORES=0" if len(ALL) >= 2 else f"{len(ALL)} CPU"
    try:
        os.sched_setaffinity(0, ALL)
        url = database.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            # A backend of our own, as the server's will be: may this user move it?
            with psycopg.connect(url, autocommit=True) as conn:
                (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()
                _set([pid], ALL)
    except PermissionError:
        return False, "no right to move the database's backends (run as root or as postgres)"
    except OSError as error:
        return False, f"sched_setaffinity: {error}"
    return True, f"server and database on CPU {sorted(SERVER)}, load and stand-in on {sorted(LOAD)}"
