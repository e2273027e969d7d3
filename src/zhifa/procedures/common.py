"""Inputs and effects the penalty procedures share."""

from __future__ import annotations

from decimal import Decimal

from zhifa.cases.engine import TransitionContext, guard
from zhifa.cases.inputs import Field
from zhifa.cases.services import number_issue
from zhifa.catalog.models import PenaltyType
from zhifa.core.deadlines import late_surcharge

OFFICERS = Field("officers", "参与执法人员", "officers", help="本环节在场的执法人员（不少于两人，规则 PEN-16）；不填为全体承办人员。")
CERTS_SHOWN = Field("certificates_shown", "已主动出示执法证件", "bool", help="规则 PEN-27、P5")
PENALTY_TYPES = Field("penalty_types", "处罚种类", "multichoice", choices=tuple(PenaltyType.choices))
FINE = Field("fine_amount", "罚款金额（元）", "decimal", min_value=0)
SERVICE_METHODS = (("direct", "直接送达"), ("left", "留置送达"), ("electronic", "电子送达"), ("mail", "邮寄送达"),
                   ("public_notice", "公告送达"))
PAYMENT_METHODS = (("bank", "指定银行缴纳"), ("electronic", "电子支付"), ("on_spot", "当场收缴"),
                   ("cash_to_agency", "向执法机关缴纳现金"))


def _d(value) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


def fine_of(case) -> Decimal:
    """The fine the decision imposed (0 when none)."""
    decision = case.data.get("propose") or case.data.get("decide_on_spot") or {}
    if PenaltyType.FINE not in (decision.get("penalty_types") or []):
        return Decimal("0")
    return _d(decision.get("fine_amount"))


def paid_total(case) -> Decimal:
    return sum((_d(p["amount"]) for p in case.data.get("payments", [])), Decimal("0"))


def amount_owed(case, *, on) -> tuple[Decimal, Decimal]:
    """(fine, surcharge as of `on`) — PEN-38: 3 % a day from the day after the payment deadline,
    capped at the fine; instalments approved under PEN-36 move the deadline."""
    fine = fine_of(case)
    surcharge = Decimal("0")
    due = case.data.get("pay_due")
    if fine and due:
        import datetime as dt

        due_date = dt.date.fromisoformat(due)
        last_paid = max((dt.date.fromisoformat(p["paid_on"]) for p in case.data.get("payments", [])), default=on)
        settle = on if paid_total(case) < fine else min(on, last_paid)
        surcharge = late_surcharge(fine=fine, due=due_date, paid_on=settle).amount
    return fine, surcharge


@guard("PEN-37", "罚款缴纳方式", needs_input=True)
def lawful_payment_method(ctx: TransitionContext) -> None:
    """PEN-37 (Art. 67): fines are paid to the designated bank or electronically; the agency
    takes cash only on the spot under PEN-25."""
    method = ctx.data.get("method")
    if method == "cash_to_agency":
        ctx.refuse("PEN-37", "作出罚款决定的行政机关应当与收缴罚款的机构分离，不得由执法机关收取现金"
                             "（当场收缴除外，行政处罚法第六十七条，规则 PEN-37）。", field="method")
    if method == "on_spot" and "collect_on_spot" not in ctx.case.data:
        ctx.refuse("PEN-25", "未依法作出当场收缴的，不得当场收缴罚款（规则 PEN-25）。", field="method")


def record_payment_effect(ctx: TransitionContext) -> None:
    payments = list(ctx.case.data.get("payments", []))
    payments.append({"amount": ctx.data["amount"], "paid_on": ctx.data["paid_on"], "method": ctx.data["method"],
                     "purpose": ctx.data.get("purpose") or "fine", "entry": ctx.entry.seq})
    ctx.set_data("payments", payments)
    fine, surcharge = amount_owed(ctx.case, on=ctx.on_date)
    ctx.set_data("surcharge", str(surcharge))
    if paid_total(ctx.case) >= fine + surcharge:
        ctx.close_deadline("PEN-37")


@guard("PEN-37", "罚款及加处罚款已缴清")
def paid_in_full(ctx: TransitionContext) -> None:
    fine, surcharge = amount_owed(ctx.case, on=ctx.on_date)
    paid = paid_total(ctx.case)
    if fine and paid < fine + surcharge and "court_result" not in ctx.case.data:
        owed = fine + surcharge - paid
        ctx.refuse("PEN-37", f"罚款{fine}元、加处罚款{surcharge}元尚欠{owed}元未缴清，不能结案"
                             "（规则 PEN-37、PEN-38）。")


def issue_number(series: str):
    def effect(ctx: TransitionContext) -> None:
        number = number_issue(agency=ctx.case.agency, series=series, on_date=ctx.on_date)
        if series == "case" or not ctx.case.number:
            ctx.case.number = number
        ctx.set_data(f"{series}_number", number)
    return effect
