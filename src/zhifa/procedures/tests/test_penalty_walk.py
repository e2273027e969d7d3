"""A penalty case walked from registration to archiving through case_transition, and the
simple procedure from the on-the-spot decision to closure."""

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.cases.models import CaseDeadline, StatusEntry
from zhifa.cases.testing import person_party, register_case
from zhifa.ledger.models import Entry
from django.utils import timezone

TODAY = timezone.localdate()
NO_EVIDENCE = "事实见现场检查笔录（测试未上传证据文件，规则 PEN-14 提示）"


def move(case, action, world, data=None, **kw):
    return case_transition(case=case, action=action, actor=world.actor, data=data or {}, **kw)


def investigate(case, w):
    move(case, "file", w, {"head_approved": True, "opinion": "符合立案条件"})
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "经营场所", "findings": "未建立进货查验记录",
                                        "party_signed": True})
    move(case, "conclude_investigation", w, {"report": "调查终结"})


PROPOSAL = {"outcome": "penalty", "penalty_types": ["warning", "fine"], "fine_amount": "20000",
            "correction_order": "责令立即建立进货查验记录制度", "reasons_evidence": "现场检查笔录与询问笔录相互印证",
            "reasons_basis": "违反食品安全法第五十三条，依据第一百二十六条", "reasons_discretion": "一般情形"}


def test_ordinary_procedure_end_to_end(penalty_world):
    w = penalty_world
    case = register_case(w)
    assert case.state == "registered"
    assert case.deadlines.get(key="PEN-26").open
    investigate(case, w)
    case.refresh_from_db()
    assert case.number.startswith("江川市监立〔")
    assert case.filed_on == TODAY
    assert case.deadlines.filter(key="PEN-34", closed_at__isnull=True).exists()
    move(case, "propose", w, PROPOSAL, warn_reason=NO_EVIDENCE)
    case.refresh_from_db()
    assert case.data["propose"]["benchmark"]["tier"] == "general"
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()})
    move(case, "waive_rights", w, {"waiver_document": "当事人书面放弃陈述申辩声明"})
    move(case, "decide", w, {"performance": "自收到本决定书之日起十五日内缴纳", "remedies": "六十日内申请行政复议或六个月内提起行政诉讼",
                              "head_signed": True})
    case.refresh_from_db()
    assert case.state == "decided" and case.decided_on == TODAY
    assert case.data["penalty_decision_number"].startswith("江川市监罚决〔")
    move(case, "serve_decision", w, {"method": "direct", "served_on": TODAY.isoformat()})
    case.refresh_from_db()
    assert case.state == "executing"
    pay_due = dt.date.fromisoformat(case.data["pay_due"])
    assert pay_due >= TODAY + dt.timedelta(days=15)
    with pytest.raises(TransitionRefused) as exc:
        move(case, "close", w, {"summary": "结案"})
    assert exc.value.rule == "PEN-37"
    move(case, "record_payment", w, {"amount": "20000", "paid_on": TODAY.isoformat(), "method": "bank"})
    move(case, "close", w, {"summary": "已缴清罚款，结案"})
    move(case, "archive", w)
    case.refresh_from_db()
    assert case.state == "archived"
    entries = list(StatusEntry.objects.filter(case=case).values_list("action", flat=True))
    assert entries[:3] == ["register", "file", "record_inspection"]
    assert Entry.objects.filter(subject=f"cases.case:{case.pk}", kind="case_decided").count() == 1
    seqs = list(StatusEntry.objects.filter(case=case).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    # Every row the case's entries cover still hashes to what the ledger recorded.
    from zhifa.ledger.verify import ledger_verify

    report = ledger_verify()
    assert [p for p in report.problems if p["kind"].startswith("case_")] == []


def test_late_payment_adds_capped_surcharge(penalty_world):
    """PEN-38: 3 % a day from the day after the deadline, never more than the fine."""
    w = penalty_world
    ago = lambda n: TODAY - dt.timedelta(days=n)  # noqa: E731
    case = register_case(w, discovered_on=ago(120), occurred_on=ago(125))
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=ago(110))
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"},
         on_date=ago(109))
    move(case, "conclude_investigation", w, {"report": "终结"}, on_date=ago(100))
    move(case, "propose", w, PROPOSAL, on_date=ago(99), warn_reason=NO_EVIDENCE)
    move(case, "serve_notice", w, {"method": "direct", "served_on": ago(95).isoformat()}, on_date=ago(95))
    move(case, "decide", w, {"performance": "十五日内缴纳", "remedies": "复议或诉讼", "head_signed": True},
         on_date=ago(60))
    move(case, "serve_decision", w, {"method": "direct", "served_on": ago(60).isoformat()}, on_date=ago(60))
    # 60 days after service, the 15-day deadline is long past: the surcharge has reached the cap.
    move(case, "record_payment", w, {"amount": "20000", "paid_on": TODAY.isoformat(), "method": "bank"})
    case.refresh_from_db()
    assert Decimal(case.data["surcharge"]) == Decimal("20000.00")
    with pytest.raises(TransitionRefused) as exc:
        move(case, "close", w, {"summary": "结案"})
    assert "加处罚款20000.00元" in exc.value.message
    move(case, "record_payment", w, {"amount": "20000", "paid_on": TODAY.isoformat(), "method": "bank"})
    move(case, "close", w, {"summary": "罚款及加处罚款已缴清"})


def test_steps_run_forward_in_time(penalty_world):
    """REC-01: a step dated before the previous one, or in the future, is refused."""
    from zhifa.core.errors import DomainError

    w = penalty_world
    case = register_case(w, discovered_on=TODAY - dt.timedelta(days=10))
    with pytest.raises(DomainError) as exc:
        move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=TODAY - dt.timedelta(days=11))
    assert exc.value.rule == "REC-01" and "on_date" in exc.value.fields
    with pytest.raises(DomainError):
        move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=TODAY + dt.timedelta(days=1))
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=TODAY - dt.timedelta(days=10))


def test_simple_procedure_on_the_spot(penalty_world):
    w = penalty_world
    case = register_case(w, procedure="penalty_simple", parties=[person_party()], discovered_on=TODAY,
                         occurred_on=TODAY)
    assert case.state == "on_spot"
    move(case, "decide_on_spot", w, {"certificates_shown": True, "facts_certain": True, "penalty_types": ["fine"],
                                     "fine_amount": "50", "violation": "未公示营业执照",
                                     "basis": "依据……", "remedies": "复议或诉讼", "party_signed": True})
    case.refresh_from_db()
    assert case.number.startswith("江川市监当罚〔")
    assert case.deadlines.filter(key="REC-09", closed_at__isnull=True).exists()
    move(case, "collect_on_spot", w, {"receipt_number": "NO.0001"})
    move(case, "hand_over_fine", w, {"handed_on": TODAY.isoformat()})
    move(case, "file_with_agency", w)
    move(case, "close", w)
    case.refresh_from_db()
    assert case.state == "closed"
    assert not CaseDeadline.objects.filter(case=case, closed_at__isnull=True).exists()
