"""TEMPORARY version until feat/review is merged: refuses whenever review or discussion is required."""

from zhifa.cases.engine import guard
from zhifa.catalog.discretion import major_decision_match


@guard("REV-01", "法制审核")
def legal_review_gate(ctx):
    p = ctx.case.data.get("propose") or {}
    reasons = major_decision_match(agency=ctx.case.agency, matter=ctx.case.matter,
                                   penalty_types=p.get("penalty_types") or [], amount=p.get("fine_amount"),
                                   hearing_held="hold_hearing" in ctx.case.data,
                                   public_interest=bool(p.get("public_interest")), complex=bool(p.get("complex")))
    if reasons:
        ctx.refuse("REV-01", "重大执法决定未经法制审核或者审核未通过的，不得作出决定：" + "；".join(reasons))


@guard("REV-08", "集体讨论")
def collective_discussion_gate(ctx):
    p = ctx.case.data.get("propose") or {}
    if p.get("collective_discussion_required") or p.get("serious"):
        ctx.refuse("REV-08", "本案应当经集体讨论决定（规则 REV-08）。")
