"""Every template of the registry renders from case data; the required contents are enforced."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.cases.models import Case
from zhifa.documents.formatting import rmb_upper
from zhifa.documents.models import DocumentRequest
from zhifa.documents.registry import REGISTRY

from .helpers import docx_text, generate, pdf_text, squash
from django.utils import timezone

EXTRA = {
    "hearing_notice": {"hearing_date": "2026-12-10", "place": "本局三楼听证室", "presider": "赵敏", "public": True},
    "hearing_record": {"transcript": "主持人：请调查人员陈述案件事实。调查人员：……", "recorder": "刘洋", "signed": True},
    "collective_discussion": {"chair": "陈局长", "attendees": ["陈局长", "周副局长", "法制科科长"],
                              "discussion": "与会人员一致认为事实清楚、证据确凿。", "conclusion": "同意按拟处理意见作出处罚决定。"},
    "interview_record": {"interviewee": "李四", "content": "问：你店是否取得食品经营许可证？答：没有。"},
    "preservation_notice": {"items": "熟食二十公斤（详见清单）", "storage_place": "当事人店内冷柜"},
    "on_spot_decision": {"violation": "在禁止区域占道经营", "penalty_types": ["fine"], "fine_amount": "150",
                         "place": "江川市清河区河滨路路口", "at": "2026年11月30日10时20分", "refusal_note": "当事人拒绝签收"},
    "service_receipt": {"method": "direct", "served_on": "2026-11-30", "recipient": "李四"},
    "payment_reminder": {"pay_due": (timezone.localdate() - dt.timedelta(days=60)).isoformat()},
    "no_penalty_decision": {"outcome": "no_penalty", "circumstances": ["no_fault"],
                            "education_record": "已向当事人讲解食品经营许可的规定"},
}
EXPECT = {
    "filing_approval": ["立案审批表", "投诉举报"],
    "inspection_record": ["现场检查（勘验）笔录", "出示执法证件"],
    "interview_record": ["询问笔录", "是否取得食品经营许可证"],
    "preservation_notice": ["先行登记保存通知书", "七个工作日内", "熟食二十公斤"],
    "pre_decision_notice": ["行政处罚事先告知书", "要求听证的权利"],
    "hearing_notice": ["听证通知书", "本局三楼听证室", "赵敏", "2026年12月10日", "公开举行"],
    "hearing_record": ["听证笔录", "请调查人员陈述案件事实"],
    "collective_discussion": ["集体讨论记录", "同意按拟处理意见作出处罚决定"],
    "penalty_decision": ["行政处罚决定书", "救济途径和期限"],
    "no_penalty_decision": ["不予行政处罚决定书", "没有主观过错", "第三十三条第二款", "已向当事人讲解食品经营许可的规定",
                            "救济途径和期限"],
    "on_spot_decision": ["当场行政处罚决定书", "在禁止区域占道经营", "人民币壹佰伍拾元整", "江川市清河区河滨路路口",
                        "六十日内", "JC0001", "JC0002"],
    "service_receipt": ["送达回证", "直接送达", "行政处罚决定书"],
    "payment_reminder": ["催告书", "加处罚款", "十日内", "已达罚款数额上限"],
    "closing_report": ["结案报告", "同意结案"],
}


# Letters and decisions to the party carry the agency's seal; records and internal forms are signed.
SEALED = {"preservation_notice", "pre_decision_notice", "hearing_notice", "penalty_decision", "on_spot_decision",
          "service_receipt", "payment_reminder", "no_penalty_decision"}


def test_every_template_renders(decided_case, actor, django_capture_on_commit_callbacks):
    assert set(EXPECT) == set(REGISTRY)
    order = [c for c in REGISTRY if c not in ("service_receipt", "payment_reminder", "closing_report")] + [
        "service_receipt", "payment_reminder", "closing_report"]
    for code in order:
        req = generate(decided_case, code, actor, django_capture_on_commit_callbacks, extra=EXTRA.get(code))
        assert req.status == DocumentRequest.Status.DONE, (code, req.error)
        doc = req.document
        text = squash(pdf_text(doc))
        for expected in [doc.number, "江川市市场监督管理局", *EXPECT[code]]:
            assert squash(expected) in text, (code, expected)
        assert ("（印章）" in text) == (code in SEALED), code
        dtext = docx_text(doc)
        assert doc.number in dtext and REGISTRY[code].title in dtext, code
        assert doc.template_version == REGISTRY[code].version


def test_onspot_decision_refused_without_pen24_fields(case, actor, django_capture_on_commit_callbacks):
    req = generate(case, "on_spot_decision", actor, django_capture_on_commit_callbacks,
                   extra={"violation": "占道经营"})
    assert req.status == DocumentRequest.Status.FAILED
    assert "PEN-24" in req.error and "处罚种类" in req.error


def test_notice_refused_without_intended_penalty(case, actor, django_capture_on_commit_callbacks):
    req = generate(case, "pre_decision_notice", actor, django_capture_on_commit_callbacks)
    assert req.status == DocumentRequest.Status.FAILED and "PEN-18" in req.error


def test_decision_refused_without_party_address(decided_case, actor, django_capture_on_commit_callbacks):
    from zhifa.cases.models import Party

    Party.objects.filter(case=decided_case).update(address="")
    req = generate(decided_case, "penalty_decision", actor, django_capture_on_commit_callbacks)
    assert req.status == DocumentRequest.Status.FAILED and "当事人地址" in req.error


def test_decision_number_recorded_by_the_procedure_is_used(decided_case, actor, django_capture_on_commit_callbacks):
    data = dict(decided_case.data)
    data["penalty_decision_number"] = "江川市监罚决〔2026〕88号"
    Case.objects.filter(pk=decided_case.pk).update(data=data)
    doc = generate(decided_case, "penalty_decision", actor, django_capture_on_commit_callbacks).document
    assert doc.number == "江川市监罚决〔2026〕88号"


@pytest.mark.parametrize("amount, text", [
    ("0", "零元整"), ("0.05", "伍分"), ("0.5", "伍角"), ("1", "壹元整"), ("10", "壹拾元整"), ("105", "壹佰零伍元整"),
    ("1005.5", "壹仟零伍元伍角"), ("1000.05", "壹仟元零伍分"), ("50000", "伍万元整"), ("52000", "伍万贰仟元整"),
    ("100010", "壹拾万零壹拾元整"), ("12345678.9", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角"),
    ("100000000", "壹亿元整"), ("100000001", "壹亿零壹元整"), ("1010000", "壹佰零壹万元整"),
])
def test_rmb_upper(amount, text):
    assert rmb_upper(Decimal(amount)) == text


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_rmb_upper_uses_only_amount_characters(value):
    out = rmb_upper(value)
    assert out and set(out) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    assert not out.startswith("零") or value < 1


def test_no_penalty_decision_only_for_a_no_penalty_outcome_with_education(decided_case, actor,
                                                                          django_capture_on_commit_callbacks):
    req = generate(decided_case, "no_penalty_decision", actor, django_capture_on_commit_callbacks)
    assert req.status == DocumentRequest.Status.FAILED and "PEN-10" in req.error  # the proposal is a penalty
    req = generate(decided_case, "no_penalty_decision", actor, django_capture_on_commit_callbacks,
                   extra={"outcome": "no_penalty", "circumstances": ["no_fault"]})
    assert req.status == DocumentRequest.Status.FAILED and "教育记录" in req.error
