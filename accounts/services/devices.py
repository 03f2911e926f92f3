"""The person's devices: their live sessions, and ending one, another or all of them.

Every session that ends leaves a SESSION_ENDED event saying why (``EndCause``),
written in the transaction that ends it (``accounts.services.events``), and is
counted once that commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from graphql_jwt.refresh_token.signals import refresh_token_revoked

from accounts.caller import NO_CALLER, Caller
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.models import RefreshToken, User
from accounts.services import events
from accounts.services.events import EndCause
from accounts.services.sessions import live_tokens_query, lookup, oldest_live
from accounts.useragent import Device, describe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionInfo:
    """One live session as its owner sees it."""

    id: uuid.UUID
    created: datetime
    last_used: datetime
    expires: datetime
    user_agent: str
    app_name: str
    app_version: str
    # Where it was last used: the address of its newest refresh token.
    last_ip: str

    @property
    def device(self) -> Device:
        return describe(self.user_agent, self.app_name, self.app_version)


# --- ending sessions -----------------------------------------------------------------


def revoke_refresh_token(
    *, value: str | None, request: Any = None, caller: Caller = NO_CALLER
) -> RefreshToken:
    """End the session a refresh token belongs to; an unknown token or an ended session is an error.

    The whole family, not the one row: a client may present a token it holds that
    was rotated moments ago (a lost answer, another tab), and logging out with it
    must still end the session rather than leave its successor alive.
    """
    token = lookup(value)
    now = timezone.now()
    with write_transaction():
        ended = RefreshToken.objects.filter(family_id=token.family_id, revoked__isnull=True).update(
            revoked=now
        )
        if ended:
            events.sessions_ended(
                user_id=token.user_id,
                session_ids=[token.family_id],
                cause=EndCause.THIS_DEVICE,
                caller=caller,
            )
    if ended == 0:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    token.revoked = token.revoked or now
    refresh_token_revoked.send(sender=RefreshToken, request=request, refresh_token=token)
    logger.info("refresh_token_revoked user=%s", token.user_id)
    return token


def end_session(*, user: User, session_id: str, caller: Caller = NO_CALLER) -> None:
    """End one of ``user``'s live sessions; any other id is SESSION_NOT_FOUND (no change)."""
    try:
        sid = uuid.UUID(str(session_id))
    except ValueError:
        raise AccountError(AccountErrorCode.SESSION_NOT_FOUND, field="id") from None
    with write_transaction():
        ended = _live_tokens(user).filter(family_id=sid).update(revoked=timezone.now())
        if ended:
            cause = EndCause.THIS_DEVICE if sid == caller.session_id else EndCause.ANOTHER_DEVICE
            events.sessions_ended(user_id=user.pk, session_ids=[sid], cause=cause, caller=caller)
    if ended == 0:
        raise AccountError(AccountErrorCode.SESSION_NOT_FOUND, field="id")
    logger.info("session_ended user=%s", user.pk)


def end_all_sessions(
    *,
    user: User,
    cause: EndCause,
    caller: Caller = NO_CALLER,
    details: dict[str, Any] | None = None,
) -> int:
    """End every live session of ``user``, each with its event; the number ended.

    Logging out everywhere, leaving, unlinking Kakao, Kakao's unlink notice, an
    admin. A session that starts meanwhile began after this and is not ended.
    """
    with write_transaction():
        live = list(_live_tokens(user).values_list("family_id", flat=True).distinct())
        # Expired tokens too, as before: nothing unrevoked is left behind.
        RefreshToken.objects.filter(user=user, revoked__isnull=True).filter(
            Q(family_id__in=live) | Q(created__lte=oldest_live())
        ).update(revoked=timezone.now())
        count = events.sessions_ended(
            user_id=user.pk, session_ids=live, cause=cause, caller=caller, details=details
        )
    logger.info("sessions_ended user=%s count=%s cause=%s", user.pk, count, cause.value)
    return count


def live_sessions(*, user: User) -> list[SessionInfo]:
    """The user's live sessions, newest use first, in one query."""
    heads = _live_tokens(user).select_related("family").order_by("-created")
    seen: set[uuid.UUID] = set()
    sessions = []
    for head in heads:
        if head.family_id in seen:
            continue
        seen.add(head.family_id)
        sessions.append(
            SessionInfo(
                id=head.family_id,
                created=head.family.created,
                last_used=head.created,
                expires=RefreshToken.expires_after(head.created),
                user_agent=head.family.user_agent,
                app_name=head.family.app_name,
                app_version=head.family.app_version,
                last_ip=head.ip,
            )
        )
    return sessions


def _live_tokens(user: User):
    """Each live session's newest refresh token: unrevoked and unexpired."""
    return live_tokens_query().filter(user=user)


def end_sessions_by_admin(*, token_ids: list[int], admin_id: int) -> int:
    """The admin revoked refresh tokens: the sessions whose live token it was end, with events."""
    with write_transaction():
        live = RefreshToken.objects.filter(
            pk__in=token_ids, revoked__isnull=True, created__gt=oldest_live()
        )
        ended = set(live.values_list("user_id", "family_id"))
        RefreshToken.objects.filter(pk__in=token_ids, revoked__isnull=True).update(
            revoked=timezone.now()
        )
        for user_id in {user_id for user_id, _ in ended}:
            events.sessions_ended(
                user_id=user_id,
                session_ids=[sid for uid, sid in ended if uid == user_id],
                cause=EndCause.ADMIN,
                details={"admin_id": admin_id},
            )
    logger.info("sessions_ended_by_admin admin=%s count=%s", admin_id, len(ended))
    return len(ended)
