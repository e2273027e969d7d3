"""The guards every procedure puts on its decision transition (DESIGN.md: a procedure module
composes guards from the apps below it):

    from zhifa.review.gates import collective_discussion_gate, legal_review_gate
    Transition("decide", ..., guards=(..., legal_review_gate, collective_discussion_gate))

legal_review_gate (REV-01, REV-03; L1): where review is required, the latest round must have
passed (opinion 同意, or the head's coordination) on the snapshot the case has now — new evidence,
a changed proposal, a new party or officer after the pass voids it.

collective_discussion_gate (REV-08, REV-10): where discussion is required, a meeting must have
concluded (not 退回) on the snapshot the case has now.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from zhifa.cases.engine import TransitionContext, guard

from .selectors import discussion_standing, review_standing

# Decide-step inputs that restate the proposal: a decision differing from what was reviewed is refused.
_PROPOSAL_KEYS = ("fine_amount", "penalty_types", "confiscation_value", "outcome")


def _norm(value):
    if isinstance(value, (list, tuple)):
        return sorted(str(v) for v in value)
    if value in (None, ""):
        return None
    try:
        return str(Decimal(str(value)).normalize())
    except InvalidOperation:
        return str(value)


@guard("REV-01", "法制审核")
def legal_review_gate(ctx: TransitionContext) -> None:
    st = review_standing(ctx.case)
    if not st.required:
        return
    reasons = "；".join(st.required)
    if st.round is None:
        ctx.refuse(st.rule, f"本案须经法制审核后方可作出决定（{reasons}），尚未送审。", code="legal_review_required")
    if not st.passed:
        ctx.refuse(st.rule, f"未经法制审核或者审核未通过的，不得作出决定：{st.message}", code="legal_review_not_passed")
    if not st.current:
        ctx.refuse(st.rule, st.message, code="legal_review_void")
    if not ctx.dry_run:
        reviewed = (st.round.snapshot.get("case", {}).get("data", {}) or {}).get("propose") or {}
        for key in _PROPOSAL_KEYS:
            if key in ctx.data and key in reviewed and _norm(ctx.data[key]) != _norm(reviewed[key]):
                ctx.refuse(st.rule, f"决定内容（{key}）与经法制审核的拟处理意见不一致，须重新送审。",
                           field=key, code="legal_review_void")


@guard("REV-08", "集体讨论")
def collective_discussion_gate(ctx: TransitionContext) -> None:
    st = discussion_standing(ctx.case)
    if st["satisfied"]:
        return
    reasons = "；".join(st["required"])
    latest = st["latest"]
    if latest is None:
        ctx.refuse("REV-08", f"本案应当由机关负责人集体讨论决定（{reasons}），尚无集体讨论记录。",
                   code="collective_discussion_required")
    if latest.conclusion == latest.Conclusion.REJECT:
        ctx.refuse("REV-08", "集体讨论结论为不同意、退回承办机构，不能按原拟处理意见作出决定。",
                   code="collective_discussion_rejected")
    ctx.refuse("REV-08", f"集体讨论后案件已变动，须重新集体讨论（{reasons}）。", code="collective_discussion_void")
