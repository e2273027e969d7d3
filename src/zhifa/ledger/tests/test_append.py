import pytest
from django.db import DatabaseError, connection, transaction

from zhifa.core.append_only import AppendOnlyError
from zhifa.core.canonical import row_digest
from zhifa.ledger.models import Entry
from zhifa.ledger.services import entry_leaf_hash, ledger_append
from zhifa.org.models import EnforcementCategory

pytestmark = pytest.mark.django_db


def test_append_numbers_without_gaps_and_hashes_the_covered_row():
    cat = EnforcementCategory.objects.create(code="SC", name="市场监管")
    with transaction.atomic():
        e1 = ledger_append(kind="category_created", actor=None, subject=cat, rows=[cat])
        e2 = ledger_append(kind="category_created", actor=None, subject=cat, payload={"n": 2})
    assert (e1.seq, e2.seq) == (1, 2)
    assert e1.covers[0]["hash"] == row_digest("org.enforcementcategory", cat.pk)
    e1.refresh_from_db()
    assert entry_leaf_hash(e1) == e1.leaf_hash


def test_rolled_back_service_leaves_no_entry_and_no_gap():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            ledger_append(kind="x_happened", actor=None, subject="core.test:1")
            raise RuntimeError("service failed")
    assert Entry.objects.count() == 0
    with transaction.atomic():
        assert ledger_append(kind="x_happened", actor=None, subject="core.test:1").seq == 1


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        ledger_append(kind="x_happened", actor=None, subject="core.test:1")


def test_orm_refuses_update_and_delete():
    with transaction.atomic():
        e = ledger_append(kind="x_happened", actor=None, subject="core.test:1")
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=e.pk).update(kind="changed")
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    e.kind = "changed"
    with pytest.raises(AppendOnlyError):
        e.save()


@pytest.mark.parametrize("sql", ["UPDATE ledger_entry SET kind = 'changed'", "DELETE FROM ledger_entry"])
def test_database_refuses_direct_sql(sql):
    with transaction.atomic():
        ledger_append(kind="x_happened", actor=None, subject="core.test:1")
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert Entry.objects.filter(kind="x_happened").count() == 1


@pytest.mark.pg
def test_database_refuses_truncate_on_postgresql():
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("TRUNCATE ledger_entry")
