"""Canonical forms for hashing: the same data gives the same bytes on SQLite and PostgreSQL.

The ledger hashes domain rows in this generic form, by model label and key, so it needs no
import of the apps it serves (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, models, router


def hash_name() -> str:
    """The deployment's hash (ZHIFA_HASH, fixed at install): sha256 or sm3."""
    name = settings.ZHIFA_HASH.lower()
    if name not in ("sha256", "sm3"):
        raise ValueError(f"ZHIFA_HASH must be sha256 or sm3, not {name!r}")
    return name


def new_hash(name: str | None = None):
    return hashlib.new(name or hash_name())


def digest(data: bytes, name: str | None = None) -> str:
    return hashlib.new(name or hash_name(), data).hexdigest()


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Normalise so 100, 100.0 and 100.00 hash alike, whatever the column's decimal places.
        normal = value.normalize()
        return format(normal, "f") if normal == normal.to_integral() else str(normal)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not canonicalisable: {type(value).__name__}")


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8; dates in ISO form, datetimes in UTC."""
    return json.dumps(obj, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_values(model: type[models.Model], pk: Any, *, leave_out: frozenset[str] = frozenset()) -> dict | None:
    """The stored values of one row, read back from the database (so in-memory rounding
    cannot make a hash that verify will not find again). leave_out: field names not hashed (columns
    added to the table after the row was hashed -- `ledger.verify` asks for that).

    What `model._base_manager.filter(pk=pk).values(*names).first()` gives, without compiling that
    query each time (every ledger entry re-reads the rows it covers): the SQL is compiled once per
    model, and each value goes through the same converters the ORM would apply."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, columns = _row_select(model, leave_out, alias)
    pk_field = model._meta.pk
    with connection.cursor() as cur:
        cur.execute(sql, [pk_field.get_db_prep_value(pk_field.get_prep_value(pk), connection, prepared=True)])
        row = cur.fetchone()
    if row is None:
        return None
    out = {}
    for (name, col), value in zip(columns, row, strict=True):
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        out[name] = value
    # Floats and Decimals both canonicalise via _default/json; JSON fields are plain dicts.
    return out


@functools.cache
def _row_select(model: type[models.Model], leave_out: frozenset[str], alias: str) -> tuple[str, list]:
    """(SQL with one parameter, the key; [(attname, selected column)]) for `row_values`, as the ORM
    compiles it (a JSON column's cast, the column quoting)."""
    names = [f.attname for f in model._meta.concrete_fields if f.name not in leave_out]
    query = model._base_manager.using(alias).filter(pk=0).values(*names).query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:  # the key is the only parameter of this query
        raise RuntimeError(f"unexpected parameters for a row of {model._meta.label}: {params!r}")
    return sql, [(name, sel[0]) for name, sel in zip(names, compiler.select, strict=True)]


def row_canonical(label: str, pk: Any, *, leave_out: frozenset[str] = frozenset()) -> bytes | None:
    model = apps.get_model(label)
    values = row_values(model, pk, leave_out=leave_out)
    if values is None:
        return None
    return canonical_json({"model": model._meta.label_lower, "pk": pk, "fields": values})


def row_digest(label: str, pk: Any, *, leave_out: frozenset[str] = frozenset()) -> str | None:
    data = row_canonical(label, pk, leave_out=leave_out)
    return None if data is None else digest(data)
