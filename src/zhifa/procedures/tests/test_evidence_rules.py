"""The evidence a proposal relies on (拟处理意见 names the evidence items of its findings of fact):
PEN-21 (unlawful, withdrawn or foreign items refused), PEN-15 (a monitoring-device record only
after a conforming human review and a notice to the party), PEN-14 (a warning when none is named). Each refusal: 409 with
the rule id, nothing written; and the allowed path. Same style as test_block_rules.py."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from zhifa.cases.engine import TransitionRefused
from zhifa.cases.models import StatusEntry
from zhifa.cases.snapshot import case_snapshot
from zhifa.cases.testing import register_case
from zhifa.core.errors import DomainError
from zhifa.ledger.models import Entry
from zhifa.org import roles
from zhifa.records.models import BodyCamera
from zhifa.records.services import (
    device_record_notify,
    evidence_add,
    evidence_device_review,
    evidence_withdraw,
    monitoring_device_register,
)
from zhifa.records.tests.conftest import png_bytes

from .test_block_rules import PROPOSAL, filed, investigated, move, refused

TODAY = timezone.localdate()


@pytest.fixture
def w(penalty_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    lead = get_user_model().objects.create_user("lead-officer", password="pw-evidence-1", is_staff=True,
                                                officer=penalty_world.officers[0], agency=penalty_world.agency)
    lead.groups.add(roles.ensure_groups()[roles.OFFICER])
    penalty_world.extra["lead"] = lead
    return penalty_world


def add(w, case, **kw):
    meta = {"act": "record_inspection", "kind": "photo", "title": "现场照片", "evidence_type": "physical"}
    meta.update(kw)
    return evidence_add(case=case, actor=w.extra["lead"], source=png_bytes(), file_name="p.png",
                        declared_type="image/png", **meta)


def propose(case, w, evidence, **kw):
    """A proposal naming `evidence`, with no reason given for warnings (so PEN-14 would stop it)."""
    return move(case, "propose", w, {**PROPOSAL, "evidence": evidence}, warn_reason="", **kw)


def test_pen21_relied_evidence_must_be_lawful_current_and_of_this_case(w):
    case = investigated(w)
    good = add(w, case)
    unlawful = add(w, case, title="暗访录音转写", lawful_acquisition=False)
    withdrawn = add(w, case, title="误传照片")
    evidence_withdraw(evidence=withdrawn, actor=w.extra["lead"], reason="误传")
    other = register_case(w)
    add(w, other), add(w, other), add(w, other), add(w, other)  # the other case has an item numbered 4

    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [good.number, unlawful.number]}, rule="PEN-21",
                  warn_reason="")
    assert f"证据{unlawful.number}" in err.message and "非法" in err.message and err.fields == {"evidence": err.message}
    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [withdrawn.number]}, rule="PEN-21", warn_reason="")
    assert "已撤回" in err.message
    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [4]}, rule="PEN-21", warn_reason="")
    assert "本案没有编号为4的证据" in err.message
    with pytest.raises(DomainError) as bad:  # not a number at all: 400 naming the field
        propose(case, w, ["第一份"])
    assert "evidence" in bad.value.fields and not case.data.get("propose")

    entry = propose(case, w, [str(good.number)])
    case.refresh_from_db()
    assert entry.data["evidence"] == [good.number] and not entry.warnings
    assert case.data["propose"]["evidence"] == [good.number]
    assert case_snapshot(case)["case"]["data"]["propose"]["evidence"] == [good.number]


def test_pen14_warns_when_the_proposal_relies_on_no_evidence(w):
    case = investigated(w)
    rows, entries = StatusEntry.objects.filter(case=case).count(), Entry.objects.count()
    with pytest.raises(TransitionRefused) as exc:
        propose(case, w, [])
    assert exc.value.code == "reason_required" and exc.value.rule == "PEN-14"
    assert [b["rule"] for b in exc.value.blockers] == ["PEN-14"]
    assert StatusEntry.objects.filter(case=case).count() == rows and Entry.objects.count() == entries
    entry = move(case, "propose", w, PROPOSAL, warn_reason="事实见现场检查笔录，照片待补充上传")
    assert entry.warnings[0]["rule"] == "PEN-14" and entry.reason.startswith("事实见")
    # A proposal not to penalise (the facts may not be established) is not warned.
    move(case, "propose", w, {**PROPOSAL, "outcome": "no_penalty", "penalty_types": [], "fine_amount": "",
                              "correction_order": ""}, warn_reason="")


def test_pen15_monitoring_record_only_after_a_conforming_review(w):
    case = investigated(w)
    record = device_record(w, case)
    photo = add(w, case)

    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [photo.number, record.number]}, rule="PEN-15",
                  warn_reason="")
    assert f"证据{record.number}" in err.message and "JK-001" in err.message and "尚未经审核" in err.message
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=False, opinion="画面模糊")
    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [record.number]}, rule="PEN-15", warn_reason="")
    assert "不符合要求" in err.message
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=True, opinion="复核原始数据，记录清晰完整")
    notify(w, case, record)
    propose(case, w, [photo.number, record.number])
    case.refresh_from_db()
    assert case.data["propose"]["evidence"] == [record.number, photo.number]  # kept in number order
    snapshot = case_snapshot(case)["evidence"]
    assert [e.get("device_review") for e in snapshot] == [True, None]


def device_record(w, case):
    if not BodyCamera.objects.filter(number="JK-001").exists():
        monitoring_device_register(
            agency=w.agency, actor=w.actor, number="JK-001", location="人民路与解放路交叉口",
            approval_ref="江川市监法审〔2026〕3号", approved_on=TODAY - dt.timedelta(days=30),
            location_published_on=TODAY - dt.timedelta(days=20), location_published_where="本局门户网站")
    return add(w, case, title="监控抓拍照片", evidence_type="electronic", monitoring_device="JK-001",
               started_at=timezone.now() - dt.timedelta(hours=1))


def notify(w, case, record, **kw):
    data = {"party": case.parties.order_by("pk").first(), "method": "sms", "method_detail": "13800138000",
            "notified_on": TODAY, "officer": w.officers[0], **kw}
    return device_record_notify(evidence=record, actor=w.extra["lead"], **data)


def test_pen15_monitoring_record_only_after_the_party_was_told(w):
    """Art. 41 para. 3: a proposal may rely on a reviewed monitoring record only once the party has
    been told of it (a notice dated on or before the proposal); refused with the rule, nothing written."""
    case = filed(w)
    earlier = TODAY - dt.timedelta(days=10)
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"},
         on_date=earlier)
    move(case, "conclude_investigation", w, {"report": "终结"}, on_date=earlier)
    record = device_record(w, case)
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=True, opinion="记录清晰完整")
    due = case.deadlines.get(key=f"PEN-15:e{record.number}", closed_at__isnull=True)
    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [record.number]}, rule="PEN-15", warn_reason="")
    assert "尚未告知当事人" in err.message and f"{due.act_by:%Y年%m月%d日}" in err.message
    assert err.fields == {"evidence": err.message}
    # A notice dated after the proposal's date does not count either.
    notify(w, case, record)
    err = refused(case, "propose", w, {**PROPOSAL, "evidence": [record.number]}, rule="PEN-15", warn_reason="",
                  on_date=TODAY - dt.timedelta(days=1))
    assert "尚未告知当事人" in err.message
    entry = propose(case, w, [record.number])
    assert entry.data["evidence"] == [record.number] and not entry.warnings
    case.refresh_from_db()
    assert case.data["propose"]["evidence"] == [record.number]
    assert not case.deadlines.filter(key__startswith="PEN-15", closed_at__isnull=True)  # closed by the notice


def test_case_page_records_the_notice_and_shows_notices_and_statements(w, client):
    from zhifa.records.models import DeviceRecordNotice
    from zhifa.records.services import client_key, device_notice_find, device_statement_add

    case = investigated(w)
    record = device_record(w, case)
    client.force_login(w.extra["lead"])
    url = reverse("web:case", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'data-notified="false"' in page and "监控记录待审核" in page
    assert 'id="device-notice-add"' not in page  # nothing to tell before a conforming review
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=True, opinion="记录清晰完整")
    page = client.get(url).content.decode()
    assert 'id="device-notice-add"' in page and f"告知电子技术监控记录期限（证据{record.number}）" in page
    assert "（监控记录尚未告知当事人）" in page  # marked in the proposal's evidence choices
    party = case.parties.get()
    form = {"evidence": str(record.number), "party": str(party.pk), "method": "other", "method_detail": "",
            "notified_on": TODAY.isoformat(), "officer": str(w.officers[0].pk), "note": ""}
    entries = Entry.objects.count()
    r = client.post(reverse("web:case_device_notice", args=[case.pk]), form, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and 'data-field="method_detail"' in r.content.decode()
    r = client.post(reverse("web:case_device_notice", args=[case.pk]),
                    {**form, "notified_on": (TODAY + dt.timedelta(days=1)).isoformat(), "method": "sms"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "不能晚于今天" in r.content.decode()
    assert not DeviceRecordNotice.objects.exists() and Entry.objects.count() == entries
    r = client.post(reverse("web:case_device_notice", args=[case.pk]), {**form, "method": "sms",
                                                                        "method_detail": "13800138000"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Retarget"] == "#case-main"
    notice = DeviceRecordNotice.objects.get()
    body = r.content.decode()
    assert notice.query_code_display in body and 'data-notified="true"' in body
    assert f"告知电子技术监控记录期限（证据{record.number}）" not in body  # the deadline is closed
    found = device_notice_find(code=notice.query_code, id_number=party.credit_code, client=client_key("198.51.100.7"))
    device_statement_add(notice=found, text="当时车辆因故障临时停靠，已开启双闪。", contact="13900139000")
    page = client.get(url).content.decode()
    assert "当时车辆因故障临时停靠" in page and "13900139000" in page


def test_case_page_offers_the_case_evidence_and_marks_relied_items(w, client):
    case = investigated(w)
    good = add(w, case, title="进货台账照片")
    add(w, case, title="暗访录音转写", lawful_acquisition=False)
    gone = add(w, case, title="误传照片")
    evidence_withdraw(evidence=gone, actor=w.extra["lead"], reason="误传")
    client.force_login(w.extra["lead"])
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert 'name="evidence" value="1"' in page and "进货台账照片" in page
    assert "暗访录音转写（非法取得）" in page and "误传照片" not in page
    r = client.post(reverse("web:case_step", args=[case.pk, "propose"]),
                    {**PROPOSAL, "evidence": ["2"]}, HTTP_HX_REQUEST="true")
    assert 'data-rule="PEN-21"' in r.content.decode()
    client.post(reverse("web:case_step", args=[case.pk, "propose"]), {**PROPOSAL, "evidence": [str(good.number)]})
    case.refresh_from_db()
    assert case.data["propose"]["evidence"] == [good.number]
    listing = client.get(reverse("records:evidence", args=[case.pk])).content.decode()
    assert listing.count("evidence-relied") == 1
    api = client.get(f"/api/v1/records/cases/{case.pk}/evidence").json()
    assert [e["relied_on"] for e in api] == [True, False, False]
    history = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "认定事实所依据的证据" in history and f"证据{good.number}" in history


def test_pen21_evidence_withdrawn_after_the_notice_blocks_the_decision_until_renotified(w):
    from zhifa.ledger.models import Entry as LedgerEntry

    from .test_block_rules import DECISION

    day = lambda n: TODAY - dt.timedelta(days=n)  # noqa: E731
    case = register_case(w)
    move(case, "file", w, {"head_approved": True, "opinion": "立案"}, on_date=day(45))
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"},
         on_date=day(44))
    move(case, "conclude_investigation", w, {"report": "终结"}, on_date=day(40))
    photo = add(w, case)
    kept = add(w, case, title="询问笔录照片")
    propose(case, w, [photo.number, kept.number], on_date=day(38))
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(35).isoformat()}, on_date=day(35))
    evidence_withdraw(evidence=photo, actor=w.extra["lead"], reason="照片拍摄对象有误")
    rows, entries = StatusEntry.objects.filter(case=case).count(), LedgerEntry.objects.count()
    # A BLOCK now: a reason does not let the decision rest on a withdrawn item.
    for reason in ("", f"证据{kept.number}足以认定违法事实"):
        with pytest.raises(TransitionRefused) as exc:
            move(case, "decide", w, DECISION, warn_reason=reason)
        assert exc.value.code == "transition_refused" and exc.value.rule == "PEN-21"
        assert f"证据{photo.number}" in exc.value.message and "撤回" in exc.value.message
        assert "补充调查（重新告知）" in exc.value.message and "新的告知书" in exc.value.message
    assert StatusEntry.objects.filter(case=case).count() == rows and LedgerEntry.objects.count() == entries
    # The case page shows the block on the decision step.
    from zhifa.cases.selectors import case_detail

    decide = next(s for s in case_detail(case, actor=w.actor).steps if s.transition.action == "decide")
    assert decide.blocked and any(b["rule"] == "PEN-21" for b in decide.blockers)
    # Allowed path: step back, a new proposal without the withdrawn item, a new notice, then decide.
    move(case, "reinvestigate", w, {"new_facts": "证据1拍摄对象有误已撤回，补充取得进货单据", "not_due_to_defence": True},
         on_date=day(30))
    ledger = add(w, case, title="进货单据")
    move(case, "conclude_investigation", w, {"report": "补充调查终结"}, on_date=day(28))
    refused(case, "propose", w, {**PROPOSAL, "evidence": [photo.number, kept.number]}, rule="PEN-21",
            on_date=day(27))
    propose(case, w, [kept.number, ledger.number], on_date=day(27))
    move(case, "serve_notice", w, {"method": "direct", "served_on": day(25).isoformat()}, on_date=day(25))
    entry = move(case, "decide", w, DECISION)
    assert not entry.warnings
    case.refresh_from_db()
    assert case.state == "decided" and case.data["propose"]["evidence"] == [kept.number, ledger.number]
    assert case.data["earlier_proposals"][0]["propose"]["evidence"] == [photo.number, kept.number]


def test_pen15_device_record_found_non_conforming_before_the_decision_blocks_it(w):
    from .test_block_rules import DECISION

    case = investigated(w)
    record = device_record(w, case)
    photo = add(w, case)
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=True, opinion="记录清晰")
    notify(w, case, record)  # told to the party before the proposal relies on it (PEN-15)
    no_penalty = {**PROPOSAL, "outcome": "no_penalty", "penalty_types": [], "fine_amount": "",
                  "circumstances": ["first_offence", "slight_harm", "corrected_promptly"]}
    decision = {**DECISION, "education_record": "已对当事人进行教育"}
    move(case, "propose", w, {**no_penalty, "evidence": [record.number, photo.number]})
    evidence_device_review(evidence=record, actor=w.extra["lead"], conforms=False, opinion="复核发现设备时间未校准")
    err = refused(case, "decide", w, decision, rule="PEN-15")
    assert f"证据{record.number}" in err.message and "不符合要求" in err.message
    assert "请重新提出不依据该证据的拟处理意见" in err.message  # not yet notified: no step back needed
    move(case, "propose", w, {**no_penalty, "evidence": [photo.number]})
    move(case, "decide", w, decision)
