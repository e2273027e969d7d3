"""`zhifa ledger verify`: recompute everything the ledger claims, from the database and the file
store, and name each discrepancy (entry number, kind, row or file, expected vs found).

Entries are streamed in sequence order, so memory stays flat as the log grows (REC-03)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from zhifa.core.canonical import hash_name, row_digest

from . import keys
from .models import Entry, VerificationRun
from .services import entry_leaf_data, latest_tree_head, leaf_hash
from .tree import Frontier

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


def _entries() -> Iterator[tuple]:
    yield from Entry.objects.order_by("seq").values_list(*_FIELDS).iterator(chunk_size=5000)


def ledger_verify(*, progress=None) -> Report:
    """progress: an optional callable(n) called after each entry (the command's progress bar)."""
    name = hash_name()
    report = Report()
    head = latest_tree_head()
    frontier = Frontier(name)
    root_at_head = None
    expected_seq = 1
    for seq, recorded_at, actor_id, actor, kind, subject, payload, covers, stored_leaf in _entries():
        if seq != expected_seq:
            report.add(seq=seq, kind=kind, what="sequence", expected=expected_seq, found=seq,
                       message=f"条目序号不连续：应为 #{expected_seq}，实为 #{seq}（条目被删除或移动）。")
            expected_seq = seq
        expected_seq += 1
        data = entry_leaf_data(seq=seq, recorded_at=recorded_at, actor_id=actor_id, actor=actor, kind=kind,
                               subject=subject, payload=payload, covers=covers)
        computed = leaf_hash(data)
        if computed != stored_leaf:
            report.add(seq=seq, kind=kind, what="entry", expected=stored_leaf, found=computed,
                       message=f"条目 #{seq}（{kind}）的内容与其叶子哈希不符：条目被改动。")
        for cover in covers or []:
            if "row" in cover:
                found = row_digest(cover["row"], cover["pk"])
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
        frontier.push(bytes.fromhex(stored_leaf))
        report.entries += 1
        if head is not None and frontier.size == head.size:
            root_at_head = frontier.root()
        if progress:
            progress(1)
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
