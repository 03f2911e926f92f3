"""Queries whose shape never changes, written once per database vendor and run with new values.

The requests that every client sends all the time (an authenticated read, a refresh) each
ran one or two fixed-shape queries, and building them with the ORM (filter, annotate,
compile) cost several times what running them did. Here their SQL is made once per process
and vendor from the models' own table and column names (quoted by the backend; every value
is a bound parameter), and rows come back as model instances through the same converters the
ORM applies (SQLite's booleans and dates). Queries go through Django's cursor, so its query
log, transactions and connection handling are unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
Q = TypeVar("Q")

_made: dict[tuple[str, Any], Any] = {}
_lock = threading.Lock()


def current() -> Any:
    """This thread's default connection itself. ``django.db.connection`` is a proxy that
    looks the connection up again on every attribute read, and a row's fields read it
    dozens of times; the hot paths below look it up once per call."""
    return connections[DEFAULT_DB_ALIAS]


def per_vendor(key: Any, make: Callable[[], Q]) -> Q:
    """``make()`` once per database vendor and ``key`` (the SQL depends on both)."""
    cache_key = (current().vendor, key)
    made = _made.get(cache_key)
    if made is None:
        with _lock:
            made = _made.setdefault(cache_key, make())
    return made


def column(model: type[Model], name: str) -> str:
    """``"table"."column"`` of a model's field, quoted for this connection."""
    quote = connection.ops.quote_name
    meta = model._meta
    return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Columns(Generic[M]):
    """A model's concrete columns in a SELECT list, and the instance a row's slice makes."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(column(model, field.name) for field in self.fields)
        self.converters = []
        for i, field in enumerate(self.fields):
            col = field.get_col(model._meta.db_table)
            for converter in (
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ):
                self.converters.append((i, converter, col))

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, row: tuple | list) -> M:
        """The model instance for ``row`` (exactly this model's columns, in order)."""
        values = list(row)
        db = current()
        for i, converter, col in self.converters:
            values[i] = converter(values[i], col, db)
        return self.model.from_db(db.alias, self.attnames, values)


def fetch_one(sql: str, params: list[Any]) -> tuple | None:
    with current().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def execute(sql: str, params: list[Any]) -> int:
    """Run a write; the number of rows it changed."""
    with current().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class JoinedGet(Generic[M]):
    """One ``model`` row found by equality on ``fields``, with the row its foreign key ``via``
    points at (``select_related(via).get(...)``, or None when there is no such row)."""

    def __init__(self, model: type[M], via: str, fields: tuple[str, ...]) -> None:
        self.via = via
        self.fields = [model._meta.get_field(name) for name in fields]
        related = model._meta.get_field(via).related_model
        self.rows, self.related = Columns(model), Columns(related)
        where = " AND ".join(f"{column(model, name)} = %s" for name in fields)
        self.sql = (
            f"SELECT {self.rows.sql}, {self.related.sql} FROM {table(model)} "  # noqa: S608
            f"INNER JOIN {table(related)} ON {column(model, via)} = "
            f"{column(related, related._meta.pk.name)} WHERE {where}"
        )

    def get(self, *values: Any) -> M | None:
        pairs, db = zip(self.fields, values, strict=True), current()
        row = fetch_one(self.sql, [f.get_db_prep_value(v, db) for f, v in pairs])
        if row is None:
            return None
        found = self.rows.instance(row[: len(self.rows)])
        setattr(found, self.via, self.related.instance(row[len(self.rows) :]))
        return found


class Select(Generic[M]):
    """``model.objects.filter(field=value, ...).order_by(*order)`` as fixed SQL."""

    def __init__(self, model: type[M], fields: tuple[str, ...], order: tuple[str, ...]) -> None:
        self.rows = Columns(model)
        self.fields = [model._meta.get_field(name) for name in fields]
        where = " AND ".join(f"{column(model, name)} = %s" for name in fields)
        ordering = ", ".join(column(model, name) for name in order)
        self.sql = f"SELECT {self.rows.sql} FROM {table(model)} WHERE {where} ORDER BY {ordering}"  # noqa: S608

    def all(self, *values: Any) -> list[M]:
        pairs, db = zip(self.fields, values, strict=True), current()
        with db.cursor() as cursor:
            cursor.execute(self.sql, [f.get_db_prep_value(v, db) for f, v in pairs])
            return [self.rows.instance(row) for row in cursor.fetchall()]


def update_by_pk(model: type[Model], pk: Any, **values: Any) -> int:
    """``model.objects.filter(pk=pk).update(**values)`` for plain columns, the SQL made once."""
    names = tuple(sorted(values))

    def make() -> tuple[str, list]:
        fields = [model._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        pk_column = quote(model._meta.pk.column)
        sql = f"UPDATE {table(model)} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
        return sql, fields

    sql, fields = per_vendor(("update", model._meta.label, names), make)
    db = current()
    params = [f.get_db_prep_save(values[f.name], db) for f in fields]
    return execute(sql, [*params, pk])


def insert(instance: M) -> M:
    """``instance.save(force_insert=True)`` without the ORM's per-call work; no save signals.

    For models that have no signal receivers and no custom ``save`` logic left to run (the
    caller has done it). Fields' ``pre_save`` still runs (``auto_now_add`` dates).
    """
    model, db = type(instance), current()
    if not db.features.can_return_columns_from_insert:
        instance.save(force_insert=True)
        return instance
    pk = model._meta.pk
    # An auto-incremented key comes back from the database; any other is ours to send.
    returned = getattr(instance, pk.attname) is None

    def make() -> tuple[str, list]:
        quote = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not (returned and f is pk)]
        sql = (
            f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returned:
            sql += f" RETURNING {quote(pk.column)}"
        return sql, fields

    sql, fields = per_vendor(("insert", model._meta.label, returned), make)
    params = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if returned:
            setattr(instance, pk.attname, cursor.fetchone()[0])
    instance._state.adding = False
    instance._state.db = db.alias
    return instance
