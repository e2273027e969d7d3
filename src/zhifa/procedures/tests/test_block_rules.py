"""Each BLOCK rule of the penalty procedures: the refusal (409 with the rule id, nothing written)
and the allowed path."""

import datetime as dt

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.cases.models import StatusEntry
from zhifa.cases.services import case_officer_add
from zhifa.cases.testing import org_party, person_party, register_case
from zhifa.core.calendar import add_working_days
from zhifa.ledger.models import Entry
from django.utils import timezone

TODAY = timezone.localdate()
PROPOSAL = {"outcome": "penalty", "penalty_types": ["fine"], "fine_amount": "25000",
            "correction_order": "责令改正", "reasons_evidence": "笔录印证", "reasons_basis": "依据第126条",
            "reasons_discretion": "一般情形"}
DECISION = {"performance": "十五日内缴纳", "remedies": "复议或诉讼", "head_signed": True}


# These proposals name no evidence item (the tests attach no files), so PEN-14 warns: `move` gives
# the reason unless the test passes its own; `refused` gives none, so a warning of another rule still
# shows (test_evidence_rules.py tests PEN-14, PEN-15 and PEN-21).
NO_EVIDENCE = "事实见现场检查笔录（测试未上传证据文件）"


def move(case, action, w, data=None, **kw):
    if action == "propose":
        kw.setdefault("warn_reason", NO_EVIDENCE)
    return case_transition(case=case, action=action, actor=w.actor, data=data or {}, **kw)


def refused(case, action, w, data=None, *, rule, **kw):
    entries, rows = Entry.objects.count(), StatusEntry.objects.filter(case=case).count()
    state = case.state
    kw.setdefault("warn_reason", "")
    with pytest.raises(TransitionRefused) as exc:
        move(case, action, w, data, **kw)
    assert exc.value.rule == rule, exc.value.message
    assert Entry.objects.count() == entries and StatusEntry.objects.filter(case=case).count() == rows
    case.refresh_from_db()
    assert case.state == state
    return exc.value


def filed(w, **kw):
    case = register_case(w, **kw)
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=TODAY - dt.timedelta(days=40))
    return case


def investigated(w, **kw):
    case = filed(w, **kw)
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"},
         on_date=TODAY - dt.timedelta(days=40))
    move(case, "conclude_investigation", w, {"report": "终结"}, on_date=TODAY - dt.timedelta(days=40))
    return case


def notified(w, proposal=PROPOSAL, served_days_ago=30, hearing=False, **kw):
    case = investigated(w, **kw)
    move(case, "propose", w, proposal, on_date=TODAY - dt.timedelta(days=max(served_days_ago, 0)))
    move(case, "serve_notice", w, {"method": "direct", "hearing_right_told": hearing,
                                   "served_on": (TODAY - dt.timedelta(days=served_days_ago)).isoformat()})
    return case


# --- filing -----------------------------------------------------------------------------------


def test_pen16_two_certified_officers(penalty_world):
    w = penalty_world
    case = register_case(w, co_officers=[w.uncertified])
    err = refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-16")
    assert "孙新未持有行政执法证" in err.message
    case_officer_add(case=case, officer=w.officers[2], actor=w.actor, no_conflict_declared=True)
    # Still refused: every acting officer must be certified (the uncertified one is on the team).
    refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-16")
    # Naming an officer who is not on the case team is refused too.
    err = refused(case, "file", w, {"head_approved": True, "opinion": "立案",
                                    "officers": [w.officers[0].pk, w.officers[1].pk]}, rule="PEN-16")
    assert "不是本案承办人员" in err.message
    move(case, "file", w, {"head_approved": True, "opinion": "立案",
                           "officers": [w.officers[0].pk, w.officers[2].pk]})


def test_pen11_limitation(penalty_world):
    w = penalty_world
    case = register_case(w, occurred_on=TODAY - dt.timedelta(days=3 * 365), discovered_on=TODAY - dt.timedelta(days=1))
    refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-11")
    # Five years for life/health/financial safety with harm (PEN-11).
    case5 = register_case(w, occurred_on=TODAY - dt.timedelta(days=3 * 365), discovered_on=TODAY - dt.timedelta(days=1),
                          data={"life_health_or_finance_harm": True})
    move(case5, "file", w, {"head_approved": True, "opinion": "立案"})


def test_pen17_conflict_declaration_and_recusal(penalty_world):
    w = penalty_world
    case = register_case(w)
    case_officer_add(case=case, officer=w.officers[2], actor=w.actor, no_conflict_declared=False)
    exc = refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-17")
    assert exc.message.startswith(f"{w.officers[2].name}尚未声明")  # only the one who has not declared
    case_officer_add(case=case, officer=w.officers[2], actor=w.actor, no_conflict_declared=True)
    move(case, "file", w, {"head_approved": True, "opinion": "立案"})
    move(case, "apply_recusal", w, {"officer": [w.officers[2].pk], "reason": "与当事人有利害关系"})
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
    move(case, "conclude_investigation", w, {"report": "终结"})
    move(case, "propose", w, PROPOSAL)
    refused(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()}, rule="PEN-17")
    move(case, "decide_recusal", w, {"granted": True, "reason": "申请成立"})
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()})
    assert case.case_officers.get(officer=w.officers[2]).recused


def test_pen02_matter_required(penalty_world):
    w = penalty_world
    from zhifa.cases.services import case_register

    case = case_register(procedure="penalty_general", agency=w.agency, lead_officer=w.officers[0], actor=w.actor,
                         discovered_on=TODAY, parties=[org_party()], co_officers=[w.officers[1]], title="线索",
                         source="complaint", occurred_on=TODAY)
    refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-02")


def test_pen27_certificates_shown(penalty_world):
    w = penalty_world
    case = filed(w)
    refused(case, "record_interview", w, {"interviewee": "刘大海", "content": "询问"}, rule="PEN-27")
    move(case, "record_interview", w, {"interviewee": "刘大海", "content": "询问", "certificates_shown": True})


def test_pen28_preservation(penalty_world):
    w = penalty_world
    case = filed(w)
    refused(case, "preserve_evidence", w, {"items": "食品10箱"}, rule="PEN-28")
    start = TODAY - dt.timedelta(days=30)
    move(case, "preserve_evidence", w, {"items": "食品10箱", "head_approved": True}, on_date=start)
    refused(case, "conclude_investigation", w, {"report": "终结"}, rule="PEN-28")
    # Past the 7 working days the measure lapsed: only release is possible.
    refused(case, "preservation_decide", w, {"decision": "confiscate"}, rule="PEN-28")
    move(case, "preservation_decide", w, {"decision": "release"})
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
    move(case, "conclude_investigation", w, {"report": "终结"})


# --- proposal ---------------------------------------------------------------------------------


def test_pen07_minor(penalty_world):
    w = penalty_world
    occurred = TODAY - dt.timedelta(days=30)
    child = person_party("小明", birth=occurred.replace(year=occurred.year - 13), serial=71)
    case = investigated(w, parties=[child], occurred_on=occurred)
    refused(case, "propose", w, PROPOSAL, rule="PEN-07")
    move(case, "propose", w, {**PROPOSAL, "outcome": "no_penalty", "penalty_types": [], "fine_amount": ""})
    teen = person_party("小刚", birth=occurred.replace(year=occurred.year - 16), serial=73)
    case2 = investigated(w, parties=[teen], occurred_on=occurred)
    refused(case2, "propose", w, PROPOSAL, rule="PEN-07")
    move(case2, "propose", w, {**PROPOSAL, "circumstances": ["minor_age"], "fine_amount": "10000"})


def test_pen10_mandatory_no_penalty(penalty_world):
    w = penalty_world
    case = investigated(w)
    refused(case, "propose", w, {**PROPOSAL, "circumstances": ["no_fault"]}, rule="PEN-10")
    move(case, "propose", w, {**PROPOSAL, "outcome": "no_penalty", "penalty_types": [], "fine_amount": "",
                              "circumstances": ["no_fault"]})
    refused(case, "decide", w, DECISION, rule="PEN-10")
    move(case, "decide", w, {**DECISION, "education_record": "已对当事人进行教育"})


def test_pen41_crime_must_be_referred(penalty_world):
    w = penalty_world
    case = investigated(w)
    refused(case, "propose", w, {**PROPOSAL, "suspected_crime": True}, rule="PEN-41")
    move(case, "propose", w, {**PROPOSAL, "suspected_crime": True, "outcome": "refer", "penalty_types": []})
    refused(case, "decide", w, DECISION, rule="PEN-29")
    move(case, "refer_crime", w, {"organ": "江川市公安局", "reason": "涉嫌犯罪"})
    case.refresh_from_db()
    assert case.state == "referred"


def test_pen01_types_and_rev09_range(penalty_world):
    w = penalty_world
    case = investigated(w)
    refused(case, "propose", w, {**PROPOSAL, "penalty_types": ["detention"]}, rule="PEN-01")
    refused(case, "propose", w, {**PROPOSAL, "penalty_types": ["revoke_licence"]}, rule="PEN-02")
    refused(case, "propose", w, {**PROPOSAL, "fine_amount": "60000"}, rule="REV-09")
    # Inside the statutory range but outside the benchmark tier: a reason is required (REV-10).
    refused(case, "propose", w, {**PROPOSAL, "fine_amount": "40000"}, rule="REV-10")
    move(case, "propose", w, {**PROPOSAL, "fine_amount": "40000", "deviation_reason": "货值较大"})
    case.refresh_from_db()
    assert case.data["propose"]["collective_discussion_required"] is True
    # REV-08 before the decision: the deviation needs collective discussion.
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()})
    move(case, "waive_rights", w, {"waiver_document": "当事人书面放弃陈述申辩声明"})
    refused(case, "decide", w, DECISION, rule="REV-08")


# --- notice, statement, hearing ------------------------------------------------------------------


def test_pen18_pen20_notice_and_statement_window(penalty_world):
    w = penalty_world
    case = investigated(w)
    move(case, "propose", w, PROPOSAL)
    refused(case, "decide", w, DECISION, rule="PEN-18")
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()})
    refused(case, "decide", w, DECISION, rule="PEN-20")
    move(case, "waive_rights", w, {"waiver_document": "当事人书面放弃陈述申辩声明"})
    move(case, "decide", w, DECISION)


def test_pen30_hearing_right_must_be_told(penalty_world):
    w = penalty_world
    case = investigated(w)
    move(case, "propose", w, {**PROPOSAL, "penalty_types": ["fine", "suspend_business"]})
    refused(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()}, rule="PEN-30")
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat(), "hearing_right_told": True})


def test_pen31_pen32_hearing(penalty_world):
    w = penalty_world
    proposal = {**PROPOSAL, "penalty_types": ["fine", "suspend_business"]}
    served = TODAY - dt.timedelta(days=40)
    case = notified(w, proposal=proposal, served_days_ago=40, hearing=True)
    refused(case, "request_hearing", w, {"received_on": TODAY.isoformat()}, rule="PEN-31")
    # Posted within the 5 working days, received later: in time (TIME-06).
    move(case, "request_hearing", w, {"received_on": TODAY.isoformat(),
                                      "postmarked_on": add_working_days(served, 3).isoformat()})
    refused(case, "decide", w, DECISION, rule="PEN-32")
    notice_on = TODAY - dt.timedelta(days=20)
    ok_date = add_working_days(notice_on, 7)
    base = {"place": "听证室", "presider": w.presider.pk, "notice_served_on": notice_on.isoformat(), "public": True}
    refused(case, "schedule_hearing", w, {**base, "hearing_date": add_working_days(notice_on, 5).isoformat()},
            rule="PEN-31")
    refused(case, "schedule_hearing", w, {**base, "hearing_date": ok_date.isoformat(),
                                          "presider": w.officers[0].pk}, rule="PEN-31")
    refused(case, "schedule_hearing", w, {**base, "hearing_date": ok_date.isoformat(), "agents": 3}, rule="PEN-31")
    refused(case, "schedule_hearing", w, {**base, "hearing_date": ok_date.isoformat(), "public": False},
            rule="PEN-31")
    move(case, "schedule_hearing", w, {**base, "hearing_date": ok_date.isoformat()})
    refused(case, "hold_hearing", w, {"transcript": "听证笔录"}, rule="PEN-31")
    move(case, "hold_hearing", w, {"transcript": "听证笔录", "refusal_note": "当事人拒绝签字，已注明"})
    # A hearing held: legal review is required (REV-01 (2)) before the decision.
    refused(case, "decide", w, DECISION, rule="REV-01")


def test_pen19_a_changed_proposal_after_the_notice_is_refused(penalty_world):
    w = penalty_world
    case = notified(w)
    move(case, "receive_statement", w, {"statement": "申辩", "review_note": "逐项复核", "adopted": False})
    # Without the step back the proposal cannot change after the notice; forced here (test setup),
    # the decision no longer matches the latest served notice and is refused.
    from zhifa.cases.models import Case

    Case.objects.filter(pk=case.pk).update(state="investigated")
    case.refresh_from_db()
    move(case, "propose", w, {**PROPOSAL, "fine_amount": "30000"})
    Case.objects.filter(pk=case.pk).update(state="notified")
    case.refresh_from_db()
    err = refused(case, "decide", w, DECISION, rule="PEN-19")
    assert "重新告知" in err.message


RENOTIFY = {"new_facts": "告知后接到举报并查实当事人另有一批未查验进货的食品", "not_due_to_defence": True}


def day(n):
    return TODAY - dt.timedelta(days=n)


def notified_long_ago(w, proposal=PROPOSAL, hearing=False, **kw):
    """A case notified 35 days ago (each step on its own date, so later steps can follow in order)."""
    case = register_case(w, **kw)
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=day(45))
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"},
         on_date=day(44))
    move(case, "conclude_investigation", w, {"report": "终结"}, on_date=day(40))
    move(case, "propose", w, proposal, on_date=day(38))
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(35).isoformat(), "hearing_right_told": hearing},
         on_date=day(35))
    return case


def test_pen19_reinvestigate_closes_the_old_notice_and_keeps_it(penalty_world):
    from zhifa.cases.models import CaseDeadline
    from zhifa.core.errors import DomainError

    w = penalty_world
    case = notified_long_ago(w)
    move(case, "receive_statement", w, {"statement": "进货单据已补齐", "review_note": "复核：单据系事后补填"},
         on_date=day(33))
    old = dict(case.data)
    assert CaseDeadline.objects.filter(case=case, key="PEN-20", closed_at__isnull=True).exists()
    # The reason and the confirmation that it is not because of the defence are required (400 naming them).
    rows, entries = StatusEntry.objects.filter(case=case).count(), Entry.objects.count()
    with pytest.raises(DomainError) as bad:
        move(case, "reinvestigate", w, {"new_facts": RENOTIFY["new_facts"]}, on_date=day(30))
    assert set(bad.value.fields) == {"not_due_to_defence"} and "陈述、申辩" in bad.value.message
    with pytest.raises(DomainError) as bad:
        move(case, "reinvestigate", w, {"not_due_to_defence": True}, on_date=day(30))
    assert set(bad.value.fields) == {"new_facts"}
    assert StatusEntry.objects.filter(case=case).count() == rows and Entry.objects.count() == entries

    entry = move(case, "reinvestigate", w, RENOTIFY, on_date=day(30))
    case.refresh_from_db()
    assert case.state == "filed" and entry.action_label == "补充调查（重新告知）"
    assert Entry.objects.filter(kind="case_reinvestigated").count() == 1
    # The old round is kept, untouched, and marked superseded; nothing of it counts any more.
    [earlier] = case.data["earlier_proposals"]
    for step in ("propose", "serve_notice", "receive_statement"):
        assert earlier[step] == old[step] and step not in case.data
    assert earlier["superseded"]["entry"] == entry.seq and earlier["superseded"]["new_facts"] == RENOTIFY["new_facts"]
    assert not CaseDeadline.objects.filter(case=case, key__in=["PEN-20", "PEN-31"], closed_at__isnull=True).exists()
    assert CaseDeadline.objects.filter(case=case, key="PEN-34", closed_at__isnull=True).exists()  # the 90 days run on
    # A new proposal must come before a new notice.
    move(case, "record_interview", w, {"interviewee": "刘大海", "content": "询问新查实的进货情况", "certificates_shown": True},
         on_date=day(29))
    move(case, "conclude_investigation", w, {"report": "补充调查终结"}, on_date=day(28))
    refused(case, "serve_notice", w, {"method": "direct", "served_on": day(27).isoformat()}, rule="PEN-29",
            on_date=day(27))
    move(case, "propose", w, PROPOSAL, on_date=day(27))
    # The new notice is served after the step back, not on a date before it (TIME-12).
    err = refused(case, "serve_notice", w, {"method": "direct", "served_on": day(31).isoformat()}, rule="TIME-12",
                  on_date=day(26))
    assert err.fields == {"served_on": err.message} and "补充调查" in err.message
    # Nor before the new proposal it states (TIME-12).
    err = refused(case, "serve_notice", w, {"method": "direct", "served_on": day(28).isoformat()}, rule="TIME-12",
                  on_date=day(26))
    assert "拟处理意见" in err.message
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(27).isoformat()}, on_date=day(26))


def test_pen19_heavier_penalty_only_after_a_new_notice(penalty_world):
    w = penalty_world
    case = notified_long_ago(w)
    move(case, "receive_statement", w, {"statement": "申辩", "review_note": "不予采纳"}, on_date=day(33))
    move(case, "reinvestigate", w, RENOTIFY, on_date=day(30))
    move(case, "conclude_investigation", w, {"report": "补充调查终结"}, on_date=day(28))
    heavier = {**PROPOSAL, "penalty_types": ["warning", "fine"], "fine_amount": "32000"}
    move(case, "propose", w, heavier, on_date=day(27))
    # Heavier than the first notified proposal and not yet notified: refused (PEN-19).
    err = refused(case, "decide", w, DECISION, rule="PEN-19", on_date=day(27))
    assert "增加了处罚种类警告" in err.message and "罚款由25000元提高到32000元" in err.message
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(25).isoformat()}, on_date=day(25))
    case.refresh_from_db()
    assert case.data["serve_notice"]["proposal_entry"] == case.data["propose"]["entry"]
    # The statement window restarts with the new notice: the old statement does not count (PEN-20).
    err = refused(case, "decide", w, DECISION, rule="PEN-20", on_date=day(24))
    assert "陈述、申辩期限" in err.message
    move(case, "decide", w, DECISION)
    case.refresh_from_db()
    assert case.state == "decided" and case.data["propose"]["fine_amount"] == "32000.00"


def test_pen19_a_lighter_proposal_after_the_step_back_still_needs_its_notice(penalty_world):
    w = penalty_world
    case = notified_long_ago(w)
    move(case, "reinvestigate", w, RENOTIFY, on_date=day(30))
    move(case, "conclude_investigation", w, {"report": "补充调查终结"}, on_date=day(28))
    move(case, "propose", w, {**PROPOSAL, "fine_amount": "20000"}, on_date=day(27))
    refused(case, "decide", w, DECISION, rule="PEN-18", on_date=day(27))
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(25).isoformat()}, on_date=day(25))
    move(case, "decide", w, DECISION)


def test_pen19_pen31_hearing_window_restarts_with_the_new_notice(penalty_world):
    from zhifa.cases.models import CaseDeadline

    w = penalty_world
    proposal = {**PROPOSAL, "penalty_types": ["fine", "suspend_business"]}
    case = notified_long_ago(w, proposal=proposal, hearing=True)
    move(case, "request_hearing", w, {"received_on": day(33).isoformat()}, on_date=day(33))
    assert case.state == "hearing"
    # New facts while the hearing is pending: the step back is open from the hearing too.
    move(case, "reinvestigate", w, RENOTIFY, on_date=day(30))
    case.refresh_from_db()
    assert case.state == "filed" and "request_hearing" in case.data["earlier_proposals"][0]
    move(case, "conclude_investigation", w, {"report": "补充调查终结"}, on_date=day(28))
    move(case, "propose", w, proposal, on_date=day(27))
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(20).isoformat(), "hearing_right_told": True},
         on_date=day(20))
    due = CaseDeadline.objects.get(case=case, key="PEN-31", closed_at__isnull=True)
    assert due.start == day(20) and due.due_on == add_working_days(day(20), 5)
    # The old request does not carry over: with none in the new window the decision waits for it.
    refused(case, "decide", w, DECISION, rule="PEN-20", on_date=day(19))
    refused(case, "request_hearing", w, {"received_on": add_working_days(day(20), 6).isoformat()}, rule="PEN-31")
    move(case, "request_hearing", w, {"received_on": add_working_days(day(20), 2).isoformat()})
    refused(case, "decide", w, DECISION, rule="PEN-32")


def test_pen19_case_page_offers_the_step_back_under_other_actions(penalty_world, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from zhifa.org import roles

    w = penalty_world
    user = get_user_model().objects.create_user("renotify-officer", password="pw-renotify-1",
                                                officer=w.officers[0], agency=w.agency)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    client.force_login(user)
    case = notified_long_ago(w)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    step = page[page.index('id="step-reinvestigate"'):]
    assert page.index("其他操作") < page.index('id="step-reinvestigate"')  # a step back, not the next step
    assert "补充调查（重新告知）" in step and 'name="new_facts"' in step and 'name="not_due_to_defence"' in step
    assert "不得因当事人的陈述、申辩" in step
    # Posted without the confirmation: refused next to the field, nothing written.
    rows = StatusEntry.objects.filter(case=case).count()
    r = client.post(reverse("web:case_step", args=[case.pk, "reinvestigate"]), {"new_facts": "新查实的事实"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and 'field-error" data-field="not_due_to_defence"' in r.content.decode()
    assert StatusEntry.objects.filter(case=case).count() == rows
    r = client.post(reverse("web:case_step", args=[case.pk, "reinvestigate"]),
                    {"new_facts": "新查实的事实", "not_due_to_defence": "1"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "filed"
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert 'id="step-reinvestigate"' not in page and 'id="step-conclude_investigation"' in page
    assert 'data-action="reinvestigate"' in page  # in the history, with its reason
    assert "新查实的事实" in page


def test_pen34_extension_needs_approval(penalty_world):
    w = penalty_world
    case = filed(w)
    refused(case, "extend_decision_limit", w, {"reason": "案情复杂"}, rule="PEN-34")
    move(case, "extend_decision_limit", w, {"reason": "案情复杂", "head_approved": True})
    d = case.deadlines.get(key="PEN-34", closed_at__isnull=True)
    assert (d.due_on - case.filed_on).days == 120
    refused(case, "extend_decision_limit", w, {"reason": "仍需", "head_approved": True}, rule="PEN-34")
    new_due = case.filed_on + dt.timedelta(days=150)
    move(case, "extend_decision_limit", w, {"reason": "仍需", "collective_discussion_ref": "集讨〔2026〕3号",
                                            "new_due_on": new_due.isoformat()})
    assert case.deadlines.get(key="PEN-34", closed_at__isnull=True).due_on == new_due


# --- service and execution ----------------------------------------------------------------------


def decided(w, **kw):
    case = notified(w, **kw)
    move(case, "decide", w, DECISION)
    return case


def test_pen35_electronic_service_needs_consent(penalty_world):
    w = penalty_world
    case = decided(w)
    refused(case, "serve_decision", w, {"method": "direct", "served_on": (TODAY - dt.timedelta(days=1)).isoformat()},
            rule="TIME-12")
    refused(case, "serve_decision", w, {"method": "electronic", "served_on": TODAY.isoformat()}, rule="PEN-35")
    move(case, "serve_decision", w, {"method": "electronic", "served_on": TODAY.isoformat(),
                                     "electronic_consent": True})


def test_pen36_pen37_pen38_execution(penalty_world):
    w = penalty_world
    case = decided(w)
    move(case, "serve_decision", w, {"method": "direct", "served_on": TODAY.isoformat()})
    refused(case, "record_payment", w, {"amount": "25000", "paid_on": TODAY.isoformat(), "method": "cash_to_agency"},
            rule="PEN-37")
    refused(case, "apply_court", w, {"court": "清河区人民法院", "applied_on": TODAY.isoformat()}, rule="PEN-38")
    refused(case, "approve_instalments", w, {"plan": "分三期", "last_due_on": (TODAY + dt.timedelta(days=90)).isoformat()},
            rule="PEN-36")
    move(case, "approve_instalments", w, {"plan": "分三期", "head_approved": True,
                                          "last_due_on": (TODAY + dt.timedelta(days=90)).isoformat()})
    refused(case, "close", w, {"summary": "结案"}, rule="PEN-37")
    move(case, "record_payment", w, {"amount": "25000", "paid_on": TODAY.isoformat(), "method": "bank"})
    move(case, "close", w, {"summary": "结案"})


# --- simple procedure ----------------------------------------------------------------------------

ON_SPOT = {"certificates_shown": True, "facts_certain": True, "penalty_types": ["fine"], "violation": "未公示执照",
           "basis": "依据", "remedies": "复议或诉讼", "party_signed": True}


def on_spot_case(w, party):
    return register_case(w, procedure="penalty_simple", parties=[party], discovered_on=TODAY, occurred_on=TODAY)


def test_pen23_simple_procedure_thresholds(penalty_world):
    w = penalty_world
    person = on_spot_case(w, person_party())
    refused(person, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "201"}, rule="PEN-23")
    move(person, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "200"})
    company = on_spot_case(w, org_party())
    refused(company, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "3000.01"}, rule="PEN-23")
    move(company, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "3000"})
    warned = on_spot_case(w, person_party(serial=77))
    refused(warned, "decide_on_spot", w, {**ON_SPOT, "facts_certain": False, "penalty_types": ["warning"]},
            rule="PEN-23")
    move(warned, "decide_on_spot", w, {**ON_SPOT, "penalty_types": ["warning"]})


def test_pen24_form_and_pen25_collection(penalty_world):
    w = penalty_world
    case = on_spot_case(w, org_party())
    refused(case, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "500", "party_signed": False}, rule="PEN-24")
    move(case, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "500", "party_signed": False,
                                     "refusal_note": "当事人拒绝签收，已注明"})
    refused(case, "collect_on_spot", w, {"receipt_number": "NO.1"}, rule="PEN-25")
    move(case, "collect_on_spot", w, {"receipt_number": "NO.1", "hard_to_enforce": True})
    move(case, "hand_over_fine", w, {"handed_on": TODAY.isoformat()})
    move(case, "file_with_agency", w)
    move(case, "close", w)


def test_pen16_simple_procedure_two_officers(penalty_world):
    w = penalty_world
    case = register_case(w, procedure="penalty_simple", parties=[person_party()], discovered_on=TODAY,
                         occurred_on=TODAY, co_officers=[])
    refused(case, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "50"}, rule="PEN-16")


def test_pen04_entrusted_body_acts_only_under_a_published_entrustment_in_term(penalty_world):
    from zhifa.org import services as org
    from zhifa.org.identity_fixtures import make_credit_code

    w = penalty_world
    principal = org.agency_register(name="江川市人民政府", credit_code=make_credit_code("369100", 99), region=w.city,
                                    actor=w.actor)
    org.agency_update(agency=w.agency, actor=w.actor, changes={
        "kind": "entrusted", "entrusting_agency": principal, "entrustment_scope": "食品经营违法行为的行政处罚",
        "entrustment_document": "江府委〔2026〕1号", "entrustment_start": TODAY - dt.timedelta(days=365),
        "entrustment_end": TODAY + dt.timedelta(days=365)})
    case = register_case(w)
    refused(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-04")  # not yet published
    org.agency_update(agency=w.agency, actor=w.actor,
                      changes={"entrustment_published_on": TODAY - dt.timedelta(days=300)})
    case.refresh_from_db()
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=TODAY - dt.timedelta(days=40))


def test_rec02_lodged_service_asks_for_a_recording_or_a_reason(penalty_world):
    from zhifa.catalog import services as catalog_services
    from zhifa.catalog.models import AvRecordingItem

    w = penalty_world
    item = catalog_services.list_item_create(
        model=AvRecordingItem, agency=w.agency, actor=w.actor, act_code="SC-AV-06", name="留置送达、公告送达",
        requirement="as_needed", retention="随案卷归档", basis="国办发〔2018〕118号（八）", procedure_acts=["serve_decision"])
    for action in ("submit", "pass", "publish"):
        catalog_services.list_item_transition(item=item, action=action, actor=w.actor)
    case = decided(w)
    err = refused(case, "serve_decision", w, {"method": "left", "served_on": TODAY.isoformat()}, rule="REC-02")
    assert err.code == "reason_required"
    move(case, "serve_decision", w, {"method": "left", "served_on": TODAY.isoformat()},
         warn_reason="留置送达过程有两名见证人签字，文字记录已完整")
    other = decided(w, parties=[org_party("江川市另一餐饮有限公司", serial=11)])  # another party: not the same act
    move(other, "serve_decision", w, {"method": "direct", "served_on": TODAY.isoformat()})  # no warning


# --- PEN-06 no double fine, PEN-30 no hearing fee ------------------------------------------------


def test_pen06_no_second_fine_for_the_same_act(penalty_world):
    w = penalty_world
    first = decided(w)
    first.refresh_from_db()
    # Same party (unified credit code), same act date, same matter: a second fine is refused.
    second = notified(w, occurred_on=first.occurred_on)
    err = refused(second, "decide", w, DECISION, rule="PEN-06")
    assert first.data["penalty_decision_number"] in err.message and "第二十九条" in err.message
    # A warning only is not a second fine.
    warned = notified(w, occurred_on=first.occurred_on, proposal={**PROPOSAL, "penalty_types": ["warning"],
                                                                   "fine_amount": ""})
    move(warned, "decide", w, DECISION)
    # Another act date of the same party is another act.
    move(notified(w, occurred_on=first.occurred_on - dt.timedelta(days=1)), "decide", w, DECISION)
    # Once the first decision is revoked, the act may be fined again.
    move(first, "revoke_decision", w, {"kind": "revoked", "organ": "江川市人民政府", "document": "江府复决〔2026〕2号"})
    move(second, "decide", w, DECISION)
    # A decision changed on review (变更) still fined the act.
    other = org_party("江川市第三餐饮有限公司", serial=13)
    changed = decided(w, parties=[other])
    move(changed, "revoke_decision", w, {"kind": "changed", "organ": "江川市人民政府", "document": "江府复决〔2026〕3号"})
    refused(notified(w, parties=[other]), "decide", w, DECISION, rule="PEN-06")


def test_pen06_on_the_spot_fine_after_an_ordinary_fine(penalty_world):
    w = penalty_world
    first = decided(w)
    first.refresh_from_db()
    # The simple-procedure matter is another item of the power list citing the same provision.
    spot = register_case(w, procedure="penalty_simple", parties=[org_party()],
                         discovered_on=first.occurred_on,
                         occurred_on=first.occurred_on)
    err = refused(spot, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "500"}, rule="PEN-06")
    assert first.data["penalty_decision_number"] in err.message
    move(spot, "decide_on_spot", w, {**ON_SPOT, "penalty_types": ["warning"]})


def test_pen06_another_agency_citing_the_same_provision(penalty_world):
    from zhifa.catalog import services as catalog
    from zhifa.cases.services import case_register
    from zhifa.cases.testing import _publish
    from zhifa.org import services as org
    from zhifa.org.identity_fixtures import make_credit_code, make_resident_id

    w = penalty_world
    first = decided(w)
    first.refresh_from_db()
    other = org.agency_register(name="江川市清河区市场监督管理局", credit_code=make_credit_code("369100", 8),
                                region=w.city, actor=w.actor)
    officers = []
    for i, name in enumerate(["钱进", "孙立"]):
        o = org.officer_register(name=name, id_number=make_resident_id("369102", dt.date(1986, 3, 4), 60 + i),
                                 agency=other, actor=w.actor)
        org.certificate_issue(holder=o, number=f"QHSC{i:04d}", issued_on=TODAY - dt.timedelta(days=100),
                              expires_on=TODAY + dt.timedelta(days=300), categories=[w.category],
                              regions=[w.city], actor=w.actor)
        officers.append(o)
    matter = _publish(catalog.matter_create(
        agency=other, code="QH-CF-126", actor=w.actor, legal_bases=list(w.matter.legal_bases.all()), tiers=[],
        name="未建立进货查验记录（区局）", kind=w.matter.kind, category=w.category, violation="未建立进货查验记录",
        penalty_types=["warning", "fine"], fine_min="0", fine_max="3000"), w.actor)
    case = case_register(procedure="penalty_simple", agency=other, lead_officer=officers[0],
                         co_officers=officers[1:], actor=w.actor, discovered_on=TODAY, parties=[org_party()],
                         matter=matter, title="未建立进货查验记录", source="on_spot", occurred_on=first.occurred_on,
                         place="江川市清河区和平街8号")
    err = refused(case, "decide_on_spot", w, {**ON_SPOT, "fine_amount": "500"}, rule="PEN-06")
    assert "江川市市场监督管理局" in err.message and first.data["penalty_decision_number"] in err.message


def _other_matter(w, code, *, publish=True, **fields):
    from zhifa.catalog import services as catalog
    from zhifa.cases.testing import _publish

    values = dict(name=f"其他规定{code}", kind=w.matter.kind, category=w.category, violation="同一行为",
                  penalty_types=["warning", "fine"])
    values.update(fields)
    matter = catalog.matter_create(agency=w.agency, code=code, actor=w.actor, legal_bases=list(w.matter.legal_bases.all()),
                                   tiers=[], **values)
    return _publish(matter, w.actor) if publish else matter


def test_pen06_warns_when_another_breached_norm_fines_more(penalty_world):
    w = penalty_world
    _other_matter(w, "SC-CF-055", name="食品经营者未查验供货者许可证", fine_min="50000", fine_max="100000")
    case = investigated(w)
    data = {**PROPOSAL, "other_matters": "SC-CF-055"}
    err = warned(case, "propose", w, data, rule="PEN-06")
    assert "SC-CF-126" in err.message and "50000元" in err.message
    assert "SC-CF-055" in err.message and "100000元" in err.message and "第二十九条" in err.message
    entry = move(case, "propose", w, data, warn_reason="两事项罚则相同，另案已按SC-CF-055立案调查的情形不存在")
    assert "PEN-06" in [x["rule"] for x in entry.warnings]
    case.refresh_from_db()
    comparison = case.data["propose"]["fine_max_comparison"]
    assert comparison["highest"] == ["SC-CF-055"] and not comparison["own_is_highest"]
    assert [(r["code"], r["fine_max"], r["own"]) for r in comparison["matters"]] == [
        ("SC-CF-126", "50000.00", True), ("SC-CF-055", "100000.00", False)]


def test_pen06_no_warning_when_the_case_matter_fines_most(penalty_world):
    w = penalty_world
    case = investigated(w)
    # The simple matter (up to 3,000 yuan) and the case's own code, listed again, are compared.
    entry = move(case, "propose", w, {**PROPOSAL, "other_matters": "SC-CF-001、SC-CF-126"})
    assert [x["rule"] for x in entry.warnings] == ["PEN-14"]  # only the evidence reminder of these tests
    case.refresh_from_db()
    comparison = case.data["propose"]["fine_max_comparison"]
    assert comparison["own_is_highest"] and comparison["highest"] == ["SC-CF-126"]
    assert [r["code"] for r in comparison["matters"]] == ["SC-CF-126", "SC-CF-001"]
    # Without other matters nothing is compared.
    move(case, "propose", w, PROPOSAL)
    case.refresh_from_db()
    assert case.data["propose"]["fine_max_comparison"] is None


def test_pen06_multiples_use_the_case_amount(penalty_world):
    w = penalty_world
    _other_matter(w, "SC-CF-124", name="经营超过保质期的食品", fine_min="5000", fine_max="20000",
                  multiple_min="10", multiple_max="20", multiple_of="goods_value")
    case = investigated(w)
    # No goods value given: the fixed maximum (20,000) is below the case's 50,000.
    move(case, "propose", w, {**PROPOSAL, "other_matters": "SC-CF-124"})
    case.refresh_from_db()
    assert case.data["propose"]["fine_max_comparison"]["own_is_highest"]
    # 货值金额 4,000 yuan × 20 = 80,000 yuan: now the other norm fines more.
    err = warned(case, "propose", w, {**PROPOSAL, "other_matters": "SC-CF-124", "goods_value": "4000"}, rule="PEN-06")
    assert "80000元" in err.message and "货值金额4000元的20倍" in err.message


def test_pen06_unknown_or_unpublished_codes_are_bad_input(penalty_world):
    from zhifa.core.errors import DomainError

    w = penalty_world
    _other_matter(w, "SC-CF-999", publish=False, fine_max="90000")
    case = investigated(w)
    rows, entries = StatusEntry.objects.filter(case=case).count(), Entry.objects.count()
    for raw, named in (("SC-CF-404", "SC-CF-404"), ("SC-CF-001，SC-CF-999", "SC-CF-999")):
        with pytest.raises(DomainError) as bad:
            move(case, "propose", w, {**PROPOSAL, "other_matters": raw})
        assert bad.value.status == 400 and bad.value.rule == "PEN-06"
        assert set(bad.value.fields) == {"other_matters"}
        assert named in bad.value.message and "同一违法行为同时违反的其他规定" in bad.value.message
        assert "SC-CF-001" not in bad.value.message
    assert StatusEntry.objects.filter(case=case).count() == rows and Entry.objects.count() == entries
    case.refresh_from_db()
    assert "propose" not in case.data


def test_pen30_no_hearing_fee(penalty_world):
    w = penalty_world
    case = decided(w)
    move(case, "serve_decision", w, {"method": "direct", "served_on": TODAY.isoformat()})
    refused(case, "record_payment", w, {"amount": "300", "paid_on": TODAY.isoformat(), "method": "bank",
                                        "purpose": "hearing_fee"}, rule="PEN-30")
    move(case, "record_payment", w, {"amount": "25000", "paid_on": TODAY.isoformat(), "method": "bank",
                                     "purpose": "fine"})
    case.refresh_from_db()
    assert [p["purpose"] for p in case.data["payments"]] == ["fine"]


# --- WARN rules: PEN-03 jurisdiction, PEN-12 version of the law ----------------------------------


def warned(case, action, w, data, *, rule):
    err = refused(case, action, w, data, rule=rule)
    assert err.code == "reason_required"
    return err


def test_pen03_place_outside_the_territory_warns(penalty_world):
    from zhifa.org import services as org

    w = penalty_world
    org.region_create(code="369200", name="河口市", level="city", parent=w.city.parent, actor=w.actor)
    case = register_case(w, place="河口市滨江路1号")
    err = warned(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-03")
    assert "河口市" in err.message and "江川市" in err.message
    entry = move(case, "file", w, {"head_approved": True, "opinion": "立案"}, warn_reason="上级机关指定本局管辖",
                 on_date=TODAY - dt.timedelta(days=40))
    assert entry.warnings[0]["rule"] == "PEN-03" and entry.reason == "上级机关指定本局管辖"
    # A place naming only the province proves nothing; one naming the agency's city is inside.
    move(register_case(w, place="江南省某县城关镇"), "file", w, {"head_approved": True, "opinion": "立案"})


def test_pen03_township_agency_needs_delegated_powers(penalty_world):
    from zhifa.catalog.services import setting_set
    from zhifa.org import services as org

    w = penalty_world
    town = org.region_create(code="369100001", name="清河街道", level="township", parent=w.city, actor=w.actor)
    org.agency_update(agency=w.agency, changes={"region": town}, actor=w.actor)
    case = register_case(w)
    err = warned(case, "file", w, {"head_approved": True, "opinion": "立案"}, rule="PEN-03")
    assert "第二十四条" in err.message
    setting_set(key="township_penalty_powers", value=True, agency=w.agency, actor=w.actor, note="省政府决定下放")
    move(case, "file", w, {"head_approved": True, "opinion": "立案"})


def test_pen12_basis_amended_after_the_act_warns(penalty_world):
    from zhifa.catalog import services as catalog
    from zhifa.cases.testing import _publish

    w = penalty_world
    old = w.matter.legal_bases.get()
    new = catalog.legal_basis_create(
        level=old.level, name=old.name, article=old.article, paragraph=old.paragraph, text="修正后的条文",
        version_date=TODAY - dt.timedelta(days=40), effective_from=TODAY - dt.timedelta(days=30),
        actor=w.actor)
    # The matter cites the version in force on the act date, but the article has been amended since.
    case = investigated(w, occurred_on=TODAY - dt.timedelta(days=70))
    err = warned(case, "propose", w, PROPOSAL, rule="PEN-12")
    assert "已于违法行为发生后修改" in err.message and "从旧兼从轻" in err.message
    move(case, "propose", w, PROPOSAL, warn_reason="新旧规定罚款幅度相同，适用行为时的规定")
    # A matter citing the new version for an act before it took effect.
    matter = _publish(catalog.matter_create(
        agency=w.agency, code="SC-CF-126-2", actor=w.actor, legal_bases=[new], tiers=[], name=w.matter.name,
        kind=w.matter.kind, category=w.category, violation=w.matter.violation,
        penalty_types=["warning", "fine"], fine_min="5000", fine_max="50000"), w.actor)
    other = investigated(w, matter=matter, occurred_on=TODAY - dt.timedelta(days=70))
    err = warned(other, "propose", w, PROPOSAL, rule="PEN-12")
    assert f"违法行为发生时（{TODAY - dt.timedelta(days=70):%Y年%m月%d日}）施行的是2021年04月29日版" in err.message
    # A provision that did not exist at the time of the act.
    fresh = catalog.legal_basis_create(
        level=old.level, name="江南省食品小作坊管理条例", article="第三十条", text="新设的罚则",
        version_date=TODAY - dt.timedelta(days=40), effective_from=TODAY - dt.timedelta(days=30),
        actor=w.actor)
    matter.legal_bases.set([fresh])
    unlawful_later = investigated(w, matter=matter, occurred_on=TODAY - dt.timedelta(days=70))
    err = warned(unlawful_later, "propose", w, PROPOSAL, rule="PEN-12")
    assert "尚未施行" in err.message
    matter.legal_bases.set([new])
    # An act after the amendment, under the new version: nothing to check.
    recent = register_case(w, matter=matter, occurred_on=TODAY - dt.timedelta(days=20),
                           discovered_on=TODAY - dt.timedelta(days=19))
    move(recent, "file", w, {"head_approved": True, "opinion": "立案"})
    move(recent, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
    move(recent, "conclude_investigation", w, {"report": "终结"})
    move(recent, "propose", w, PROPOSAL)
