"""Public API of published decisions (P10, I2) under /api/v1/public/: search with the portal's
fields, and one decision with its versions' content hashes and ledger entries. Withdrawn or ended
decisions answer with the fact and the date only (PUB-05)."""

from __future__ import annotations

import datetime as dt

from ninja import Router

from zhifa.catalog.selectors import CappedPaginator
from zhifa.core.errors import DomainError, NotFound

from . import selectors
from .models import Category, Publication

public = Router(tags=["公开：执法决定公示"])


def _dec(v):
    return None if v is None else str(v)


def brief(p: Publication) -> dict:
    return {"id": p.id, "decision_number": p.decision_number, "decided_on": p.decided_on, "category": p.category,
            "category_label": p.get_category_display(), "agency_id": p.agency_id, "agency": p.agency.name,
            "party": p.party_name, "credit_code": p.credit_code, "corrected": p.corrected,
            "url": f"/publicity/d/{p.id}/"}


def full(p: Publication) -> dict:
    data = brief(p)
    data.update({"status": p.status, "status_label": p.get_status_display()})
    if p.is_public:
        v = p.published_version
        data.update({"version": v.number, "content_hash": v.content_hash, "party_detail": v.party_display,
                     "conclusion": v.conclusion, "basis": v.basis, "penalty": v.penalty, "amount": _dec(v.amount),
                     "facts": v.facts, "reasons": v.reasons, "first_published_on": p.first_published_on,
                     "expires_on": p.expires_on})
    else:
        ended = selectors.public_history(p).last()
        data.update({"party": None, "credit_code": None, "ended_on": ended.on if ended else None,
                     "explanation": ended.note if ended else ""})
    data["history"] = [{"event": e.kind, "on": e.on, "version": e.version.number if e.version_id else None}
                       for e in selectors.public_history(p)]
    data["ledger_entries"] = [{"seq": e.seq, "kind": e.kind, "proof": f"/api/v1/public/ledger/proof?entry={e.seq}"}
                              for e in selectors.ledger_entries_for(p)
                              if e.kind not in ("publication_opened", "publication_reviewed",
                                                "publication_correction_opened")]
    return data


@public.get("publications", summary="检索已公示的执法决定")
def public_publications(request, q: str = "", party: str = "", credit_code: str = "", decision_number: str = "",
                        agency: int | None = None, category: str = "", date_from: dt.date | None = None,
                        date_to: dt.date | None = None, page: int = 1, size: int = 50) -> dict:
    if category and category not in Category.values:
        raise DomainError(f"执法类别“{category}”无效。", fields={"category": "无效的执法类别"})
    qs = selectors.published_publications(q=q, party=party, credit_code=credit_code, decision_number=decision_number,
                                          agency=agency, category=category, date_from=date_from, date_to=date_to)
    size = max(1, min(size, 200))
    p = CappedPaginator(qs.only(*selectors.PUBLIC_LIST_FIELDS), size).get_page(page)
    return {"count": min(p.paginator.count, p.paginator.CAP), "count_capped": p.paginator.capped,
            "page": p.number, "pages": p.paginator.num_pages, "results": [brief(x) for x in p.object_list]}


@public.get("publications/{pk}", summary="执法决定公示详情（含内容哈希与账本条目）")
def public_publication(request, pk: int) -> dict:
    p = selectors.public_publication(pk)
    if p is None:
        raise NotFound("未找到该执法决定公示。")
    return full(p)


ROUTES = [("public/", public)]
