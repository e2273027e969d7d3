"""The annual report in the browser (P11, PUB-13): the workbench tile leads to the page, which
shows the agency's figures and charts at phone and desktop widths; the head publishes last
year's report and the published PDF downloads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from zhifa.org import roles
from zhifa.publicity.tests.conftest import open_penalty, publish

pytestmark = pytest.mark.e2e
PASSWORD = "zhifa-test-pass-1"


def _viewport(size):
    return {"width": 1280, "height": 900} if size == "desktop" else {"width": 375, "height": 812}


@pytest.fixture
def agencies(transactional_db):
    from zhifa.core import calendar
    from zhifa.org.models import Agency, Region

    calendar.calendar_seed()
    region = Region.objects.create(code="369100", name="江川市", level=Region.Level.CITY)
    return (Agency.objects.create(name="江川市市场监督管理局", credit_code="11369100MB0000001X", region=region),
            Agency.objects.create(name="江川市生态环境局", credit_code="11369100MB0000002X", region=region))


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_tile_page_charts_and_publish(browser, live_server, agencies, shoot, size):
    agency, other_agency = agencies
    clerk = get_user_model().objects.create_user("clerk", password=PASSWORD, is_staff=True)
    last_year = timezone.localdate().year - 1  # a finished year; the page lists the last five
    publish(open_penalty(agency, clerk, source_pk=1, decided=dt.date(last_year, 6, 1)), clerk)
    publish(open_penalty(other_agency, clerk, source_pk=2, decided=dt.date(last_year, 7, 1),
                         amount=Decimal("777")), clerk)
    head = get_user_model().objects.create_user("juzhang", password=PASSWORD, agency=agency, is_staff=True)
    head.groups.add(roles.ensure_groups()[roles.HEAD])

    page = browser.new_context(viewport=_viewport(size)).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "juzhang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/")
    tile = page.locator(".annual-report-tile")
    assert "年度行政执法统计年报" in tile.inner_text() and "天" in tile.inner_text()
    tile.click()
    page.wait_for_url("**/reports/annual/**")
    page.select_option("#year", str(last_year))
    page.click("text=查看")
    page.wait_for_url(f"**year={last_year}")
    body = page.inner_text("body")
    assert agency.name in body and other_agency.name not in body and "50,000.00" in body
    assert page.locator(".chart svg").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= _viewport(size)["width"]
    shoot(page, f"annual-report-{size}")
    page.click("#annual-publish button")
    page.wait_for_selector("#annual-published")
    assert "已公布" in page.inner_text("body")
    pdf = page.request.get(live_server.url + page.locator("#annual-published a", has_text="PDF").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
