"""Who is calling: the user an access token names and whether its session is live, in one query.

Every authenticated request asks this, so it is the hottest query there is: a prepared query
(accounts/prepared.py) that finds the user by primary key (the token's ``sub``) and reads
whether the token's session has a live refresh token.

Every way a session ends (logout, logout everywhere, revokeSession, a replay, deletion,
Kakao's unlink notice) revokes its refresh tokens, so "live" is read off them, the same
truth the session list and refresh use. A token without a session (issued before sessions
existed) is never live.
"""

from __future__ import annotations

import uuid

from django.utils import timezone
from graphql_jwt.settings import jwt_settings

from accounts import prepared
from accounts.models import RefreshToken, User


def caller_for_access_token(
    *, username: str, session_id: str | None, user_id: str | None = None
) -> tuple[User | None, bool]:
    """The user an access token names, and whether its session is still live: one query.

    ``user_id`` is the token's ``sub``, the primary key; tokens from before it name the user
    by ``username`` only. The user found must bear the token's ``username`` too.
    """
    pk = _primary_key(user_id)
    query = prepared.per_vendor(("caller", pk is not None), lambda: _CallerQuery(pk is not None))
    family, db = _session_uuid(session_id), prepared.current()
    row = prepared.fetch_one(
        query.sql,
        [
            query.family.get_db_prep_value(family, db) if family else None,
            db.ops.adapt_datetimefield_value(
                timezone.now() - jwt_settings.JWT_REFRESH_EXPIRATION_DELTA
            ),
            pk if pk is not None else username,
        ],
    )
    if row is None:
        return None, False
    user = query.users.instance(row[:-1])
    if user.get_username() != username:
        return None, False
    return user, bool(row[-1]) and family is not None


class _CallerQuery:
    """The user by primary key (or username), and whether one session of theirs is live."""

    def __init__(self, by_pk: bool) -> None:
        self.users = prepared.Columns(User)
        self.family = RefreshToken._meta.get_field("family").target_field
        key = User._meta.pk.name if by_pk else User.USERNAME_FIELD
        token = lambda name: prepared.column(RefreshToken, name)  # noqa: E731
        self.sql = (
            f"SELECT {self.users.sql}, EXISTS(SELECT 1 FROM {prepared.table(RefreshToken)} "  # noqa: S608
            f"WHERE {token('user')} = {prepared.column(User, User._meta.pk.name)} "
            f"AND {token('family')} = %s AND {token('revoked')} IS NULL "
            f"AND {token('created')} > %s) "
            f"FROM {prepared.table(User)} WHERE {prepared.column(User, key)} = %s"
        )


def _primary_key(user_id: str | None) -> int | None:
    if not isinstance(user_id, str) or not user_id.isascii() or not user_id.isdigit():
        return None
    pk = int(user_id)
    return pk if 0 < pk < 2**63 else None


def _session_uuid(session_id: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(session_id) if isinstance(session_id, str) and session_id else None
    except ValueError:
        return None
