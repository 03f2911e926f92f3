"""Sessions: our tokens, built on django-graphql-jwt's building blocks.

A session is one sign-in on one device: a ``Session`` row and the family of
refresh tokens that rotation grows from it. Access tokens are graphql-jwt JWTs
(our payload handler adds the session as ``sid``); refresh tokens are its
long-running refresh-token model, stored hashed.

Rotation forgives what honest clients do and nothing more. A token presented
again within ``JWT_REFRESH_REUSE_SECONDS`` of its rotation (a second tab, a
retry after a lost answer) gets **the same successor**: the successor's value
is derived from the presented token with a keyed hash, so every retry answers
the same token without storing it, and a half-done rotation heals itself.
Later, a rotated token is a replay: two parties hold it, so the session ends.

Ending sessions and listing them is ``accounts.services.devices``; a replay ends
its session here, with a SESSION_ENDED event written in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from calendar import timegm
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.crypto import salted_hmac
from graphql_jwt.refresh_token.signals import refresh_token_rotated
from graphql_jwt.settings import jwt_settings

from accounts import metrics, prepared
from accounts.caller import NO_CALLER, Caller, trim_user_agent
from accounts.db import write_transaction
from accounts.errors import AccountError, AccountErrorCode
from accounts.models import RefreshToken, Session, User
from accounts.services import events
from accounts.services.events import EndCause
from accounts.services.inputs import validate_token_input

logger = logging.getLogger(__name__)

MAX_REFRESH_TOKEN_BYTES = 256
# How far a retried token may follow the chain of successors (tabs that rotated on).
MAX_REUSE_STEPS = 8
_SUCCESSOR_SALT = "accounts.sessions.successor"


@dataclass(frozen=True)
class IssuedTokens:
    """A fresh access token and the session's current refresh token."""

    user: User
    session_id: uuid.UUID
    token: str
    payload: dict[str, Any]
    refresh_token: RefreshToken
    refresh_token_value: str
    refresh_expires_in: int  # graphql-jwt's meaning: a Unix timestamp in seconds

    def __repr__(self) -> str:  # keeps tokens out of tracebacks
        return f"IssuedTokens(user={self.user.pk})"


@dataclass(frozen=True)
class TokenContext:
    """What our payload handler needs besides the user."""

    session_id: uuid.UUID | None = None


# --- graphql-jwt handlers ----------------------------------------------------------


def jwt_payload(user: User, context: Any = None) -> dict[str, Any]:
    """graphql-jwt's JWT_PAYLOAD_HANDLER: its claims, plus ``sub`` (the user's id) and ``sid``.

    ``sub`` lets each request find the caller by primary key (accounts/services/callers.py);
    ``username`` stays for clients and tokens that read it. Written out rather than wrapping
    graphql-jwt's, which uses the deprecated ``datetime.utcnow()``.
    """
    now = timezone.now()
    payload: dict[str, Any] = {
        user.USERNAME_FIELD: user.get_username(),
        "sub": str(user.pk),
        "exp": timegm((now + jwt_settings.JWT_EXPIRATION_DELTA).utctimetuple()),
        "origIat": timegm(now.utctimetuple()),
    }
    if jwt_settings.JWT_AUDIENCE is not None:
        payload["aud"] = jwt_settings.JWT_AUDIENCE
    if jwt_settings.JWT_ISSUER is not None:
        payload["iss"] = jwt_settings.JWT_ISSUER
    session_id = getattr(context, "session_id", None)
    if session_id is not None:
        payload["sid"] = str(session_id)
    return payload


def get_refresh_token_by_value(
    refresh_token_model: type[RefreshToken], token: str, context: Any = None
) -> RefreshToken:
    """graphql-jwt's JWT_GET_REFRESH_TOKEN_HANDLER: find a token by its hash, revoked or not.

    With its user, in one prepared query (every refresh asks it).
    """
    query = prepared.per_vendor(
        "refresh-token", lambda: prepared.JoinedGet(RefreshToken, "user", ("token",))
    )
    found = query.get(refresh_token_model.hash_token(token))
    if found is None:
        raise refresh_token_model.DoesNotExist
    return found


class _SpendQuery:
    """Spend an unspent token: the conditional UPDATE that exactly one of concurrent uses wins."""

    def __init__(self) -> None:
        def col(name: str) -> str:
            return connection.ops.quote_name(RefreshToken._meta.get_field(name).column)

        pk = col(RefreshToken._meta.pk.name)
        self.sql = (
            f"UPDATE {prepared.table(RefreshToken)} SET {col('revoked')} = %s, "  # noqa: S608
            f"{col('rotated')} = %s WHERE {pk} = %s AND {col('revoked')} IS NULL "
            f"AND {col('rotated')} IS NULL"
        )


def _spend(token: RefreshToken, now: datetime) -> bool:
    """Mark ``token`` rotated (and revoked) unless another use already did: True if this won."""
    sql = prepared.per_vendor("spend-refresh-token", _SpendQuery).sql
    at = prepared.current().ops.adapt_datetimefield_value(now)
    return prepared.execute(sql, [at, at, token.pk]) == 1


# --- starting and refreshing -------------------------------------------------------


def start_session(*, user: User, caller: Caller = NO_CALLER) -> IssuedTokens:
    """Sign-in's last step: a new session with its first refresh token and an access token."""
    return issue(open_session(user=user, caller=caller))


def open_session(*, user: User, caller: Caller = NO_CALLER) -> tuple[RefreshToken, str]:
    """The database half of starting a session (its rows); ``issue`` makes the tokens."""
    session = prepared.insert(
        Session(
            user=user,
            user_agent=trim_user_agent(caller.user_agent),
            app_name=caller.app_name,
            app_version=caller.app_version,
        )
    )
    refresh = RefreshToken(user=user, family=session, ip=caller.ip)
    refresh.ensure_token()
    prepared.insert(refresh)
    logger.info("session_started user=%s", user.pk)
    return refresh, refresh.get_token()


def issue(opened: tuple[RefreshToken, str]) -> IssuedTokens:
    """The tokens for a refresh token just written (no database work: after the commit)."""
    refresh, value = opened
    return _issued(refresh.user, refresh, value)


def rotate_refresh_token(
    *, value: str | None, request: Any = None, caller: Caller = NO_CALLER
) -> IssuedTokens:
    """Trade a refresh token for a new pair in the same session; the presented one is spent."""
    try:
        return _rotate(value, request=request, caller=caller)
    except ReplayDetected:
        raise
    except AccountError:
        metrics.refresh("invalid")
        raise


class ReplayDetected(AccountError):
    """A rotated token presented past the reuse window: its session has been ended."""

    def __init__(self) -> None:
        super().__init__(AccountErrorCode.INVALID_REFRESH_TOKEN)


def _rotate(value: str | None, *, request: Any, caller: Caller) -> IssuedTokens:
    old = lookup(value)
    if old.rotated is None and (old.revoked is not None or old.is_expired()):
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
    _ensure_active(old.user)
    if old.rotated is None:
        now = timezone.now()
        successor_value = _successor_value(value)
        with write_transaction():
            # A conditional UPDATE: of concurrent uses exactly one wins and inserts
            # the successor in the same transaction, so there is never a moment
            # with the old token spent and no successor.
            won = _spend(old, now)
            if won:
                new = _create_successor(old, successor_value, ip=caller.ip)
        if won:
            refresh_token_rotated.send(
                sender=RefreshToken, request=request, refresh_token=old, refresh_token_issued=new
            )
            logger.info("refresh_token_rotated user=%s", old.user_id)
            metrics.refresh("rotated")
            return _issued(old.user, new, successor_value)
        old.refresh_from_db(fields=["revoked", "rotated"])
    return _reuse(old, value, caller=caller)


def _reuse(old: RefreshToken, value: str, *, caller: Caller) -> IssuedTokens:
    """A rotated token presented again: the same successor within the window, else a replay."""
    window = settings.JWT_REFRESH_REUSE_SECONDS
    user = old.user  # the chain's rows are the same user's; no query per step
    for _ in range(MAX_REUSE_STEPS):
        if old.rotated is None or (timezone.now() - old.rotated).total_seconds() > window:
            _revoke_family(old, caller=caller)
            raise ReplayDetected()
        successor_value = _successor_value(value)
        successor = _find_or_heal_successor(old, successor_value, ip=caller.ip)
        if successor.rotated is None:
            if successor.revoked is not None or successor.is_expired():
                # The session was ended (logout, revokeSession) since: nothing to hand out.
                raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)
            logger.info("refresh_token_reused user=%s", old.user_id)
            metrics.refresh("reused")
            return _issued(user, successor, successor_value)
        # Another tab already rotated the successor too: follow the chain.
        old, value = successor, successor_value
    raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN)


def _find_or_heal_successor(old: RefreshToken, successor_value: str, *, ip: str) -> RefreshToken:
    digest = RefreshToken.hash_token(successor_value)
    successor = RefreshToken.objects.filter(token=digest).first()
    if successor is not None:
        return successor
    # The rotation was recorded without its successor (a rotation from before
    # derived successors, or a failure between the two writes elsewhere): make
    # it now, once, whoever gets here first.
    try:
        with write_transaction():
            successor = _create_successor(old, successor_value, ip=ip)
    except IntegrityError:
        successor = RefreshToken.objects.get(token=digest)
    logger.warning("refresh_token_successor_healed user=%s", old.user_id)
    return successor


def _create_successor(old: RefreshToken, successor_value: str, *, ip: str) -> RefreshToken:
    successor = RefreshToken(user_id=old.user_id, family_id=old.family_id, ip=ip)
    successor.token = RefreshToken.hash_token(successor_value)
    return prepared.insert(successor)


def _successor_value(presented: str) -> str:
    """The successor of a refresh token: a keyed hash of it (the same for every retry)."""
    return salted_hmac(_SUCCESSOR_SALT, presented, algorithm="sha256").hexdigest()


def _revoke_family(token: RefreshToken, *, caller: Caller) -> None:
    """A replay ends the session; the first replay that ends it says so in the trail."""
    with write_transaction():
        count = RefreshToken.objects.filter(family_id=token.family_id, revoked__isnull=True).update(
            revoked=timezone.now()
        )
        if count:
            # Once per session: replaying a token of an ended session writes nothing.
            events.record(
                type=events.EventType.REFRESH_REPLAY_DETECTED,
                user_id=token.user_id,
                caller=caller,
                session_id=token.family_id,
            )
            events.sessions_ended(
                user_id=token.user_id,
                session_ids=[token.family_id],
                cause=EndCause.REPLAY,
                caller=caller,
            )
        metrics.refresh("replay")
    logger.warning("refresh_token_reuse_detected user=%s family_revoked=%s", token.user_id, count)


def live_tokens_query():
    """Each live session's newest refresh token, of anyone: unrevoked and unexpired."""
    return RefreshToken.objects.filter(revoked__isnull=True, created__gt=oldest_live())


def oldest_live() -> datetime:
    """Refresh tokens created before this have expired."""
    return timezone.now() - jwt_settings.JWT_REFRESH_EXPIRATION_DELTA


# --- helpers ---------------------------------------------------------------------------


def lookup(value: str | None) -> RefreshToken:
    """The stored token for a presented value (typed errors for missing or malformed ones)."""
    if not value:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN, field="refreshToken")
    validate_token_input(value, field="refreshToken", max_bytes=MAX_REFRESH_TOKEN_BYTES)
    try:
        return jwt_settings.JWT_GET_REFRESH_TOKEN_HANDLER(
            refresh_token_model=RefreshToken, token=value, context=None
        )
    except RefreshToken.DoesNotExist:
        raise AccountError(AccountErrorCode.INVALID_REFRESH_TOKEN) from None


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountError(AccountErrorCode.ACCOUNT_INACTIVE)


def _issued(user: User, refresh: RefreshToken, value: str) -> IssuedTokens:
    payload = jwt_settings.JWT_PAYLOAD_HANDLER(user, TokenContext(session_id=refresh.family_id))
    token = jwt_settings.JWT_ENCODE_HANDLER(payload, None)
    return IssuedTokens(
        user=user,
        session_id=refresh.family_id,
        token=token,
        payload=payload,
        refresh_token=refresh,
        refresh_token_value=value,
        refresh_expires_in=timegm(RefreshToken.expires_after(refresh.created).utctimetuple()),
    )
