"""The stand-in's "Kakao session": who is logged in to Kakao in this browser, since when.

Kakao remembers a login in a cookie of its own, so that a second login to any app
needs no password (``prompt=login`` asks again anyway), ``prompt=none`` can answer
without a screen, and ``/oauth/logout`` has something to end. The stand-in keeps the
same: a random id in an HttpOnly cookie, the person and the login time in memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kakao_standin.identity import Identity

COOKIE = "standin_kakao_session"
SESSION_TTL_SECONDS = 24 * 3600
# Each one costs a press of "Agree": a bound, not a quota anyone should reach.
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class KakaoSession:
    identity: Identity
    auth_time: int  # when the person last typed their password (the id_token's auth_time)
    expires: float


def set_cookie(session_id: str) -> str:
    return f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"


def expired_cookie() -> str:
    return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"


class KakaoSessions:
    """The browsers logged in to the stand-in's Kakao. Thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, KakaoSession] = {}

    def start(self, identity: Identity, *, auth_time: int) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            while len(self._sessions) >= MAX_SESSIONS:  # the oldest goes first
                del self._sessions[next(iter(self._sessions))]
            self._sessions[session_id] = KakaoSession(
                identity, auth_time, self.clock() + SESSION_TTL_SECONDS
            )
        return session_id

    def get(self, session_id: str | None) -> KakaoSession | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        return session if session is not None and session.expires > self.clock() else None

    def end(self, session_id: str | None) -> KakaoSession | None:
        with self._lock:
            return self._sessions.pop(session_id or "", None)
