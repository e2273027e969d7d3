"""Append-only records in three layers (DESIGN.md): no update/delete routes in the API or admin,
a queryset and model that refuse update/delete, and database triggers on SQLite and PostgreSQL
(TRUNCATE too on PostgreSQL).

Use: subclass `AppendOnlyModel`, and add `AppendOnlyTriggers("<model_name>")` to the migration
that creates the table (a migration that alters it wraps the change in
`DropAppendOnlyTriggers(...)` … `AppendOnlyTriggers(...)`). A correction is a new row that
supersedes the old one, with a reason.

Disposable test databases must still be emptied between tests: `purge_allowed()` lets DELETE and
TRUNCATE (never UPDATE) through for the current connection. Only the test suite uses it.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db import connection as default_connection
from django.db import models
from django.db.backends.signals import connection_created

from .errors import DomainError
from .migration_ops import VendorSQLOperation

_PURGE = contextvars.ContextVar("zhifa_purge", default=False)


class AppendOnlyError(DomainError):
    def __init__(self, what: str = "记录") -> None:
        super().__init__(
            f"{what}只能追加，不能修改或删除；更正请另行追加一条记录并说明理由（规则 REC-03）。",
            code="append_only",
            rule="REC-03",
            status=409,
        )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(str(self.model._meta.verbose_name))

    def delete(self):
        raise AppendOnlyError(str(self.model._meta.verbose_name))

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(str(self.model._meta.verbose_name))

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(str(self.model._meta.verbose_name))

    _update = update  # the path Model.save() uses for UPDATE


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(str(self._meta.verbose_name))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(str(self._meta.verbose_name))


# --- database layer ---------------------------------------------------------------------------

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION zhifa_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND coalesce(current_setting('zhifa.purge', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'zhifa: % on append-only table % is forbidden', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""


def _sql_forwards(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION zhifa_append_only();",
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only();",
        ]
    if vendor == "sqlite":
        msg = f"zhifa: %s on append-only table {table} is forbidden"
        return [
            f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{msg % 'UPDATE'}'); END;",
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"WHEN zhifa_purge_allowed() = 0 BEGIN SELECT RAISE(ABORT, '{msg % 'DELETE'}'); END;",
        ]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def _sql_backwards(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";',
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";',
        ]
    return [f'DROP TRIGGER IF EXISTS "{table}_no_update";', f'DROP TRIGGER IF EXISTS "{table}_no_delete";']


class AppendOnlyTriggers(VendorSQLOperation):
    """Migration operation: database triggers that refuse UPDATE and DELETE (and TRUNCATE on
    PostgreSQL) on the model's table."""

    def forwards_sql(self, vendor, table):
        return _sql_forwards(vendor, table)

    def backwards_sql(self, vendor, table):
        return _sql_backwards(vendor, table)

    def describe(self):
        return f"Append-only triggers on {self.model_name}"


class DropAppendOnlyTriggers(AppendOnlyTriggers):
    """The inverse of AppendOnlyTriggers. SQLite rebuilds a table to add or alter most columns and
    the rebuild drops its triggers, so a migration that changes an append-only table wraps the
    change in DropAppendOnlyTriggers(...) … AppendOnlyTriggers(...) (as DropSearchIndex does)."""

    def forwards_sql(self, vendor, table):
        return _sql_backwards(vendor, table)

    def backwards_sql(self, vendor, table):
        return _sql_forwards(vendor, table)

    def describe(self):
        return f"Drop the append-only triggers on {self.model_name}"


def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "zhifa_purge_allowed", 0, lambda: 1 if _PURGE.get() else 0, deterministic=False
        )


connection_created.connect(_register_sqlite_function)


@contextlib.contextmanager
def purge_allowed(connection=default_connection):
    """Let DELETE/TRUNCATE through on this connection. For emptying disposable test databases."""
    token = _PURGE.set(True)
    pg = connection.vendor == "postgresql"
    try:
        if pg:
            with connection.cursor() as cur:
                cur.execute("SET zhifa.purge = 'on'")
        yield
    finally:
        _PURGE.reset(token)
        if pg:
            with connection.cursor() as cur:
                cur.execute("RESET zhifa.purge")
