"""A streaming RFC 9162 tree root: O(log n) memory, so verify stays flat as the log grows.

The right frontier holds the roots of the complete subtrees seen so far; folding it from the right
gives MTH(D[n]) (RFC 9162 §2.1.1), because the RFC's split at the largest power of two below n
puts exactly these perfect subtrees side by side."""

from __future__ import annotations

import hashlib


class Frontier:
    def __init__(self, hash_name: str) -> None:
        self.hash_name = hash_name
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, subtree hash), sizes strictly decreasing

    def _node(self, left: bytes, right: bytes) -> bytes:
        return hashlib.new(self.hash_name, b"\x01" + left + right).digest()

    def push(self, leaf_hash: bytes) -> None:
        size, h = 1, leaf_hash
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, h = left_size + size, self._node(left, h)
        self._stack.append((size, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.new(self.hash_name, b"").digest()
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = self._node(left, h)
        return h
