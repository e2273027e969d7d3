"""行政处罚简易程序 (当场处罚, 行政处罚法 Arts. 51–53, 68–71): the transition table.

on_spot ─decide_on_spot→ decided (collect_on_spot, hand_over_fine, record_payment)
─file_with_agency→ filed ─close→ closed ─archive→ archived.
"""

from __future__ import annotations

from decimal import Decimal

from zhifa.cases.engine import Procedure, Transition, TransitionContext, guard, register_procedure
from zhifa.cases.inputs import Field
from zhifa.catalog.discretion import simple_procedure_allowed
from zhifa.catalog.models import PenaltyType
from zhifa.catalog.services import setting_value
from zhifa.documents.services import generate_after_commit
from zhifa.records.archive import archive_after_commit

from . import guards as g
from .publish import publish_decision
from .common import (
    CERTS_SHOWN,
    FINE,
    OFFICERS,
    PAYMENT_METHODS,
    issue_number,
    lawful_payment_method,
    paid_in_full,
    record_payment_effect,
)

STATES = {
    "on_spot": "当场登记",
    "decided": "已当场决定",
    "filed": "已报所属机关备案",
    "closed": "已结案",
    "archived": "已归档",
}
SIMPLE_TYPES = ((PenaltyType.WARNING.value, PenaltyType.WARNING.label), (PenaltyType.FINE.value, PenaltyType.FINE.label))


@guard("PEN-23", "简易程序适用条件", needs_input=True)
def simple_eligible(ctx: TransitionContext) -> None:
    """PEN-23 (Art. 51): facts certain, a legal basis, and a warning or a fine up to 200 yuan
    (person, individual business included) / 3,000 yuan (organisation) — thresholds are CONFIG."""
    if not ctx.data.get("facts_certain"):
        ctx.refuse("PEN-23", "适用简易程序须违法事实确凿（规则 PEN-23）。", field="facts_certain")
    ok, message = simple_procedure_allowed(
        agency=ctx.case.agency, party_is_person=g.party_is_person(ctx.case),
        penalty_types=ctx.data.get("penalty_types") or [], fine_amount=ctx.data.get("fine_amount"))
    if not ok:
        ctx.refuse("PEN-23", message + "请改用普通程序。", field="fine_amount")
    if ctx.case.parties.filter(kind="individual_business").exists():
        ctx.warn("PEN-23", "个体工商户按自然人适用二百元以下的当场罚款限额（民法典第五十四条，规则 PEN-23）。")


@guard("PEN-24", "当场处罚决定书载明事项", needs_input=True)
def on_spot_form_complete(ctx: TransitionContext) -> None:
    """PEN-24 (Art. 52): the pre-printed, numbered form states the violation, penalty and basis,
    amount, time, place, remedies and agency; a refusal to sign is noted."""
    if ctx.case.occurred_on is None or not ctx.case.place:
        ctx.refuse("PEN-24", "当场处罚决定书应当载明违法行为的时间、地点（规则 PEN-24）。", field="occurred_on")
    if not ctx.data.get("party_signed") and not (ctx.data.get("refusal_note") or "").strip():
        ctx.refuse("PEN-24", "当事人拒绝签收的，应当在决定书上注明（规则 PEN-24）。", field="refusal_note")


@guard("PEN-25", "当场收缴条件", needs_input=True)
def on_spot_collection_allowed(ctx: TransitionContext) -> None:
    """PEN-25 (Arts. 68–70): only a fine up to 100 yuan, or one hard to enforce later, or in a
    remote area at the party's request; always against the official receipt."""
    decision = ctx.case.data.get("decide_on_spot") or {}
    fine = Decimal(decision.get("fine_amount") or "0")
    limit = Decimal(setting_value("on_spot_collect_max", agency=ctx.case.agency))
    if not fine:
        ctx.refuse("PEN-25", "本决定没有罚款，无需收缴。")
    if fine > limit and not ctx.data.get("hard_to_enforce") and not ctx.data.get("remote_area_request"):
        ctx.refuse("PEN-25", f"当场收缴限于{limit}元以下的罚款，或者不当场收缴事后难以执行的，"
                             "或者在边远、水上、交通不便地区当事人提出的（行政处罚法第六十八、六十九条，规则 PEN-25）。",
                   field="hard_to_enforce")


def collect_effect(ctx: TransitionContext) -> None:
    payments = list(ctx.case.data.get("payments", []))
    payments.append({"amount": ctx.case.data["decide_on_spot"]["fine_amount"], "paid_on": ctx.on_date.isoformat(),
                     "method": "on_spot", "receipt": ctx.data["receipt_number"], "entry": ctx.entry.seq})
    ctx.set_data("payments", payments)
    ctx.close_deadline("PEN-37")
    ctx.open_deadline("PEN-25", start=ctx.on_date)


@guard("PEN-25", "罚款交纳期限")
def hand_over_in_time(ctx: TransitionContext) -> None:
    due = ctx.deadline("PEN-25")
    if due is None or "collect_on_spot" not in ctx.case.data:
        ctx.refuse("PEN-25", "本案没有当场收缴的罚款。")
    elif ctx.on_date > due.due_on:
        ctx.warn("PEN-25", f"当场收缴的罚款应当自收缴之日起二日内交至行政机关（期限{due.due_on:%Y年%m月%d日}），"
                           "已逾期（规则 PEN-25）。")


@guard("REC-09", "备案期限")
def filing_in_time(ctx: TransitionContext) -> None:
    due = ctx.deadline("REC-09")
    if due is not None and ctx.on_date > due.due_on:
        ctx.warn("REC-09", f"当场处罚决定应当报所属行政机关备案（期限{due.due_on:%Y年%m月%d日}），已逾期（规则 REC-09）。")


def decide_on_spot_effect(ctx: TransitionContext) -> None:
    ctx.case.decided_on = ctx.on_date
    ctx.case.data["propose"] = {"outcome": "penalty", "penalty_types": ctx.data["penalty_types"],
                                "fine_amount": ctx.data.get("fine_amount"), "entry": ctx.entry.seq}
    ctx.open_deadline("REC-09", start=ctx.on_date)
    if ctx.data.get("fine_amount") and Decimal(ctx.data["fine_amount"]) > 0:
        due = ctx.open_deadline("PEN-37", start=ctx.on_date)  # handed over on the spot (PEN-24)
        ctx.set_data("pay_due", due.due_on.isoformat())


T = Transition
PROCEDURE = register_procedure(Procedure(
    name="penalty_simple",
    label="行政处罚简易程序（当场处罚）",
    kind="penalty",
    states=STATES,
    initial_action="register",
    terminal=("archived",),
    transitions=(
        T("register", "当场登记", ("",), "on_spot", "case_registered_on_spot", rule="PEN-23"),
        T("decide_on_spot", "当场作出行政处罚决定", ("on_spot",), "decided", "case_decided_on_spot", rule="PEN-24",
          guards=(g.matter_with_basis, g.two_certified_officers, g.certificates_shown, simple_eligible,
                  on_spot_form_complete, g.no_double_fine),
          inputs=(OFFICERS, CERTS_SHOWN,
                  Field("facts_certain", "违法事实确凿", "bool"),
                  Field("penalty_types", "处罚种类", "multichoice", required=True, choices=SIMPLE_TYPES), FINE,
                  Field("violation", "违法行为", "textarea", required=True),
                  Field("basis", "处罚依据", "textarea", required=True),
                  Field("remedies", "申请行政复议、提起行政诉讼的途径和期限", "textarea", required=True),
                  Field("party_signed", "当事人签收", "bool"), Field("refusal_note", "拒绝签收的注明", "textarea")),
          effects=(issue_number("on_spot"), decide_on_spot_effect, publish_decision),
          after_commit=(generate_after_commit("on_spot_decision"),)),
        T("collect_on_spot", "当场收缴罚款", ("decided",), None, "case_fine_collected_on_spot", rule="PEN-25",
          guards=(on_spot_collection_allowed,),
          inputs=(Field("receipt_number", "专用票据号码", required=True),
                  Field("hard_to_enforce", "不当场收缴事后难以执行", "bool"),
                  Field("remote_area_request", "边远、水上、交通不便地区当事人提出", "bool")),
          effects=(collect_effect,)),
        T("hand_over_fine", "罚款交至行政机关", ("decided", "filed"), None, "case_fine_handed_over", rule="PEN-25",
          guards=(hand_over_in_time,),
          inputs=(Field("handed_on", "交纳日期", "date", required=True),),
          effects=(lambda ctx: ctx.close_deadline("PEN-25"),)),
        T("record_payment", "登记缴款", ("decided", "filed"), None, "case_payment_recorded", rule="PEN-37",
          guards=(lawful_payment_method,),
          inputs=(Field("amount", "缴款金额（元）", "decimal", required=True, min_value=Decimal("0.01")),
                  Field("paid_on", "缴款日期", "date", required=True),
                  Field("method", "缴款方式", "choice", required=True, choices=PAYMENT_METHODS)),
          effects=(record_payment_effect,)),
        T("file_with_agency", "报所属机关备案", ("decided",), "filed", "case_on_spot_filed", rule="REC-09",
          guards=(filing_in_time,),
          effects=(lambda ctx: ctx.close_deadline("REC-09"),)),
        T("close", "结案", ("filed",), "closed", "case_closed", rule="REC-09",
          guards=(paid_in_full,),
          effects=(lambda ctx: setattr(ctx.case, "closed_on", ctx.on_date),)),
        T("archive", "移交归档", ("closed",), "archived", "case_archived", rule="REC-04",
          after_commit=(archive_after_commit,)),
    ),
))
