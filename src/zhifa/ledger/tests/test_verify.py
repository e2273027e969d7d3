"""Tamper tests (issue 3): each alteration must be caught by `ledger verify` and named."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from zhifa.core.append_only import _sql_backwards, _sql_forwards
from zhifa.ledger import keys
from zhifa.ledger.models import Entry, TreeHead, VerificationRun
from zhifa.ledger.services import ledger_append, ledger_append_many, tree_head_sign
from zhifa.ledger.verify import ledger_alerts_open, ledger_verify, ledger_verify_and_record
from zhifa.org.models import EnforcementCategory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signing_key():
    if not keys.key_path().exists():
        keys.generate()


@pytest.fixture
def log():
    """Three entries: one covering a row, one covering a file, one plain; then a signed head."""
    cat = EnforcementCategory.objects.create(code="HB", name="生态环境")
    content = b"evidence photo bytes"
    name = default_storage.save("evidence/test-photo.jpg", ContentFile(content))
    with transaction.atomic():
        ledger_append(kind="category_created", actor=None, subject=cat, rows=[cat])
        ledger_append(kind="evidence_added", actor=None, subject="records.evidence:1",
                      files=[{"name": name, "sha256": hashlib.sha256(content).hexdigest(),
                              "sm3": hashlib.new("sm3", content).hexdigest(), "size": len(content)}])
        ledger_append(kind="case_filed", actor=None, subject="cases.case:1", payload={"number": "江市监罚〔2026〕1号"})
    head = tree_head_sign()
    return {"category": cat, "file": name, "head": head}


def _as_superuser(sql: str, params=()):
    """An attacker with database owner rights: lift the triggers, change the table, put them back."""
    vendor = connection.vendor
    with connection.cursor() as cur:
        for stmt in _sql_backwards(vendor, "ledger_entry"):
            cur.execute(stmt)
        cur.execute(sql, params)
        for stmt in _sql_forwards(vendor, "ledger_entry"):
            cur.execute(stmt, None)


def _whats(report):
    return {(p["entry"], p["what"]) for p in report.problems}


def test_untouched_log_verifies(log):
    report = ledger_verify()
    assert report.ok, report.problems
    assert report.entries == 3 and report.head_size == 3


def test_altered_covered_row_is_named(log):
    cat = log["category"]
    with connection.cursor() as cur:
        cur.execute("UPDATE org_enforcementcategory SET name = %s WHERE id = %s", ["被改动", cat.pk])
    report = ledger_verify()
    assert (1, f"org.enforcementcategory:{cat.pk}") in _whats(report)
    assert "已被改动" in report.problems[0]["message"]


def test_altered_file_is_named(log):
    path = default_storage.path(log["file"])
    with open(path, "wb") as f:
        f.write(b"replaced photo")
    report = ledger_verify()
    assert (2, f"file:{log['file']}") in _whats(report)


def test_missing_file_is_named(log):
    import os

    os.remove(default_storage.path(log["file"]))
    report = ledger_verify()
    assert any(p["entry"] == 2 and "已缺失" in p["message"] for p in report.problems)


def test_altered_entry_is_named(log):
    _as_superuser("UPDATE ledger_entry SET data = replace(data, '\"kind\":\"case_filed\"', '\"kind\":\"case_closed\"') "
                  "WHERE seq = 3")
    assert Entry.objects.get(seq=3).kind == "case_closed"  # the generated column follows the text
    report = ledger_verify()
    assert (3, "entry") in _whats(report)


def test_altered_entry_with_recomputed_leaf_breaks_the_signed_root(log):
    from zhifa.ledger.services import leaf_hash

    text = Entry.objects.get(seq=3).data.replace("1号", "99号")
    _as_superuser("UPDATE ledger_entry SET data = %s, leaf_hash = %s WHERE seq = 3", [text, leaf_hash(text.encode())])
    report = ledger_verify()
    assert (None, "root") in _whats(report)
    assert (3, "entry") not in _whats(report)  # the forger made the entry self-consistent


def test_deleted_entry_is_named(log):
    _as_superuser("DELETE FROM ledger_entry WHERE seq = 2")
    report = ledger_verify()
    whats = _whats(report)
    assert (3, "sequence") in whats
    assert (None, "size") in whats


def _set_seq(old: int, new: int) -> None:
    _as_superuser("UPDATE ledger_entry SET data = replace(data, %s, %s) WHERE seq = %s",
                  [f'"seq":{old},', f'"seq":{new},', old])


def test_swapped_entries_are_named(log):
    one, three = Entry.objects.get(seq=1), Entry.objects.get(seq=3)
    _set_seq(1, 1000000)
    _set_seq(3, 1)
    _set_seq(1000000, 3)
    report = ledger_verify()
    whats = _whats(report)
    assert (1, "entry") in whats and (3, "entry") in whats
    assert Entry.objects.get(seq=1).pk == three.pk and Entry.objects.get(seq=3).pk == one.pk


def test_forged_tree_head_signature_is_named(log):
    head = log["head"]
    with connection.cursor() as cur:
        for stmt in _sql_backwards(connection.vendor, "ledger_treehead"):
            cur.execute(stmt)
        cur.execute("UPDATE ledger_treehead SET signature = %s WHERE id = %s", ["00" * 64, head.pk])
    report = ledger_verify()
    assert (None, f"tree_head:{head.pk}") in _whats(report)


def test_command_exits_non_zero_and_a_failed_run_is_an_open_alert(log, capsys):
    call_command("ledger", "verify")
    assert "核验通过" in capsys.readouterr().out
    assert not ledger_alerts_open().exists()
    with connection.cursor() as cur:
        cur.execute("UPDATE org_enforcementcategory SET name = 'x'")
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert "org.enforcementcategory" in out and "#1" in out
    assert ledger_alerts_open().count() == 1
    assert VerificationRun.objects.filter(ok=False).count() == 1


def test_signing_only_when_grown_and_consistent(log):
    assert tree_head_sign() == log["head"]  # nothing new: the same head
    with transaction.atomic():
        ledger_append(kind="case_filed", actor=None, subject="cases.case:2")
    head = tree_head_sign()
    assert head.size == 4 and TreeHead.objects.count() == 2
    assert keys.verify_signature(head.public_key, head.signature, head.signed_message.encode())


def test_signing_refuses_a_log_inconsistent_with_the_previous_head(log):
    _as_superuser("UPDATE ledger_entry SET leaf_hash = %s WHERE seq = 1", ["ab" * 32])
    with transaction.atomic():
        ledger_append(kind="case_filed", actor=None, subject="cases.case:2")
    from zhifa.core.errors import DomainError

    with pytest.raises(DomainError) as e:
        tree_head_sign()
    assert e.value.code == "ledger_inconsistent"


def test_nightly_task_records_a_run(log):
    from zhifa.ledger.tasks import ledger_nightly_verify

    ledger_nightly_verify.enqueue()
    assert VerificationRun.objects.filter(ok=True).count() == 1
    report, run = ledger_verify_and_record()
    assert run.ok and run.entries == 3


def test_generated_columns_read_back_awkward_text_exactly():
    """The columns are generated from the canonical text by the database (json_extract on SQLite,
    jsonb on PostgreSQL): awkward text comes back as appended, and the text is the reference leaf."""
    from zhifa.ledger.services import entry_leaf_data

    odd = 'a"b\\c\n\t\x01\x7f 江川 😀 \u2028'
    payload = {"z": [1, 2.5, None, True, -0.25], "a": {"y": odd, "b": -3}, "当事人": "某公司"}
    with transaction.atomic():
        ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{odd}", payload=payload)
        ledger_append(kind=f"odd{odd}", actor=None, subject="x", payload={})
    first, second = Entry.objects.order_by("seq")
    assert (first.subject, first.payload, second.kind, second.payload) == (f"cases.case:{odd}", payload, f"odd{odd}", {})
    for e in (first, second):
        ref = entry_leaf_data(seq=e.seq, recorded_at=e.recorded_at, actor_id=e.actor_id, actor=e.actor, kind=e.kind,
                              subject=e.subject, payload=e.payload, covers=e.covers)
        assert e.data.encode() == ref
    assert ledger_verify().ok


def test_altered_payload_is_named(log):
    _as_superuser("UPDATE ledger_entry SET data = replace(data, '1号', '9号') WHERE seq = 3")
    assert Entry.objects.get(seq=3).payload == {"number": "江市监罚〔2026〕9号"}
    report = ledger_verify()
    assert (3, "entry") in _whats(report)


def test_tampered_tree_node_is_named():
    with transaction.atomic():
        ledger_append_many(entries=[{"kind": "case_filed", "subject": f"cases.case:{i}"} for i in range(130)],
                           actor=None)
    tree_head_sign()
    assert ledger_verify().ok
    with connection.cursor() as cur:
        for stmt in _sql_backwards(connection.vendor, "ledger_node"):
            cur.execute(stmt)
        cur.execute("UPDATE ledger_node SET hash = %s WHERE level = 6 AND \"index\" = 1", ["cd" * 32])
        for stmt in _sql_forwards(connection.vendor, "ledger_node"):
            cur.execute(stmt)
    report = ledger_verify()
    assert _whats(report) == {(None, "node:6/1")}


def test_a_column_added_after_the_entry_is_left_out_of_the_row_hash(monkeypatch):
    """A row hashed before a column existed must still verify after the column is added; a change
    to the columns that did exist is still caught."""
    from django.utils import timezone

    from zhifa.core import canonical
    from zhifa.ledger import services, verify

    cat = EnforcementCategory.objects.create(code="HB", name="生态环境")
    old_schema = lambda label, pk, **kw: canonical.row_digest(label, pk, leave_out=frozenset({"name"}))  # noqa: E731
    monkeypatch.setattr(services, "row_digest", old_schema)  # the row as hashed before `name` existed
    with transaction.atomic():
        ledger_append(kind="category_created", actor=None, subject=cat, rows=[cat])
    monkeypatch.undo()
    assert (1, f"org.enforcementcategory:{cat.pk}") in _whats(ledger_verify())  # without the migration record
    later = timezone.now() + timezone.timedelta(seconds=1)
    monkeypatch.setattr(verify, "_fields_added", lambda: {"org.enforcementcategory": [("name", later)]})
    assert ledger_verify().ok
    EnforcementCategory.objects.filter(pk=cat.pk).update(code="XX")  # a column that did exist
    assert (1, f"org.enforcementcategory:{cat.pk}") in _whats(ledger_verify())


def test_fields_added_come_from_the_migration_graph_and_django_migrations():
    from django.db.migrations.recorder import MigrationRecorder

    from zhifa.ledger import verify

    verify._fields_added.cache_clear()
    added = dict(verify._fields_added()["catalog.avrecordingitem"])
    applied = MigrationRecorder(connection).migration_qs.get(app="catalog", name="0003_av_procedure_acts").applied
    assert added["procedure_acts"] == applied
    assert "procedure_acts" in dict(verify._fields_added()["catalog.historicalavrecordingitem"])


@pytest.mark.django_db(transaction=True)
def test_worker_processes_check_the_log_by_ranges(monkeypatch, tmp_path):
    """A committed log of several ranges is checked in worker processes (ledger.leafcheck run as
    `python -m`), joined into the same tree, with covered rows checked here; the signed head falls
    inside a range. A tampered entry sends verify through the careful pass, which names it."""
    from zhifa.ledger import verify

    cat = EnforcementCategory.objects.create(code="HB", name="生态环境")
    with transaction.atomic():
        ledger_append_many(entries=[{"kind": "case_filed", "subject": f"cases.case:{i}", "payload": {"i": i}}
                                    for i in range(300)], actor=None)
    tree_head_sign()  # at 300: inside the fifth range of 64
    with transaction.atomic():
        ledger_append(kind="category_created", actor=None, subject=cat, rows=[cat])
        ledger_append_many(entries=[{"kind": "case_filed", "subject": f"cases.case:{i}"} for i in range(200)],
                           actor=None)
    spawned = []
    real = verify._spawn

    def spawn(job):
        spawned.append(job["ranges"])
        if connection.vendor == "sqlite":  # the suite's SQLite is in memory: workers read a copy on disk
            import sqlite3

            with sqlite3.connect(job["path"]) as copy:
                connection.connection.backup(copy)
        return real(job)

    if connection.vendor == "sqlite":
        monkeypatch.setattr(verify, "_sqlite_file", lambda: str(tmp_path / "copy.sqlite3"))
    monkeypatch.setattr(verify, "_spawn", spawn)
    server_checks = verify.leafcheck.server_checks
    if connection.vendor == "postgresql":
        # PostgreSQL hashes the texts itself, in a thread's connection beside this one, no workers.
        assert ledger_verify(workers=2, range_size=64).ok and spawned == []
        # Workers as with SM3, which the database cannot compute.
        monkeypatch.setattr(verify.leafcheck, "server_checks", lambda vendor, name: False)
    careful = []
    real_careful = verify._careful_pass
    monkeypatch.setattr(verify, "_careful_pass", lambda *a: careful.append(1) or real_careful(*a))

    report = ledger_verify(workers=2, range_size=64)
    assert report.ok, report.problems
    assert (report.entries, report.head_size) == (501, 300)
    assert len(spawned) == 2 and sorted(r for rs in spawned for r in rs)[-1] == (448, 501) and careful == []
    assert spawned[0][:2] == [(0, 64), (128, 192)]  # dealt round-robin
    assert ledger_verify(workers=0).ok  # the same answer in this process

    with connection.cursor() as cur:
        cur.execute("UPDATE org_enforcementcategory SET name = 'x' WHERE id = %s", [cat.pk])
    assert _whats(ledger_verify(workers=2, range_size=64)) == {(301, f"org.enforcementcategory:{cat.pk}")}
    assert careful == []  # a covered row is checked after the ranges, no careful pass needed

    _as_superuser("UPDATE ledger_entry SET data = replace(data, '\"i\":7}', '\"i\":8}') WHERE seq = 8")
    report = ledger_verify(workers=2, range_size=64)
    assert (8, "entry") in _whats(report) and careful == [1]
    if connection.vendor == "postgresql":
        monkeypatch.setattr(verify.leafcheck, "server_checks", server_checks)
        assert (8, "entry") in _whats(ledger_verify(workers=2, range_size=64)) and careful == [1, 1]


@pytest.mark.django_db(transaction=True)
def test_migration_to_canonical_text_keeps_an_existing_log_verifiable():
    """Migration 0004 writes each existing entry's canonical text from its old columns: the log
    still verifies, and the generated columns give back what the old ones held."""
    import datetime as dt

    from django.db.migrations.executor import MigrationExecutor

    from zhifa.core.canonical import digest
    from zhifa.ledger.services import entry_leaf_data

    old = [("ledger", "0003_tree_nodes")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("ledger")
    executor.migrate(old)
    try:
        OldEntry = executor.loader.project_state(old).apps.get_model("ledger", "Entry")
        when = dt.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=dt.UTC)
        rows = [dict(seq=i, recorded_at=when, actor_id=7 if i == 2 else None, actor="admin" if i == 2 else "system",
                     kind="case_filed", subject=f"cases.case:{i}", payload={"b": i, "a": "江"}, covers=[])
                for i in (1, 2, 3)]
        for r in rows:
            OldEntry.objects.create(**r, leaf_hash=digest(b"\x00" + entry_leaf_data(**r)))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert ledger_verify().ok
    got = list(Entry.objects.order_by("seq").values("seq", "recorded_at", "actor_id", "actor", "kind", "subject",
                                                    "payload", "covers"))
    assert got == rows
