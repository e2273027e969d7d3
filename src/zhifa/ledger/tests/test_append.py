import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from django.db import DatabaseError, connection, transaction

from zhifa.core.append_only import AppendOnlyError
from zhifa.core.canonical import canonical_json, row_digest
from zhifa.core.testing import concurrent_writes, needs_waiting_writers
from zhifa.ledger.models import Entry, LedgerHead
from zhifa.ledger.services import entry_leaf_hash, ledger_append, ledger_append_many
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


@needs_waiting_writers
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_take_contiguous_numbers_and_a_rollback_leaves_no_gap():
    """Writers in their own threads (own connections, committing for real): the head's UPDATE hands
    out the numbers one writer after the other; a writer that rolls back gives its numbers back."""

    def write(i: int, j: int) -> None:
        item = {"kind": "x_happened", "subject": f"core.test:{i}", "payload": {"j": j}}
        ledger_append_many(entries=[item] * 2, actor=None)

    concurrent_writes(write, threads=4, rounds=5, rollback_round=2)
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 4 * 4 * 2 + 1))  # 4 writers x 4 committed appends x 2 entries
    assert LedgerHead.objects.get(pk=1).size == len(seqs)
    for e in Entry.objects.all():
        assert entry_leaf_hash(e) == e.leaf_hash


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


@pytest.mark.parametrize("sql", [
    "UPDATE ledger_entry SET data = replace(data, 'x_happened', 'changed')",  # the entry itself
    "UPDATE ledger_entry SET leaf_hash = 'ab'",
    "UPDATE ledger_entry SET kind = 'changed'",  # a generated column cannot be written at all
    "DELETE FROM ledger_entry",
])
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


def test_append_many_numbers_without_gaps_between_single_appends():
    cat = EnforcementCategory.objects.create(code="SC", name="市场监管")
    with transaction.atomic():
        first = ledger_append(kind="x_happened", actor=None, subject="core.test:1")
        many = ledger_append_many(
            entries=[{"kind": "category_created", "subject": cat, "rows": [cat]}]
            + [{"kind": "x_happened", "subject": f"core.test:{i}", "payload": {"i": i}} for i in range(2, 100)],
            actor=None,
        )
        last = ledger_append(kind="x_happened", actor=None, subject="core.test:100")
    assert [first.seq] + [e.seq for e in many] + [last.seq] == list(range(1, 102))
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 102))
    assert many[0].covers[0]["hash"] == row_digest("org.enforcementcategory", cat.pk)
    for e in Entry.objects.all():
        assert entry_leaf_hash(e) == e.leaf_hash
    with transaction.atomic():
        assert ledger_append_many(entries=[], actor=None) == []


def test_append_many_rolled_back_leaves_nothing():
    from zhifa.ledger.models import LedgerHead, Node

    with transaction.atomic():
        ledger_append(kind="x_happened", actor=None, subject="core.test:0")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            ledger_append_many(entries=[{"kind": "x_happened", "subject": f"core.test:{i}"} for i in range(200)],
                               actor=None)
            assert Node.objects.count() == 4  # three blocks of 64 and the 128 above two of them
            raise RuntimeError("service failed")
    assert Entry.objects.count() == 1 and Node.objects.count() == 0
    assert LedgerHead.objects.get(pk=1).size == 1
    with transaction.atomic():
        again = ledger_append_many(entries=[{"kind": "x_happened", "subject": "core.test:1"}], actor=None)
    assert again[0].seq == 2


@pytest.mark.django_db(transaction=True)
def test_append_many_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        ledger_append_many(entries=[{"kind": "x_happened", "subject": "core.test:1"}], actor=None)
    assert Entry.objects.count() == 0


def test_an_entry_is_its_canonical_text_and_the_columns_are_read_from_it():
    """`data` holds the bytes the leaf hash covers; every other column is generated from it."""
    from zhifa.ledger.services import leaf_hash

    with transaction.atomic():
        e = ledger_append(kind="x_happened", actor=None, subject="core.test:1", payload={"b": "江川", "a": [1, 2]})
    with connection.cursor() as cur:
        cur.execute("SELECT data, leaf_hash FROM ledger_entry WHERE id = %s", [e.pk])
        text, stored_leaf = cur.fetchone()
    assert text.startswith('{"actor":"system","actor_id":null,"covers":[],"kind":"x_happened","payload":{"a":[1,2],"b":"江川"}')
    assert leaf_hash(text.encode()) == stored_leaf == e.leaf_hash
    e.refresh_from_db()
    assert (e.payload, e.kind, e.subject, e.actor_id, e.covers) == ({"a": [1, 2], "b": "江川"}, "x_happened",
                                                                    "core.test:1", None, [])
    assert e.recorded_at.tzinfo is not None and f'"recorded_at":"{e.recorded_at.isoformat()}"' in text


# No NUL (PostgreSQL text and jsonb refuse it) and no lone surrogates (not Unicode text: refused,
# see the test below); floats below 1e15, since jsonb prints larger whole floats as integers (a
# known limit of payloads on PostgreSQL, not of this code path).
_text = st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(-1e15, 1e15) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text | st.integers(0, 20), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(payload=st.dictionaries(_text, _json, max_size=4), kind=_text.filter(bool), subject=_text.filter(bool))
@example(payload={"": -0.0, "n": [-0.0, 1.5]}, kind="0", subject="0")  # PostgreSQL's jsonb has no -0.0
def test_the_leaf_written_is_the_reference_leaf_of_the_stored_entry(payload, kind, subject):
    """ledger_append_many renders the leaf from canonical pieces; it must be the bytes
    entry_leaf_data gives for the entry as read back from the database."""
    try:
        canonical_json(payload)
    except TypeError:  # mixed str and int keys cannot be sorted: refused as before
        return
    with transaction.atomic():
        e = ledger_append(kind=kind, actor=None, subject=subject, payload=payload)
        stored = Entry.objects.get(pk=e.pk)
        assert entry_leaf_hash(stored) == e.leaf_hash == stored.leaf_hash
        assert (stored.payload, stored.kind, stored.subject) == (e.payload, e.kind, e.subject)
        transaction.set_rollback(True)


@pytest.mark.parametrize("where", ["payload", "kind", "subject"])
def test_text_that_is_not_unicode_is_refused_and_nothing_is_written(where):
    """A lone surrogate (which json.loads lets through from "\\ud800") cannot be hashed as UTF-8:
    the append fails before any row is written and the head does not move."""
    item = {"kind": "x_happened", "subject": "core.test:1", "payload": {"a": "b"}}
    item[where] = {"a": "\ud800"} if where == "payload" else "x\ud800"
    size = LedgerHead.objects.get(pk=1).size if LedgerHead.objects.filter(pk=1).exists() else 0
    count = Entry.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        ledger_append_many(entries=[item], actor=None)
    assert Entry.objects.count() == count
    assert (LedgerHead.objects.get(pk=1).size if LedgerHead.objects.filter(pk=1).exists() else 0) == size
