"""Public officer search → verification page; staff login lockout. Desktop and 375 px phone widths."""

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from zhifa.org.models import Certificate

pytestmark = pytest.mark.e2e
PHONE_AND_DESKTOP = pytest.mark.parametrize("size", ["desktop", "phone"])


def _viewport(size):
    return {"width": 1280, "height": 900} if size == "desktop" else {"width": 375, "height": 812}


def _cert(valid: bool) -> Certificate:
    today = timezone.localdate()
    qs = Certificate.objects.filter(holder__active=True, kind=Certificate.Kind.ENFORCEMENT)
    if valid:
        return qs.filter(status=Certificate.Status.VALID, issued_on__lte=today, expires_on__gte=today).first()
    return qs.filter(expires_on__lt=today).first()


@PHONE_AND_DESKTOP
@pytest.mark.parametrize("valid", [True, False], ids=["valid", "expired"])
def test_search_then_verify(browser, live_server, demo, shoot, size, valid):
    cert = _cert(valid)
    assert cert is not None, "demo data should have valid and expired certificates"
    page = browser.new_page(viewport=_viewport(size))
    page.goto(live_server.url + "/")
    page.fill("#home-q", cert.number)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/officers/?q=*")
    visible_link = page.locator(f"a:text-is('{cert.number}'):visible")
    assert visible_link.count() == 1
    assert page.locator(f"text={cert.holder.name} >> visible=true").count() >= 1
    assert cert.holder.id_number not in page.content()
    shoot(page, f"officers-{size}-{'valid' if valid else 'expired'}")
    visible_link.click()
    page.wait_for_url(f"**/verify/{cert.verification_token}")
    result = page.locator(".verify-result")
    assert result.get_attribute("data-valid") == ("true" if valid else "false")
    word = page.locator(".verify-word").inner_text()
    assert word == ("有效" if valid else "无效")
    if not valid:
        assert page.locator(".verify-reason").inner_text() == "已过期"
    assert page.locator(f"dd:text-is('{cert.holder.name}')").is_visible()
    # Nothing overflows the phone screen horizontally.
    assert page.evaluate("document.documentElement.scrollWidth") <= _viewport(size)["width"]
    shoot(page, f"verify-{size}-{'valid' if valid else 'expired'}")
    page.close()


@PHONE_AND_DESKTOP
def test_staff_login_lockout(browser, live_server, demo, shoot, size, settings):
    page = browser.new_page(viewport=_viewport(size))
    page.goto(live_server.url + "/accounts/login/")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        page.fill("#id_username", "officer")
        page.fill("#id_password", f"wrong-password-{attempt}")
        with page.expect_navigation():  # the next check must see the answer, not the page before it
            page.click("button[type=submit]")
        expect(page.locator(".alert-danger")).to_be_visible()
        assert "锁定" not in page.content()
    page.fill("#id_username", "officer")
    page.fill("#id_password", "wrong-password-last")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("text=账户已暂时锁定")).to_be_visible()
    # The right password is refused too while locked.
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "zhifa-demo-2026")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("text=账户已暂时锁定")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= _viewport(size)["width"]
    shoot(page, f"locked-{size}")
    page.close()


def test_staff_login_success(browser, live_server, demo, shoot):
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "zhifa-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/")
    assert page.locator("h1").inner_text() == "工作台"
    shoot(page, "workbench-phone")
    page.close()


def test_party_queries_a_monitoring_record_and_makes_a_statement(browser, live_server, transactional_db, shoot):
    """PEN-15 at phone width: from the portal to the query page, the record opened with the query
    code and the party's number, a statement sent; a wrong number shows the one refusal."""
    import datetime as dt

    from zhifa.cases.services import party_add
    from zhifa.org.identity_fixtures import make_resident_id
    from zhifa.records.models import DeviceRecordStatement
    from zhifa.records.services import device_record_notify, evidence_device_review
    from zhifa.records.tests.conftest import make_world
    from zhifa.records.tests.test_device_records import add_device_record, register_device

    world = make_world()
    register_device(world)
    id_number = make_resident_id("369102", dt.date(1990, 7, 1), 55)
    party = party_add(case=world["case"], actor=world["lead"], kind="person", name="陈小满", id_number=id_number)
    record = add_device_record(world, annotation="小型汽车在禁停区域停放")
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="记录清晰完整")
    notice = device_record_notify(evidence=record, actor=world["lead"], party=party, method="sms",
                                  method_detail="13800138000", notified_on=timezone.localdate(),
                                  officer=world["officers"][0])
    width = 375
    page = browser.new_page(viewport={"width": width, "height": 812})
    page.goto(live_server.url + "/publicity/")
    page.click("text=监控记录查询与陈述申辩")
    page.wait_for_url("**/records/device-notice/")
    page.fill("#notice-code", notice.query_code_display)
    page.fill("#notice-id", make_resident_id("369102", dt.date(1991, 8, 2), 56))
    with page.expect_navigation():
        page.click("form.notice-query button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("查询码或证件号码不正确")
    page.fill("#notice-id", id_number)
    with page.expect_navigation():
        page.click("form.notice-query button[type=submit]")
    expect(page.locator(".notice-what")).to_contain_text("小型汽车在禁停区域停放")
    expect(page.locator(".notice-review")).to_contain_text("记录符合要求")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, "device-notice-phone")
    page.fill("#statement-text", "当时车辆故障，已开启双闪。")
    with page.expect_navigation():
        page.click("text=提交陈述、申辩")
    expect(page.locator(".notice-saved")).to_be_visible()
    expect(page.locator(".notice-statement")).to_contain_text("已开启双闪")
    assert DeviceRecordStatement.objects.get().notice_id == notice.pk
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, "device-notice-statement-phone")
    page.close()
