"""`zhifa ledger verify`: recompute everything the ledger claims, from the database and the file
store, and name each discrepancy (entry number, kind, row or file, expected vs found).

Entries and stored tree nodes are streamed in order, so memory stays flat as the log grows (REC-03).
The tree is rebuilt from the stored leaf hashes; each stored node (ledger.nodes) is checked against
the rebuild, and the root at the signed size against the latest signed tree head."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from zhifa.core.canonical import canonical_json, hash_name, row_digest

from . import keys
from .models import Entry, Node, VerificationRun
from .nodes import Builder, hasher
from .services import entry_leaf_data, latest_tree_head, leaf_data_from_texts, leaf_hash

_FIELDS = ("seq", "recorded_at", "actor_id", "actor", "kind", "subject", "payload", "covers", "leaf_hash")


@dataclass
class Report:
    entries: int = 0
    head_size: int | None = None
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, *, seq, kind, what, expected, found, message) -> None:
        self.problems.append({"entry": seq, "kind": kind, "what": what, "expected": expected, "found": found,
                              "message": message})


def _file_digests(name: str, wanted: set[str]) -> dict[str, str] | None:
    if not default_storage.exists(name):
        return None
    hashers = {h: hashlib.new(h) for h in wanted}
    with default_storage.open(name, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    return {k: h.hexdigest() for k, h in hashers.items()}


# SQLite keeps a JSON column's text as written, and `CanonicalJSONEncoder` writes the canonical form,
# so the database can put an entry's leaf bytes together from its columns, and Python only hashes
# them: no JSON decoding and re-encoding, the slow part. The columns are used only where each piece
# is unambiguous (strings quoted by json_quote, integers that are integers, the time at its fixed
# width), so a matching hash means the columns hold exactly the hashed bytes. Anything else -- an
# entry covering rows or files (verify needs its covers decoded anyway), text not stored canonically
# (older rows), or a hash that does not match -- is re-derived from the decoded fields the reference
# way (`entry_leaf_data`), and a discrepancy is named from that. PostgreSQL: see _PG_ROWS.
_SQLITE_LEAF = """
CASE WHEN typeof(seq) = 'integer' AND typeof(actor_id) IN ('integer', 'null') AND typeof(actor) = 'text'
      AND typeof(kind) = 'text' AND typeof(subject) = 'text' AND typeof(payload) = 'text'
      AND typeof(covers) = 'text' AND typeof(recorded_at) = 'text' AND length(recorded_at) = 26
THEN '{"actor":' || json_quote(actor) || ',"actor_id":' || coalesce(actor_id, 'null') || ',"covers":' || covers
     || ',"kind":' || json_quote(kind) || ',"payload":' || payload || ',"recorded_at":"'
     || replace(recorded_at, ' ', 'T') || '+00:00","seq":' || seq || ',"subject":' || json_quote(subject) || '}'
END"""
# (seq, stored leaf hash, covers empty?, 0x00 || leaf bytes as a BLOB or NULL) in sequence order;
# returning bytes spares Python decoding every leaf into a str and encoding it back.
_SQLITE_ROWS = f"""SELECT seq, leaf_hash, covers = '[]', CAST(X'00' || ({_SQLITE_LEAF}) AS BLOB)
FROM "ledger_entry" ORDER BY seq"""
_CHUNK = 4096  # entries per fetch; a multiple of the node block size


def _sqlite_chunks() -> Iterator[list]:
    with connection.chunked_cursor() as cur:
        cur.execute(_SQLITE_ROWS.replace('"ledger_entry"', f'"{Entry._meta.db_table}"'))
        while rows := cur.fetchmany(_CHUNK):
            yield rows


# PostgreSQL's jsonb keeps no text, so the JSON columns are decoded and re-encoded canonically; the
# rest of the leaf is put together from the columns as `ledger_append_many` does (the time rendered by
# the database at its fixed width), without Django's row machinery. A hash that does not match is
# re-derived the reference way before anything is reported, as on SQLite.
_PG_ROWS = """SELECT seq, leaf_hash, actor, actor_id, kind, subject, payload::text, covers::text, recorded_at,
       to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
FROM "ledger_entry" ORDER BY seq"""


def _pg_chunks() -> Iterator[list]:
    with connection.chunked_cursor() as cur:
        cur.execute(_PG_ROWS.replace('"ledger_entry"', f'"{Entry._meta.db_table}"'))
        while rows := cur.fetchmany(_CHUNK):
            yield rows


def _canonical_text(text: str, empty: str) -> str:
    """A JSON column's text (as PostgreSQL prints jsonb) in canonical form."""
    return empty if text == empty else canonical_json(json.loads(text)).decode()


def _careful_leaf(seq) -> tuple[str | None, list, str | None, object]:
    """(leaf hash re-derived from the decoded entry fields the reference way, covers, kind, recorded_at)."""
    e = Entry.objects.filter(seq=seq).values(*_FIELDS).first()
    if e is None:
        return None, [], None, None
    data = entry_leaf_data(seq=e["seq"], recorded_at=e["recorded_at"], actor_id=e["actor_id"], actor=e["actor"],
                           kind=e["kind"], subject=e["subject"], payload=e["payload"], covers=e["covers"])
    return leaf_hash(data), e["covers"] or [], e["kind"], e["recorded_at"]


@functools.cache
def _fields_added() -> dict[str, list[tuple[str, object]]]:
    """{model label: [(field name, when its AddField migration was applied)]}, from the migration
    graph and django_migrations. A row covered before a column existed was hashed without it, so
    verify leaves such columns out for entries recorded before they were added: adding a field to
    a covered model does not make the ledger report every older row as altered. (A removed or
    renamed column cannot be recovered and is still reported.)"""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import AddField

    loader = MigrationLoader(connection)
    applied = {key: row.applied for key, row in loader.applied_migrations.items()}
    added: dict[str, list[tuple[str, object]]] = {}
    for key, migration in loader.disk_migrations.items():
        if key not in applied:
            continue
        for op in migration.operations:
            if isinstance(op, AddField):
                added.setdefault(f"{key[0]}.{op.model_name_lower}", []).append((op.name, applied[key]))
    return added


def _left_out(label: str, recorded_at) -> frozenset[str]:
    return frozenset(name for name, when in _fields_added().get(label, ()) if recorded_at and recorded_at < when)


def _stored_nodes() -> Iterator[tuple[int, int, str]]:
    """Stored tree nodes in the order a rebuild completes them (by their last leaf, lower level first)."""
    with connection.chunked_cursor() as cur:
        cur.execute(f'SELECT level, "index", hash FROM "{Node._meta.db_table}" '
                    f'ORDER BY ("index" + 1) << level, level')
        while rows := cur.fetchmany(5000):
            yield from rows


def _check_covers(report: Report, seq: int, kind: str, covers: list, recorded_at) -> None:
    for cover in covers:
        if "row" in cover:
            found = row_digest(cover["row"], cover["pk"], leave_out=_left_out(cover["row"], recorded_at))
            if found != cover["hash"]:
                what = f"{cover['row']}:{cover['pk']}"
                report.add(seq=seq, kind=kind, what=what, expected=cover["hash"], found=found,
                           message=f"条目 #{seq}（{kind}）所覆盖的数据行 {what} "
                                   + ("已被删除。" if found is None else "已被改动。"))
        elif "file" in cover:
            wanted = {h for h in ("sha256", "sm3") if h in cover}
            found = _file_digests(cover["file"], wanted)
            for h in wanted:
                if found is None or found[h] != cover[h]:
                    report.add(seq=seq, kind=kind, what=f"file:{cover['file']}", expected=cover[h],
                               found=None if found is None else found[h],
                               message=f"条目 #{seq}（{kind}）所覆盖的文件 {cover['file']} "
                                       + ("已缺失。" if found is None else f"已被改动（{h}）。"))
                    break


def _check_node(report: Report, stored, level: int, index: int, h: bytes) -> None:
    row = next(stored, None)
    if row is None or (row[0], row[1], row[2]) != (level, index, h.hex()):
        report.add(seq=None, kind="tree_node", what=f"node:{level}/{index}", expected=h.hex(),
                   found=None if row is None else f"{row[0]}/{row[1]}:{row[2]}",
                   message=f"账本树节点（第 {level} 层第 {index} 个）与由条目重建的不符：节点表被改动。")


def ledger_verify(*, progress=None) -> Report:
    """progress: an optional callable(n), called with the number of entries done every few thousand
    (the command's progress bar)."""
    # (Reading the next chunk in a second thread while this one hashes was tried: no gain, the
    # fetch holds the GIL for most of its time -- docs/performance.md "Ledger".)
    chunks = _sqlite_chunks() if connection.vendor == "sqlite" else _pg_chunks()
    name = hash_name()
    h = hasher(name)
    fromhex = bytes.fromhex
    report = Report()
    head = latest_tree_head()
    head_size = head.size if head is not None else -1
    builder = Builder(name)
    stored_nodes = _stored_nodes()
    root_at_head = builder.root() if head_size == 0 else None
    expected_seq = 1

    def add_leaves(leaves: list[bytes]) -> None:
        nonlocal root_at_head
        if progress:
            progress(len(leaves))
        if builder.size < head_size <= builder.size + len(leaves):
            k = head_size - builder.size
            for level, index, node in builder.push_many(leaves[:k]):
                _check_node(report, stored_nodes, level, index, node)
            root_at_head = builder.root()
            leaves = leaves[k:]
        for level, index, node in builder.push_many(leaves):
            _check_node(report, stored_nodes, level, index, node)

    def one(seq, kind, stored_leaf: str, data: bytes | None, covers, careful: bool, recorded_at=None) -> None:
        """One entry the careful way. data: 0x00 || leaf bytes, or None; careful: data was derived
        from the decoded fields (else it is SQLite's fast rendering, trusted only if it matches)."""
        nonlocal expected_seq
        if careful:
            computed = h(data).hexdigest()
        elif covers is None and data is not None and h(data).hexdigest() == stored_leaf:
            computed = stored_leaf
        else:
            computed, covers, kind, recorded_at = _careful_leaf(seq)
        if seq != expected_seq:
            kind = kind or Entry.objects.filter(seq=seq).values_list("kind", flat=True).first()
            report.add(seq=seq, kind=kind, what="sequence", expected=expected_seq, found=seq,
                       message=f"条目序号不连续：应为 #{expected_seq}，实为 #{seq}（条目被删除或移动）。")
            expected_seq = seq
        expected_seq += 1
        if computed != stored_leaf:
            report.add(seq=seq, kind=kind, what="entry", expected=stored_leaf, found=computed,
                       message=f"条目 #{seq}（{kind}）的内容与其叶子哈希不符：条目被改动。")
        if covers:
            _check_covers(report, seq, kind, covers, recorded_at)

    if connection.vendor == "sqlite":
        for rows in chunks:
            seqs, hexes, plain, blobs = zip(*rows)
            n = len(rows)
            stored = [fromhex(x) for x in hexes]
            # The whole chunk at C speed when every entry is in order, covers nothing and matches.
            if (seqs[0] == expected_seq and seqs[-1] == expected_seq + n - 1 and all(plain)
                    and None not in blobs and [h(b).digest() for b in blobs] == stored):
                expected_seq += n
            else:
                for seq, hx, empty, blob in rows:
                    one(seq, None, hx, blob, None if empty else "covered", careful=False)
            add_leaves(stored)
    else:
        for rows in chunks:
            for seq, hx, actor, actor_id, kind, subject, payload, covers, recorded_at, when in rows:
                covers_text = _canonical_text(covers, "[]")
                data = b"\x00" + leaf_data_from_texts(
                    actor=actor, actor_id_text="null" if actor_id is None else str(actor_id),
                    covers_text=covers_text, kind=kind, payload_text=_canonical_text(payload, "{}"),
                    when_text=f'"{when}+00:00"', seq=seq, subject=subject)
                if seq == expected_seq and h(data).hexdigest() == hx:
                    expected_seq += 1
                    if covers_text != "[]":
                        _check_covers(report, seq, kind, json.loads(covers), recorded_at)
                else:
                    one(seq, kind, hx, None, "covered", careful=False)
            add_leaves([fromhex(r[1]) for r in rows])
    report.entries = builder.size
    for level, index, h in stored_nodes:
        report.add(seq=None, kind="tree_node", what=f"node:{level}/{index}", expected=None, found=h,
                   message=f"账本树节点（第 {level} 层第 {index} 个）超出条目所能组成的树：节点表被改动。")
    if head is not None:
        report.head_size = head.size
        if not keys.verify_signature(head.public_key, head.signature, head.signed_message.encode()):
            report.add(seq=None, kind="tree_head", what=f"tree_head:{head.pk}", expected="valid signature",
                       found="invalid", message=f"签名树头（大小 {head.size}）的签名无效。")
        if root_at_head is None:
            report.add(seq=None, kind="tree_head", what="size", expected=head.size, found=report.entries,
                       message=f"账本只有 {report.entries} 条，少于签名树头的 {head.size} 条：条目被删除。")
        elif root_at_head.hex() != head.root_hash:
            report.add(seq=None, kind="tree_head", what="root", expected=head.root_hash, found=root_at_head.hex(),
                       message=f"重建的前 {head.size} 条的 Merkle 根与签名树头不符：已签名的条目被改动或调换。")
    return report


def ledger_verify_and_record(*, progress=None) -> tuple[Report, VerificationRun]:
    started = timezone.now()
    report = ledger_verify(progress=progress)
    with transaction.atomic():
        run = VerificationRun.objects.create(started_at=started, finished_at=timezone.now(), ok=report.ok,
                                             entries=report.entries, head_size=report.head_size,
                                             discrepancies=report.problems[:1000])
    return report, run


def ledger_alerts_open():
    """Failed verification runs with no successful run after them: shown to admins and supervisors."""
    last_ok = VerificationRun.objects.filter(ok=True).order_by("-started_at").values_list("started_at", flat=True).first()
    failed = VerificationRun.objects.filter(ok=False)
    if last_ok is not None:
        failed = failed.filter(started_at__gt=last_ok)
    return failed.order_by("-started_at")
