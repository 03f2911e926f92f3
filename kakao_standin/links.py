"""Who is connected to the app: consent starts a connection, an unlink ends it (§5, §6)."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kakao_standin.consent import ConsentBook
from kakao_standin.identity import Identity

if TYPE_CHECKING:
    from kakao_standin.state import IssuedToken


@dataclass(frozen=True)
class Unlink:
    user_id: int
    by: str  # "admin_key" or "user_token"
    at: str

    def as_json(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "by": self.by, "at": self.at}


class AppLinks:
    """``KakaoStandIn``'s connections and unlinks, over the state it keeps under its lock."""

    app_id: int
    admin_key: str
    consent: ConsentBook
    _lock: threading.Lock
    _tokens: dict[str, IssuedToken]
    _connections: dict[tuple[int, int], Identity]
    _unlinks: list[Unlink]

    if TYPE_CHECKING:

        def _token(self, authorization: str | None) -> IssuedToken | None: ...

    def agree(
        self,
        *,
        identity: Identity,
        scopes: Iterable[str],
        terms: Iterable[str] = (),
        openid: bool = False,
        app_id: int | None = None,
    ) -> tuple[str, ...]:
        """The person agreed (consent page or SDK): recorded, connected; the token's scope."""
        app_id = self.app_id if app_id is None else app_id
        self.consent.agree(app_id, identity.kakao_id, scopes=scopes, terms=terms)
        with self._lock:
            self._connections[(app_id, identity.kakao_id)] = identity
        return self.consent.token_scope(app_id, identity.kakao_id, openid=openid)

    def unlink_by_token(self, authorization: str | None) -> int | None:
        """The person's own token unlinks them from the app it was issued to."""
        token = self._token(authorization)
        if token is None:
            return None
        kakao_id = token.identity.kakao_id
        self._disconnect(app_id=token.app_id, kakao_id=kakao_id)
        self._record_unlink(kakao_id, "user_token")
        return kakao_id

    def is_admin_key(self, authorization: str | None) -> bool:
        """``Authorization: KakaoAK <admin key>``, compared in constant time."""
        scheme, _, key = (authorization or "").partition(" ")
        if scheme != "KakaoAK" or not key or not self.admin_key:
            return False
        return hmac.compare_digest(key.strip().encode(), self.admin_key.encode())

    def unlink_by_admin(self, kakao_id: int) -> bool:
        """The app's server unlinks a person; False when they are not connected (-101)."""
        if not self._disconnect(app_id=self.app_id, kakao_id=kakao_id):
            return False
        self._record_unlink(kakao_id, "admin_key")
        return True

    def disconnect_from_kakao(self, kakao_id: int) -> Identity | None:
        """The person disconnects the app on Kakao's side; the caller sends the notice."""
        return self._disconnect(app_id=self.app_id, kakao_id=kakao_id)

    def connections(self) -> list[Identity]:
        with self._lock:
            return [who for (app, _), who in self._connections.items() if app == self.app_id]

    def unlinks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [u.as_json() for u in self._unlinks]

    def _disconnect(self, *, app_id: int, kakao_id: int) -> Identity | None:
        # Unlinking ends the consent: every token of that person for that app dies with it.
        self.consent.forget(app_id, kakao_id)
        with self._lock:
            identity = self._connections.pop((app_id, kakao_id), None)
            for value, token in list(self._tokens.items()):
                if token.app_id == app_id and token.identity.kakao_id == kakao_id:
                    del self._tokens[value]
        return identity

    def _record_unlink(self, kakao_id: int, by: str) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._unlinks.append(Unlink(kakao_id, by, at))
