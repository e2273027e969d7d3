"""The gates on the real ordinary penalty procedure: a hearing held makes review mandatory
(REV-01 (2), PEN-32: review after the hearing); a pass lets the decision through; a statement
received after the pass voids it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.cases.testing import register_case
from zhifa.core.calendar import add_working_days
from zhifa.core.errors import DomainError
from zhifa.documents.services import document_generate
from zhifa.org import roles
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_resident_id
from zhifa.review import services
from zhifa.review.models import Review
from zhifa.review.requirements import expected_documents, materials_check

from .conftest import AGREE
from django.utils import timezone

TODAY = timezone.localdate()
PROPOSAL = {"outcome": "penalty", "penalty_types": ["fine", "suspend_business"], "fine_amount": "25000",
            "correction_order": "责令改正", "reasons_evidence": "笔录印证", "reasons_basis": "依据第126条",
            "reasons_discretion": "一般情形"}
DECISION = {"performance": "十五日内缴纳", "remedies": "复议或诉讼", "head_signed": True}


def _move(case, action, w, data, **kw):
    return case_transition(case=case, action=action, actor=w.actor, data=data, **kw)


def _heard_case(w):
    case = register_case(w)
    served = TODAY - dt.timedelta(days=40)
    _move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=served)
    _move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"}, on_date=served)
    _move(case, "conclude_investigation", w, {"report": "调查终结：事实清楚。"}, on_date=served)
    _move(case, "propose", w, PROPOSAL, warn_reason="事实见现场检查笔录（测试未上传证据文件）", on_date=served)
    _move(case, "serve_notice", w, {"method": "direct", "hearing_right_told": True, "served_on": served.isoformat()})
    _move(case, "request_hearing", w, {"received_on": TODAY.isoformat(),
                                       "postmarked_on": add_working_days(served, 3).isoformat()})
    notice_on = TODAY - dt.timedelta(days=20)
    _move(case, "schedule_hearing", w, {"place": "听证室", "presider": w.presider.pk, "public": True,
                                        "notice_served_on": notice_on.isoformat(),
                                        "hearing_date": add_working_days(notice_on, 7).isoformat()})
    _move(case, "hold_hearing", w, {"transcript": "听证笔录", "refusal_note": "当事人拒绝签字，已注明"})
    case.refresh_from_db()
    return case


@pytest.fixture
def reviewer(penalty_world):
    w = penalty_world
    legal = org.department_create(agency=w.agency, name="法制科", is_legal_review_body=True, actor=w.actor)
    officer = org.officer_register(name="钱律", id_number=make_resident_id("369102", dt.date(1986, 2, 3), 61),
                                   agency=w.agency, department=legal, legal_qualification_number="A2020001",
                                   actor=w.actor)
    user = get_user_model().objects.create_user("qianlv", password="x", agency=w.agency, officer=officer)
    user.groups.add(roles.ensure_groups()[roles.REVIEWER])
    return officer, user


def test_hearing_held_needs_review_then_passes_then_statement_voids(penalty_world, reviewer,
                                                                    django_capture_on_commit_callbacks):
    w = penalty_world
    officer, user = reviewer
    with django_capture_on_commit_callbacks(execute=False):  # the documents are not generated
        case = _heard_case(w)
    with pytest.raises(DomainError) as exc:
        services.review_submit(case=case, actor=w.actor)
    assert "documents" in exc.value.fields and "立案" in exc.value.fields["documents"]
    for code in {code for code, _ in expected_documents(case)}:
        with django_capture_on_commit_callbacks(execute=True):
            document_generate(case=case, template=code, actor=w.actor)
    with pytest.raises(TransitionRefused) as exc:
        _move(case, "decide", w, DECISION)
    assert exc.value.rule == "REV-01" and "听证" in exc.value.message
    assert {m["key"]: m["present"] for m in materials_check(case)} == {
        "proposal": True, "evidence": True, "investigation_report": True, "documents": True,
        "hearing_transcript": True}
    services.review_submit(case=case, actor=w.actor)
    review = Review.objects.get(case=case)
    services.review_assign(review=review, reviewer=officer, actor=w.actor)
    services.review_opinion_sign(review=review, actor=user, conclusion="agree", checklist=AGREE, summary="同意。")
    # The party's late statement after the pass changes the case: the pass is void (REV-01).
    _move(case, "receive_statement", w, {"statement": "补充申辩", "review_note": "逐项复核", "adopted": False})
    with pytest.raises(TransitionRefused) as exc:
        _move(case, "decide", w, DECISION)
    assert exc.value.code == "legal_review_void" and "陈述申辩" in exc.value.message
    services.review_submit(case=case, actor=w.actor, note="已复核当事人补充申辩")
    review.refresh_from_db()
    services.review_opinion_sign(review=review, actor=user, conclusion="agree", checklist=AGREE, summary="同意。")
    entry = _move(case, "decide", w, DECISION)
    assert entry.to_state == "decided"


def test_a_step_back_after_a_hearing_keeps_review_required_and_drops_the_pending_request(penalty_world):
    """补充调查（重新告知） (PEN-19): a hearing held on the superseded notice still means the case went
    through a hearing (REV-01 (2)); a hearing asked for on a superseded notice is no longer pending."""
    from zhifa.review.requirements import auto_checks, hearing_held, review_required

    w = penalty_world
    renotify = {"new_facts": "告知后查实新的违法事实", "not_due_to_defence": True}
    case = _heard_case(w)
    _move(case, "reinvestigate", w, renotify)
    case.refresh_from_db()
    assert "hold_hearing" not in case.data and hearing_held(case)
    assert any("REV-01" in r and "听证" in r for r in review_required(case))

    asked = register_case(w)
    _move(asked, "file", w, {"head_approved": True, "opinion": "立案"})
    _move(asked, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
    _move(asked, "conclude_investigation", w, {"report": "调查终结"})
    _move(asked, "propose", w, PROPOSAL, warn_reason="事实见现场检查笔录（测试未上传证据文件）")
    _move(asked, "serve_notice", w, {"method": "direct", "hearing_right_told": True, "served_on": TODAY.isoformat()})
    _move(asked, "request_hearing", w, {"received_on": TODAY.isoformat()})
    asked.refresh_from_db()
    assert not auto_checks(asked)["procedure"]["ok"]
    _move(asked, "reinvestigate", w, renotify)
    asked.refresh_from_db()
    assert auto_checks(asked)["procedure"]["ok"] and not hearing_held(asked)


# --- PEN-06 on the reviewer's page -----------------------------------------------------------------


def _submitted(w, proposal, django_capture_on_commit_callbacks, **kw):
    """A penalty_general case proposed with `proposal`, its documents rendered, sent to review."""
    case = register_case(w)
    with django_capture_on_commit_callbacks(execute=False):
        _move(case, "file", w, {"head_approved": True, "opinion": "立案"})
        _move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
        _move(case, "conclude_investigation", w, {"report": "调查终结：事实清楚。"})
        _move(case, "propose", w, proposal, **kw)
    case.refresh_from_db()
    for code in {code for code, _ in expected_documents(case)}:
        with django_capture_on_commit_callbacks(execute=True):
            document_generate(case=case, template=code, actor=w.actor)
    services.review_submit(case=case, actor=w.actor)
    return case, Review.objects.get(case=case)


def test_reviewer_sees_the_pen06_comparison_and_a_lower_own_matter_is_marked(penalty_world, reviewer,
                                                                             django_capture_on_commit_callbacks):
    from django.test import Client

    from zhifa.catalog import services as catalog
    from zhifa.cases.testing import _publish

    w = penalty_world
    _publish(catalog.matter_create(
        agency=w.agency, code="SC-CF-055", actor=w.actor, legal_bases=list(w.matter.legal_bases.all()), tiers=[],
        name="食品经营者未查验供货者许可证", kind=w.matter.kind, category=w.category, violation="同一行为",
        penalty_types=["warning", "fine"], fine_min="50000", fine_max="100000"), w.actor)
    _publish(catalog.matter_create(
        agency=w.agency, code="SC-CF-124", actor=w.actor, legal_bases=list(w.matter.legal_bases.all()), tiers=[],
        name="经营超过保质期的食品", kind=w.matter.kind, category=w.category, violation="同一行为",
        penalty_types=["fine"], multiple_min="10", multiple_max="20", multiple_of="goods_value"), w.actor)
    why = "两事项罚则竞合，经研究按进货查验规定处罚；另有证据未上传"
    case, review = _submitted(w, {**PROPOSAL, "other_matters": "SC-CF-055、SC-CF-124"},
                              django_capture_on_commit_callbacks, warn_reason=why)
    officer, user = reviewer
    services.review_assign(review=review, reviewer=officer, actor=w.actor)
    browser = Client()
    browser.force_login(user)
    page = browser.get(f"/review/{review.pk}/").content.decode()
    section = page[page.index("review-fine-comparison"):]
    section = section[:section.index("</section>")]
    assert "行政处罚法第二十九条" in section and "PEN-06" in section
    # Each cited matter with its code, name, maximum and how it was computed; the highest marked.
    assert "SC-CF-126 食品经营者未按规定建立并遵守进货查验记录制度" in section and "本案事项" in section
    assert ">50000<" in section and ">100000<" in section and "法定罚款上限" in section
    row = section[section.index('data-code="SC-CF-055"'):]
    assert "最高" in row[:row.index("</tr>")]
    own = section[section.index('data-code="SC-CF-126"'):]
    assert "最高" not in own[:own.index("</tr>")]
    # The own matter is not the highest, and one maximum cannot be computed (no 货值金额): both marked.
    warnings = section.count("review-pen06-warning")
    assert warnings == 2 and "不是同一违法行为所违反规定中最高的" in section
    assert "经营超过保质期的食品" in section and "本案未填写货值金额，无法计算" in section
    assert why in section  # the handling unit's reason
    # The REV-04 legal-basis item carries the warning and is left to the reviewer's judgement.
    item = page[page.index('data-key="legal_basis"'):]
    item = item[:item.index('data-key="discretion"')]
    assert "不是同一违法行为所违反规定中最高的" in item and "自动核验通过" not in item
    # Shown once, in its own section, not again as raw data of the proposal step.
    assert "fine_max_comparison" not in page and "own_is_highest" not in page
    case_page = browser.get(f"/review/case/{case.pk}/").content.decode()
    assert "review-fine-comparison" in case_page and "review-pen06-warning" in case_page


def test_no_pen06_comparison_without_other_matters(penalty_world, reviewer, django_capture_on_commit_callbacks):
    from django.test import Client

    w = penalty_world
    case, review = _submitted(w, PROPOSAL, django_capture_on_commit_callbacks,
                              warn_reason="事实见现场检查笔录（测试未上传证据文件）")
    officer, user = reviewer
    services.review_assign(review=review, reviewer=officer, actor=w.actor)
    browser = Client()
    browser.force_login(user)
    page = browser.get(f"/review/{review.pk}/").content.decode()
    assert "签署审核意见" in page  # the page itself is there
    assert "review-fine-comparison" not in page and "PEN-06" not in page and "第二十九条" not in page
    item = page[page.index('data-key="legal_basis"'):]
    assert "自动核验通过" in item[:item.index('data-key="discretion"')]
    assert "review-fine-comparison" not in browser.get(f"/review/case/{case.pk}/").content.decode()
