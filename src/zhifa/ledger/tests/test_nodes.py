"""Stored subtree hashes (Node): proofs and roots read from them equal the list-based RFC 9162
construction (itself checked against the RFC's recursive definition in test_merkle), for any
log size, any tree size up to it and any leaf; the table is append-only like the entries."""

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.append_only import AppendOnlyError
from zhifa.ledger import merkle, nodes
from zhifa.ledger.models import Entry, Node
from zhifa.ledger.services import ledger_append, ledger_append_many, tree_reader

pytestmark = pytest.mark.django_db


def _leaves():
    return [bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def _stored():
    return {(lv, ix): bytes.fromhex(h) for lv, ix, h in Node.objects.values_list("level", "index", "hash")}


def _grow(batches):
    for b, size in enumerate(batches):
        with transaction.atomic():
            if size == 1:
                ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{b}", payload={"b": b})
            else:
                ledger_append_many(entries=[{"kind": "case_filed", "subject": f"cases.case:{b}.{i}",
                                             "payload": {"b": b, "i": i}} for i in range(size)], actor=None)


def test_pieces_cover_a_range_with_aligned_perfect_subtrees():
    for lo, hi in [(0, 1), (0, 13), (8, 13), (64, 100), (96, 128), (0, 1000)]:
        got = nodes.pieces(lo, hi)
        pos = lo
        for level, index in got:
            assert index << level == pos
            pos += 1 << level
        assert pos == hi
        sizes = [1 << level for level, _ in got]
        assert sizes == sorted(sizes, reverse=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.sampled_from([1, 1, 2, 3, 5, 8, 13, 40]), min_size=1, max_size=12), data=st.data())
def test_proofs_from_nodes_equal_the_list_construction(monkeypatch, batches, data):
    monkeypatch.setattr(nodes, "NODE_LEVEL", 2)  # blocks of 4 leaves, so small logs have several levels
    with transaction.atomic():
        _grow(batches)
        leaves = _leaves()
        n = len(leaves)
        assert [e for e in Entry.objects.order_by("seq").values_list("seq", flat=True)] == list(range(1, n + 1))
        # Exactly the nodes a full rebuild gives, written incrementally across single and batch appends.
        assert _stored() == {(lv, ix): h for lv, ix, h in nodes.stream_nodes(leaves, "sha256")}
        reader = tree_reader("sha256")
        for _ in range(5):
            size = data.draw(st.integers(1, n), label="size")
            index = data.draw(st.integers(0, size - 1), label="index")
            first = data.draw(st.integers(1, size), label="first")
            assert reader.root(size) == merkle.root(leaves[:size], "sha256")
            assert reader.inclusion_path(index, size) == merkle.inclusion_path(index, leaves[:size], "sha256")
            assert reader.consistency_proof(first, size) == merkle.consistency_proof(first, leaves[:size], "sha256")
        transaction.set_rollback(True)


def test_default_node_level_over_several_blocks(client):
    """The real block size (64 leaves): 300 entries in uneven batches, then the public API."""
    from zhifa.ledger import keys
    from zhifa.ledger.services import tree_head_sign

    _grow([1, 70, 1, 1, 100, 63, 64])
    leaves = _leaves()
    assert len(leaves) == 300
    assert _stored() == {(lv, ix): h for lv, ix, h in nodes.stream_nodes(leaves, "sha256")}
    assert set(_stored()) == {(6, 0), (6, 1), (6, 2), (6, 3), (7, 0), (7, 1), (8, 0)}
    if not keys.key_path().exists():
        keys.generate()
    head = tree_head_sign()
    assert head.root_hash == merkle.root(leaves, "sha256").hex()
    for seq in (1, 64, 65, 200, 256, 257, 300):
        proof = client.get("/api/v1/public/ledger/proof", {"entry": seq}).json()["proof"]
        assert proof["audit_path"] == [h.hex() for h in merkle.inclusion_path(seq - 1, leaves, "sha256")]
    body = client.get("/api/v1/public/ledger/consistency", {"from": 100, "to": 300}).json()
    assert body["proof"] == [h.hex() for h in merkle.consistency_proof(100, leaves, "sha256")]
    assert body["first_root"] == merkle.root(leaves[:100], "sha256").hex()


def test_signing_refuses_a_tampered_node():
    from zhifa.core.append_only import _sql_backwards, _sql_forwards
    from zhifa.core.errors import DomainError
    from zhifa.ledger import keys
    from zhifa.ledger.services import tree_head_sign

    if not keys.key_path().exists():
        keys.generate()
    _grow([64, 64])
    tree_head_sign()
    with connection.cursor() as cur:
        for stmt in _sql_backwards(connection.vendor, "ledger_node"):
            cur.execute(stmt)
        # The root of the signed 128 leaves: every later head must extend it.
        cur.execute("UPDATE ledger_node SET hash = %s WHERE level = 7 AND \"index\" = 0", ["ab" * 32])
        for stmt in _sql_forwards(connection.vendor, "ledger_node"):
            cur.execute(stmt)
    _grow([1])
    with pytest.raises(DomainError) as e:
        tree_head_sign()
    assert e.value.code == "ledger_inconsistent"


def test_orm_refuses_to_change_nodes():
    _grow([64])
    node = Node.objects.get()
    with pytest.raises(AppendOnlyError):
        Node.objects.update(hash="00" * 32)
    with pytest.raises(AppendOnlyError):
        Node.objects.all().delete()
    node.hash = "00" * 32
    with pytest.raises(AppendOnlyError):
        node.save()


@pytest.mark.parametrize("sql", ["UPDATE ledger_node SET hash = 'x'", "DELETE FROM ledger_node"])
def test_database_refuses_direct_sql_on_nodes(sql):
    _grow([64])
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert Node.objects.count() == 1


@pytest.mark.pg
def test_database_refuses_truncate_of_nodes_on_postgresql():
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("TRUNCATE ledger_node")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 700))
def test_builder_root_at_every_size_matches_the_rfc(n):
    leaves = [merkle.leaf_hash(f"e{i}".encode(), "sha256") for i in range(n)]
    b = nodes.Builder("sha256")
    done = []
    for leaf in leaves:
        done += b.push(leaf)
    assert b.root() == merkle.root(leaves, "sha256")
    for level, index, h in done:
        lo = index << level
        assert h == merkle.root(leaves[lo:lo + (1 << level)], "sha256")


@settings(max_examples=40, deadline=None)
@given(chunks=st.lists(st.integers(0, 150), max_size=8))
def test_builder_gives_the_same_nodes_whatever_the_chunking(chunks):
    n = sum(chunks)
    leaves = [merkle.leaf_hash(f"e{i}".encode(), "sha256") for i in range(n)]
    one_by_one, chunked = nodes.Builder("sha256"), nodes.Builder("sha256")
    a, b, pos = [], [], 0
    for leaf in leaves:
        a += one_by_one.push(leaf)
    for size in chunks:
        b += chunked.push_many(leaves[pos:pos + size])
        pos += size
    assert a == b and one_by_one.root() == chunked.root() == merkle.root(leaves, "sha256")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 700), mark=st.integers(0, 700))
def test_a_tree_joined_from_ranges_is_the_tree_of_all_leaves(n, mark):
    """What verify does with ranges (ledger.leafcheck): each range of 128 leaves built on its own from
    its offset, the ranges' parts joined by `push_parts`, the parts at `mark` taken on the way by
    `push_through` -- the same nodes, root and root at the mark as one builder over every leaf."""
    leaves = [merkle.leaf_hash(f"e{i}".encode(), "sha256") for i in range(n)]
    whole = nodes.Builder("sha256")
    expected, at_mark = whole.push_through(leaves, mark)
    joined, made, root_at_mark = nodes.Builder("sha256"), [], None
    for lo in range(0, n, 128):
        part = nodes.Builder("sha256", start=lo)
        done, at = part.push_through(leaves[lo:lo + 128], mark)
        made += done
        if at is not None:
            root_at_mark = nodes.fold([h for *_, h in joined.parts() + at], "sha256")
        made += joined.push_parts(part.parts())
    assert made == expected and joined.size == n
    assert (joined.root() if n else None) == (merkle.root(leaves, "sha256") if n else None)
    if 0 < mark <= n:
        assert root_at_mark == nodes.fold([h for *_, h in at_mark], "sha256") == merkle.root(leaves[:mark], "sha256")
    else:
        assert root_at_mark is None and at_mark is None
