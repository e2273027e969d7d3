"""Public transparency routes: anyone can fetch the latest signed tree head, an inclusion proof
for any entry and a consistency proof between two sizes, and check them without trusting us
(tools/verify_proof.py, docs/ledger.md)."""

from __future__ import annotations

from ninja import Query, Router, Schema

from zhifa.core.errors import DomainError, NotFound

from .models import Entry, TreeHead
from .services import latest_tree_head, tree_reader

public = Router(tags=["公开：防篡改账本"])


class HeadOut(Schema):
    size: int
    root_hash: str
    hash: str
    signed_at: str
    signed_message: str
    signature: str
    key_id: str
    public_key: str


def _head_out(head: TreeHead) -> HeadOut:
    return HeadOut(size=head.size, root_hash=head.root_hash, hash=head.hash_name, signed_at=head.signed_at.isoformat(),
                   signed_message=head.signed_message, signature=head.signature, key_id=head.key_id,
                   public_key=head.public_key)


def _latest() -> TreeHead:
    head = latest_tree_head()
    if head is None:
        raise NotFound("账本尚未签署树头。", code="no_tree_head")
    return head


@public.get("/ledger/head", response=HeadOut, auth=None, summary="最新签名树头")
def ledger_head(request):
    return _head_out(_latest())


class EntryOut(Schema):
    seq: int
    kind: str
    subject: str
    recorded_at: str
    leaf_data: str
    leaf_hash: str


class ProofDetail(Schema):
    leaf_index: int
    tree_size: int
    audit_path: list[str]


class ProofOut(Schema):
    entry: EntryOut
    proof: ProofDetail
    tree_head: HeadOut


@public.get("/ledger/proof", response=ProofOut, auth=None, summary="条目包含证明（对照最新签名树头）")
def ledger_proof(request, entry: int):
    head = _latest()
    if entry < 1:
        raise DomainError("条目序号须为正整数。", code="invalid_entry", fields={"entry": "须为正整数"})
    row = Entry.objects.filter(seq=entry).only("seq", "kind", "subject", "recorded_at", "data", "leaf_hash").first()
    if row is None:
        raise NotFound(f"没有序号为 {entry} 的账本条目。", fields={"entry": "不存在"})
    if entry > head.size:
        raise DomainError(f"条目 #{entry} 晚于最新签名树头（大小 {head.size}），请待下次签署后再取证明。",
                          code="entry_after_head", status=409, fields={"entry": "尚未被树头覆盖"})
    path = tree_reader(head.hash_name).inclusion_path(entry - 1, head.size)  # O(log n) stored nodes
    return ProofOut(
        entry=EntryOut(seq=row.seq, kind=row.kind, subject=row.subject, recorded_at=row.recorded_at.isoformat(),
                       leaf_data=row.data, leaf_hash=row.leaf_hash),
        proof=ProofDetail(leaf_index=entry - 1, tree_size=head.size, audit_path=[h.hex() for h in path]),
        tree_head=_head_out(head),
    )


class ConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


@public.get("/ledger/consistency", response=ConsistencyOut, auth=None, summary="两个树大小之间的一致性证明")
def ledger_consistency(request, first: int = Query(..., alias="from"), second: int = Query(..., alias="to")):
    """?from=A&to=B: two tree sizes, A ≤ B ≤ the latest signed size."""
    head = _latest()
    if not (1 <= first <= second <= head.size):
        raise DomainError(f"须满足 1 ≤ from ≤ to ≤ {head.size}（最新签名树头大小）。", code="invalid_range",
                          fields={"from": "范围无效", "to": "范围无效"})
    reader = tree_reader(head.hash_name)
    proof = reader.consistency_proof(first, second) if first < second else []
    roots = {n: reader.root(n).hex() for n in (first, second)}
    return ConsistencyOut(first=first, second=second, first_root=roots[first], second_root=roots[second],
                          proof=[h.hex() for h in proof])


ROUTES = [("public/", public)]
