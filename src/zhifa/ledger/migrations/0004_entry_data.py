# The entry becomes its canonical text (`data`); the other columns are generated from it (issue 3:
# verify hashes one column per entry instead of putting each leaf together again).

from django.db import migrations, models

import zhifa.ledger.models
from zhifa.core.append_only import AppendOnlyTriggers, DropAppendOnlyTriggers
from zhifa.core.migration_ops import VendorSQLOperation

FIELDS = ("seq", "recorded_at", "actor_id", "actor", "kind", "subject", "payload", "covers")


def fill_data(apps, schema_editor):
    """The canonical text of every existing entry, from its columns (the bytes its leaf hash was
    taken over). The append-only triggers are lifted for this migration only."""
    from zhifa.ledger.services import entry_leaf_data

    Entry = apps.get_model("ledger", "Entry")
    db = schema_editor.connection.alias
    table = Entry._meta.db_table
    batch = []
    with schema_editor.connection.cursor() as cur:
        for e in Entry.objects.using(db).order_by("seq").values("id", *FIELDS).iterator(chunk_size=10_000):
            batch.append((entry_leaf_data(**{k: e[k] for k in FIELDS}).decode(), e["id"]))
            if len(batch) >= 5000:
                cur.executemany(f'UPDATE "{table}" SET data = %s WHERE id = %s', batch)
                batch = []
        if batch:
            cur.executemany(f'UPDATE "{table}" SET data = %s WHERE id = %s', batch)


class AddStoredGeneratedField(migrations.AddField):
    """SQLite cannot ADD a STORED generated column to a table that has rows (Django does so for a
    nullable one): rebuild the table with the column instead."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, to_model):
            from_model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor._remake_table(from_model, create_field=to_model._meta.get_field(self.name))


class CoveringEntriesIndex(VendorSQLOperation):
    """A partial index of the entries that cover rows or files, which verify looks up by range
    (ledger.leafcheck._COVERING: its WHERE must read as this index's for the index to be used).
    A later migration that makes SQLite rebuild the table must add it again, like the triggers."""

    def forwards_sql(self, vendor, table):
        empty = "'[]'::jsonb" if vendor == "postgresql" else "'[]'"
        return [f'CREATE INDEX "{table}_covering" ON "{table}" (seq) WHERE covers <> {empty}']

    def backwards_sql(self, vendor, table):
        return [f'DROP INDEX IF EXISTS "{table}_covering"']

    def describe(self):
        return "Partial index of the ledger entries that cover rows or files"


class LeafHashIndex(VendorSQLOperation):
    """PostgreSQL: the leaf hashes in seq order from the index alone (an index-only scan once
    autovacuum has marked the pages all-visible, which it does for an append-only table), for
    verify's ranges (ledger.leafcheck). SQLite reads the text beside the hash, so it has no use."""

    def forwards_sql(self, vendor, table):
        return [f'CREATE INDEX "{table}_seq_leaf" ON "{table}" (seq) INCLUDE (leaf_hash)'] if vendor == "postgresql" else []

    def backwards_sql(self, vendor, table):
        return [f'DROP INDEX IF EXISTS "{table}_seq_leaf"'] if vendor == "postgresql" else []

    def describe(self):
        return "Index of the ledger's leaf hashes by seq (PostgreSQL)"


def _generated(key, field, as_="text", **kwargs):
    return models.GeneratedField(expression=zhifa.ledger.models.FromData(key, field, as_=as_), output_field=field,
                                 db_persist=True, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0003_tree_nodes"),
    ]

    operations = [
        DropAppendOnlyTriggers("entry"),
        migrations.AddField(
            model_name="entry",
            name="data",
            field=models.TextField(null=True, verbose_name="规范文本",
                                   help_text="条目的规范 JSON 文本，叶子哈希即对其计算。"),
        ),
        migrations.RunPython(fill_data, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="entry",
            name="data",
            field=models.TextField(verbose_name="规范文本", help_text="条目的规范 JSON 文本，叶子哈希即对其计算。"),
        ),
        *[migrations.RemoveField(model_name="entry", name=name) for name in FIELDS],
        migrations.AddField(
            model_name="entry",
            name="seq",
            field=_generated("seq", models.BigIntegerField(), as_="int", unique=True, verbose_name="序号",
                             help_text="从 1 起连续编号；Merkle 树叶子序号为 seq-1。"),
        ),
        migrations.AddField(
            model_name="entry",
            name="recorded_at",
            field=_generated("recorded_at", models.DateTimeField(), as_="time", verbose_name="记录时间"),
        ),
        AddStoredGeneratedField(
            model_name="entry",
            name="actor_id",
            field=_generated("actor_id", models.BigIntegerField(null=True), as_="int", null=True,
                             verbose_name="操作人编号"),
        ),
        migrations.AddField(
            model_name="entry",
            name="actor",
            field=_generated("actor", models.CharField(max_length=200), verbose_name="操作人"),
        ),
        migrations.AddField(
            model_name="entry",
            name="kind",
            field=_generated("kind", models.CharField(max_length=64), db_index=True, verbose_name="事项",
                             help_text="过去式的稳定名称，如 certificate_issued。"),
        ),
        migrations.AddField(
            model_name="entry",
            name="subject",
            field=_generated("subject", models.CharField(max_length=200), db_index=True, verbose_name="对象",
                             help_text="所涉对象，形如 org.certificate:12。"),
        ),
        migrations.AddField(
            model_name="entry",
            name="payload",
            field=_generated("payload", models.JSONField(), as_="json", verbose_name="内容"),
        ),
        migrations.AddField(
            model_name="entry",
            name="covers",
            field=_generated("covers", models.JSONField(), as_="json", verbose_name="覆盖的数据行与文件"),
        ),
        CoveringEntriesIndex("entry"),
        LeafHashIndex("entry"),
        AppendOnlyTriggers("entry"),
    ]
