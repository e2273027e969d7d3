"""Publicity of penalty decisions (PUB-03..PUB-05): a decision that takes effect opens its
publication record (the publicity app decides scope, redaction and due date); a revoked decision
withdraws it. Both run inside the transition's transaction, so a served decision always has its
publication record and a revocation always its withdrawal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zhifa.cases.engine import TransitionContext
from zhifa.catalog.models import PenaltyType
from zhifa.publicity.services import publication_open, publication_withdraw_for_source

from .common import fine_of

SOURCE = "cases.case"


def _party(case) -> dict:
    p = case.parties.order_by("pk").first()
    if p is None:
        return {"kind": "organisation", "name": "（未登记当事人）"}
    return {"kind": p.kind, "name": p.name, "id_number": p.id_number, "credit_code": p.credit_code,
            "address": p.address, "phone": p.phone, "legal_rep": p.legal_representative}


def conclusion_of(case) -> tuple[str, str]:
    """(conclusion, penalty text) in the words of the decision."""
    proposal = case.data.get("propose") or {}
    if proposal.get("outcome") == "no_penalty":
        return "不予行政处罚", ""
    types = proposal.get("penalty_types") or []
    parts = []
    for t in types:
        label = PenaltyType(t).label
        if t == PenaltyType.FINE:
            label = f"罚款{fine_of(case):,.2f}元"
        parts.append(label)
    penalty = "，".join(parts)
    return (f"给予{penalty}" if penalty else "给予行政处罚"), penalty


def _basis(case) -> str:
    if case.matter is None:
        return ""
    return "；".join(b.citation for b in case.matter.legal_bases.all())


def publish_decision(ctx: TransitionContext) -> None:
    """The decision takes effect when served (PEN-35): open its publication (PUB-03/PUB-04)."""
    case = ctx.case
    data = case.data
    served = data.get("serve_decision", {}).get("served_date") or ctx.on_date.isoformat()
    number = (data.get("penalty_decision_number") or data.get("no_penalty_decision_number")
              or data.get("on_spot_number") or case.number)
    conclusion, penalty = conclusion_of(case)
    proposal = data.get("propose") or {}
    reasons = "；".join(x for x in (proposal.get("reasons_basis"), proposal.get("reasons_discretion")) if x)
    fine = fine_of(case)
    publication_open(
        agency=case.agency, source_label=SOURCE, source_pk=case.pk, category="penalty", decision_number=number,
        decided_on=case.decided_on or ctx.on_date, effective_on=dt.date.fromisoformat(served), party=_party(case),
        conclusion=conclusion, basis=_basis(case), penalty=penalty, amount=fine if fine > Decimal("0") else None,
        facts=case.facts, reasons=reasons, simple_procedure=case.procedure == "penalty_simple", actor=ctx.actor)


REVOCATION_KINDS = (("revoked", "决定被撤销"), ("changed", "决定被变更"), ("illegal", "决定被确认违法"),
                    ("void", "决定被确认无效"), ("redo", "责令重新作出决定"))


def withdraw_publication(ctx: TransitionContext) -> None:
    """PUB-05: a decision revoked, changed, confirmed illegal or ordered redone is withdrawn from
    publication within 3 working days (the publicity app records the due date)."""
    publication_withdraw_for_source(source_label=SOURCE, source_pk=ctx.case.pk,
                                    reason=f"{dict(REVOCATION_KINDS)[ctx.data['kind']]}（{ctx.data['organ']}{ctx.data['document']}）",
                                    actor=ctx.actor, on=ctx.on_date)
