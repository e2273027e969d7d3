"""Writing to the ledger. `ledger_append` is the only way an entry is made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _quote  # a str as json.dumps(ensure_ascii=False) writes it
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from zhifa.core.canonical import canonical_json, digest, row_digest
from zhifa.core.errors import DomainError

from .models import Entry, LedgerHead, Node


def subject_of(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def actor_label(actor) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "pk", None):
        return None, "system"
    return actor.pk, f"{actor.get_username()}"


def entry_leaf_data(*, seq: int, recorded_at, actor_id, actor: str, kind: str, subject: str,
                    payload: Any, covers: Any) -> bytes:
    """The canonical bytes an entry's leaf hash is taken over."""
    return canonical_json(
        {
            "seq": seq,
            "recorded_at": recorded_at,
            "actor_id": actor_id,
            "actor": actor,
            "kind": kind,
            "subject": subject,
            "payload": payload,
            "covers": covers,
        }
    )


def leaf_hash(data: bytes) -> str:
    """RFC 9162 §2.1.1: MTH({d}) = HASH(0x00 || d)."""
    return digest(b"\x00" + data)


def entry_leaf_hash(entry: Entry) -> str:
    return leaf_hash(
        entry_leaf_data(
            seq=entry.seq, recorded_at=entry.recorded_at, actor_id=entry.actor_id, actor=entry.actor,
            kind=entry.kind, subject=entry.subject, payload=entry.payload, covers=entry.covers,
        )
    )


def leaf_data_from_texts(*, actor: str, actor_id_text: str, covers_text: str, kind: str, payload_text: str,
                         when_text: str, seq: int, subject: str) -> bytes:
    """`entry_leaf_data`, put together from pieces already in canonical form -- the JSON texts of
    actor_id, covers, payload and the time -- in canonical_json's key order: what an append stores as
    the entry's text without encoding the whole entry again (a hypothesis test holds it to the
    reference, ledger/tests/test_append.py)."""
    return (f'{{"actor":{_quote(actor)},"actor_id":{actor_id_text},"covers":{covers_text},'
            f'"kind":{_quote(kind)},"payload":{payload_text},"recorded_at":{when_text},"seq":{seq},'
            f'"subject":{_quote(subject)}}}').encode()


def row_cover(obj: models.Model) -> dict:
    label = obj._meta.label_lower
    return {"row": label, "pk": obj.pk, "hash": row_digest(label, obj.pk)}


def _json_number(text: str) -> float:
    """A JSON float as the entry keeps it: -0.0 as 0.0, since PostgreSQL's jsonb (the entry's typed
    columns are read from it) has no negative zero; any other float unchanged (x + 0.0 == x)."""
    return float(text) + 0.0


def _canonical_text(value: Any, empty: str) -> tuple[str, Any]:
    """(canonical JSON text, the value as stored): round-tripped through JSON so that what is stored
    is exactly what was hashed (tuples become lists, dict keys strings, -0.0 becomes 0.0, and so on)."""
    if not value:
        return empty, json.loads(empty)
    stored = json.loads(canonical_json(value), parse_float=_json_number)
    return canonical_json(stored).decode(), stored


def _insert_entries(rows: list[tuple[str, str]]) -> dict[int, int]:
    """Insert entry rows (canonical text, leaf hash) with plain SQL -- the ORM's bulk_create spends
    most of an append compiling -- and return {seq: id} (seq is generated from the text)."""
    from django.db import connection

    table = Entry._meta.db_table
    ids: dict[int, int] = {}
    with connection.cursor() as cur:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            cur.execute(
                f'INSERT INTO "{table}" (data, leaf_hash) VALUES {", ".join(["(%s, %s)"] * len(chunk))} '
                "RETURNING id, seq",
                [v for row in chunk for v in row],
            )
            ids.update((seq, pk) for pk, seq in cur.fetchall())
    return ids


def ledger_append(
    *,
    kind: str,
    actor,
    subject: models.Model | str,
    payload: dict | None = None,
    rows: Iterable[models.Model] = (),
    files: Iterable[dict] = (),
) -> Entry:
    """Append one entry inside the caller's transaction.

    rows: saved model instances this fact covers; their canonical form is hashed from the database.
    files: {"name": <storage name>, "sha256": ..., "sm3": ..., "size": ...} for files in the store.
    """
    return ledger_append_many(
        entries=[{"kind": kind, "subject": subject, "payload": payload, "rows": rows, "files": files}], actor=actor,
    )[0]


def ledger_append_many(*, entries: Iterable[dict], actor) -> list[Entry]:
    """Append several facts by one actor, in order, inside the caller's transaction: one lock of the
    head, one insert per 500 entries, and the tree nodes they complete. Each item takes the keywords
    of `ledger_append` (kind, subject, payload, rows, files). A rollback leaves none of them."""
    from django.db import connection

    if not connection.in_atomic_block:
        raise RuntimeError("ledger_append must run inside the service's transaction")
    items = list(entries)
    if not items:
        return []
    # Everything that does not depend on the position (the rows re-read and hashed, the canonical
    # texts) is done before the head is locked: the lock serialises every writer until commit.
    prepared = []
    for item in items:
        kind, subject = str(item["kind"]), item["subject"]
        subject = subject if isinstance(subject, str) else subject_of(subject)
        covers = [row_cover(r) for r in item.get("rows", ())] + [
            {"file": f["name"], **{k: v for k, v in f.items() if k != "name"}} for f in item.get("files", ())
        ]
        prepared.append((kind, subject, *_canonical_text(item.get("payload"), "{}"),
                         *_canonical_text(covers, "[]")))
    size = _claim_seqs(connection, len(prepared))
    actor_id, actor_name = actor_label(actor)
    recorded_at = timezone.now()
    actor_id_text, when = canonical_json(actor_id).decode(), canonical_json(recorded_at).decode()
    rows, values, new_leaves = [], [], {}
    for seq, parts in enumerate(prepared, start=size + 1):
        kind, subject, payload_text, payload, covers_text, covers = parts
        data = leaf_data_from_texts(actor=actor_name, actor_id_text=actor_id_text, covers_text=covers_text,
                                    kind=kind, payload_text=payload_text, when_text=when, seq=seq, subject=subject)
        leaf = digest(b"\x00" + data)
        new_leaves[seq - 1] = bytes.fromhex(leaf)
        text = data.decode()
        rows.append((text, leaf))
        values.append({"data": text, "seq": seq, "recorded_at": recorded_at, "actor_id": actor_id,
                       "actor": actor_name, "kind": kind, "subject": subject, "payload": payload, "covers": covers,
                       "leaf_hash": leaf})
    ids = _insert_entries(rows)
    _write_nodes(size, size + len(rows), new_leaves)
    names = [f.attname for f in Entry._meta.concrete_fields]
    return [Entry.from_db(connection.alias, names, [ids[v["seq"]] if n == "id" else v[n] for n in names])
            for v in values]


def _claim_seqs(connection, n: int) -> int:
    """Claim the next `n` sequence numbers: grow the head's size by `n` and return the size before.
    The UPDATE locks the head row until the caller's transaction ends, so concurrent writers take
    their numbers one after the other and a rollback gives them back: no gaps, no duplicates (SQLite:
    transactions are IMMEDIATE, one writer at a time)."""
    table = LedgerHead._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f'UPDATE "{table}" SET size = size + %s WHERE id = 1 RETURNING size', [n])
        row = cur.fetchone()
    if row is None:
        LedgerHead.objects.get_or_create(pk=1)
        return _claim_seqs(connection, n)
    return row[0] - n


# --- stored tree nodes (ledger.nodes) -------------------------------------------------------------

def _leaf_map(ranges: list[tuple[int, int]]) -> dict[int, bytes]:
    """{leaf index: leaf hash} for 0-based [lo, hi) ranges (leaf i is entry seq i+1). Plain SQL: a
    proof makes a few of these, and the ORM would spend longer compiling than the database reading."""
    from django.db import connection

    where = " OR ".join(["(seq > %s AND seq <= %s)"] * len(ranges))
    with connection.cursor() as cur:
        cur.execute(f'SELECT seq, leaf_hash FROM "{Entry._meta.db_table}" WHERE {where}',
                    [v for r in ranges for v in r])
        found = {seq - 1: bytes.fromhex(h) for seq, h in cur.fetchall()}
    wanted = sum(hi - lo for lo, hi in ranges)
    if len(found) != wanted:
        raise DomainError(f"账本条目缺失：应有 {wanted} 条，只找到 {len(found)} 条；请立即运行 `zhifa ledger verify`。",
                          code="ledger_inconsistent", rule="REC-03")
    return found


def _node_map(keys_: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    from django.db import connection

    keys_ = sorted(set(keys_))
    where = " OR ".join(['(level = %s AND "index" = %s)'] * len(keys_))
    with connection.cursor() as cur:
        cur.execute(f'SELECT level, "index", hash FROM "{Node._meta.db_table}" WHERE {where}',
                    [v for k in keys_ for v in k])
        found = {(lv, ix): bytes.fromhex(h) for lv, ix, h in cur.fetchall()}
    if len(found) != len(keys_):
        raise DomainError("账本树节点缺失；请立即运行 `zhifa ledger verify`。", code="ledger_inconsistent", rule="REC-03")
    return found


def _write_nodes(old_size: int, new_size: int, new_leaves: dict[int, bytes]) -> None:
    from . import nodes
    from zhifa.core.canonical import hash_name

    wanted = nodes.nodes_completed(old_size, new_size)
    if not wanted:
        return

    def leaves(lo: int, hi: int) -> list[bytes]:
        older = [i for i in range(lo, hi) if i not in new_leaves]
        fetched = _leaf_map([(older[0], older[-1] + 1)]) if older else {}
        return [new_leaves[i] if i in new_leaves else fetched[i] for i in range(lo, hi)]

    made = nodes.compute_nodes(wanted, leaves=leaves, stored=_node_map, hash_name=hash_name())
    Node.objects.bulk_create([Node(level=lv, index=ix, hash=h.hex()) for (lv, ix), h in made.items()])


def tree_reader(hash_name: str | None = None):
    """A `nodes.TreeReader` over this database: roots and proofs for any size in O(log n) reads."""
    from . import nodes
    from zhifa.core.canonical import hash_name as deployment_hash

    return nodes.TreeReader(hash_name or deployment_hash(), leaves=_leaf_map, nodes=_node_map)


# --- signed tree heads ----------------------------------------------------------------------------

def ledger_leaves(size: int | None = None) -> list[bytes]:
    """All leaf hashes in order, in memory. Proofs and heads read stored nodes (`tree_reader`);
    verify streams (ledger.verify)."""
    qs = Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)
    if size is not None:
        qs = qs.filter(seq__lte=size)
    return [bytes.fromhex(h) for h in qs.iterator(chunk_size=10_000)]


def tree_head_sign(*, actor=None, force: bool = False):
    """Sign (size, root, hash, time) of the current log and store the head, after proving it
    consistent with the previous head (RFC 9162 §2.1.4). Returns the new head, or the latest one
    when the log has not grown (unless `force`)."""
    from zhifa.core.canonical import hash_name

    from . import keys, merkle
    from .models import TreeHead

    name = hash_name()
    with transaction.atomic():
        head_row, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)  # a stable size while we sign
        previous = TreeHead.objects.order_by("-size", "-signed_at").first()
        if previous and previous.size == head_row.size and not force:
            return previous
        size = head_row.size
        reader = tree_reader(name)
        root = reader.root(size)
        if previous and previous.size:
            proof = reader.consistency_proof(previous.size, size)
            if not merkle.verify_consistency(previous.size, size, bytes.fromhex(previous.root_hash), root,
                                             proof, name):
                raise DomainError(
                    f"账本与上一个签名树头（大小 {previous.size}）不一致，拒绝签署新树头；请立即运行 `zhifa ledger verify`。",
                    code="ledger_inconsistent", rule="REC-03",
                )
        signed_at = timezone.now()
        message = canonical_json({"size": size, "root_hash": root.hex(), "hash": name,
                                  "signed_at": signed_at}).decode()
        private = keys.private_key()
        public_raw = keys.public_key_raw(private.public_key())
        return TreeHead.objects.create(
            size=size, root_hash=root.hex(), hash_name=name, signed_at=signed_at, signed_message=message,
            signature=private.sign(message.encode()).hex(), key_id=keys.key_id(public_raw), public_key=public_raw.hex(),
        )


def latest_tree_head():
    from .models import TreeHead

    return TreeHead.objects.order_by("-size", "-signed_at").first()
