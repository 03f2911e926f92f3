"""The security trail: what happened to a person's account, for them and for operators.

Each change a person should be able to see (a sign-in, a session ended and by
whom, a refresh token replayed, the account deleted, Kakao linked or unlinked,
consent, re-authentication) adds a ``SecurityEvent`` **in the same transaction as
the change** (STYLE §19): the services below call ``record`` inside the
``write_transaction()`` that makes the change, so a rolled-back change leaves no
event and a committed one always has its event. A login gains one INSERT, not a
commit. A refused sign-in changes nothing, so its event is the only write.

An event holds who (the user, NULL once deleted), which session, from where (the
address as the rate limiter sees it, the User-Agent, an app's own name), when, and
``details``: a small JSON object whose keys are listed in ``DETAIL_KEYS`` and whose
values are short (``MAX_DETAIL_STRING``), so no token, code or key fits in one.

Recording API for the stories built beside this one (consent, re-authentication)::

    events.record(type=events.EventType.CONSENT_GRANTED, user_id=user.pk, caller=caller,
                  session_id=caller.session_id, details={"scopes": ["account_email"]})
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import timezone

from accounts import metrics, prepared
from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.models import SecurityEvent, SocialAccount

logger = logging.getLogger(__name__)

EventType = SecurityEvent.Type


class EndCause(Enum):
    """Who or what ended a session (``details.cause`` and the metric's ``cause`` label)."""

    THIS_DEVICE = "this_device"  # logout or revokeToken with this session's token
    ANOTHER_DEVICE = "another_device"  # revokeSession from another of the person's sessions
    EVERYWHERE = "everywhere"  # logout(everywhere: true)
    KAKAO_UNLINK_NOTICE = "kakao_unlink_notice"  # Kakao said the person disconnected the app
    KAKAO_UNLINKED = "kakao_unlinked"  # unlinkKakao
    ACCOUNT_DELETED = "account_deleted"  # deleteAccount
    ADMIN = "admin"  # an administrator, from the admin site
    REPLAY = "replay"  # a rotated refresh token presented past the reuse window


# What ``details`` may say. Add a key here (with its meaning) before recording it.
DETAIL_KEYS = frozenset(
    {
        "method",  # how: code (web), native (SDK token); for re-authentication, its method
        "new_account",  # a sign-in that created the account
        "error",  # a refused sign-in's error code (e.g. ACCOUNT_INACTIVE)
        "kakao_id",  # the Kakao user id of a refused sign-in without an account here
        "cause",  # an EndCause value
        "reason",  # why an account was deleted or unlinked: delete_account, kakao_notice, …
        "mode",  # ACCOUNT_DELETE_MODE at deletion: anonymize or delete
        "admin_id",  # the administrator who acted
        "scopes",  # consent items granted or withdrawn
        "terms",  # service terms (tags) agreed to or withdrawn
    }
)
MAX_DETAIL_STRING = 40
# Why a sign-in Kakao vouched for can be refused here (SIGN_IN_REFUSED's ``error``).
REFUSALS = frozenset(
    {
        AccountErrorCode.ACCOUNT_INACTIVE,
        AccountErrorCode.EMAIL_ALREADY_REGISTERED,
        AccountErrorCode.RATE_LIMITED,
        AccountErrorCode.TERMS_REQUIRED,
    }
)
MAX_DETAIL_LIST = 20


def record(
    *,
    type: EventType,
    user_id: int | None,
    caller: Caller = NO_CALLER,
    session_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> SecurityEvent:
    """Add one event; call it inside the transaction of the change it records."""
    # Part of every sign-in's transaction: the INSERT is made once per process.
    return prepared.insert(
        SecurityEvent(
            **_fields(type=type, user_id=user_id, caller=caller, session_id=session_id),
            details=checked_details(details),
        )
    )


def sessions_ended(
    *,
    user_id: int,
    session_ids: Iterable[uuid.UUID],
    cause: EndCause,
    caller: Caller = NO_CALLER,
    details: Mapping[str, Any] | None = None,
) -> int:
    """One SESSION_ENDED per session (one INSERT), counted once committed."""
    payload = checked_details({**(details or {}), "cause": cause.value})
    rows = [
        SecurityEvent(
            **_fields(type=EventType.SESSION_ENDED, user_id=user_id, caller=caller, session_id=sid),
            details=payload,
        )
        for sid in session_ids
    ]
    SecurityEvent.objects.bulk_create(rows)
    metrics.sessions_ended(cause.value, len(rows))
    return len(rows)


def sign_in_refused(*, kakao_id: str, error: AccountErrorCode, method: str, caller: Caller) -> None:
    """A sign-in Kakao vouched for, refused here: the only write, in its own transaction.

    The person is known (Kakao said who it is), so it goes in their trail when
    they have an account, and in the operators' otherwise, with the Kakao id.
    Only refusals are recorded: Kakao failing meanwhile is not the person's doing.
    """
    if error not in REFUSALS:
        return
    user_id = (
        SocialAccount.objects.filter(provider=SocialAccount.Provider.KAKAO, uid=kakao_id)
        .values_list("user_id", flat=True)
        .first()
    )
    details: dict[str, Any] = {"method": method, "error": error.name}
    if user_id is None:
        details["kakao_id"] = kakao_id
    with write_transaction():
        record(type=EventType.SIGN_IN_REFUSED, user_id=user_id, caller=caller, details=details)
    logger.info("sign_in_refused user=%s error=%s", user_id or "-", error.name)


def forget_devices(*, user_id: int) -> None:
    """Leaving: the trail stays (type, time, address) without the devices' descriptions."""
    SecurityEvent.objects.filter(user_id=user_id).update(user_agent="", app_name="", app_version="")


def checked_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as stored: known keys, short scalar values. Anything else is a bug."""
    checked: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if key not in DETAIL_KEYS:
            raise ValueError(f"Unknown security event detail {key!r}: add it to DETAIL_KEYS.")
        checked[key] = _checked_value(key, value)
    return checked


def _checked_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str) and len(value) <= MAX_DETAIL_STRING:
        return value
    if (
        isinstance(value, list | tuple)
        and len(value) <= MAX_DETAIL_LIST
        and all(isinstance(item, str) and len(item) <= MAX_DETAIL_STRING for item in value)
    ):
        return list(value)
    raise ValueError(f"Security event detail {key!r} must be a short value.")


def _fields(
    *, type: EventType, user_id: int | None, caller: Caller, session_id: uuid.UUID | None
) -> dict[str, Any]:
    return {
        "type": type,
        "user_id": user_id,
        "session_id": session_id,
        "ip": caller.ip,
        "user_agent": caller.user_agent,
        "app_name": caller.app_name,
        "app_version": caller.app_version,
    }


# --- the person's trail, page by page -------------------------------------------------

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_CHARS = 200
_CURSOR_SALT = "accounts.events.cursor"


@dataclass(frozen=True)
class EventPage:
    """Events newest first, each with its cursor, and whether older ones follow."""

    events: list[SecurityEvent]
    cursors: list[str]
    has_next_page: bool


def events_of(*, user_id: int, first: int | None = None, after: str | None = None) -> EventPage:
    """A person's own events, newest first, after an opaque cursor of theirs.

    The query is always the person's own rows; the cursor is signed and names its
    owner too, so a cursor from someone else (or a forged one) is refused rather
    than read as a position.
    """
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise AccountError(
            AccountErrorCode.INVALID_INPUT,
            f"first must be between 1 and {MAX_PAGE_SIZE}.",
            field="first",
        )
    rows = SecurityEvent.objects.filter(user_id=user_id).order_by("-at", "-id")
    if after is not None:
        at, event_id = _position(after, user_id=user_id)
        rows = rows.filter(Q(at__lt=at) | Q(at=at, id__lt=event_id))
    found = list(rows[: size + 1])
    page = found[:size]
    return EventPage(
        events=page,
        cursors=[_cursor(event, user_id=user_id) for event in page],
        has_next_page=len(found) > size,
    )


def _cursor(event: SecurityEvent, *, user_id: int) -> str:
    signer = signing.Signer(salt=_CURSOR_SALT)
    return signer.sign_object([user_id, event.at.isoformat(), event.id.hex])


def _position(cursor: str, *, user_id: int) -> tuple[datetime, uuid.UUID]:
    refused = AccountError(
        AccountErrorCode.INVALID_INPUT, "after is not a cursor of your events.", field="after"
    )
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        owner, at, event_id = signing.Signer(salt=_CURSOR_SALT).unsign_object(cursor)
        position = datetime.fromisoformat(at), uuid.UUID(hex=event_id)
    except (signing.BadSignature, ValueError, TypeError):
        raise refused from None
    if owner != user_id:
        raise refused
    return position


# --- retention -----------------------------------------------------------------------------

DELETE_BATCH = 5000


def delete_expired(*, now: datetime | None = None) -> int:
    """Delete events older than SECURITY_EVENTS_RETENTION_DAYS, in short batches."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SECURITY_EVENTS_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            SecurityEvent.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:DELETE_BATCH]
        )
        if not batch:
            return deleted
        with write_transaction():
            deleted += SecurityEvent.objects.filter(pk__in=batch).delete()[0]
