# Stored subtree hashes for O(log n) proofs (issue 3), and canonical JSON text in entry columns.

from django.db import migrations, models

import zhifa.ledger.models
from zhifa.core.append_only import AppendOnlyTriggers


def fill_nodes(apps, schema_editor):
    """Nodes for a log that already has entries (the code writes them on append from now on)."""
    from zhifa.core.canonical import hash_name
    from zhifa.ledger.nodes import stream_nodes

    Entry = apps.get_model("ledger", "Entry")
    Node = apps.get_model("ledger", "Node")
    db = schema_editor.connection.alias
    leaves = (bytes.fromhex(h) for h in Entry.objects.using(db).order_by("seq")
              .values_list("leaf_hash", flat=True).iterator(chunk_size=10_000))
    batch = []
    for level, index, h in stream_nodes(leaves, hash_name()):
        batch.append(Node(level=level, index=index, hash=h.hex()))
        if len(batch) >= 5000:
            Node.objects.using(db).bulk_create(batch)
            batch = []
    Node.objects.using(db).bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0002_tree_heads_and_verification'),
    ]

    operations = [
        # The encoder changes only what Python writes; on SQLite a real AlterField would remake the
        # table and drop its append-only triggers, so the database is left alone.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='entry',
                    name='covers',
                    field=models.JSONField(default=list, encoder=zhifa.ledger.models.CanonicalJSONEncoder,
                                           verbose_name='覆盖的数据行与文件'),
                ),
                migrations.AlterField(
                    model_name='entry',
                    name='payload',
                    field=models.JSONField(default=dict, encoder=zhifa.ledger.models.CanonicalJSONEncoder,
                                           verbose_name='内容'),
                ),
            ],
        ),
        migrations.CreateModel(
            name='Node',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(verbose_name='层')),
                ('index', models.PositiveBigIntegerField(verbose_name='序号')),
                ('hash', models.CharField(max_length=64, verbose_name='哈希')),
            ],
            options={
                'verbose_name': '账本树节点',
                'verbose_name_plural': '账本树节点',
                'constraints': [models.UniqueConstraint(fields=('level', 'index'), name='ledger_node_level_index')],
            },
        ),
        AppendOnlyTriggers("node"),
        migrations.RunPython(fill_nodes, migrations.RunPython.noop),
    ]
