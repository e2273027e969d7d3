"""Verify reads entries in a second thread when it runs outside a transaction (`_read_ahead`).
That thread has its own database connection, so these tests commit their rows (transaction=True)."""

import pytest
from django.db import connection, transaction

from zhifa.core.append_only import _sql_backwards, _sql_forwards
from zhifa.ledger import keys
from zhifa.ledger.services import ledger_append_many, tree_head_sign
from zhifa.ledger.verify import _CHUNK, ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)

N = 2 * _CHUNK + 321  # three chunks, the last one partial


@pytest.fixture
def log():
    if not keys.key_path().exists():
        keys.generate()
    for start in range(0, N, 2000):
        with transaction.atomic():
            ledger_append_many(entries=[{"kind": "x_happened", "subject": f"core.test:{i}", "payload": {"i": i}}
                                        for i in range(start, min(start + 2000, N))], actor=None)
    tree_head_sign()


def test_read_ahead_verifies_a_clean_log_like_the_plain_read(log):
    assert not connection.in_atomic_block
    ahead, plain = ledger_verify(), ledger_verify(read_ahead=False)
    assert ahead.ok and plain.ok, (ahead.problems, plain.problems)
    assert ahead.entries == plain.entries == N and ahead.head_size == N


def test_read_ahead_names_the_same_tampering_as_the_plain_read(log):
    seq = _CHUNK + 17  # in the second chunk
    with connection.cursor() as cur:
        for stmt in _sql_backwards(connection.vendor, "ledger_entry"):
            cur.execute(stmt)
        cur.execute("UPDATE ledger_entry SET subject = %s WHERE seq = %s", ["core.test:forged", seq])
        for stmt in _sql_forwards(connection.vendor, "ledger_entry"):
            cur.execute(stmt, None)
    ahead, plain = ledger_verify(), ledger_verify(read_ahead=False)
    assert not ahead.ok
    assert [(p["entry"], p["what"]) for p in ahead.problems] == [(p["entry"], p["what"]) for p in plain.problems]
    assert (seq, "entry") in {(p["entry"], p["what"]) for p in ahead.problems}


def test_a_failure_in_the_reader_reaches_the_caller(log, monkeypatch):
    from zhifa.ledger import verify

    def broken():
        yield from ()
        raise RuntimeError("reader failed")

    monkeypatch.setattr(verify, "_sqlite_chunks", broken)
    monkeypatch.setattr(verify, "_entry_chunks", broken)
    with pytest.raises(RuntimeError, match="reader failed"):
        ledger_verify(read_ahead=True)
