"""The penalty procedures generate their documents after each step commits (generate_after_commit),
with the numbers the procedure issued and the data the steps recorded."""

import datetime as dt

from zhifa.cases.engine import case_transition
from zhifa.cases.testing import person_party, register_case
from zhifa.documents.models import Document, DocumentRequest

from .helpers import pdf_text, squash
from django.utils import timezone

TODAY = timezone.localdate()
PROPOSAL = {"outcome": "penalty", "penalty_types": ["warning", "fine"], "fine_amount": "20000",
            "correction_order": "责令立即建立进货查验记录制度", "reasons_evidence": "现场检查笔录与询问笔录相互印证",
            "reasons_basis": "违反食品安全法第五十三条，依据第一百二十六条", "reasons_discretion": "属一般情形，按一般档次裁量"}


def _dated_move(w, capture):
    """move(case, action, data, days_ago=…, execute=…): a step dated `days_ago` days back, its
    after-commit hooks (the documents) run at once, or held and returned when execute=False."""
    def move(case, action, data=None, days_ago=0, execute=True, **kw):
        with capture(execute=execute) as hooks:
            case_transition(case=case, action=action, actor=w.actor, data=data or {},
                            on_date=TODAY - dt.timedelta(days=days_ago), **kw)
        return hooks
    return move


def test_ordinary_procedure_documents(penalty_world, django_capture_on_commit_callbacks):
    w = penalty_world
    move = _dated_move(w, django_capture_on_commit_callbacks)
    case = register_case(w)
    served = TODAY - dt.timedelta(days=20)  # the statement window has run out by today
    move(case, "file", {"head_approved": True, "opinion": "符合立案条件"}, days_ago=20)
    move(case, "record_inspection", {"certificates_shown": True, "place": "经营场所后厨", "findings": "未建立进货查验记录",
                                     "party_signed": True}, days_ago=20)
    move(case, "conclude_investigation", {"report": "调查终结"}, days_ago=20)
    move(case, "propose", PROPOSAL, warn_reason="事实见现场检查笔录（测试未上传证据文件）", days_ago=20)
    move(case, "serve_notice", {"method": "direct", "served_on": served.isoformat()})
    move(case, "decide", {"performance": "自收到本决定书之日起十五日内缴纳罚款",
                          "remedies": "可在六十日内向江川市人民政府申请行政复议，或在六个月内向人民法院提起行政诉讼",
                          "head_signed": True})
    move(case, "serve_decision", {"method": "direct", "served_on": TODAY.isoformat()})
    move(case, "record_payment", {"amount": "20000", "paid_on": TODAY.isoformat(), "method": "bank"})
    move(case, "close", {"summary": "已缴清罚款，结案"})
    case.refresh_from_db()

    failed = list(DocumentRequest.objects.filter(case=case).exclude(status="done").values_list("template", "error"))
    assert failed == []
    docs = {d.template: d for d in Document.objects.filter(case=case)}
    assert set(docs) == {"filing_approval", "inspection_record", "pre_decision_notice", "penalty_decision",
                         "service_receipt", "closing_report"}
    decision = docs["penalty_decision"]
    assert decision.number == case.data["penalty_decision_number"]
    assert decision.entry.action == "decide"
    text = squash(pdf_text(decision))
    for expected in ["江川市好味餐饮有限公司", "江川市清河区和平街8号", "人民币贰万元整", "责令立即建立进货查验记录制度",
                     "现场检查笔录与询问笔录相互印证", "违反食品安全法第五十三条", "按一般档次裁量", "一般",
                     "江川市人民政府", "百分之三加处罚款", "当事人在法定期限内未提出陈述、申辩意见"]:
        assert squash(expected) in text, expected
    assert case.number in squash(pdf_text(docs["filing_approval"]))
    inspection = squash(pdf_text(docs["inspection_record"]))
    assert "经营场所后厨" in inspection and "JCSC0000" in inspection and "当事人已核对并签名确认" in inspection
    assert decision.number in squash(pdf_text(docs["service_receipt"]))
    closing = squash(pdf_text(docs["closing_report"]))
    assert "已缴清罚款，结案" in closing and decision.number in closing


def test_simple_procedure_on_the_spot_decision(penalty_world, django_capture_on_commit_callbacks):
    w = penalty_world
    case = register_case(w, procedure="penalty_simple", parties=[person_party()], discovered_on=TODAY,
                         occurred_on=TODAY, place="江川市清河区人民路12号门前")
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="decide_on_spot", actor=w.actor, data={
            "certificates_shown": True, "facts_certain": True, "penalty_types": ["fine"], "fine_amount": "50",
            "violation": "未在经营场所醒目位置公示营业执照", "basis": "依据《中华人民共和国食品安全法》第一百二十六条第一款",
            "remedies": "可在六十日内申请行政复议或者六个月内提起行政诉讼", "refusal_note": "当事人拒绝签收"})
    case.refresh_from_db()
    doc = Document.objects.get(case=case, template="on_spot_decision")
    assert doc.number == case.data["on_spot_number"] == case.number
    text = squash(pdf_text(doc))
    for expected in ["当场行政处罚决定书", "陈小满", "未在经营场所醒目位置公示营业执照", "人民币伍拾元整",
                     "江川市清河区人民路12号门前", "第一百二十六条第一款", "六十日内", "江川市市场监督管理局",
                     "JCSC0000", "JCSC0001", "当事人拒绝签收"]:
        assert squash(expected) in text, expected


def test_no_penalty_decision_document(penalty_world, django_capture_on_commit_callbacks):
    """PEN-10 / PEN-29 (2): deciding not to penalise issues the 不予行政处罚决定书 (its own number
    series), not a 行政处罚决定书; it is the document served."""
    w = penalty_world
    move = _dated_move(w, django_capture_on_commit_callbacks)
    case = register_case(w, parties=[person_party()])
    move(case, "file", {"head_approved": True, "opinion": "符合立案条件"})
    move(case, "record_inspection", {"certificates_shown": True, "place": "经营场所", "findings": "进货查验记录不全",
                                     "party_signed": True})
    move(case, "conclude_investigation", {"report": "调查终结"})
    move(case, "propose", {"outcome": "no_penalty",
                           "circumstances": ["first_offence", "slight_harm", "corrected_promptly"],
                           "correction_order": "补建进货查验记录", "reasons_evidence": "检查笔录与进货单据相互印证",
                           "reasons_basis": "当事人首次违法，当场补建了记录", "reasons_discretion": "适用不予处罚档次"})
    move(case, "decide", {"performance": "无", "head_signed": True,
                          "remedies": "可在六十日内向江川市人民政府申请行政复议，或在六个月内向清河区人民法院提起行政诉讼",
                          "education_record": "向当事人讲解了食品安全法进货查验的规定，当事人表示今后严格执行"})
    move(case, "serve_decision", {"method": "direct", "served_on": TODAY.isoformat()})
    case.refresh_from_db()

    failed = list(DocumentRequest.objects.filter(case=case).exclude(status="done").values_list("template", "error"))
    assert failed == []
    docs = {d.template: d for d in Document.objects.filter(case=case)}
    assert "penalty_decision" not in docs and "penalty_decision_number" not in case.data
    decision = docs["no_penalty_decision"]
    assert decision.number == case.data["no_penalty_decision_number"]
    assert decision.number.startswith("江川市监不罚〔")
    assert decision.pdf_size > 0 and decision.entry.action == "decide"
    text = squash(pdf_text(decision))
    for expected in ["不予行政处罚决定书", decision.number, "陈小满", "江川市清河区人民路12号", "当事人未按规定建立进货查验记录",
                     "中华人民共和国食品安全法", "初次违法且危害后果轻微并及时改正", "第三十三条第一款",
                     "本机关决定对当事人不予行政处罚", "向当事人讲解了食品安全法进货查验的规定", "补建进货查验记录",
                     "六十日内向江川市人民政府申请行政复议", "江川市市场监督管理局", "（印章）"]:
        assert squash(expected) in text, expected
    assert "加处罚款" not in text  # no fine, no surcharge clause
    assert decision.number in squash(pdf_text(docs["service_receipt"]))


def _proposed(w, move):
    """A case filed, inspected, investigated and proposed, 45 to 38 days ago (PEN-19's first round)."""
    case = register_case(w)
    move(case, "file", {"head_approved": True, "opinion": "符合立案条件"}, days_ago=45)
    move(case, "record_inspection", {"certificates_shown": True, "place": "经营场所", "findings": "未建立进货查验记录"},
         days_ago=44)
    move(case, "conclude_investigation", {"report": "调查终结"}, days_ago=40)
    move(case, "propose", PROPOSAL, days_ago=38, warn_reason="事实见现场检查笔录（测试未上传证据文件）")
    return case


def test_renotification_issues_a_new_notice_and_the_decision_says_why(penalty_world, django_capture_on_commit_callbacks,
                                                                      client):
    """PEN-19: after 补充调查（重新告知） a second 行政处罚事先告知书 with its own number; the first stays.
    The decision tells of the superseded notice and shows the PEN-06 comparison of the cited norms."""
    w = penalty_world
    move = _dated_move(w, django_capture_on_commit_callbacks)
    case = _proposed(w, move)
    move(case, "serve_notice", {"method": "direct", "served_on": (TODAY - dt.timedelta(days=35)).isoformat()},
         days_ago=35)
    first = Document.objects.get(case=case, template="pre_decision_notice")
    move(case, "reinvestigate", {"new_facts": "查实当事人另有一批食品未查验进货", "not_due_to_defence": True}, days_ago=30)
    move(case, "conclude_investigation", {"report": "补充调查终结"}, days_ago=28)
    move(case, "propose", {**PROPOSAL, "fine_amount": "30000", "other_matters": "SC-CF-001"}, days_ago=27,
         warn_reason="事实见现场检查笔录（测试未上传证据文件）")
    move(case, "serve_notice", {"method": "direct", "served_on": (TODAY - dt.timedelta(days=25)).isoformat()},
         days_ago=25)
    move(case, "decide", {"performance": "自收到本决定书之日起十五日内缴纳罚款", "remedies": "六十日内申请行政复议或六个月内提起行政诉讼",
                          "head_signed": True})
    case.refresh_from_db()
    assert list(DocumentRequest.objects.filter(case=case).exclude(status="done").values_list("template", "error")) == []
    notices = list(Document.objects.filter(case=case, template="pre_decision_notice").order_by("pk"))
    assert len(notices) == 2 and notices[0] == first and notices[0].number != notices[1].number
    assert case.data["earlier_proposals"][0]["superseded"]["notice_document"] == first.number
    # The documents page marks the first notice as replaced, with the step's reason; the new one is in force.
    client.force_login(w.actor)
    page = client.get(f"/documents/cases/{case.pk}/").content.decode()
    row = page[page.index(first.number) - 1500:page.index(first.number)]
    assert "已由新的告知取代" in row and "查实当事人另有一批食品未查验进货" in row
    assert page.count("已由新的告知取代") == 1
    assert "人民币贰万元整" in squash(pdf_text(notices[0])) and "人民币叁万元整" in squash(pdf_text(notices[1]))
    text = squash(pdf_text(Document.objects.get(case=case, template="penalty_decision")))
    for expected in [first.number, "查实当事人另有一批食品未查验进货", "重新告知当事人", "当事人在法定期限内未提出陈述、申辩意见",
                     "人民币叁万元整",
                     "SC-CF-001", "人民币叁仟元整", "SC-CF-126", "按照罚款数额高的规定处罚"]:
        assert squash(expected) in text, expected


def test_a_notice_rendered_after_the_step_back_is_still_marked_replaced(penalty_world, django_capture_on_commit_callbacks,
                                                                        client):
    """The 告知书 is rendered in the background after its step commits; an officer may step back
    (PEN-19) before it is. It still states its own round's proposal, and the documents page finds it
    by its step, whenever it is made."""
    w = penalty_world
    move = _dated_move(w, django_capture_on_commit_callbacks)
    case = _proposed(w, move)
    pending = move(case, "serve_notice", {"method": "direct", "served_on": (TODAY - dt.timedelta(days=35)).isoformat()},
                   days_ago=35, execute=False)  # not rendered yet
    move(case, "reinvestigate", {"new_facts": "查实当事人另有一批食品未查验进货", "not_due_to_defence": True}, days_ago=30)
    assert not Document.objects.filter(case=case, template="pre_decision_notice").exists()
    assert pending  # the rendering waits for after the commit
    with django_capture_on_commit_callbacks(execute=True):
        for hook in pending:
            hook()  # the background rendering catches up
    notice = Document.objects.get(case=case, template="pre_decision_notice")
    assert "人民币贰万元整" in squash(pdf_text(notice))  # the superseded round's fine
    client.force_login(w.actor)
    page = client.get(f"/documents/cases/{case.pk}/").content.decode()
    assert page.count("已由新的告知取代") == 1
    assert "已由新的告知取代" in page[page.index(notice.number) - 1500:page.index(notice.number)]
