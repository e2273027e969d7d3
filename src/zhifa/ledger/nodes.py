"""Stored complete-subtree hashes, so proofs and tree heads cost O(log n) reads (issue 3).

A node (level L, index i) is MTH(D[i·2^L : (i+1)·2^L]), the hash of a perfect subtree. Once its
2^L leaves exist it never changes, so nodes are append-only like the entries, and any tree size
(not only the latest) can be proven from them.

Only levels >= NODE_LEVEL are stored: blocks of 2^NODE_LEVEL = 64 leaves and up. Smaller subtrees are
rebuilt from at most two blocks of leaf hashes, which `Entry.leaf_hash` already holds. This keeps
the node table at about n/32 rows (cheap to write on append and cheap for verify to check), while a
proof reads one query of nodes and one of leaves.

Any range the RFC 9162 recursion asks for, [lo, hi), starts at a multiple of a power of two at least
its size, so it splits left to right into aligned perfect pieces of decreasing size, and MTH of the
range is those pieces folded from the right (the same fact `tree.Frontier` uses)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence

from . import merkle

NODE_LEVEL = 6  # fixed at install: changing it needs the node table rebuilt (migration 0003 shows how)


def pieces(lo: int, hi: int) -> list[tuple[int, int]]:
    """[lo, hi) as aligned perfect subtrees (level, index), left to right."""
    out = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length()
        while (1 << level) > hi - lo:
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def hasher(hash_name: str) -> Callable[[bytes], object]:
    """The hash's constructor: hashlib.sha256 itself where there is one (a C call, several times
    faster per small input than going through hashlib.new), else hashlib.new bound to the name (sm3)."""
    ctor = getattr(hashlib, hash_name, None)
    return ctor if callable(ctor) else functools.partial(hashlib.new, hash_name)


def pair_up(level: list[bytes], h: Callable[[bytes], object]) -> list[bytes]:
    """One level up: RFC 9162 interior nodes HASH(0x01 || left || right) of consecutive pairs."""
    return [h(b"\x01" + a + b).digest() for a, b in zip(level[::2], level[1::2])]


def perfect_root(leaves: Sequence[bytes], hash_name: str) -> bytes:
    """MTH of a power-of-two run of leaf hashes, pairing level by level."""
    h = hasher(hash_name)
    level = list(leaves)
    while len(level) > 1:
        level = pair_up(level, h)
    return level[0]


def fold(hashes: Sequence[bytes], hash_name: str) -> bytes:
    """MTH of a range from its pieces' hashes (decreasing sizes): fold from the right."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = merkle.node_hash(left, h, hash_name)
    return h


def nodes_completed(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Stored nodes (level, index) that become complete when the log grows from old_size to
    new_size, in the order they can be computed (a node after both its children)."""
    out = []
    block = 1 << NODE_LEVEL
    first = (old_size // block + 1) * block
    for end in range(first, new_size + 1, block):
        level = NODE_LEVEL
        while end % (1 << level) == 0:
            out.append((level, (end >> level) - 1))
            level += 1
    return out


def compute_nodes(wanted: list[tuple[int, int]], *, leaves: Callable[[int, int], list[bytes]],
                  stored: Callable[[list[tuple[int, int]]], dict], hash_name: str) -> dict[tuple[int, int], bytes]:
    """Hashes of the nodes in `wanted` (as from `nodes_completed`).

    leaves(lo, hi): leaf hashes D[lo:hi]; stored(keys): {(level, index): hash} for nodes already saved."""
    made: dict[tuple[int, int], bytes] = {}
    # Left children not made in this run are older nodes: fetch them in one query.
    wanted_set = set(wanted)
    need = [(lv - 1, 2 * ix) for lv, ix in wanted if lv > NODE_LEVEL and (lv - 1, 2 * ix) not in wanted_set]
    known = stored(need) if need else {}
    for level, index in wanted:
        if level == NODE_LEVEL:
            lo = index << level
            made[(level, index)] = perfect_root(leaves(lo, lo + (1 << level)), hash_name)
        else:
            left, right = (level - 1, 2 * index), (level - 1, 2 * index + 1)
            made[(level, index)] = merkle.node_hash(made.get(left) or known[left], made[right], hash_name)
    return made


class Builder:
    """The tree of a log whose leaf hashes arrive in order, with O(log n) memory: blocks of
    2^NODE_LEVEL leaves are hashed level by level in one go (the fast way in Python), and the
    stored-level nodes each block completes are returned so a caller can save or check them."""

    def __init__(self, hash_name: str, start: int = 0) -> None:
        """start: the index of the first leaf to be pushed. A builder that does not start at 0 builds
        one aligned part of a larger tree (ledger.leafcheck): start must be a multiple of a power of
        two at least as large as every subtree it will be given leaves for."""
        self.hash_name = hash_name
        self.size = start
        self._block = 1 << NODE_LEVEL
        self._buf: list[bytes] = []
        self._stack: list[tuple[int, int, bytes]] = []  # (level, index, hash), levels decreasing
        self._hash = hasher(hash_name)

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns the stored-level nodes (level, index, hash) it completes."""
        return self.push_many([leaf])

    def push_many(self, leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
        """Add leaf hashes in order; returns the stored-level nodes (level, index, hash) they complete,
        in the order they complete (each after its children)."""
        buf = self._buf
        start = self.size - len(buf)  # the leaf index of buf[0], a multiple of the block size
        buf.extend(leaves)
        self.size += len(leaves)
        full = len(buf) - len(buf) % self._block
        if not full:
            return []
        level, h = buf[:full], self._hash
        for _ in range(NODE_LEVEL):
            level = pair_up(level, h)
        self._buf = buf[full:]
        done = []
        for j, node in enumerate(level):  # the roots of whole blocks, left to right
            ix = (start >> NODE_LEVEL) + j
            done.append((NODE_LEVEL, ix, node))
            self._pair(NODE_LEVEL, ix, node, done)
        return done

    def _pair(self, level: int, index: int, node: bytes, done: list) -> None:
        """Put a perfect subtree on the stack, pairing it with each left sibling waiting there;
        the stored-level nodes the pairing makes are added to `done`."""
        stack = self._stack
        while stack and stack[-1][0] == level:
            left = stack.pop()[2]
            level, index, node = level + 1, index >> 1, self._hash(b"\x01" + left + node).digest()
            if level >= NODE_LEVEL:
                done.append((level, index, node))
        stack.append((level, index, node))

    def push_parts(self, parts: Sequence[tuple[int, int, bytes]]) -> list[tuple[int, int, bytes]]:
        """Add whole perfect subtrees (level, index, hash), left to right, as another builder's
        `parts()` gives them for the next aligned range of the log (ledger.verify joins ranges this
        way); returns the stored-level nodes their pairing completes. Leaves cannot follow them
        unless they end on a block boundary."""
        if self._buf:
            raise ValueError("push_parts after leaves that do not fill a block")
        done: list[tuple[int, int, bytes]] = []
        for level, index, node in parts:
            self.size += 1 << level
            self._pair(level, index, node, done)
        return done

    def push_through(self, leaves: Sequence[bytes], mark: int
                     ) -> tuple[list[tuple[int, int, bytes]], list[tuple[int, int, bytes]] | None]:
        """`push_many`, and the parts at leaf count `mark` (a signed tree head's size) when these
        leaves reach it: (nodes completed, parts at the mark or None)."""
        if not self.size < mark <= self.size + len(leaves):
            return self.push_many(leaves), None
        k = mark - self.size
        done = self.push_many(leaves[:k])
        at_mark = self.parts()
        return done + self.push_many(leaves[k:]), at_mark

    def parts(self) -> list[tuple[int, int, bytes]]:
        """The perfect subtrees (level, index, hash) the leaves pushed so far make, left to right:
        MTH of the tree is their hashes folded from the right."""
        parts = list(self._stack)
        if self._buf:
            lo = self.size - len(self._buf)
            parts += [(lv, i, perfect_root(self._buf[(i << lv) - lo:((i + 1) << lv) - lo], self.hash_name))
                      for lv, i in pieces(lo, self.size)]
        return parts

    def root(self) -> bytes:
        """MTH(D[size]) (RFC 9162 §2.1.1), for a builder that started at 0."""
        parts = [h for _, _, h in self.parts()]
        return fold(parts, self.hash_name) if parts else hashlib.new(self.hash_name, b"").digest()


def stream_nodes(leaf_hashes: Iterable[bytes], hash_name: str) -> Iterator[tuple[int, int, bytes]]:
    """Every stored node (level, index, hash) of a log whose leaves are streamed in order, in the
    order they complete. Used to fill the table for an existing log (migration) and by the benchmark."""
    builder = Builder(hash_name)
    chunk: list[bytes] = []
    for leaf in leaf_hashes:
        chunk.append(leaf)
        if len(chunk) == 4096:
            yield from builder.push_many(chunk)
            chunk = []
    yield from builder.push_many(chunk)


class TreeReader:
    """MTH of any range of the log from stored nodes and leaves (the `subtree` callback the proof
    functions in `merkle` take). `prefetch(ranges)` loads what those ranges need in two queries."""

    def __init__(self, hash_name: str, *, leaves: Callable[[list[tuple[int, int]]], dict[int, bytes]],
                 nodes: Callable[[list[tuple[int, int]]], dict[tuple[int, int], bytes]]) -> None:
        self.hash_name = hash_name
        self._fetch_leaves = leaves  # [(lo, hi)] -> {index: leaf hash}
        self._fetch_nodes = nodes  # [(level, index)] -> {(level, index): hash}
        self._leaves: dict[int, bytes] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}

    def _needs(self, lo: int, hi: int):
        node_keys, leaf_ranges = [], []
        for level, index in pieces(lo, hi):
            if level >= NODE_LEVEL:
                node_keys.append((level, index))
            else:
                leaf_ranges.append((index << level, (index + 1) << level))
        return node_keys, leaf_ranges

    def prefetch(self, ranges: Iterable[tuple[int, int]]) -> None:
        node_keys, leaf_ranges = set(), set()
        for lo, hi in ranges:
            nk, lr = self._needs(lo, hi)
            node_keys.update(k for k in nk if k not in self._nodes)
            leaf_ranges.update(r for r in lr if any(i not in self._leaves for i in range(*r)))
        if node_keys:
            self._nodes.update(self._fetch_nodes(sorted(node_keys)))
        if leaf_ranges:
            self._leaves.update(self._fetch_leaves(_merge(leaf_ranges)))

    def _piece(self, level: int, index: int) -> bytes:
        if level >= NODE_LEVEL:
            if (level, index) not in self._nodes:
                self.prefetch([(index << level, (index + 1) << level)])
            return self._nodes[(level, index)]
        lo, hi = index << level, (index + 1) << level
        if any(i not in self._leaves for i in range(lo, hi)):
            self.prefetch([(lo, hi)])
        return perfect_root([self._leaves[i] for i in range(lo, hi)], self.hash_name)

    def subtree(self, lo: int, hi: int) -> bytes:
        if lo >= hi:
            return hashlib.new(self.hash_name, b"").digest()
        return fold([self._piece(level, index) for level, index in pieces(lo, hi)], self.hash_name)

    def root(self, size: int) -> bytes:
        self.prefetch([(0, size)])
        return self.subtree(0, size)

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        if not 0 <= index < size:
            raise IndexError(f"leaf {index} outside a tree of {size}")
        self.prefetch(_recorded(lambda sub: merkle.inclusion_path_from(index, size, sub)))
        return merkle.inclusion_path_from(index, size, self.subtree)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        self.prefetch(_recorded(lambda sub: merkle.consistency_proof_from(first, second, sub)))
        return merkle.consistency_proof_from(first, second, self.subtree)


def _recorded(run: Callable[[Callable[[int, int], bytes]], object]) -> list[tuple[int, int]]:
    """The ranges a proof asks for: the recursion's shape does not depend on the hash values."""
    asked: list[tuple[int, int]] = []

    def sub(lo: int, hi: int) -> bytes:
        asked.append((lo, hi))
        return b""

    run(sub)
    return asked


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]
