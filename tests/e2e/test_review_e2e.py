"""Legal review in the browser: submit → finding → resubmit → pass → decide (issue 7), at phone
and desktop widths. The decision itself is the procedure's step, called here through the engine."""

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.review.models import Review
from zhifa.review.tests.conftest import make_case, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e
PASSWORD = "zhifa-test-pass-1"


def _viewport(size):
    return {"width": 1280, "height": 900} if size == "desktop" else {"width": 375, "height": 812}


def _login(browser, live_server, username, size):
    page = browser.new_context(viewport=_viewport(size)).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/")
    return page


def _fits(page, size):
    assert page.evaluate("document.documentElement.scrollWidth") <= _viewport(size)["width"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_submit_finding_resubmit_pass_decide(browser, live_server, transactional_db, world, shoot, size):  # noqa: F811
    case = make_case(world)
    handler = _login(browser, live_server, "zhangwei", size)
    head = _login(browser, live_server, "juzhang", size)
    reviewer = _login(browser, live_server, "wangfang", size)

    handler.goto(f"{live_server.url}/review/case/{case.pk}/")
    assert "罚款五万元以上" in handler.locator(".review-required").inner_text()
    handler.fill("textarea[name=investigation_report]", "经调查，当事人未取得许可经营食品，事实清楚。")
    handler.click(".review-submit button")
    assert handler.locator(".alert-success", has_text="已送法制审核（第1轮）").is_visible()
    _fits(handler, size)
    review = Review.objects.get(case=case)

    head.goto(f"{live_server.url}/review/{review.pk}/")
    head.select_option(".review-assign select", str(world["wang"].pk))
    head.click(".review-assign button")
    assert head.locator(".alert-success", has_text="已分配给王芳").is_visible()

    reviewer.goto(f"{live_server.url}/review/?tab=mine")
    reviewer.click(f"a:text-is('{case}')")
    item = reviewer.locator(".review-item[data-key=facts_evidence]")
    item.locator("input[value=finding]").check()
    item.locator("textarea").fill("货值金额缺少进货凭证佐证。")
    reviewer.select_option("select[name=conclusion]", "problems")
    reviewer.fill("textarea[name=summary]", "存在问题：请补充货值金额证据后重新送审。")
    shoot(reviewer, f"review-opinion-{size}")
    reviewer.click(".review-opinion button")
    assert reviewer.locator(".review-status").inner_text() == "存在问题，待补正"
    _fits(reviewer, size)

    with pytest.raises(TransitionRefused):
        case_transition(case=case, action="decide", actor=world["u_head"], data={})

    handler.goto(f"{live_server.url}/review/case/{case.pk}/")
    handler.fill("textarea[name=note]", "已补充进货凭证。")
    handler.click(".review-submit button")
    assert handler.locator(".alert-success", has_text="第2轮").is_visible()

    reviewer.goto(f"{live_server.url}/review/{review.pk}/")
    assert reviewer.locator(".review-round").count() == 2
    reviewer.select_option("select[name=conclusion]", "agree")
    reviewer.fill("textarea[name=summary]", "同意。")
    reviewer.click(".review-opinion button")
    assert reviewer.locator(".review-status").inner_text() == "审核通过"

    case_transition(case=case, action="decide", actor=world["u_head"], data={})
    handler.goto(f"{live_server.url}/review/case/{case.pk}/")
    text = handler.locator(".review-responsibility").inner_text()
    assert "作出决定" in text and text.count("法制审核（审核人员对审核意见负责）") == 2
    shoot(handler, f"review-case-{size}")
    _fits(handler, size)
