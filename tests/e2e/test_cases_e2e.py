"""An officer walks a penalty case from registration to closure in the browser (issue 5 "done
when"), at desktop width, then checks the case page at phone width. Screenshots go to test-results/."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.models import Case, StatusEntry
from zhifa.org import roles
from zhifa.org.identity_fixtures import make_credit_code

pytestmark = pytest.mark.e2e
PASSWORD = "zhifa-e2e-pass-2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def world(transactional_db):
    from zhifa.cases.testing import make_world

    w = make_world()
    user = get_user_model().objects.create_user("liming", password=PASSWORD, officer=w.officers[0], agency=w.agency,
                                                display_name=w.officers[0].name)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    return w


def _login(browser, live_server, viewport):
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.goto(live_server.url + "/accounts/login/?next=/work/cases/")
    page.fill("#id_username", "liming")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/work/cases/")
    return page


def _step(page, action, fill=None, check=(), select=None, reason=None, warned=None):
    """Open a step's form, fill it, submit it (htmx) and wait for the page to redraw. `warned`: the
    rule whose warning first comes back asking for a reason, which is then given."""
    step = page.locator(f"#step-{action}")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    for name, value in (fill or {}).items():
        step.locator(f"[name={name}]").fill(value)
    for name, value in (select or {}).items():
        step.locator(f"select[name={name}]").select_option(value)
    for name in check:
        if ":" in name:
            name, value = name.split(":")
            step.locator(f"input[name={name}][value={value}]").check()
        else:
            step.locator(f"input[name={name}]").check()
    if warned:
        step.locator("button[type=submit]").click()
        page.locator(f"#step-{action} .step-refusal[data-rule={warned}]").wait_for()
        step = page.locator(f"#step-{action}")
    if reason:
        step.locator("textarea[name=warn_reason]").fill(reason)
    seq_before = StatusEntry.objects.filter(case=Case.objects.get()).count()
    step.locator("button[type=submit]").click()
    page.locator(".case-flash").filter(has_text=f"第 {seq_before + 1} 条记录").wait_for()
    assert page.locator(".step-refusal").count() == 0


def test_walk_a_case_to_closure(browser, live_server, world, shoot):
    w = world
    today = dt.date.today()
    page = _login(browser, live_server, DESKTOP)
    page.click("text=登记案件")
    page.wait_for_url("**/work/cases/new/")
    page.check("input[name=procedure][value=penalty_general]")
    page.select_option("select[name=matter]", str(w.matter.pk))
    page.fill("[name=title]", "未建立进货查验记录")
    page.select_option("select[name=source]", "inspection")
    page.fill("[name=facts]", "2026年例行检查发现当事人未按规定建立进货查验记录。")
    page.fill("[name=place]", "江川市清河区和平街8号")
    page.fill("[name=occurred_on]", (today - dt.timedelta(days=30)).isoformat())
    page.fill("[name=discovered_on]", (today - dt.timedelta(days=3)).isoformat())
    page.check("input[name=party_kind][value=organisation]")
    page.fill("[name=party_name]", "江川市好味餐饮有限公司")
    # First a wrong credit code: refused next to the field, nothing registered.
    page.fill("[name=party_credit_code]", "91369102MA00000001")
    page.fill("[name=party_legal_representative]", "刘大海")
    page.check(f"input[name=co_officers][value='{w.officers[1].pk}']")
    page.check("input[name=conflicts_declared]")
    page.click("#case-register button[type=submit]")
    error = page.locator(".field-party_credit_code .field-error")
    error.wait_for()
    assert "ID-0" in error.inner_text()
    assert not Case.objects.exists()
    shoot(page, "case-register-refused-desktop")
    page.fill("[name=party_credit_code]", make_credit_code("369102", 9, dept="9"))
    page.check("input[name=conflicts_declared]")
    page.click("#case-register button[type=submit]")
    page.wait_for_url("**/work/cases/*/")
    assert page.locator(".case-state").get_attribute("data-state") == "registered"
    assert page.locator(".case-deadline", has_text="PEN-26").count() == 1
    shoot(page, "case-registered-desktop")

    _step(page, "file", fill={"opinion": "符合立案条件，拟立案调查"}, check=["head_approved"])
    assert page.locator(".case-state").get_attribute("data-state") == "filed"
    assert "立〔" in page.locator(".case-number").inner_text()  # the header is redrawn with the new number
    _step(page, "record_inspection", fill={"place": "当事人经营场所", "findings": "未建立进货查验记录，现场无票据"},
          check=["certificates_shown", "party_signed"])
    _step(page, "conclude_investigation", fill={"report": "违法事实清楚，证据确凿，调查终结。"})
    assert page.locator(".case-state").get_attribute("data-state") == "investigated"
    # A refusal is shown with its rule id: a fine with no amount (PEN-01).
    step = page.locator("#step-propose")
    step.locator("summary").click()
    step.locator("select[name=outcome]").select_option("penalty")
    step.locator("input[name=penalty_types][value=fine]").check()
    for name in ("reasons_evidence", "reasons_basis", "reasons_discretion"):
        step.locator(f"[name={name}]").fill("理由")
    step.locator("button[type=submit]").click()
    refusal = page.locator("#step-propose .step-refusal")
    refusal.wait_for()
    assert refusal.get_attribute("data-rule") == "PEN-01"
    shoot(page, "case-step-refused-desktop")
    _step(page, "propose", fill={"fine_amount": "20000", "correction_order": "责令立即建立进货查验记录制度",
                                 "reasons_evidence": "现场检查笔录与书证相互印证",
                                 "reasons_basis": "违反食品安全法第五十三条，依据第一百二十六条",
                                 "reasons_discretion": "一般情形，按裁量基准一般档次"},
          check=["penalty_types:warning"], warned="PEN-14", reason="事实见现场检查笔录（本案未上传证据文件）")
    _step(page, "serve_notice", fill={"served_on": today.isoformat()}, select={"method": "direct"})
    assert page.locator(".case-state").get_attribute("data-state") == "notified"
    # New facts after the notice: a step back (listed under 其他操作) to investigation, a heavier
    # proposal, refused until a new notice is served (PEN-19), then the new notice (PEN-19, PEN-20).
    assert page.locator(".case-steps h3 ~ #step-reinvestigate").count() == 1  # under 其他操作
    _step(page, "reinvestigate", fill={"new_facts": "告知后接举报查实当事人另有一批食品未查验进货"},
          check=["not_due_to_defence"])
    assert page.locator(".case-state").get_attribute("data-state") == "filed"
    assert page.locator(".case-deadline", has_text="PEN-20").count() == 0
    _step(page, "conclude_investigation", fill={"report": "补充调查终结，新查实的事实清楚。"})
    _step(page, "propose", fill={"fine_amount": "25000", "correction_order": "责令立即建立进货查验记录制度",
                                 "reasons_evidence": "现场检查笔录、补充调查的进货单据相互印证",
                                 "reasons_basis": "违反食品安全法第五十三条，依据第一百二十六条",
                                 "reasons_discretion": "新查实一批食品未查验，按一般档次上限处罚"},
          select={"outcome": "penalty"}, check=["penalty_types:warning", "penalty_types:fine"], warned="PEN-14",
          reason="事实见现场检查笔录（本案未上传证据文件）")
    assert "PEN-19" in page.locator("#step-decide .case-blockers").text_content()  # heavier: a new notice first
    _step(page, "serve_notice", fill={"served_on": today.isoformat()}, select={"method": "direct"})
    assert page.locator(".case-deadline", has_text="PEN-20").count() == 1
    decide = page.locator("#step-decide")
    assert "PEN-20" in decide.locator(".case-blockers").text_content()
    shoot(page, "case-renotified-desktop")
    _step(page, "waive_rights", fill={"waiver_document": "当事人书面放弃陈述申辩声明"})
    _step(page, "decide", fill={"performance": "自收到本决定书之日起十五日内缴纳罚款",
                                "remedies": "六十日内申请行政复议或者六个月内提起行政诉讼"}, check=["head_signed"])
    assert page.locator(".case-state").get_attribute("data-state") == "decided"
    _step(page, "serve_decision", fill={"served_on": today.isoformat()}, select={"method": "direct"})
    assert page.locator(".case-state").get_attribute("data-state") == "executing"
    assert page.locator(".case-deadline", has_text="PEN-37").count() == 1
    _step(page, "record_payment", fill={"amount": "25000", "paid_on": today.isoformat()}, select={"method": "bank"})
    _step(page, "close", fill={"summary": "罚款已缴清，结案。"})
    assert page.locator(".case-state").get_attribute("data-state") == "closed"
    case = Case.objects.get()
    assert case.state == "closed" and case.closed_on == today
    actions = list(StatusEntry.objects.filter(case=case).order_by("seq").values_list("action", flat=True))
    assert actions == ["register", "file", "record_inspection", "conclude_investigation", "propose", "serve_notice",
                       "reinvestigate", "conclude_investigation", "propose", "serve_notice", "waive_rights",
                       "decide", "serve_decision", "record_payment", "close"]
    assert case.data["propose"]["fine_amount"] == "25000.00"
    assert case.data["earlier_proposals"][0]["propose"]["fine_amount"] == "20000.00"
    history = page.locator(".case-history-entry")
    assert history.count() == len(actions)
    assert page.locator(".case-progress-step.done").count() >= 6
    shoot(page, "case-closed-desktop")
    page.close()

    phone = _login(browser, live_server, PHONE)
    phone.goto(f"{live_server.url}/work/cases/{case.pk}/")
    assert phone.locator(".case-state").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "case-closed-phone")
    # A second case, filed long ago and still under investigation: its step forms at phone width,
    # and the overdue flag (PEN-34, 90 days from filing) in red on the list.
    from zhifa.cases.engine import case_transition
    from zhifa.cases.testing import register_case

    late = register_case(w, title="超期未结的案件", discovered_on=today - dt.timedelta(days=200),
                         occurred_on=today - dt.timedelta(days=210))
    case_transition(case=late, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"},
                    on_date=today - dt.timedelta(days=150))
    phone.goto(f"{live_server.url}/work/cases/{late.pk}/")
    phone.locator("#step-record_inspection summary").click()
    assert phone.locator("#step-record_inspection input[name=officers]").count() == 2
    assert phone.locator(".case-deadline.overdue", has_text="PEN-34").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "case-steps-phone")
    phone.goto(f"{live_server.url}/work/cases/")
    assert phone.locator(".case-row").count() == 2
    assert phone.locator(".case-row.case-overdue").count() == 1
    assert "PEN-34" in phone.locator(".case-row.case-overdue .case-due").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "case-list-phone")
    phone.close()
