"""One row and the rows its foreign keys point to, in one query whose SQL is built once.

What `Model.objects.select_related(*paths).filter(pk=...).get()` gives (the same instances, related
objects cached on them, values through the same converters), for the few reads done on every
request: the ORM compiles that query afresh each time, and for the case lock (a case, its agency
with the agency's region chain, its matter with the matter's category: seven tables) compiling took
six times as long as the database took to answer (measured in docs/performance.md). Here the SQL is
built once per (model, paths, filter shape) and each call only binds the values.

Used for the case lock in `cases.engine.case_transition` and for the API's case lookup (`cases.api`);
anything else should use the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections, models, router

from .sql import columns, placeholders


@dataclass(frozen=True)
class _Table:
    alias: str
    model: type[models.Model]
    fields: tuple[models.Field, ...]  # concrete fields, in the order they are selected
    converters: tuple  # per field: (column expression, the converters the ORM would apply)
    pk_index: int  # position of the primary key among `fields`
    via: models.ForeignKey | None  # the foreign key on the parent table that leads here
    parent: int | None  # index of the parent table in the plan


@dataclass(frozen=True)
class _Plan:
    sql: str  # with one %s for the key, then one per value of `in_values`
    tables: tuple[_Table, ...]


def _table(alias: str, model: type[models.Model], via, parent, connection) -> _Table:
    fields = tuple(model._meta.concrete_fields)
    converters = tuple((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection))
                       for f in fields for col in [f.get_col(alias)])
    return _Table(alias, model, fields, converters, fields.index(model._meta.pk), via, parent)


def _tables(model: type[models.Model], paths: Sequence[str], connection) -> list[_Table]:
    """The root table, then one per step of each path (shared prefixes joined once)."""
    tables = [_table("t0", model, None, None, connection)]
    index: dict[tuple[str, ...], int] = {(): 0}
    for path in paths:
        steps = tuple(path.split("__"))
        for depth in range(1, len(steps) + 1):
            key = steps[:depth]
            if key in index:
                continue
            parent = index[key[:-1]]
            fk = tables[parent].model._meta.get_field(key[-1])
            if not isinstance(fk, models.ForeignKey):
                raise ValueError(f"{path}: {key[-1]} is not a foreign key")
            index[key] = len(tables)
            tables.append(_table(f"t{len(tables)}", fk.related_model, fk, parent, connection))
    return tables


@functools.cache
def _plan(model: type[models.Model], paths: tuple[str, ...], in_field: str, in_count: int, lock: bool,
          alias: str) -> _Plan:
    connection = connections[alias]
    qn = connection.ops.quote_name
    tables = _tables(model, paths, connection)
    select = ", ".join(columns(t.model, t.alias, connection) for t in tables)
    joins = "".join(
        f" LEFT JOIN {qn(t.model._meta.db_table)} {t.alias} ON {t.alias}.{qn(t.via.target_field.column)}"
        f" = {tables[t.parent].alias}.{qn(t.via.column)}" for t in tables[1:])
    where = f"t0.{qn(model._meta.pk.column)} = %s"
    if in_field:
        column = model._meta.get_field(in_field).column
        where += f" AND t0.{qn(column)} IN ({placeholders(range(in_count))})" if in_count else " AND 1 = 0"
    sql = f"SELECT {select} FROM {qn(model._meta.db_table)} t0{joins} WHERE {where}"
    if lock and connection.features.has_select_for_update:
        # only the root row (PostgreSQL: OF t0); SQLite's IMMEDIATE transaction already holds the write lock
        sql += " FOR UPDATE OF t0" if connection.features.has_select_for_update_of else " FOR UPDATE"
    return _Plan(sql, tuple(tables))


def get_with_related(model: type[models.Model], pk, *, paths: Sequence[str], in_field: str = "",
                     in_values: Sequence | None = None, lock: bool = False):
    """The row of `model` with primary key `pk`, its foreign keys along `paths` (as in
    select_related) loaded and cached on it; None if there is no such row (or its `in_field` is not
    among `in_values`, when given). lock: SELECT … FOR UPDATE of that row only (inside a
    transaction)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    values = list(in_values) if in_values is not None else []
    plan = _plan(model, tuple(paths), in_field if in_values is not None else "", len(values), lock, alias)
    with connection.cursor() as cur:
        cur.execute(plan.sql, [pk, *values])
        row = cur.fetchone()
    if row is None:
        return None
    instances: list[models.Model | None] = []
    start = 0
    for t in plan.tables:
        raw = row[start:start + len(t.fields)]
        start += len(t.fields)
        parent = instances[t.parent] if t.parent is not None else None
        if t.parent is not None and parent is None:
            instances.append(None)  # the parent is missing, so this one is too
            continue
        if raw[t.pk_index] is None:
            instances.append(None)
            if parent is not None:
                t.via.set_cached_value(parent, None)
            continue
        converted = []
        for (col, converters), value in zip(t.converters, raw, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            converted.append(value)
        obj = t.model.from_db(alias, [f.attname for f in t.fields], converted)
        instances.append(obj)
        if parent is not None:
            t.via.set_cached_value(parent, obj)
    return instances[0]
