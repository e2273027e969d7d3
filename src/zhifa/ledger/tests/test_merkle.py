"""RFC 9162 §2.1, checked against a naive recursive MTH written straight from the RFC text."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.ledger import merkle


def reference_mth(leaves, h="sha256"):
    n = len(leaves)
    if n == 0:
        return hashlib.new(h, b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.new(h, b"\x01" + reference_mth(leaves[:k], h) + reference_mth(leaves[k:], h)).digest()


def leaves_of(n, h="sha256"):
    return [merkle.leaf_hash(f"entry {i}".encode(), h) for i in range(n)]


def test_single_leaf_known_vector():
    assert merkle.root([merkle.leaf_hash(b"a", "sha256")], "sha256") == hashlib.sha256(b"\x00a").digest()


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 300))
def test_root_matches_the_rfc_construction(n):
    leaves = leaves_of(n)
    assert merkle.root(leaves, "sha256") == reference_mth(leaves)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 200), h=st.sampled_from(["sha256", "sm3"]))
def test_every_inclusion_proof_verifies_and_tampering_fails(data, n, h):
    leaves = leaves_of(n, h)
    i = data.draw(st.integers(0, n - 1))
    root = reference_mth(leaves, h)
    path = merkle.inclusion_path(i, leaves, h)
    assert merkle.verify_inclusion(i, n, leaves[i], path, root, h)
    assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"forged", h), path, root, h)
    if path:
        j = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        assert not merkle.verify_inclusion(i, n, leaves[i], bad, root, h)
    if n > 1:
        assert not merkle.verify_inclusion((i + 1) % n, n, leaves[i], path, root, h) or leaves[i] == leaves[(i + 1) % n]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 200))
def test_every_consistency_proof_verifies_and_a_wrong_old_root_fails(data, n):
    leaves = leaves_of(n)
    m = data.draw(st.integers(1, n))
    old, new = reference_mth(leaves[:m]), reference_mth(leaves)
    proof = merkle.consistency_proof(m, leaves, "sha256")
    assert merkle.verify_consistency(m, n, old, new, proof, "sha256")
    wrong = reference_mth(leaves_of(m + 1)[1:])  # a different history of the same size
    assert not merkle.verify_consistency(m, n, wrong, new, proof, "sha256")
