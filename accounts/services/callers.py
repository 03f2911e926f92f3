"""Who is calling: the user an access token names and whether its session is live, in one query.

Every authenticated request asks this, so it is the hottest query there is. Building it with
the ORM (filter, annotate, Exists, compile) cost more than running it; its shape never
changes, so its SQL is written once per database vendor from the models' own table and
column names, and each request only binds the values: the user by primary key (the token's
``sub``), and whether the token's session has a live refresh token.

Every way a session ends (logout, logout everywhere, revokeSession, a replay, deletion,
Kakao's unlink notice) revokes its refresh tokens, so "live" is read off them, the same
truth the session list and refresh use. A token without a session (issued before sessions
existed) is never live.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import connection
from django.utils import timezone
from graphql_jwt.settings import jwt_settings

from accounts.models import RefreshToken, User


def caller_for_access_token(
    *, username: str, session_id: str | None, user_id: str | None = None
) -> tuple[User | None, bool]:
    """The user an access token names, and whether its session is still live: one query.

    ``user_id`` is the token's ``sub`` (the primary key; tokens from before it name the user
    by ``username`` only). With both, the user must match both.
    """
    pk = _primary_key(user_id)
    by_pk = pk is not None
    row = _CallerQuery.for_connection(by_pk=by_pk).fetch(
        key=pk if by_pk else username,
        family=_session_uuid(session_id),
        oldest_live=timezone.now() - jwt_settings.JWT_REFRESH_EXPIRATION_DELTA,
    )
    if row is None:
        return None, False
    user, live = row
    if user.get_username() != username:
        return None, False
    return user, live


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


class _CallerQuery:
    """The caller query's SQL and its column converters, made once per vendor and key."""

    _made: dict[tuple[str, bool], _CallerQuery] = {}
    _lock = threading.Lock()

    @classmethod
    def for_connection(cls, *, by_pk: bool) -> _CallerQuery:
        key = (connection.vendor, by_pk)
        query = cls._made.get(key)
        if query is None:
            with cls._lock:
                query = cls._made.setdefault(key, cls(by_pk=by_pk))
        return query

    def __init__(self, *, by_pk: bool) -> None:
        quote = connection.ops.quote_name
        users, tokens = User._meta, RefreshToken._meta
        self.fields = users.concrete_fields
        self.attnames = [field.attname for field in self.fields]

        def column(meta: Any, name: str) -> str:
            return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

        key = users.pk.name if by_pk else User.USERNAME_FIELD
        # Identifiers from the models, quoted by the backend; every value is a bound parameter.
        self.sql = (
            f"SELECT {', '.join(column(users, f.name) for f in self.fields)}, EXISTS("  # noqa: S608
            f"SELECT 1 FROM {quote(tokens.db_table)} WHERE {column(tokens, 'user')} = "
            f"{column(users, users.pk.name)} AND {column(tokens, 'family')} = %s AND "
            f"{column(tokens, 'revoked')} IS NULL AND {column(tokens, 'created')} > %s) "
            f"FROM {quote(users.db_table)} WHERE {column(users, key)} = %s"
        )
        # What the ORM would apply to each column read back (SQLite's booleans and dates).
        self.converters = []
        for i, field in enumerate(self.fields):
            col = field.get_col(users.db_table)
            for converter in [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]:
                self.converters.append((i, converter, col))
        self.family_field = tokens.get_field("family").target_field

    def fetch(
        self, *, key: int | str, family: uuid.UUID | None, oldest_live
    ) -> tuple[User, bool] | None:
        params = [
            self.family_field.get_db_prep_value(family, connection) if family else None,
            connection.ops.adapt_datetimefield_value(oldest_live),
            key,
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row[:-1])
        for i, converter, col in self.converters:
            values[i] = converter(values[i], col, connection)
        user = User.from_db(connection.alias, self.attnames, values)
        return user, bool(row[-1]) and family is not None
