"""The consent history: what Kakao said, one row per change, never updated or deleted.

The newest row per consent item (or service term) is what the person agrees to
now; the newest row at or before a date is what our record said then
(``consent_on``). Writers compare with the newest rows and add a row only for
an item whose state changed, so a withdrawal is a new row beside the agreement
it withdraws. The functions here write inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from accounts import prepared
from accounts.kakao import CONSENT_KEY, KakaoScope, KakaoServiceTerm
from accounts.models import (
    ConsentSource,
    KakaoConsentCheck,
    KakaoScopeConsent,
    KakaoServiceTermConsent,
    SocialAccount,
    User,
)

# A protocol scope, not a consent item a person sees or withdraws.
_NOT_CONSENT_ITEMS = frozenset({"openid"})


@dataclass(frozen=True)
class ScopeState:
    """A consent item as last recorded."""

    id: str
    display_name: str
    type: str
    agreed: bool
    revocable: bool
    learned_at: datetime


@dataclass(frozen=True)
class TermState:
    """A Kakao Sync service term as last recorded."""

    tag: str
    required: bool
    agreed: bool
    revocable: bool
    agreed_at: datetime | None
    agreed_by: str
    learned_at: datetime


@dataclass(frozen=True)
class ConsentRecord:
    """A person's consent items and service terms, and when Kakao last gave each whole list."""

    scopes: tuple[ScopeState, ...] = ()
    service_terms: tuple[TermState, ...] = ()
    scopes_checked_at: datetime | None = None
    service_terms_checked_at: datetime | None = None

    def scope(self, scope_id: str) -> ScopeState | None:
        return next((s for s in self.scopes if s.id == scope_id), None)

    def term(self, tag: str) -> TermState | None:
        return next((t for t in self.service_terms if t.tag == tag), None)


# --- reading ------------------------------------------------------------------------------


def consent_record(*, link_id: int, at: datetime | None = None) -> ConsentRecord:
    """The newest state of each item (as of ``at`` when given): three small queries."""
    scopes = _latest_scopes(link_id, at)
    terms = _latest_terms(link_id, at)
    record = ConsentRecord(
        scopes=tuple(_scope_state(row) for row in scopes.values()),
        service_terms=tuple(_term_state(row) for row in terms.values()),
    )
    if at is not None:
        return record
    check = KakaoConsentCheck.objects.filter(link_id=link_id).first()
    if check is None:
        return record
    return replace(
        record,
        scopes_checked_at=check.scopes_checked_at,
        service_terms_checked_at=check.service_terms_checked_at,
    )


def consent_on(*, user: User, at: datetime) -> ConsentRecord:
    """What our record said this person had agreed to at ``at`` (their current Kakao link)."""
    link_id = (
        SocialAccount.objects.filter(user_id=user.pk, provider=SocialAccount.Provider.KAKAO)
        .values_list("pk", flat=True)
        .first()
    )
    if link_id is None:
        return ConsentRecord()
    return consent_record(link_id=link_id, at=at)


def _latest(rows: QuerySet, key: str, at: datetime | None) -> dict[str, Any]:
    if at is not None:
        rows = rows.filter(learned_at__lte=at)
    latest: dict[str, Any] = {}
    for row in rows.order_by("learned_at", "pk"):
        latest[getattr(row, key)] = row  # keeps the order items were first learned in
    return latest


def _latest_scopes(link_id: int, at: datetime | None = None) -> dict[str, KakaoScopeConsent]:
    if at is None:
        # Every returning login asks this: the query is made once per process.
        query = prepared.per_vendor(
            "scope-history",
            lambda: prepared.Select(KakaoScopeConsent, ("link",), ("learned_at", "id")),
        )
        return {row.scope: row for row in query.all(link_id)}
    return _latest(KakaoScopeConsent.objects.filter(link_id=link_id), "scope", at)


def _latest_terms(link_id: int, at: datetime | None = None) -> dict[str, KakaoServiceTermConsent]:
    return _latest(KakaoServiceTermConsent.objects.filter(link_id=link_id), "tag", at)


def _scope_state(row: KakaoScopeConsent) -> ScopeState:
    return ScopeState(
        id=row.scope,
        display_name=row.display_name,
        type=row.scope_type,
        agreed=row.agreed,
        revocable=row.revocable,
        learned_at=row.learned_at,
    )


def _term_state(row: KakaoServiceTermConsent) -> TermState:
    return TermState(
        tag=row.tag,
        required=row.required,
        agreed=row.agreed,
        revocable=row.revocable,
        agreed_at=row.agreed_at,
        agreed_by=row.agreed_by,
        learned_at=row.learned_at,
    )


# --- writing ------------------------------------------------------------------------------


def record_granted_scopes(
    *, link_id: int, scope_ids: Iterable[str], source: ConsentSource, new_link: bool = False
) -> int:
    """Items a token response listed are agreed now; returns how many rows were added.

    The token response says nothing of the items it does not list, so nothing
    else changes. A new link has no history to compare with (no query).
    """
    ids = [s for s in dict.fromkeys(scope_ids) if _is_consent_item(s)]
    if not ids:
        return 0
    latest = {} if new_link else _latest_scopes(link_id)
    now = timezone.now()
    rows = []
    for scope_id in ids:
        before = latest.get(scope_id)
        if before is not None and before.agreed:
            continue
        rows.append(
            KakaoScopeConsent(
                link_id=link_id,
                scope=scope_id,
                display_name=before.display_name if before else "",
                scope_type=before.scope_type if before else "",
                agreed=True,
                source=source,
                learned_at=now,
            )
        )
    KakaoScopeConsent.objects.bulk_create(rows)
    return len(rows)


def record_scopes(
    *,
    link_id: int,
    scopes: Iterable[KakaoScope],
    withdrawn: Iterable[str] = (),
    complete: bool,
) -> int:
    """Kakao's answer about the person's items: a row for each that changed.

    ``complete`` when it was the whole list (GET /v2/user/scopes), which also
    marks when Kakao last gave it; ``withdrawn`` items are recorded as withdrawn
    through this service rather than as read from Kakao.
    """
    latest = _latest_scopes(link_id)
    withdrawn = set(withdrawn)
    now = timezone.now()
    rows = []
    for item in scopes:
        if not _is_consent_item(item.id):
            continue
        row = KakaoScopeConsent(
            link_id=link_id,
            scope=item.id,
            display_name=item.display_name,
            scope_type=item.type,
            agreed=item.agreed,
            revocable=item.revocable and item.agreed,
            source=ConsentSource.WITHDRAWAL if item.id in withdrawn else ConsentSource.KAKAO,
            learned_at=now,
        )
        if _changed(latest.get(item.id), row, _SCOPE_FIELDS):
            rows.append(row)
    KakaoScopeConsent.objects.bulk_create(rows)
    if complete:
        _mark_checked(link_id, scopes_checked_at=now)
    return len(rows)


def record_service_terms(*, link_id: int, terms: Iterable[KakaoServiceTerm]) -> int:
    """Kakao's whole list of the app's terms for the person: a row for each that changed."""
    latest = _latest_terms(link_id)
    now = timezone.now()
    rows = []
    for term in terms:
        row = KakaoServiceTermConsent(
            link_id=link_id,
            tag=term.tag,
            required=term.required,
            agreed=term.agreed,
            revocable=term.revocable,
            agreed_at=term.agreed_at,
            agreed_by=term.agreed_by,
            source=ConsentSource.KAKAO,
            learned_at=now,
        )
        if _changed(latest.get(term.tag), row, _TERM_FIELDS):
            rows.append(row)
    KakaoServiceTermConsent.objects.bulk_create(rows)
    _mark_checked(link_id, service_terms_checked_at=now)
    return len(rows)


def record_withdrawn_terms(*, link_id: int, tags: Iterable[str]) -> int:
    """Terms Kakao says it withdrew: a new row each (no longer agreed), beside the agreement."""
    latest = _latest_terms(link_id)
    now = timezone.now()
    rows = []
    for tag in dict.fromkeys(tags):
        before = latest.get(tag)
        if before is not None and not before.agreed:
            continue
        rows.append(
            KakaoServiceTermConsent(
                link_id=link_id,
                tag=tag,
                required=before.required if before else False,
                agreed=False,
                revocable=before.revocable if before else False,
                source=ConsentSource.WITHDRAWAL,
                learned_at=now,
            )
        )
    KakaoServiceTermConsent.objects.bulk_create(rows)
    return len(rows)


_SCOPE_FIELDS = ("display_name", "scope_type", "agreed", "revocable")
_TERM_FIELDS = ("required", "agreed", "revocable", "agreed_at", "agreed_by")


def _changed(before: Model | None, after: Model, fields: tuple[str, ...]) -> bool:
    return before is None or any(getattr(before, f) != getattr(after, f) for f in fields)


def _is_consent_item(scope_id: str) -> bool:
    return scope_id not in _NOT_CONSENT_ITEMS and bool(CONSENT_KEY.fullmatch(scope_id))


def mark_scopes_due(*, link_id: int) -> None:
    """The next read asks Kakao for the whole list of items (``me.kakao``), however fresh it was.

    A token response says which items are agreed, not whether each may be withdrawn:
    after a grant that is Kakao's to say, and the person may want to take it back at once.
    """
    KakaoConsentCheck.objects.filter(link_id=link_id).update(scopes_checked_at=None)


def _mark_checked(link_id: int, **checked_at: datetime) -> None:
    if KakaoConsentCheck.objects.filter(link_id=link_id).update(**checked_at):
        return
    try:
        with transaction.atomic():
            KakaoConsentCheck.objects.create(link_id=link_id, **checked_at)
    except IntegrityError:  # a concurrent request made the row first
        KakaoConsentCheck.objects.filter(link_id=link_id).update(**checked_at)
