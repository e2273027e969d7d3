"""The per-entry half of `zhifa ledger verify`, one range of the log at a time: hash each entry's
canonical text, compare it with the stored leaf hash, and build the range's part of the Merkle tree.

The log is cut into ranges of RANGE leaves, each a perfect subtree, so ranges are built
independently and joined afterwards (ledger.verify). This module needs only the standard library
and the database driver -- no Django -- so verify runs it in worker processes beside its own
(`python -m zhifa.ledger.leafcheck`: a pickled job on stdin, one pickled result per range on stdout),
one per core, with no start-up cost beyond the interpreter's.

A range's result says whether every entry in it is in place and matches; anything else (a gap, a
hash that does not match) makes verify go through the log again the careful way, which names each
discrepancy. So this code only has to be right about the all-good case, and say so when it is not.
"""

from __future__ import annotations

import pickle
import sys

from .nodes import Builder, hasher

RANGE = 1 << 16  # leaves per range; a power of two at least the stored node block (nodes.NODE_LEVEL)
FETCH = 4096

# (leaf hash as stored, 0x00 || the canonical text as bytes) in seq order. No seq: the range is
# bounded by seq, which is unique, so the right number of rows means every entry is there, in order.
# PostgreSQL with SHA-256 hashes the texts itself (`SERVER_CHECK`, run once for the whole log beside
# the ranges), so its ranges read the leaf hashes alone.
_SQL = {
    "sqlite": ("SELECT leaf_hash, CAST(X'00' || data AS BLOB) FROM \"{table}\" "
               "WHERE seq > ? AND seq <= ? ORDER BY seq"),
    "postgresql": ("SELECT leaf_hash, '\\x00'::bytea || convert_to(data, 'UTF8') "
                   "FROM \"{table}\" WHERE seq > %s AND seq <= %s ORDER BY seq"),
    "postgresql-sha256": "SELECT leaf_hash FROM \"{table}\" WHERE seq > %s AND seq <= %s ORDER BY seq",
}
# The entries among the first n whose text does not hash to their leaf hash (PostgreSQL, SHA-256).
SERVER_CHECK = ("SELECT seq FROM \"{table}\" WHERE seq <= %s "
                "AND sha256('\\x00'::bytea || convert_to(data, 'UTF8')) <> decode(leaf_hash, 'hex')")


# verify's careful pass: the text to hash here, with each entry's number and whether it covers anything.
CAREFUL = {
    "sqlite": ("SELECT seq, leaf_hash, CAST(X'00' || data AS BLOB), covers <> '[]' FROM \"{table}\" "
               "WHERE seq > ? AND seq <= ? ORDER BY seq"),
    "postgresql": ("SELECT seq, leaf_hash, '\\x00'::bytea || convert_to(data, 'UTF8'), covers <> '[]'::jsonb "
                   "FROM \"{table}\" WHERE seq > %s AND seq <= %s ORDER BY seq"),
}


def server_checks(vendor: str, hash_name: str) -> bool:
    return vendor == "postgresql" and hash_name == "sha256"


# Entries that cover rows or files, through the partial index `ledger_entry_covering` (migration 0004).
_COVERING = {
    "sqlite": "SELECT seq FROM \"{table}\" WHERE seq > ? AND seq <= ? AND covers <> '[]' ORDER BY seq",
    "postgresql": "SELECT seq FROM \"{table}\" WHERE seq > %s AND seq <= %s AND covers <> '[]'::jsonb ORDER BY seq",
}


def query_for(vendor: str, hash_name: str, table: str) -> tuple[str, str]:
    """(the entries' query, the covering entries' query) for check_range."""
    key = "postgresql-sha256" if server_checks(vendor, hash_name) else vendor
    return _SQL[key].format(table=table), _COVERING[vendor].format(table=table)


def check_range(cursor, sql: tuple[str, str], lo: int, hi: int, *, head_size: int, hash_name: str) -> dict:
    """Entries lo+1..hi (leaves lo..hi-1; lo a multiple of a power of two at least hi - lo). Returns
    ok: every entry there and (unless the database checks the hashes) matching its leaf hash;
    covered: seqs of entries that cover rows or files (checked by the caller);
    nodes: stored-level nodes (level, index, hash) completed inside the range, in completion order;
    parts: the range's perfect subtrees (level, index, hash), left to right;
    at_head: the parts at leaf head_size, if it falls in (lo, hi]."""
    h = hasher(hash_name)
    fromhex = bytes.fromhex
    builder = Builder(hash_name, start=lo)
    entries, covering = sql
    out = {"lo": lo, "hi": hi, "ok": True, "nodes": [], "at_head": None}
    cursor.execute(entries, (lo, hi))
    while rows := cursor.fetchmany(FETCH):
        if len(rows[0]) == 1:  # hashed by the database (SERVER_CHECK)
            leaves = [fromhex(x) for (x,) in rows]
        else:
            hexes, datas = zip(*rows)
            leaves = [fromhex(x) for x in hexes]
            if out["ok"]:
                out["ok"] = [h(d).digest() for d in datas] == leaves
        made, at_head = builder.push_through(leaves, head_size)
        out["nodes"] += made
        if at_head is not None:
            out["at_head"] = at_head
    if builder.size != hi:
        out["ok"] = False
    out["parts"] = builder.parts()
    cursor.execute(covering, (lo, hi))
    out["covered"] = [seq for (seq,) in cursor.fetchall()]
    return out


def _connect(job: dict):
    if job["vendor"] == "sqlite":
        import sqlite3

        conn = sqlite3.connect(f"file:{job['path']}?mode=ro", uri=True)
        conn.execute("PRAGMA mmap_size = 1073741824")  # read pages in place rather than copying them
        return conn
    import psycopg

    return psycopg.connect(**job["params"])


def main() -> None:
    """Worker: read a job, write one result per range, in the job's order."""
    job = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    with _connect(job) as conn:
        for lo, hi in job["ranges"]:
            # PostgreSQL: a server-side cursor, so a range streams instead of arriving whole.
            cursor = conn.cursor(name=f"leafcheck{lo}") if job["vendor"] == "postgresql" else conn.cursor()
            result = check_range(cursor, job["sql"], lo, hi, head_size=job["head_size"], hash_name=job["hash_name"])
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()


if __name__ == "__main__":
    main()
