"""What the app asks people to agree to, and what each person agreed to and when.

Kakao's consent items (scopes, shared/KAKAO_API.md §10) and Kakao Sync's service
terms (§11), as the stand-in's app configures them, and per person of an app: the
items and terms agreed, with the time and how (``KAUTH`` on the consent page).
Kakao forgets all of it when the person is unlinked.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TAG = re.compile(r"[A-Za-z0-9_-]{1,50}")
REVOCABILITY = ("", "revocable", "irrevocable")


@dataclass(frozen=True)
class ConsentItem:
    """One consent item of the app (Kakao console: 동의항목)."""

    id: str
    display_name: str
    type: str  # PRIVACY (personal information) or SERVICE (a permission)
    required: bool = False  # required items cannot be refused, nor revoked
    # Asked on the first consent (sign-up); False: only when `scope` asks (이용 중 동의).
    at_signup: bool = True


DEFAULT_CONSENT_ITEMS = (
    ConsentItem("profile_nickname", "닉네임", "PRIVACY", required=True),
    ConsentItem("profile_image", "프로필 사진", "PRIVACY"),
    ConsentItem("account_email", "카카오계정(이메일)", "PRIVACY"),
    ConsentItem("phone_number", "카카오계정(전화번호)", "PRIVACY", at_signup=False),
    ConsentItem("openid", "OpenID Connect (ID 토큰)", "SERVICE", required=True, at_signup=False),
    ConsentItem("talk_message", "카카오톡 메시지 전송", "SERVICE", at_signup=False),
)

TERM_TITLES = {
    "tos": "서비스 이용약관 / Terms of service",
    "privacy": "개인정보 수집·이용 동의 / Personal information",
    "marketing": "마케팅 정보 수신 동의 / Marketing messages",
    "location": "위치기반서비스 이용약관 / Location services",
}


@dataclass(frozen=True)
class ServiceTerm:
    """One Kakao Sync service term of the app (간편가입 약관)."""

    tag: str
    required: bool
    revocable: bool

    @property
    def title(self) -> str:
        return TERM_TITLES.get(self.tag, self.tag)


def parse_service_terms(spec: str) -> tuple[ServiceTerm, ...]:
    """``tos:required,privacy:required,marketing:optional[:revocable|:irrevocable]``.

    Optional terms are revocable and required ones not, unless the third part says
    otherwise. ``ValueError`` names what is wrong.
    """
    terms: list[ServiceTerm] = []
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        tag, _, rest = entry.partition(":")
        kind, _, revocable = rest.partition(":")
        if not TAG.fullmatch(tag):
            raise ValueError(f"service term tag {tag!r}: letters, digits, _ and - (at most 50)")
        if kind not in ("required", "optional") or revocable not in REVOCABILITY:
            raise ValueError(
                f"service term {entry!r}: TAG:required or TAG:optional, then :revocable or "
                ":irrevocable if you like"
            )
        if any(term.tag == tag for term in terms):
            raise ValueError(f"service term {tag!r} is listed twice")
        required = kind == "required"
        terms.append(
            ServiceTerm(tag, required, revocable == "revocable" if revocable else not required)
        )
    return tuple(terms)


class ConsentError(Exception):
    """A request Kakao refuses: its HTTP status and Kakao's negative code."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg

    def body(self) -> dict[str, Any]:
        return {"msg": self.msg, "code": self.code}


@dataclass(frozen=True)
class Asked:
    """What a consent page asks of one person: the items and terms not agreed yet."""

    first: bool  # the person's first consent for the app (sign-up)
    scopes: tuple[ConsentItem, ...]
    terms: tuple[ServiceTerm, ...]

    def __bool__(self) -> bool:
        return bool(self.scopes or self.terms)


@dataclass
class _Record:
    scopes: dict[str, str] = field(default_factory=dict)  # id -> agreed_at
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)  # tag -> (agreed_at, by)


class ConsentBook:
    """The app's items and terms, and every person's answers, per app id. Thread-safe."""

    def __init__(
        self,
        *,
        items: tuple[ConsentItem, ...] = DEFAULT_CONSENT_ITEMS,
        terms: tuple[ServiceTerm, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.items, self.terms, self.clock = items, terms, clock
        self._lock = threading.Lock()
        self._records: dict[tuple[int, int], _Record] = {}

    def unknown_scopes(self, ids: Iterable[str]) -> list[str]:
        known = {item.id for item in self.items}
        return [i for i in ids if i not in known]

    def unknown_terms(self, tags: Iterable[str]) -> list[str]:
        known = {term.tag for term in self.terms}
        return [t for t in tags if t not in known]

    def knows(self, app_id: int, kakao_id: int) -> bool:
        with self._lock:
            return (app_id, kakao_id) in self._records

    def to_ask(
        self, app_id: int, kakao_id: int, *, scopes: Iterable[str] = (), terms: Iterable[str] = ()
    ) -> Asked:
        """A sign-up asks the app's sign-up items and terms; a return only what is new."""
        scopes, terms = set(scopes), set(terms)
        with self._lock:
            record = self._records.get((app_id, kakao_id))
            agreed = set(record.scopes) if record else set()
            agreed_terms = set(record.terms) if record else set()
        first = record is None
        return Asked(
            first=first,
            scopes=tuple(
                item
                for item in self.items
                if item.id not in agreed
                and (item.id in scopes or (item.at_signup and (first or item.required)))
            ),
            # At sign-up every term unless `service_terms` names some (required ones
            # always); later the required ones still missing and those asked for again.
            terms=tuple(
                term
                for term in self.terms
                if term.tag not in agreed_terms
                and (term.required or term.tag in terms or (first and not terms))
            ),
        )

    def agree(
        self,
        app_id: int,
        kakao_id: int,
        *,
        scopes: Iterable[str],
        terms: Iterable[str] = (),
        by: str = "KAUTH",
    ) -> None:
        """Record what the person agreed to now; earlier agreements keep their time."""
        now = self._now()
        with self._lock:
            record = self._records.setdefault((app_id, kakao_id), _Record())
            for scope in scopes:
                record.scopes.setdefault(scope, now)
            for tag in terms:
                record.terms.setdefault(tag, (now, by))

    def forget(self, app_id: int, kakao_id: int) -> None:
        with self._lock:
            self._records.pop((app_id, kakao_id), None)

    def agreed_scopes(self, app_id: int, kakao_id: int) -> frozenset[str]:
        with self._lock:
            record = self._records.get((app_id, kakao_id))
            return frozenset(record.scopes) if record else frozenset()

    def token_scope(self, app_id: int, kakao_id: int, *, openid: bool) -> tuple[str, ...]:
        """The token response's ``scope``: every item agreed; ``openid`` only when asked for."""
        agreed = self.agreed_scopes(app_id, kakao_id)
        return tuple(
            item.id for item in self.items if item.id in agreed and (item.id != "openid" or openid)
        )

    # --- the APIs (§10, §11) -----------------------------------------------------------

    def scopes_json(
        self, app_id: int, kakao_id: int, only: list[str] | None = None
    ) -> list[dict[str, Any]]:
        agreed = self.agreed_scopes(app_id, kakao_id)
        answer = []
        for item in self.items:
            if only is not None and item.id not in only:
                continue
            entry: dict[str, Any] = {
                "id": item.id,
                "display_name": item.display_name,
                "type": item.type,
                "using": True,
                "agreed": item.id in agreed,
            }
            if item.id in agreed:  # Kakao sends `revocable` for agreed items only
                entry["revocable"] = not item.required
            answer.append(entry)
        return answer

    def revoke_scopes(self, app_id: int, kakao_id: int, ids: list[str]) -> None:
        """All or nothing: an unknown id is -2, a required or unagreed one -3."""
        ids = list(dict.fromkeys(ids))
        if unknown := self.unknown_scopes(ids):
            raise ConsentError(400, -2, f"unknown scopes: {','.join(unknown)}")
        items = {item.id: item for item in self.items}
        with self._lock:
            record = self._records.get((app_id, kakao_id), _Record())
            refused = [i for i in ids if items[i].required or i not in record.scopes]
            if refused:
                raise ConsentError(403, -3, f"not revocable: {','.join(refused)}")
            for scope in ids:
                del record.scopes[scope]

    def terms_json(
        self, app_id: int, kakao_id: int, *, tags: list[str] | None, every: bool
    ) -> list[dict[str, Any]]:
        """``every``: the app's terms, agreed or not (``result=app_service_terms``)."""
        with self._lock:
            record = self._records.get((app_id, kakao_id), _Record())
            agreed = dict(record.terms)
        answer = []
        for term in self.terms:
            if (tags is not None and term.tag not in tags) or not (every or term.tag in agreed):
                continue
            entry: dict[str, Any] = {
                "tag": term.tag,
                "required": term.required,
                "agreed": term.tag in agreed,
                "revocable": term.revocable,
            }
            if term.tag in agreed:
                entry["agreed_at"], entry["agreed_by"] = agreed[term.tag]
            answer.append(entry)
        return answer

    def revoke_terms(self, app_id: int, kakao_id: int, tags: list[str]) -> list[dict[str, Any]]:
        """All or nothing: unknown is -2, not revocable -3; one not agreed stays not agreed."""
        tags = list(dict.fromkeys(tags))
        if unknown := self.unknown_terms(tags):
            raise ConsentError(400, -2, f"unknown service terms: {','.join(unknown)}")
        terms = {term.tag: term for term in self.terms}
        if refused := [t for t in tags if not terms[t].revocable]:
            raise ConsentError(403, -3, f"not revocable: {','.join(refused)}")
        with self._lock:
            record = self._records.get((app_id, kakao_id), _Record())
            for tag in tags:
                record.terms.pop(tag, None)
        return [{"tag": tag, "agreed": False} for tag in tags]

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
