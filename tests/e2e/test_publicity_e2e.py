"""Portal search for a published decision → its page (with the ledger proof section), at desktop
and 375 px phone widths (issue 8, Done when)."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def published(transactional_db):
    from zhifa.core import calendar
    from zhifa.org.models import Agency, Region
    from zhifa.publicity import services

    calendar.calendar_seed()
    region = Region.objects.create(code="369100", name="江川市", level=Region.Level.CITY)
    agency = Agency.objects.create(name="江川市市场监督管理局", credit_code="11369100MB0000001X", region=region)
    pub = services.publication_open(
        agency=agency, source_label="e2e.decision", source_pk=1, category="penalty",
        decision_number="江市监处罚〔2026〕808号", decided_on=dt.date(2026, 9, 29), effective_on=dt.date(2026, 9, 29),
        party={"kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        conclusion="销售超过保质期的食品，没收违法所得并处罚款。", basis="《中华人民共和国食品安全法》第一百二十四条",
        penalty="罚款人民币五万元", amount=Decimal(50000),
        facts="当事人张三（身份证号11010519491231002X）销售超过保质期的食品。", actor=None)
    services.publication_review(publication=pub, actor=None)
    return services.publication_publish(publication=pub, actor=None)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_find_a_published_decision_and_open_it(browser, live_server, published, shoot, size):
    viewport = {"width": 1280, "height": 900} if size == "desktop" else {"width": 375, "height": 812}
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.url + "/publicity/")
    page.fill("#pub-q", "超过保质期")
    page.click("#pub-search button[type=submit]")
    page.wait_for_url("**/publicity/?q=*")
    link = page.locator(f"#pub-results a:has-text('{published.decision_number}')")
    assert link.count() == 1
    expect(page.locator("#pub-count")).to_have_text("共 1 条")  # loaded after the rows (htmx)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shoot(page, f"publicity-search-{size}")
    link.click()
    page.wait_for_url(f"**/publicity/d/{published.pk}/")
    assert page.locator("#party-name").inner_text().startswith("张某某")
    assert page.locator("#ledger-proof").is_visible()
    html = page.content()
    assert "11010519491231002X" not in html and "张三" not in html and "13812345678" not in html
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shoot(page, f"publicity-decision-{size}")
    page.close()
