"""Writing to the ledger. `ledger_append` is the only way an entry is made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from zhifa.core.canonical import canonical_json, digest, row_digest

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
