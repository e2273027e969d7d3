"""Chinese full-text search that works the same on SQLite and PostgreSQL (DESIGN.md "Search";
research/ecosystem.md §10).

Each searchable table keeps a portable `search_text` column: jieba `cut_for_search` tokens plus
every CJK bigram of the raw text, plus the last character of each CJK run, space-joined. Because
every bigram is indexed, a query is turned into the bigrams of each CJK run (AND-ed), so
2-character terms such as 罚款 are always found whatever jieba's segmentation did; a lone
character is a prefix query (it starts a bigram, or ends a run); ASCII terms (codes) are
prefix-matched.

- PostgreSQL: a stored generated column `search_vector` = to_tsvector('simple', search_text) with
  a GIN index (the model does not know the column; the database maintains it). The 'simple'
  parser keeps a CJK run as one token, which is exactly one bigram or jieba word here. A stored
  column, not an expression index, so a plan that filters rows never re-parses the text.
- SQLite: an FTS5 table (unicode61) `<table>_fts` whose rowid is the row's id, kept in sync by
  triggers on the base table, so every service that writes `search_text` updates it.

Use `SearchIndex("<model_name>")` in the migration that adds the column, `search_text_for(...)`
in the services, and `search_filter(queryset, q)` in the selectors.
"""

from __future__ import annotations

import logging
import re

import jieba
from django.db import connection as default_connection
from django.db import models
from django.db.models.expressions import RawSQL

from .migration_ops import VendorSQLOperation

jieba.setLogLevel(logging.WARNING)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_TOKEN = re.compile(r"[0-9A-Za-z]+")


def _bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def search_text_for(*parts: str | None) -> str:
    """The `search_text` value for the given raw texts (deduplicated, order kept)."""
    raw = " ".join(p for p in parts if p)
    tokens: dict[str, None] = {}
    for word in jieba.cut_for_search(raw):
        word = word.strip().lower()
        if word and (_CJK_RUN.fullmatch(word) or _ASCII_TOKEN.fullmatch(word)):
            tokens[word] = None
    for run in _CJK_RUN.findall(raw):
        for gram in _bigrams(run):
            tokens[gram] = None
        tokens[run[-1]] = None
    for tok in _ASCII_TOKEN.findall(raw):
        tokens[tok.lower()] = None
    return " ".join(tokens)


def query_terms(q: str) -> tuple[list[str], list[str], list[str]]:
    """(bigram terms, ASCII prefix terms, single CJK characters) of a user's query."""
    grams: dict[str, None] = {}
    singles: dict[str, None] = {}
    for run in _CJK_RUN.findall(q or ""):
        if len(run) == 1:
            singles[run] = None
        else:
            for gram in _bigrams(run):
                grams[gram] = None
    prefixes = list(dict.fromkeys(t.lower() for t in _ASCII_TOKEN.findall(q or "")))
    return list(grams), prefixes, list(singles)


def fts_table(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}_fts"


def search_filter(queryset: models.QuerySet, q: str | None) -> models.QuerySet:
    """Rows of `queryset` whose search_text matches every term of `q` (empty q: unchanged)."""
    grams, prefixes, singles = query_terms(q or "")
    if not (grams or prefixes or singles):
        return queryset if not (q or "").strip() else queryset.none()
    model = queryset.model
    vendor = default_connection.vendor
    prefixes = prefixes + singles
    if grams or prefixes:
        if vendor == "postgresql":
            parts = [_pg_quote(g) for g in grams] + [_pg_quote(p) + ":*" for p in prefixes]
            queryset = queryset.extra(
                where=[f"\"{model._meta.db_table}\".search_vector @@ to_tsquery('simple', %s)"],
                params=[" & ".join(parts)],
            )
        else:
            parts = [_fts_quote(g) for g in grams] + [_fts_quote(p) + "*" for p in prefixes]
            table = fts_table(model)
            queryset = queryset.filter(
                pk__in=RawSQL(f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s', [" ".join(parts)])
            )
    return queryset


def _pg_quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# --- migration operation ----------------------------------------------------------------------


def _forwards_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f'ALTER TABLE "{table}" ADD COLUMN search_vector tsvector '
            f"GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;",
            f'CREATE INDEX "{table}_search_gin" ON "{table}" USING GIN (search_vector) WITH (fastupdate = off);',
        ]
    if vendor == "sqlite":
        fts = f"{table}_fts"
        return [
            f'CREATE VIRTUAL TABLE "{fts}" USING fts5(search_text, tokenize = \'unicode61\');',
            f'INSERT INTO "{fts}" (rowid, search_text) SELECT id, search_text FROM "{table}";',
            f'CREATE TRIGGER "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
            f'INSERT INTO "{fts}" (rowid, search_text) VALUES (new.id, new.search_text); END;',
            f'CREATE TRIGGER "{fts}_au" AFTER UPDATE OF search_text ON "{table}" BEGIN '
            f'DELETE FROM "{fts}" WHERE rowid = old.id; '
            f'INSERT INTO "{fts}" (rowid, search_text) VALUES (new.id, new.search_text); END;',
            f'CREATE TRIGGER "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
            f'DELETE FROM "{fts}" WHERE rowid = old.id; END;',
        ]
    raise NotImplementedError(f"search index is not written for {vendor}")


def _backwards_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP INDEX IF EXISTS "{table}_search_gin";',
                f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS search_vector;']
    fts = f"{table}_fts"
    return [f'DROP TRIGGER IF EXISTS "{fts}_{s}";' for s in ("ai", "au", "ad")] + [f'DROP TABLE IF EXISTS "{fts}";']


class SearchIndex(VendorSQLOperation):
    """Migration operation: the vendor's token index over the model's `search_text` column."""

    def forwards_sql(self, vendor, table):
        return _forwards_sql(vendor, table)

    def backwards_sql(self, vendor, table):
        return _backwards_sql(vendor, table)

    def describe(self):
        return f"Search index on {self.model_name}.search_text"


class DropSearchIndex(SearchIndex):
    """The inverse of SearchIndex. SQLite rebuilds a table to add or alter a column and the
    rebuild drops the table's triggers, so a migration that changes an indexed table wraps the
    change in DropSearchIndex(...) … SearchIndex(...)."""

    def forwards_sql(self, vendor, table):
        return _backwards_sql(vendor, table)

    def backwards_sql(self, vendor, table):
        return _forwards_sql(vendor, table)

    def describe(self):
        return f"Drop the search index on {self.model_name}.search_text"
