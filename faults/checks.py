"""After a scenario: the database holds one user and one link per person, and live sessions."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter

import psycopg

from faults.client import Row
from kakao_standin.server import Identity


class Database:
    """Read-only look at the scenario's database (SQLite file or our own PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str) -> list[tuple]:
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=10) as conn:
                return conn.execute(sql).fetchall()
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()


def token_hash(value: str) -> str:
    # accounts.models.RefreshToken.hash_token: tokens are stored as sha256$<hex>.
    return "sha256$" + hashlib.sha256(value.encode()).hexdigest()


def check_database(
    row: Row,
    db: Database,
    *,
    people: list[Identity],
    alive: list[str] = (),
    dead: list[str] = (),
) -> None:
    """One user and one Kakao link per person; `alive` tokens usable, `dead` ones revoked."""
    try:
        users = db.rows("SELECT id, nickname FROM accounts_user")
        links = db.rows("SELECT user_id, uid FROM accounts_socialaccount WHERE provider='kakao'")
        tokens = dict(db.rows("SELECT token, revoked IS NULL FROM accounts_refreshtoken"))
    except Exception as exc:  # the check itself could not run: a failure, not a pass
        row.check(False, f"database check failed: {type(exc).__name__}: {exc}")
        return
    by_nickname = Counter(nickname for _, nickname in users)
    link_count = Counter(uid for _, uid in links)
    linked_users = {user_id for user_id, _ in links}
    user_of_uid = {uid: user_id for user_id, uid in links}
    user_ids = {nickname: uid for uid, nickname in users}
    duplicates = [p.nickname for p in people if by_nickname[p.nickname] > 1]
    missing = [p.nickname for p in people if by_nickname[p.nickname] == 0]
    bad_links = [
        p.nickname
        for p in people
        if link_count[str(p.kakao_id)] != 1
        or user_of_uid.get(str(p.kakao_id)) != user_ids.get(p.nickname)
    ]
    orphans = [uid for uid, _ in users if uid not in linked_users]
    row.check(not duplicates, f"duplicate users for {len(duplicates)} people: {duplicates[:3]}")
    row.check(not missing, f"no user for {len(missing)} people who logged in: {missing[:3]}")
    row.check(not bad_links, f"not exactly one link for {len(bad_links)} people: {bad_links[:3]}")
    row.check(not orphans, f"{len(orphans)} users without a Kakao link (a lost race?)")
    lost = [t for t in alive if not tokens.get(token_hash(t))]
    row.check(
        not lost, f"{len(lost)} of {len(alive)} sessions that should be alive are revoked or gone"
    )
    kept = [t for t in dead if tokens.get(token_hash(t))]
    row.check(not kept, f"{len(kept)} tokens that should be revoked are still live")
