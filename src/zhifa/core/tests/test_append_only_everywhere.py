"""Every append-only model of every app has its database triggers after all migrations ran
(SQLite rebuilds a table to alter it, which silently drops triggers; this catches that)."""

import pytest
from django.apps import apps
from django.db import connection

from zhifa.core.append_only import AppendOnlyModel


def _triggers() -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cur.fetchall()}


def test_every_append_only_table_has_its_triggers(db):
    models = [m for m in apps.get_models() if issubclass(m, AppendOnlyModel)]
    assert len(models) >= 10
    names = _triggers()
    suffixes = ("_no_update", "_no_delete") if connection.vendor == "sqlite" else ("_append_only", "_no_truncate")
    missing = [f"{m._meta.db_table}{s}" for m in models for s in suffixes if f"{m._meta.db_table}{s}" not in names]
    assert missing == []


def test_every_search_indexed_table_keeps_its_sqlite_triggers(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps a generated column, not triggers, for search")
    names = _triggers()
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_fts' ESCAPE '\\'")
        fts_tables = [r[0] for r in cur.fetchall()]
    assert fts_tables
    missing = [f"{t}_{s}" for t in fts_tables for s in ("ai", "au", "ad") if f"{t}_{s}" not in names]
    assert missing == []
