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
