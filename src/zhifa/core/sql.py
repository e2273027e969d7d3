"""Pieces of the few plain-SQL reads on hot paths (docs/performance.md, "fourth round"): the ORM
compiled those queries at several times the database's cost, so they are written as SQL, with the
table and column names still taken from the models."""

from __future__ import annotations

from collections.abc import Sized

from django.db import connections, models


def columns(model: type[models.Model], alias: str, connection=None) -> str:
    """The select list of a model's concrete columns for table alias `alias` ("o.id, o.name, …"):
    what `Model.objects.raw()` needs, written out instead of `alias.*` so that a prepared statement
    keeps its result type when a migration adds a column (PostgreSQL refuses a cached plan whose
    result type changed)."""
    qn = (connection or connections["default"]).ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def placeholders(values: Sized) -> str:
    """"%s, %s, …", one per value: the inside of an `IN (…)` whose values are passed as parameters."""
    return ", ".join(["%s"] * len(values))
