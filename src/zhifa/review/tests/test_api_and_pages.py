"""The review API (/api/v1/review/) and pages: the whole walk submit → finding → resubmit → pass
through HTTP, refusals as {"code","message","rule","fields"}, scoping to visible agencies."""

from __future__ import annotations


from django.test import Client

from zhifa.cases.engine import case_transition
from zhifa.org import roles
from zhifa.review.models import Review

from .conftest import AGREE, make_case, with_finding
from django.utils import timezone


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _json(resp, status=200):
    assert resp.status_code == status, resp.content.decode()
    return resp.json()


def test_api_walk_submit_finding_resubmit_pass(world):
    case = make_case(world)
    handler, reviewer, head = _client(world["u_zhang"]), _client(world["u_wang"]), _client(world["u_head"])
    standing = _json(handler.get(f"/api/v1/review/cases/{case.pk}"))
    assert standing["review_required"] and not standing["review_satisfied"]
    out = _json(handler.post(f"/api/v1/review/cases/{case.pk}/submit", {"investigation_report": "报告"},
                             content_type="application/json"))
    rid = out["id"]
    assert out["status"] == "pending" and out["round_list"][0]["number"] == 1
    # The handler may not review; the API says why, with the rule.
    err = _json(head.post(f"/api/v1/review/reviews/{rid}/assign", {"reviewer_id": world["zhang"].pk},
                          content_type="application/json"), 400)
    assert err["rule"] == "REV-02" and err["code"] == "reviewer_not_eligible"
    _json(head.post(f"/api/v1/review/reviews/{rid}/assign", {"reviewer_id": world["wang"].pk},
                    content_type="application/json"))
    queue = _json(reviewer.get("/api/v1/review/queue?mine=true"))
    assert [r["id"] for r in queue] == [rid]
    detail = _json(reviewer.get(f"/api/v1/review/reviews/{rid}"))
    assert detail["auto_checks"]["body_officers"]["ok"] is True and len(detail["checklist_items"]) == 8
    op = _json(reviewer.post(f"/api/v1/review/reviews/{rid}/opinion",
                             {"conclusion": "problems", "summary": "证据不足", "checklist": with_finding()},
                             content_type="application/json"))
    assert op["conclusion"] == "problems" and op["findings"] == 1
    err = _json(handler.post(f"/api/v1/review/cases/{case.pk}/submit", {}, content_type="application/json"), 400)
    assert "note" in err["fields"]
    _json(handler.post(f"/api/v1/review/cases/{case.pk}/submit", {"note": "已补正"}, content_type="application/json"))
    _json(reviewer.post(f"/api/v1/review/reviews/{rid}/opinion",
                        {"conclusion": "agree", "summary": "同意", "checklist": AGREE}, content_type="application/json"))
    standing = _json(handler.get(f"/api/v1/review/cases/{case.pk}"))
    assert standing["review_satisfied"] and len(standing["review"]["round_list"]) == 2
    assert [r["role"] for r in standing["responsibility"]].count("送审（承办机构对材料负责）") == 2
    case_transition(case=case, action="decide", actor=world["u_head"], data={})
    reports = _json(head.get("/api/v1/review/reports/reviewers"))
    assert reports[0]["opinions"] == 2
    assert _json(head.get("/api/v1/review/staffing"))[0]["ratio"] == 50.0


def test_api_dispute_and_coordination(world):
    case = make_case(world)
    handler, reviewer, head = _client(world["u_zhang"]), _client(world["u_wang"]), _client(world["u_head"])
    rid = _json(handler.post(f"/api/v1/review/cases/{case.pk}/submit", {}, content_type="application/json"))["id"]
    _json(head.post(f"/api/v1/review/reviews/{rid}/assign", {"reviewer_id": world["wang"].pk},
                    content_type="application/json"))
    _json(reviewer.post(f"/api/v1/review/reviews/{rid}/opinion",
                        {"conclusion": "problems", "summary": "x", "checklist": with_finding()},
                        content_type="application/json"))
    co = _json(handler.post(f"/api/v1/review/reviews/{rid}/dispute", {"objection": "不同意"},
                            content_type="application/json"))
    err = _json(reviewer.post(f"/api/v1/review/coordinations/{co['id']}/decide",
                              {"outcome": "overrule", "note": "x"}, content_type="application/json"), 403)
    assert err["rule"] == "REV-07"
    _json(head.post(f"/api/v1/review/coordinations/{co['id']}/decide", {"outcome": "uphold", "note": "维持"},
                    content_type="application/json"))
    assert Review.objects.get(pk=rid).status == "returned"


def test_api_meeting_and_scoping(world, django_user_model):
    case = make_case(world, fine="70000")
    head = _client(world["u_head"])
    body = {"held_on": timezone.localdate().isoformat(), "chair_id": world["u_head"].pk, "conclusion": "approve",
            "decision": "同意", "participants": [{"user": world["u_head"].pk, "opinion": "同意"},
                                                {"user": world["u_head2"].pk, "opinion": "同意"}]}
    m = _json(head.post(f"/api/v1/review/cases/{case.pk}/meetings", body, content_type="application/json"))
    assert m["conclusion"] == "approve" and m["reasons"]
    standing = _json(head.get(f"/api/v1/review/cases/{case.pk}"))
    assert standing["discussion_satisfied"]
    outsider = django_user_model.objects.create_user("outsider", password="x")
    outsider.groups.add(roles.ensure_groups()[roles.OFFICER])
    assert _client(outsider).get(f"/api/v1/review/cases/{case.pk}").status_code == 404
    assert Client().get(f"/api/v1/review/cases/{case.pk}").status_code == 401


def test_pages_render_and_forms_post(world):
    case = make_case(world)
    handler, reviewer, head = _client(world["u_zhang"]), _client(world["u_wang"]), _client(world["u_head"])
    page = handler.get(f"/review/case/{case.pk}/")
    assert page.status_code == 200 and "目录" in page.content.decode()
    resp = handler.post(f"/review/case/{case.pk}/submit/", {"investigation_report": "报告"})
    assert resp.status_code == 302
    review = Review.objects.get(case=case)
    head.post(f"/review/{review.pk}/assign/", {"reviewer": world["wang"].pk})
    review.refresh_from_db()
    assert review.reviewer == world["wang"]
    page = reviewer.get(f"/review/{review.pk}/").content.decode()
    assert "签署审核意见" in page and "执法主体是否合法" in page and "拟处理意见" in page
    form = {f"item_{k}": "pass" for k in AGREE}
    form.update({"conclusion": "agree", "summary": "同意"})
    resp = reviewer.post(f"/review/{review.pk}/opinion/", form, follow=True)
    assert "已签署" in resp.content.decode()
    review.refresh_from_db()
    assert review.status == "passed"
    # A refusal is shown with its rule, nothing written.
    resp = handler.post(f"/review/case/{case.pk}/submit/", {}, follow=True)
    assert "无需重新送审" in resp.content.decode()
    for url in ("/review/", "/review/?tab=all", "/review/?tab=overdue", "/review/reports/", "/review/cases/"):
        assert head.get(url).status_code == 200, url
    page = head.get(f"/review/?tab=all&body={world['legal'].pk}").content.decode()
    assert str(case) in page and "审核通过" in page
    resp = head.post(f"/review/case/{case.pk}/meeting/", {
        "held_on": timezone.localdate().isoformat(), "chair": world["u_head"].pk,
        "participants": [world["u_head"].pk, world["u_head2"].pk], f"opinion_{world['u_head'].pk}": "同意",
        f"opinion_{world['u_head2'].pk}": "同意", "conclusion": "approve", "decision": "同意作出决定"}, follow=True)
    assert "集体讨论记录" in resp.content.decode() and "刘副局长" in resp.content.decode()
