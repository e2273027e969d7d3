"""行政处罚普通程序 (行政处罚法 Chapter V, Section 2–3): the transition table.

registered ─file→ filed (investigation: 笔录, 先行登记保存, 查封扣押) ─conclude_investigation→ investigated
(propose: 拟处理意见 with the discretion benchmark) ─serve_notice→ notified (statement, waiver, hearing
request → hearing → heard) ─decide→ decided ─serve_decision→ executing (payment, instalments, 催告,
court) ─close→ closed ─archive→ archived. Side exits: not_filed, referred (PEN-41). A step back:
notified/hearing/heard ─reinvestigate→ filed when new facts come out after the notice (PEN-19): the
old proposal and notice are kept as a superseded round, and a new proposal and notice follow.

Each step's input is kept in case.data[<action>]; the guards cite the RULES ids they enforce.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from zhifa.cases.engine import Procedure, Transition, TransitionContext, guard, register_procedure
from zhifa.cases.inputs import Field
from zhifa.catalog.discretion import benchmark_apply, deviation_requires, hearing_right, yuan
from zhifa.catalog.models import PenaltyType
from zhifa.core.calendar import add_working_days
from zhifa.core.canonical import canonical_json
from zhifa.core.deadlines import filed_in_time, service_date
from zhifa.documents.models import Document
from zhifa.documents.services import generate_after_commit
from zhifa.records.archive import archive_after_commit
from zhifa.records.guards import (
    RELIED_EVIDENCE,
    RELIED_EVIDENCE_GUARDS,
    av_recording_guard,
    proposal_evidence_still_admissible,
)
from zhifa.review.gates import collective_discussion_gate, legal_review_gate

from . import guards as g
from .publish import REVOCATION_KINDS, publish_decision, withdraw_publication
from .common import (
    CERTS_SHOWN,
    FINE,
    OFFICERS,
    PAYMENT_METHODS,
    PENALTY_TYPES,
    SERVICE_METHODS,
    amount_owed,
    issue_number,
    lawful_payment_method,
    paid_in_full,
    paid_total,
    record_payment_effect,
)

STATES = {
    "registered": "案源登记",
    "not_filed": "不予立案",
    "filed": "立案调查",
    "investigated": "调查终结（案件审查）",
    "notified": "已告知（陈述申辩期）",
    "hearing": "听证程序",
    "heard": "听证结束",
    "decided": "已作出决定",
    "executing": "执行中",
    "court_enforcement": "申请法院强制执行",
    "referred": "移送司法机关",
    "revoked": "决定已被撤销或变更",
    "closed": "已结案",
    "archived": "已归档",
}
BEFORE_DECISION = ("filed", "investigated", "notified", "hearing", "heard")

CIRCUMSTANCES = (
    ("minor", "违法行为轻微"), ("corrected_promptly", "及时改正"), ("no_harm", "没有造成危害后果"),
    ("first_offence", "初次违法"), ("slight_harm", "危害后果轻微"), ("no_fault", "有证据证明没有主观过错"),
    ("minor_age", "已满十四周岁不满十八周岁"), ("aggravating", "从重情节"),
)
MITIGATING = (
    ("eliminated_harm", "主动消除或者减轻违法行为危害后果"), ("coerced", "受他人胁迫或者诱骗"),
    ("confessed", "主动供述行政机关尚未掌握的违法行为"), ("meritorious", "配合查处有立功表现"),
    ("other_law", "法律、法规、规章规定的其他情形"),
)


# --- guards specific to the ordinary procedure ----------------------------------------------------


@guard("PEN-28", "先行登记保存经负责人批准", needs_input=True)
def preservation_approved(ctx: TransitionContext) -> None:
    """PEN-28 (Art. 56): 先行登记保存 needs the head's approval, or an emergency report (24 h)."""
    if not (ctx.data.get("head_approved") or ctx.data.get("emergency_reported")):
        ctx.refuse("PEN-28", "先行登记保存应当经行政机关负责人批准；情况紧急的，应在二十四小时内报告并补办批准"
                             "（规则 PEN-28）。", field="head_approved")


@guard("PEN-28", "先行登记保存七日内处理", needs_input=True)
def preservation_in_time(ctx: TransitionContext) -> None:
    """PEN-28: decide within 7 working days; after that the measure lapses and may not be kept."""
    due = ctx.deadline("PEN-28")
    if due is None or "preserve_evidence" not in ctx.case.data:
        ctx.refuse("PEN-28", "本案没有先行登记保存的证据。")
        return
    if ctx.on_date > due.act_by and ctx.data.get("decision") != "release":
        ctx.refuse("PEN-28", f"先行登记保存应于{due.act_by:%Y年%m月%d日}前作出处理决定，逾期已自动解除，"
                             "只能解除保存（规则 PEN-28）。", field="decision")


@guard("PEN-28", "先行登记保存已处理")
def no_open_preservation(ctx: TransitionContext) -> None:
    due = ctx.deadline("PEN-28")
    if due is not None and due.open:
        ctx.refuse("PEN-28", "先行登记保存的证据尚未作出处理决定（规则 PEN-28）。")


@guard("PEN-14", "事实清楚、证据确凿")
def evidence_recorded(ctx: TransitionContext) -> None:
    """PEN-14 (Art. 40) / PEN-27: WARN-level heuristic — an investigation with no 笔录."""
    if not any(k in ctx.case.data for k in ("record_inspection", "record_interview")):
        ctx.warn("PEN-14", "本案尚无现场检查笔录或询问笔录，违法事实不清、证据不足的，不得给予行政处罚（规则 PEN-14）。")


def _benchmark(ctx: TransitionContext):
    matter = ctx.case.matter
    if matter is None or matter.kind != "penalty" or not matter.tiers.exists():
        return None
    circ = {flag: True for flag in ctx.data.get("circumstances") or []}
    circ["mitigating"] = ctx.data.get("mitigating") or []
    circ["minor_age"] = "minor_age" in (ctx.data.get("circumstances") or [])
    for amount in ("illegal_gains", "goods_value"):  # the bases of a fine by multiples
        if ctx.data.get(amount):
            circ[amount] = ctx.data[amount]
    return benchmark_apply(matter=matter, circumstances=circ)


@guard("REV-10", "裁量基准适用", needs_input=True)
def discretion_within_benchmark(ctx: TransitionContext) -> None:
    """PEN-10 (Art. 33 mandatory no penalty), PEN-09 and REV-09/REV-10: the proposal against
    the benchmark the facts point to. Outside the statutory range: refused; outside the tier:
    a written reason (and collective discussion before the decision, REV-08)."""
    result = _benchmark(ctx)
    if result is None:
        return
    outcome = ctx.data.get("outcome")
    if result.tier == "no_penalty" and result.mandatory and outcome == "penalty":
        ctx.refuse("PEN-10", "；".join(result.reasons) + "（规则 PEN-10）", field="outcome")
    if outcome != "penalty" or PenaltyType.FINE not in (ctx.data.get("penalty_types") or []):
        return
    dev = deviation_requires(result=result, proposed_amount=ctx.data.get("fine_amount"))
    if not dev.allowed:
        ctx.refuse(dev.rule, dev.message, field="fine_amount")
    if dev.deviates and not (ctx.data.get("deviation_reason") or "").strip():
        ctx.refuse("REV-10", dev.message + "请填写偏离裁量基准的理由。", field="deviation_reason")


@guard("PEN-41", "涉嫌犯罪移送", needs_input=True)
def crime_goes_to_referral(ctx: TransitionContext) -> None:
    """PEN-41 (Arts. 8, 27): a suspected crime must be referred; a penalty does not replace it."""
    if ctx.data.get("suspected_crime") and ctx.data.get("outcome") != "refer":
        ctx.refuse("PEN-41", "违法行为涉嫌犯罪的，应当移送司法机关，不得以行政处罚代替刑事处罚（规则 PEN-41）。",
                   field="outcome")


@guard("PEN-05", "责令改正", needs_input=True)
def correction_ordered(ctx: TransitionContext) -> None:
    if ctx.data.get("outcome") == "penalty" and not (ctx.data.get("correction_order") or "").strip():
        ctx.warn("PEN-05", "处罚决定应当责令当事人改正或者限期改正违法行为（规则 PEN-05）。")


def propose_effect(ctx: TransitionContext) -> None:
    """Keep what the benchmark and the hearing rule say about the proposal (REV-09, PEN-30)."""
    proposal = ctx.case.data["propose"]
    result = _benchmark(ctx)
    proposal["benchmark"] = json.loads(canonical_json(result.as_dict())) if result else None
    reasons, warnings = hearing_right(
        agency=ctx.case.agency, party_is_person=g.party_is_person(ctx.case),
        penalty_types=ctx.data.get("penalty_types") or [], fine_amount=ctx.data.get("fine_amount"),
        confiscation_value=ctx.data.get("confiscation_value"))
    proposal["hearing_right"] = reasons
    proposal["hearing_warnings"] = warnings
    proposal["fine_max_comparison"] = g.fine_max_comparison(ctx.case, ctx.data)  # PEN-06
    if result and ctx.data.get("outcome") == "penalty" and PenaltyType.FINE in (ctx.data.get("penalty_types") or []):
        dev = deviation_requires(result=result, proposed_amount=ctx.data.get("fine_amount"))
        proposal["deviates"] = dev.deviates
        proposal["collective_discussion_required"] = dev.collective_discussion_required
    else:
        proposal["deviates"] = False
        proposal["collective_discussion_required"] = False


@guard("PEN-29", "拟处理意见", needs_input=False)
def has_proposal(ctx: TransitionContext) -> None:
    if "propose" not in ctx.case.data:
        ctx.refuse("PEN-29", "请先提出拟处理意见（处罚、不予处罚或者移送）（规则 PEN-29）。")


@guard("PEN-18", "告知以拟给予行政处罚为前提")
def proposal_is_penalty(ctx: TransitionContext) -> None:
    if (ctx.case.data.get("propose") or {}).get("outcome") != "penalty":
        ctx.refuse("PEN-18", "拟处理意见不是给予行政处罚，无需事先告知（规则 PEN-18）。")


@guard("PEN-30", "听证权利告知", needs_input=True)
def hearing_right_told(ctx: TransitionContext) -> None:
    """PEN-18/PEN-30: where a hearing trigger fires the notice must tell the party of the right;
    'other relatively severe penalties' is the officer's judgement (WARN)."""
    proposal = ctx.case.data.get("propose") or {}
    if proposal.get("hearing_right") and not ctx.data.get("hearing_right_told"):
        ctx.refuse("PEN-30", "拟作出的处罚属于应当告知听证权利的情形（" + "；".join(proposal["hearing_right"])
                   + "），告知书应当载明听证权利（规则 PEN-18、PEN-30）。", field="hearing_right_told")
    for w in proposal.get("hearing_warnings") or []:
        if not ctx.data.get("hearing_right_told"):
            ctx.warn("PEN-30", w)


def notice_effect(ctx: TransitionContext) -> None:
    served = service_date(method=ctx.data["method"], on=dt.date.fromisoformat(ctx.data["served_on"]))
    ctx.case.data["serve_notice"]["served_date"] = served.isoformat()
    ctx.case.data["serve_notice"]["proposal_entry"] = (ctx.case.data.get("propose") or {}).get("entry")
    ctx.open_deadline("PEN-20", start=served)
    if ctx.data.get("hearing_right_told"):
        ctx.open_deadline("PEN-31", start=served)


@guard("PEN-31", "听证申请期限", needs_input=True)
def hearing_request_in_time(ctx: TransitionContext) -> None:
    """PEN-31 (Art. 64 (1)): within 5 working days of service; TIME-06 postmark counts."""
    if not ctx.case.data.get("serve_notice", {}).get("hearing_right_told"):
        ctx.refuse("PEN-30", "告知书未载明听证权利，本案不适用听证程序（规则 PEN-30）。")
    due = ctx.deadline("PEN-31")
    received = dt.date.fromisoformat(ctx.data["received_on"])
    posted = dt.date.fromisoformat(ctx.data["postmarked_on"]) if ctx.data.get("postmarked_on") else None
    if due is not None and not filed_in_time(due=due.due_on, received_on=received, postmarked_on=posted):
        ctx.refuse("PEN-31", f"听证申请期限至{due.due_on:%Y年%m月%d日}，逾期未提出的视为放弃听证（规则 PEN-31）。",
                   field="received_on")


@guard("PEN-31", "听证通知与主持人", needs_input=True)
def hearing_schedule_lawful(ctx: TransitionContext) -> None:
    """PEN-31 (Art. 64 (2)(4)(5)): notice 7 working days ahead; the presiding officer is not an
    investigator; at most two agents; non-public hearings need a reason."""
    notice = dt.date.fromisoformat(ctx.data["notice_served_on"])
    hearing = dt.date.fromisoformat(ctx.data["hearing_date"])
    earliest = add_working_days(notice, 7)
    if hearing < earliest:
        ctx.refuse("PEN-31", f"听证通知应当在举行听证的七日前送达，最早可定于{earliest:%Y年%m月%d日}（规则 PEN-31）。",
                   field="hearing_date")
    presider = ctx.data["presider"]
    if ctx.case.case_officers.filter(officer_id=presider).exists():
        ctx.refuse("PEN-31", "听证主持人不得由本案调查人员担任（规则 PEN-31）。", field="presider")
    from zhifa.org.models import Officer

    if not Officer.objects.filter(pk=presider, agency=ctx.case.agency, active=True).exists():
        ctx.refuse("PEN-31", "听证主持人应为本机关在岗人员。", field="presider")
    if int(ctx.data.get("agents") or 0) > 2:
        ctx.refuse("PEN-31", "当事人可以委托一至二人代理（规则 PEN-31）。", field="agents")
    if not ctx.data.get("public", False) and not (ctx.data.get("non_public_reason") or "").strip():
        ctx.refuse("PEN-31", "听证应当公开举行；不公开的须说明涉及国家秘密、商业秘密或者个人隐私的理由（规则 PEN-31）。",
                   field="non_public_reason")


@guard("PEN-31", "听证笔录", needs_input=True)
def transcript_signed(ctx: TransitionContext) -> None:
    """PEN-31 (Art. 64 (8)): the transcript is signed, or the refusal noted by the presiding officer."""
    sched = ctx.case.data.get("schedule_hearing")
    if not sched:
        ctx.refuse("PEN-31", "尚未确定听证时间并通知当事人（规则 PEN-31）。")
        return
    if ctx.on_date < dt.date.fromisoformat(sched["hearing_date"]):
        ctx.refuse("PEN-31", f"听证定于{sched['hearing_date']}举行，不能提前记录听证结果。")
    if not ctx.data.get("party_absent") and not ctx.data.get("signed") and not (
            ctx.data.get("refusal_note") or "").strip():
        ctx.refuse("PEN-31", "听证笔录应当由当事人或者其代理人核对无误后签字或者盖章；拒绝签字的，由主持人在笔录中注明"
                             "（规则 PEN-31）。", field="signed")


@guard("PEN-20", "陈述申辩")
def party_heard(ctx: TransitionContext) -> None:
    """PEN-20 (Art. 62): no decision before the notice was served and the party was heard: the
    response window passed, a statement was reviewed, or a written waiver is on file."""
    data = ctx.case.data
    outcome = (data.get("propose") or {}).get("outcome")
    if outcome != "penalty":
        return
    if "serve_notice" not in data:
        ctx.refuse("PEN-20", "未向当事人告知拟作出的行政处罚内容及事实、理由、依据，不得作出处罚决定（规则 PEN-18、PEN-20）。")
        return
    if data.get("request_hearing") and not data.get("hold_hearing"):
        ctx.refuse("PEN-32", "当事人要求听证，听证结束前不得作出决定（规则 PEN-32）。")
    due = ctx.deadline("PEN-20")
    heard = "receive_statement" in data or "waive_rights" in data or "hold_hearing" in data
    if not heard and due is not None and ctx.on_date <= due.due_on:
        ctx.refuse("PEN-20", f"陈述、申辩期限至{due.due_on:%Y年%m月%d日}，期满前且当事人未书面放弃的，不得作出处罚决定"
                             "（规则 PEN-20）。")


# --- PEN-19: a step back from a served notice (补充调查，重新告知) -----------------------------------

# The steps of one round of notice: the proposal, its notice, and the party's answers to it. A
# step back to investigation moves them, untouched, into `case.data["earlier_proposals"]`.
NOTICE_ROUND = ("propose", "serve_notice", "receive_statement", "waive_rights", "request_hearing",
                "schedule_hearing", "hold_hearing")
EARLIER_PROPOSALS = "earlier_proposals"


def reinvestigate_effect(ctx: TransitionContext) -> None:
    """PEN-19 (Art. 45) / PEN-18: new facts after the notice. The party's statement and hearing
    windows of the old notice close (PEN-20, PEN-31); the old proposal, its notice and the party's
    answers are kept as a superseded round (none is deleted; the status rows keep them too), so a
    new proposal and a new notice (a new document with its own number) must follow."""
    data = ctx.case.data
    ctx.close_deadline("PEN-20", "PEN-31")
    round_ = {step: data.pop(step) for step in NOTICE_ROUND if step in data}
    served = (round_.get("serve_notice") or {}).get("entry")  # the step whose 告知书 is superseded
    # The notice is rendered after its step commits, in the background: found by its step, if made yet.
    notice = (Document.objects.filter(case=ctx.case, template="pre_decision_notice", entry__seq=served)
              .values_list("number", flat=True).first() if served else None)
    round_["superseded"] = {"entry": ctx.entry.seq, "on_date": ctx.on_date.isoformat(),
                            "new_facts": ctx.data["new_facts"], "notice_document": notice or ""}
    if served:  # the documents list marks what that step made as no longer in force (documents.selectors)
        data.setdefault("superseded_steps", {})[str(served)] = (
            f"{ctx.on_date:%Y年%m月%d日}补充调查，重新告知（规则 PEN-19）：{ctx.data['new_facts']}")
    data[EARLIER_PROPOSALS] = [*(data.get(EARLIER_PROPOSALS) or []), round_]


def _amount(value) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


def heavier_than(new: dict, old: dict) -> list[str]:
    """How proposal `new` is heavier than `old` (PEN-19): a penalty type `old` did not have, a
    higher fine, a higher value confiscated. A type dropped does not offset one added. Empty: not
    heavier."""
    if new.get("outcome") != "penalty":
        return []
    out = []
    old_types = set(old.get("penalty_types") or []) if old.get("outcome") == "penalty" else set()
    new_types = set(new.get("penalty_types") or [])
    added = [t for t in new.get("penalty_types") or [] if t not in old_types]
    if added:
        out.append("增加了处罚种类" + "、".join(PenaltyType(t).label for t in added))
    for key, label, kind in (("fine_amount", "罚款", PenaltyType.FINE), ("confiscation_value", "没收金额", None)):
        if kind is not None and not (kind in old_types and kind in new_types):
            continue  # no fine before (an added type, said above) or none now
        before, after = _amount(old.get(key)), _amount(new.get(key))
        if after > before:
            out.append(f"{label}由{yuan(before)}元提高到{yuan(after)}元")
    return out


@guard("PEN-19", "不因申辩加重处罚")
def not_heavier_than_notified(ctx: TransitionContext) -> None:
    """PEN-19 (Art. 45): the decision is the proposal the latest served notice told the party of.
    A penalty heavier than the FIRST notified proposal only after a step back (补充调查，重新告知)
    for new facts, with its reason, and a new notice served after it; otherwise refused."""
    data = ctx.case.data
    proposal, notice = data.get("propose") or {}, data.get("serve_notice") or {}
    if proposal.get("outcome") != "penalty":
        return
    if notice and (proposal.get("entry", 0) > notice.get("entry", 0)
                   or notice.get("proposal_entry", proposal.get("entry")) != proposal.get("entry")):
        ctx.refuse("PEN-19", "告知后拟处理意见已变更，须重新告知当事人后方可作出决定；不得因当事人陈述、申辩而给予更重的处罚"
                             "（规则 PEN-19）。")
    notified = [r for r in data.get(EARLIER_PROPOSALS) or [] if r.get("serve_notice")]
    if not notified:
        return  # the proposal decided on is the only one ever notified
    heavier = heavier_than(proposal, notified[0].get("propose") or {})
    if not heavier:
        return
    last = (data.get(EARLIER_PROPOSALS) or [{}])[-1].get("superseded") or {}
    served = (notified[0].get("serve_notice") or {}).get("served_date")
    first_on = f"{dt.date.fromisoformat(served):%Y年%m月%d日}" if served else "首次"
    if not notice or not (last.get("new_facts") or "").strip() or notice.get("entry", 0) < last.get("entry", 0):
        ctx.refuse("PEN-19", f"拟处理意见重于{first_on}告知的处罚（{'；'.join(heavier)}）。只有告知后发现新的事实、"
                             "经补充调查并重新告知当事人后，方可作出较重的处罚；请向当事人送达新的行政处罚事先告知书。"
                             "不得因当事人陈述、申辩而给予更重的处罚（行政处罚法第四十五条，规则 PEN-19）。")


@guard("PEN-34", "九十日决定期限")
def within_decision_limit(ctx: TransitionContext) -> None:
    due = ctx.deadline("PEN-34")
    if due is not None and ctx.on_date > due.due_on:
        ctx.warn("PEN-34", f"应自立案之日起九十日内作出处罚决定（期限{due.due_on:%Y年%m月%d日}，含批准延长），"
                           "已逾期（规则 PEN-34）。")


@guard("PEN-41", "涉嫌犯罪未移送")
def no_unreferred_crime(ctx: TransitionContext) -> None:
    if (ctx.case.data.get("propose") or {}).get("suspected_crime"):
        ctx.refuse("PEN-41", "本案涉嫌犯罪，应当移送司法机关（规则 PEN-41）。")


@guard("PEN-10", "不予处罚的教育", needs_input=True)
def education_for_no_penalty(ctx: TransitionContext) -> None:
    if (ctx.case.data.get("propose") or {}).get("outcome") == "no_penalty" and not (
            ctx.data.get("education_record") or "").strip():
        ctx.refuse("PEN-10", "对当事人不予行政处罚的，应当对当事人进行教育，请填写教育记录（规则 PEN-10）。",
                   field="education_record")


@guard("PEN-29", "决定与拟处理意见一致")
def decidable_outcome(ctx: TransitionContext) -> None:
    outcome = (ctx.case.data.get("propose") or {}).get("outcome")
    if outcome == "refer":
        ctx.refuse("PEN-29", "拟处理意见为移送司法机关，请办理移送（规则 PEN-29、PEN-41）。")
    if outcome == "penalty" and ctx.case.state == "investigated":
        ctx.refuse("PEN-18", "给予行政处罚前应当先告知当事人（规则 PEN-18）。")


def no_penalty(case) -> bool:
    """PEN-10 / PEN-29 (2): the decision is not to penalise (不予行政处罚决定书, its own number series)."""
    return (case.data.get("propose") or {}).get("outcome") == "no_penalty"


def decision_number(ctx: TransitionContext) -> None:
    issue_number("no_penalty_decision" if no_penalty(ctx.case) else "penalty_decision")(ctx)


def decide_effect(ctx: TransitionContext) -> None:
    ctx.case.decided_on = ctx.on_date
    ctx.close_deadline("PEN-34", "PEN-20", "PEN-31")
    ctx.open_deadline("PEN-35", start=ctx.on_date)


@guard("PEN-34", "延长办案期限的批准", needs_input=True)
def extension_approved(ctx: TransitionContext) -> None:
    """PEN-34 (SAMR S7 Art. 64): +30 days with the head's approval; any further extension only by
    collective discussion, which sets the period."""
    if "extend_decision_limit" not in ctx.case.data:
        if not ctx.data.get("head_approved"):
            ctx.refuse("PEN-34", "延长办案期限应当经行政机关负责人批准（规则 PEN-34）。", field="head_approved")
    elif not (ctx.data.get("collective_discussion_ref") or "").strip() or not ctx.data.get("new_due_on"):
        ctx.refuse("PEN-34", "再次延长办案期限应当经集体讨论决定，并由集体讨论确定合理期限（规则 PEN-34）。",
                   field="collective_discussion_ref")


def extension_effect(ctx: TransitionContext) -> None:
    if ctx.data.get("new_due_on"):  # set by collective discussion, not computed
        from zhifa.cases.models import CaseDeadline

        current = ctx.deadline("PEN-34")
        ctx.close_deadline("PEN-34")
        new_due = dt.date.fromisoformat(ctx.data["new_due_on"])
        CaseDeadline.objects.create(
            case=ctx.case, key="PEN-34", rule_id="PEN-34", label="作出处罚决定期限（集体讨论延长）", bearer="agency",
            start=current.start if current else ctx.on_date, due_on=new_due, act_by=new_due, basis="集体讨论决定",
            explanation=f"集体讨论（{ctx.data['collective_discussion_ref']}）决定延长至{new_due}", opened_by=ctx.entry)
    else:
        ctx.open_deadline("PEN-34", start=ctx.case.filed_on, extended=True)


@guard("PEN-35", "电子送达须经同意", needs_input=True)
def electronic_service_consented(ctx: TransitionContext) -> None:
    if ctx.data.get("method") == "electronic" and not ctx.data.get("electronic_consent"):
        ctx.refuse("PEN-35", "电子送达须经当事人同意并签订确认书（规则 PEN-35）。", field="electronic_consent")


_AV_LODGED_SERVICE = av_recording_guard("serve_decision")


@guard("REC-02", "留置送达、公告送达的音像记录", needs_input=True)
def av_for_lodged_service(ctx: TransitionContext) -> None:
    """REC-02 (118号 (八)): service by lodging (留置) or public notice is on the as-needed AV list;
    direct, mail and consented electronic service are not."""
    if ctx.data.get("method") in ("left", "public_notice"):
        _AV_LODGED_SERVICE.check(ctx)


@guard("TIME-12", "送达日期", needs_input=True)
def service_date_possible(ctx: TransitionContext) -> None:
    """TIME-12: a document is served on or after the day it was made, and not in the future."""
    served = dt.date.fromisoformat(ctx.data["served_on"])
    made = ctx.case.decided_on if ctx.transition.action == "serve_decision" else None
    if made and served < made:
        ctx.refuse("TIME-12", f"送达日期不能早于决定日期（{made:%Y年%m月%d日}）（规则 TIME-12）。", field="served_on")
    rounds = ctx.case.data.get(EARLIER_PROPOSALS) or []
    if ctx.transition.action == "serve_notice" and rounds:  # a new notice is made after the step back (PEN-19)
        back = dt.date.fromisoformat(rounds[-1]["superseded"]["on_date"])
        if served < back:
            ctx.refuse("TIME-12", f"重新告知的告知书应在补充调查（{back:%Y年%m月%d日}）之后送达，送达日期不能早于该日"
                                  "（规则 TIME-12、PEN-19）。", field="served_on")
    proposed = (ctx.case.data.get("propose") or {}).get("on_date") if ctx.transition.action == "serve_notice" else None
    if proposed and served < dt.date.fromisoformat(proposed):  # the notice states the proposal (PEN-18)
        ctx.refuse("TIME-12", f"送达日期不能早于提出拟处理意见之日（{dt.date.fromisoformat(proposed):%Y年%m月%d日}），"
                              "告知书是依据拟处理意见制作的（规则 TIME-12）。", field="served_on")
    if served > ctx.on_date:
        ctx.refuse("TIME-12", "送达日期不能晚于登记当日（规则 TIME-12）。", field="served_on")


def serve_decision_effect(ctx: TransitionContext) -> None:
    served = service_date(method=ctx.data["method"], on=dt.date.fromisoformat(ctx.data["served_on"]))
    ctx.case.data["serve_decision"]["served_date"] = served.isoformat()
    due = ctx.deadline("PEN-35")
    ctx.close_deadline("PEN-35")
    if due is not None and served > due.due_on:
        ctx.case.data["serve_decision"]["late"] = True
    fine, _ = amount_owed(ctx.case, on=ctx.on_date)
    if fine:
        pay = ctx.open_deadline("PEN-37", start=served)
        ctx.set_data("pay_due", pay.due_on.isoformat())


@guard("PEN-35", "送达期限")
def service_in_time(ctx: TransitionContext) -> None:
    due = ctx.deadline("PEN-35")
    if due is not None and due.open and ctx.on_date > due.due_on:
        ctx.warn("PEN-35", f"决定书应当在宣告后当场交付，当事人不在场的应在七日内送达（期限{due.due_on:%Y年%m月%d日}），"
                           "已逾期（规则 PEN-35）。")


@guard("PEN-36", "暂缓或者分期缴纳的批准", needs_input=True)
def instalments_approved(ctx: TransitionContext) -> None:
    if not ctx.data.get("head_approved"):
        ctx.refuse("PEN-36", "暂缓或者分期缴纳罚款须经行政机关批准（规则 PEN-36）。", field="head_approved")


def instalments_effect(ctx: TransitionContext) -> None:
    """PEN-36: surcharges run from the approved due date; the payment deadline moves to it."""
    ctx.close_deadline("PEN-37")
    ctx.set_data("pay_due", ctx.data["last_due_on"])


PAYMENT_PURPOSES = (("fine", "罚款"), ("surcharge", "加处罚款"), ("hearing_fee", "听证费用"))


@guard("PEN-30", "听证不收费", needs_input=True)
def no_hearing_fee(ctx: TransitionContext) -> None:
    """PEN-30 (Art. 63 para 2): 当事人不承担行政机关组织听证的费用 — a payment recorded as a
    hearing fee is refused, like cash paid to the agency (PEN-37)."""
    if ctx.data.get("purpose") == "hearing_fee":
        ctx.refuse("PEN-30", "当事人不承担行政机关组织听证的费用，不得向当事人收取听证费用"
                             "（行政处罚法第六十三条第二款，规则 PEN-30）。", field="purpose")


@guard("PEN-38", "逾期不缴纳")
def payment_overdue(ctx: TransitionContext) -> None:
    """Court enforcement (PEN-38, 行政强制法 Art. 53) only after the payment deadline passed unpaid."""
    due = ctx.case.data.get("pay_due")
    fine, surcharge = amount_owed(ctx.case, on=ctx.on_date)
    if not fine:
        ctx.refuse("PEN-38", "本案没有需要强制执行的罚款。")
    elif due and ctx.on_date <= dt.date.fromisoformat(due):
        ctx.refuse("PEN-38", f"缴纳期限至{due}，期限届满前不得申请强制执行（规则 PEN-38）。")
    elif paid_total(ctx.case) >= fine + surcharge:
        ctx.refuse("PEN-38", "罚款已缴清，无需申请强制执行。")


# --- the table --------------------------------------------------------------------------------------

T = Transition
PROCEDURE = register_procedure(Procedure(
    name="penalty_general",
    label="行政处罚普通程序",
    kind="penalty",
    states=STATES,
    initial_action="register",
    terminal=("archived",),
    transitions=(
        T("register", "案源登记", ("",), "registered", "case_registered", rule="PEN-26",
          inputs=(Field("life_health_or_finance_harm", "涉及生命健康安全、金融安全且有危害后果", "bool",
                        help="追责时效延长至五年（规则 PEN-11）"),),
          effects=(lambda ctx: ctx.open_deadline("PEN-26", start=ctx.on_date),)),
        T("decline_filing", "不予立案", ("registered",), "not_filed", "case_filing_declined", rule="PEN-26",
          inputs=(Field("reason", "不予立案理由", "textarea", required=True),
                  Field("head_approved", "经机关负责人批准", "bool")),
          effects=(lambda ctx: ctx.close_deadline("PEN-26"),)),
        T("file", "立案", ("registered",), "filed", "case_filed", rule="PEN-26",
          guards=(g.matter_with_basis, g.entrustment_in_force, g.within_limitation, g.within_jurisdiction,
                  g.conflicts_declared, g.two_certified_officers),
          inputs=(OFFICERS, Field("head_approved", "经机关负责人批准立案", "bool", required=True),
                  Field("opinion", "立案意见", "textarea", required=True)),
          effects=(issue_number("case"), lambda ctx: setattr(ctx.case, "filed_on", ctx.on_date),
                   lambda ctx: ctx.close_deadline("PEN-26"),
                   lambda ctx: ctx.open_deadline("PEN-34", start=ctx.on_date)),
          after_commit=(generate_after_commit("filing_approval"),)),
        T("record_inspection", "现场检查（勘验）笔录", ("filed",), None, "case_inspection_recorded", rule="PEN-27",
          guards=(g.two_certified_officers, g.certificates_shown, av_recording_guard("record_inspection")),
          inputs=(OFFICERS, CERTS_SHOWN, Field("place", "检查地点", required=True),
                  Field("findings", "检查情况", "textarea", required=True),
                  Field("party_signed", "当事人签字确认", "bool"), Field("refusal_note", "拒绝签字情况", "textarea")),
          after_commit=(generate_after_commit("inspection_record"),)),
        T("record_interview", "询问笔录", ("filed",), None, "case_interview_recorded", rule="PEN-27",
          guards=(g.two_certified_officers, g.certificates_shown),
          inputs=(OFFICERS, CERTS_SHOWN, Field("interviewee", "被询问人", required=True),
                  Field("content", "询问内容", "textarea", required=True),
                  Field("party_signed", "被询问人签字确认", "bool")),
          after_commit=(generate_after_commit("interview_record"),)),
        T("preserve_evidence", "先行登记保存", ("filed",), None, "case_evidence_preserved", rule="PEN-28",
          guards=(g.two_certified_officers, preservation_approved),
          inputs=(OFFICERS, Field("items", "保存物品清单", "textarea", required=True),
                  Field("head_approved", "经机关负责人批准", "bool"),
                  Field("emergency_reported", "情况紧急，已于24小时内报告", "bool"),
                  Field("party_signed", "当事人签字确认清单", "bool")),
          effects=(lambda ctx: ctx.open_deadline("PEN-28", start=ctx.on_date),),
          after_commit=(generate_after_commit("preservation_notice"),)),
        T("preservation_decide", "先行登记保存处理决定", ("filed",), None, "case_preservation_decided", rule="PEN-28",
          guards=(preservation_in_time,),
          inputs=(Field("decision", "处理决定", "choice", required=True, choices=(
              ("release", "解除先行登记保存"), ("seize", "依法采取查封、扣押"), ("transfer", "移送有关机关"),
              ("confiscate", "依法予以没收"), ("test", "送检验检测"))),
                  Field("note", "说明", "textarea")),
          effects=(lambda ctx: ctx.close_deadline("PEN-28"),)),
        T("seize", "查封、扣押（行政强制措施）", ("filed",), None, "case_property_seized", rule="COE-04",
          guards=(g.two_certified_officers, g.certificates_shown, av_recording_guard("seize")),
          inputs=(OFFICERS, CERTS_SHOWN, Field("items", "查封、扣押财物清单", "textarea", required=True),
                  Field("head_approved", "经机关负责人批准", "bool", required=True))),
        T("apply_recusal", "当事人申请回避", BEFORE_DECISION, None, "case_recusal_applied", rule="PEN-17",
          inputs=(Field("officer", "申请回避的执法人员", "officers", required=True),
                  Field("reason", "申请理由", "textarea", required=True))),
        T("decide_recusal", "回避决定", BEFORE_DECISION, None, "case_recusal_decided", rule="PEN-17",
          inputs=(Field("granted", "决定回避", "bool"), Field("reason", "决定理由", "textarea", required=True)),
          effects=(lambda ctx: ctx.case.case_officers.filter(
              officer_id__in=(ctx.case.data.get("apply_recusal") or {}).get("officer", [])).update(recused=True)
              if ctx.data.get("granted") else None,)),
        T("extend_decision_limit", "延长办案期限", BEFORE_DECISION, None, "case_decision_limit_extended",
          rule="PEN-34", guards=(extension_approved,),
          inputs=(Field("reason", "延长理由", "textarea", required=True),
                  Field("head_approved", "经机关负责人批准", "bool"),
                  Field("collective_discussion_ref", "集体讨论记录编号", help="再次延长须经集体讨论"),
                  Field("new_due_on", "集体讨论确定的期限", "date")),
          effects=(extension_effect,)),
        T("refer_crime", "移送司法机关", ("filed", "investigated"), "referred", "case_referred_for_crime",
          rule="PEN-41",
          inputs=(Field("organ", "接收移送的司法机关", required=True),
                  Field("reason", "涉嫌犯罪的事实和理由", "textarea", required=True),
                  Field("items", "随案移送的涉案物品", "textarea")),
          effects=(lambda ctx: ctx.close_deadline("PEN-34", "PEN-26"),)),
        T("conclude_investigation", "调查终结", ("filed",), "investigated", "case_investigation_concluded",
          rule="PEN-29", guards=(no_open_preservation, evidence_recorded, g.two_certified_officers),
          inputs=(Field("report", "调查终结报告", "textarea", required=True),)),
        T("propose", "拟处理意见（案件审查）", ("investigated",), None, "case_decision_proposed", rule="PEN-29",
          guards=(g.penalty_types_lawful, g.minors, crime_goes_to_referral, discretion_within_benchmark,
                  correction_ordered, g.basis_version_in_force, g.higher_fine_norm_applied,
                  *RELIED_EVIDENCE_GUARDS),  # PEN-21, PEN-15, PEN-14: the evidence the findings rely on
          inputs=(Field("outcome", "处理意见", "choice", required=True, choices=(
              ("penalty", "给予行政处罚"), ("no_penalty", "不予行政处罚"), ("refer", "移送司法机关"))),
                  PENALTY_TYPES, FINE, Field("confiscation_value", "没收违法所得或非法财物价值（元）", "decimal", min_value=0),
                  Field("illegal_gains", "违法所得金额（元）", "decimal", min_value=0,
                        help="按违法所得倍数计罚的事项据此计算罚款幅度（规则 REV-09、PEN-06）"),
                  Field("goods_value", "货值金额（元）", "decimal", min_value=0,
                        help="按货值金额倍数计罚的事项据此计算罚款幅度（规则 REV-09、PEN-06）"),
                  g.OTHER_MATTERS,
                  Field("circumstances", "裁量情节", "multichoice", choices=CIRCUMSTANCES),
                  Field("mitigating", "应当从轻减轻情形（PEN-09）", "multichoice", choices=MITIGATING),
                  Field("correction_order", "责令改正内容", "textarea"),
                  Field("public_interest", "涉及重大公共利益", "bool"),
                  Field("complex", "疑难复杂、涉及多个法律关系", "bool"),
                  Field("serious", "情节复杂或者重大违法行为", "bool"),
                  Field("suspected_crime", "涉嫌犯罪", "bool"),
                  RELIED_EVIDENCE,
                  Field("reasons_evidence", "证据采信理由", "textarea", required=True),
                  Field("reasons_basis", "依据适用理由", "textarea", required=True),
                  Field("reasons_discretion", "裁量理由", "textarea", required=True),
                  Field("deviation_reason", "偏离裁量基准的理由", "textarea")),
          effects=(propose_effect,)),
        T("serve_notice", "送达行政处罚事先告知书", ("investigated",), "notified", "case_notice_served",
          rule="PEN-18", guards=(has_proposal, proposal_is_penalty, hearing_right_told, g.recusal_resolved,
                                 service_date_possible, av_for_lodged_service),
          inputs=(Field("method", "送达方式", "choice", required=True, choices=SERVICE_METHODS),
                  Field("served_on", "送达日期", "date", required=True),
                  Field("hearing_right_told", "已告知听证权利", "bool")),
          effects=(notice_effect,),
          after_commit=(generate_after_commit("pre_decision_notice"),)),
        T("receive_statement", "陈述申辩及复核", ("notified", "heard"), None, "case_statement_received",
          rule="PEN-19",
          inputs=(Field("statement", "当事人陈述、申辩意见", "textarea", required=True),
                  Field("review_note", "复核意见（逐项回应）", "textarea", required=True),
                  Field("adopted", "意见成立，予以采纳", "bool"))),
        T("waive_rights", "当事人书面放弃陈述申辩", ("notified",), None, "case_rights_waived", rule="PEN-20",
          inputs=(Field("waiver_document", "书面放弃声明（文书编号或说明）", required=True),)),
        T("request_hearing", "当事人要求听证", ("notified",), "hearing", "case_hearing_requested", rule="PEN-31",
          guards=(hearing_request_in_time,),
          inputs=(Field("received_on", "收到申请日期", "date", required=True),
                  Field("postmarked_on", "邮寄的邮戳日期", "date")),
          effects=(lambda ctx: ctx.close_deadline("PEN-31", "PEN-20"),)),
        T("schedule_hearing", "通知听证", ("hearing",), None, "case_hearing_scheduled", rule="PEN-31",
          guards=(hearing_schedule_lawful,),
          inputs=(Field("hearing_date", "听证日期", "date", required=True),
                  Field("place", "听证地点", required=True),
                  Field("presider", "听证主持人（执法人员编号）", "int", required=True),
                  Field("notice_served_on", "听证通知送达日期", "date", required=True),
                  Field("agents", "委托代理人人数", "int", min_value=0),
                  Field("public", "公开举行", "bool"),
                  Field("non_public_reason", "不公开理由", "textarea")),
          after_commit=(generate_after_commit("hearing_notice"),)),
        T("hold_hearing", "举行听证（听证笔录）", ("hearing",), "heard", "case_hearing_held", rule="PEN-31",
          guards=(transcript_signed, av_recording_guard("hold_hearing")),
          inputs=(Field("transcript", "听证笔录", "textarea", required=True),
                  Field("signed", "当事人核对签字", "bool"),
                  Field("refusal_note", "拒绝签字的注明", "textarea"),
                  Field("party_absent", "当事人无正当理由拒不到场（视为放弃听证）", "bool")),
          after_commit=(generate_after_commit("hearing_record"),)),
        T("reinvestigate", "补充调查（重新告知）", ("notified", "hearing", "heard"), "filed", "case_reinvestigated",
          rule="PEN-19",
          inputs=(Field("new_facts", "告知后发现的新的事实或证据", "textarea", required=True,
                        help="补充调查只能因告知后新发现的事实或证据，不得因当事人的陈述、申辩或者要求听证而加重处罚"
                             "（行政处罚法第四十五条，规则 PEN-19）。原告知书及当事人的陈述申辩记录予以保留，"
                             "补充调查后须重新提出拟处理意见并送达新的告知书。"),
                  Field("not_due_to_defence", "确认：补充调查不是因为当事人的陈述、申辩或者听证", "bool", required=True)),
          effects=(reinvestigate_effect,)),
        T("decide", "作出行政处罚决定", ("investigated", "notified", "hearing", "heard"), "decided", "case_decided",
          rule="PEN-33",
          guards=(has_proposal, not_heavier_than_notified, decidable_outcome, no_unreferred_crime,
                  proposal_evidence_still_admissible, party_heard,
                  g.recusal_resolved, within_decision_limit, g.two_certified_officers, education_for_no_penalty,
                  g.no_double_fine, legal_review_gate, collective_discussion_gate),
          inputs=(Field("performance", "履行方式和期限", "textarea", required=True),
                  Field("remedies", "申请行政复议、提起行政诉讼的途径和期限", "textarea", required=True),
                  Field("statement_adopted", "陈述申辩采纳情况及理由", "textarea"),
                  Field("education_record", "教育记录（不予处罚时）", "textarea"),
                  Field("head_signed", "机关负责人签发", "bool", required=True)),
          effects=(decision_number, decide_effect),
          after_commit=(generate_after_commit("penalty_decision", only_if=lambda case: not no_penalty(case)),
                        generate_after_commit("no_penalty_decision", only_if=no_penalty))),
        T("serve_decision", "送达处罚决定书", ("decided",), "executing", "case_decision_served", rule="PEN-35",
          guards=(service_date_possible, electronic_service_consented, service_in_time, av_for_lodged_service),
          inputs=(Field("method", "送达方式", "choice", required=True, choices=SERVICE_METHODS),
                  Field("served_on", "送达日期", "date", required=True),
                  Field("electronic_consent", "当事人同意电子送达并签订确认书", "bool")),
          effects=(serve_decision_effect, publish_decision),
          after_commit=(generate_after_commit("service_receipt"),)),
        T("approve_instalments", "批准暂缓或分期缴纳", ("executing",), None, "case_instalments_approved",
          rule="PEN-36", guards=(instalments_approved,),
          inputs=(Field("plan", "暂缓或分期方案", "textarea", required=True),
                  Field("last_due_on", "最后一期缴纳期限", "date", required=True),
                  Field("head_approved", "经机关批准", "bool")),
          effects=(instalments_effect,)),
        T("record_payment", "登记缴款", ("executing", "court_enforcement"), None, "case_payment_recorded",
          rule="PEN-37", guards=(lawful_payment_method, no_hearing_fee),
          inputs=(Field("amount", "缴款金额（元）", "decimal", required=True, min_value=Decimal("0.01")),
                  Field("paid_on", "缴款日期", "date", required=True),
                  Field("method", "缴款方式", "choice", required=True, choices=PAYMENT_METHODS),
                  Field("purpose", "款项", "choice", choices=PAYMENT_PURPOSES, help="不填为罚款")),
          effects=(record_payment_effect,)),
        T("remind", "催告", ("executing",), None, "case_payment_reminded", rule="PEN-38",
          guards=(payment_overdue,),
          inputs=(Field("served_on", "催告书送达日期", "date", required=True),),
          after_commit=(generate_after_commit("payment_reminder"),)),
        T("apply_court", "申请人民法院强制执行", ("executing",), "court_enforcement", "case_court_enforcement_applied",
          rule="PEN-38", guards=(payment_overdue,),
          inputs=(Field("court", "人民法院", required=True), Field("applied_on", "申请日期", "date", required=True))),
        T("record_court_result", "登记法院执行结果", ("court_enforcement",), None, "case_court_result_recorded",
          rule="PEN-38",
          inputs=(Field("result", "执行结果", "textarea", required=True),),
          effects=(lambda ctx: ctx.set_data("court_result", ctx.data["result"]),)),
        T("close", "结案", ("executing", "court_enforcement"), "closed", "case_closed", rule="REC-04",
          guards=(paid_in_full,),
          inputs=(Field("summary", "结案报告", "textarea", required=True),),
          effects=(lambda ctx: setattr(ctx.case, "closed_on", ctx.on_date),),
          after_commit=(generate_after_commit("closing_report"),)),
        T("revoke_decision", "决定被撤销、变更或确认违法", ("decided", "executing", "court_enforcement", "closed"),
          "revoked", "case_decision_revoked", rule="PUB-05",
          inputs=(Field("kind", "情形", "choice", required=True, choices=REVOCATION_KINDS),
                  Field("organ", "作出机关（复议机关、人民法院或本机关）", required=True),
                  Field("document", "决定书或判决书文号", required=True)),
          effects=(withdraw_publication,)),
        T("archive", "移交归档", ("closed", "not_filed", "referred", "revoked"), "archived", "case_archived",
          rule="REC-04",
          after_commit=(archive_after_commit,)),
    ),
))
