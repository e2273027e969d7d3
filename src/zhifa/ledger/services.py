"""Writing to the ledger. `ledger_append` is the only way an entry is made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from zhifa.core.canonical import canonical_json, digest, row_digest
from zhifa.core.errors import DomainError

from .models import Entry, LedgerHead


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


def row_cover(obj: models.Model) -> dict:
    label = obj._meta.label_lower
    return {"row": label, "pk": obj.pk, "hash": row_digest(label, obj.pk)}


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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the service's transaction")
    head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    seq = head.size + 1
    actor_id, actor_name = actor_label(actor)
    subject_str = subject if isinstance(subject, str) else subject_of(subject)
    # Round-trip through canonical JSON so what is stored is exactly what was hashed.
    payload_json = json.loads(canonical_json(payload or {}))
    covers = [row_cover(r) for r in rows] + [{"file": f["name"], **{k: v for k, v in f.items() if k != "name"}}
                                             for f in files]
    covers = json.loads(canonical_json(covers))
    recorded_at = timezone.now()
    data = entry_leaf_data(seq=seq, recorded_at=recorded_at, actor_id=actor_id, actor=actor_name, kind=kind,
                           subject=subject_str, payload=payload_json, covers=covers)
    entry = Entry.objects.create(
        seq=seq, recorded_at=recorded_at, actor_id=actor_id, actor=actor_name, kind=kind,
        subject=subject_str, payload=payload_json, covers=covers, leaf_hash=leaf_hash(data),
    )
    LedgerHead.objects.filter(pk=1).update(size=seq)
    return entry


# --- signed tree heads ----------------------------------------------------------------------------

def ledger_leaves(size: int | None = None) -> list[bytes]:
    """Leaf hashes in order (for proofs). Verify streams instead; see ledger.verify."""
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
    from .tree import Frontier

    name = hash_name()
    with transaction.atomic():
        head_row, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)  # a stable size while we sign
        previous = TreeHead.objects.order_by("-size", "-signed_at").first()
        if previous and previous.size == head_row.size and not force:
            return previous
        leaves = ledger_leaves(head_row.size)
        frontier = Frontier(name)
        for leaf in leaves:
            frontier.push(leaf)
        root = frontier.root()
        if previous and previous.size:
            proof = merkle.consistency_proof(previous.size, leaves, name)
            if not merkle.verify_consistency(previous.size, len(leaves), bytes.fromhex(previous.root_hash), root,
                                             proof, name):
                raise DomainError(
                    f"账本与上一个签名树头（大小 {previous.size}）不一致，拒绝签署新树头；请立即运行 `zhifa ledger verify`。",
                    code="ledger_inconsistent", rule="REC-03",
                )
        signed_at = timezone.now()
        message = canonical_json({"size": len(leaves), "root_hash": root.hex(), "hash": name,
                                  "signed_at": signed_at}).decode()
        private = keys.private_key()
        public_raw = keys.public_key_raw(private.public_key())
        return TreeHead.objects.create(
            size=len(leaves), root_hash=root.hex(), hash_name=name, signed_at=signed_at, signed_message=message,
            signature=private.sign(message.encode()).hex(), key_id=keys.key_id(public_raw), public_key=public_raw.hex(),
        )


def latest_tree_head():
    from .models import TreeHead

    return TreeHead.objects.order_by("-size", "-signed_at").first()
