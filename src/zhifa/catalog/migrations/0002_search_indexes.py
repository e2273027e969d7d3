"""Token indexes over search_text: GIN on PostgreSQL, FTS5 (unicode61) tables on SQLite
(core.search; research/ecosystem.md §10)."""

from django.db import migrations

from zhifa.core.search import SearchIndex


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        SearchIndex("matter"),
        SearchIndex("legalbasis"),
        SearchIndex("majordecisioncriterion"),
        SearchIndex("avrecordingitem"),
        SearchIndex("randominspectionitem"),
    ]
