"""RFC 9162 §2.1 Merkle tree: tree hash, inclusion and consistency proofs, and their verification.

Hash-agnostic (`hash_name`: sha256 or sm3). Leaves are leaf hashes (bytes), H(0x00 || data).
Proofs are built from `subtree(lo, hi)` = MTH(D[lo:hi]); the list-based functions compute it from
the leaves, a caller with stored subtree hashes can pass its own (ledger.services)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from .tree import Frontier

Subtree = Callable[[int, int], bytes]


def leaf_hash(data: bytes, hash_name: str) -> bytes:
    return hashlib.new(hash_name, b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes, hash_name: str) -> bytes:
    return hashlib.new(hash_name, b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def list_subtree(leaves: Sequence[bytes], hash_name: str) -> Subtree:
    def subtree(lo: int, hi: int) -> bytes:
        frontier = Frontier(hash_name)
        for i in range(lo, hi):
            frontier.push(leaves[i])
        return frontier.root()

    return subtree


def root(leaves: Sequence[bytes], hash_name: str) -> bytes:
    """MTH(D[n]) (§2.1.1); the hash of the empty string for n = 0."""
    return list_subtree(leaves, hash_name)(0, len(leaves))


def inclusion_path_from(index: int, size: int, subtree: Subtree, lo: int = 0) -> list[bytes]:
    """PATH(m, D[n]) (§2.1.3.1) over D[lo:lo+size]."""
    if size <= 1:
        return []
    k = _split(size)
    if index < k:
        return inclusion_path_from(index, k, subtree, lo) + [subtree(lo + k, lo + size)]
    return inclusion_path_from(index - k, size - k, subtree, lo + k) + [subtree(lo, lo + k)]


def inclusion_path(index: int, leaves: Sequence[bytes], hash_name: str) -> list[bytes]:
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} outside a tree of {len(leaves)}")
    return inclusion_path_from(index, len(leaves), list_subtree(leaves, hash_name))


def consistency_proof_from(first: int, second: int, subtree: Subtree) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (§2.1.4.1)."""

    def subproof(m: int, lo: int, n: int, complete: bool) -> list[bytes]:
        if m == n:
            return [] if complete else [subtree(lo, lo + n)]
        k = _split(n)
        if m <= k:
            return subproof(m, lo, k, complete) + [subtree(lo + k, lo + n)]
        return subproof(m - k, lo + k, n - k, False) + [subtree(lo, lo + k)]

    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    return subproof(first, 0, second, True)


def consistency_proof(first: int, leaves: Sequence[bytes], hash_name: str) -> list[bytes]:
    return consistency_proof_from(first, len(leaves), list_subtree(leaves, hash_name))


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes,
                     hash_name: str) -> bool:
    """§2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r, hash_name)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p, hash_name)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       proof: Sequence[bytes], hash_name: str) -> bool:
    """§2.1.4.2."""
    if first > second or first < 1:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_hash)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr, hash_name), node_hash(c, sr, hash_name)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c, hash_name)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0
