"""Legal review API under /api/v1/review/: the case's standing, submission, the queue, assignment,
the signed opinion, disagreement and its coordination, collective discussion minutes, and the
reports. Every write goes through `review.services`; refusals come back as
{"code", "message", "rule", "fields"} (403/404/409/400)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from zhifa.cases.models import Case
from zhifa.core.errors import NotFound
from zhifa.org import roles
from zhifa.org.auth import StaffSessionAuth, TokenAuth, request_actor
from zhifa.org.models import Officer

from . import selectors, services
from .models import Coordination, Meeting, Review, ReviewOpinion
from .requirements import CHECKLIST, auto_checks, discretion_check, materials_check


class RoleSessionAuth(StaffSessionAuth):
    """The browser session of anyone holding a role (officer, reviewer, head, supervisor …): what
    each may do is decided by the services (REV-02, REV-07), not by the staff flag."""

    def authenticate(self, request, key):
        user = request.user
        if key is None or not user.is_authenticated:
            return None
        if not (user.is_superuser or roles.user_roles(user)):
            raise PermissionDenied("您没有办理法制审核的角色。")
        if (getattr(settings, "ZHIFA_REQUIRE_2FA", False) and self.scope.endswith(":write")
                and roles.needs_two_factor(user) and not user.is_verified()):
            raise PermissionDenied("请先完成双因素认证（TOTP）后再执行写操作。")
        return user


def _auth(scope: str) -> list:
    return [TokenAuth(scope), RoleSessionAuth(scope)]


router = Router(tags=["法制审核"], auth=_auth("review:read"))
WRITE = _auth("review:write")


def _case(request, case_id: int) -> Case:
    actor = request_actor(request)
    case = Case.objects.filter(pk=case_id, agency__in=roles.agencies_visible_to(actor)).select_related(
        "agency", "matter").first()
    if case is None:
        raise NotFound("未找到该案件，或您无权查看。")
    return case


def _review(request, review_id: int) -> Review:
    actor = request_actor(request)
    review = Review.objects.filter(pk=review_id, agency__in=roles.agencies_visible_to(actor)).select_related(
        "case", "body", "reviewer").first()
    if review is None:
        raise NotFound("未找到该法制审核，或您无权查看。")
    return review


# --- representations ------------------------------------------------------------------------------


def opinion_out(op: ReviewOpinion | None) -> dict | None:
    if op is None:
        return None
    return {"id": op.pk, "reviewer": op.reviewer.name, "conclusion": op.conclusion,
            "conclusion_label": op.get_conclusion_display(), "findings": op.findings, "summary": op.summary,
            "checklist": op.checklist, "signed_on": op.signed_on, "signature": op.signature}


def round_out(rnd) -> dict:
    op = ReviewOpinion.objects.filter(round=rnd).select_related("reviewer").first()
    co = Coordination.objects.filter(round=rnd).first()
    outcome = getattr(co, "outcome", None) if co else None
    return {"number": rnd.number, "submitted_on": rnd.submitted_on, "due_on": rnd.due_on,
            "submitted_by": selectors._name(rnd.submitted_by), "reasons": rnd.reasons, "materials": rnd.materials,
            "note": rnd.note, "digest": rnd.digest, "opinion": opinion_out(op),
            "coordination": None if co is None else {
                "id": co.pk, "route": co.route, "objection": co.objection,
                "outcome": None if outcome is None else {"outcome": outcome.outcome, "note": outcome.note,
                                                         "decided_by": selectors._name(outcome.decided_by)}}}


def review_out(review: Review, *, rounds: bool = False) -> dict:
    out = {"id": review.pk, "case_id": review.case_id, "case": str(review.case), "title": review.case.title,
           "agency_id": review.agency_id, "body": review.body.name, "status": review.status,
           "status_label": review.get_status_display(), "reviewer": review.reviewer.name if review.reviewer else None,
           "rounds": review.rounds, "due_on": review.due_on}
    if rounds:
        out["round_list"] = [round_out(r) for r in review.round_rows.order_by("number").select_related("submitted_by")]
    return out


def meeting_out(m: Meeting) -> dict:
    return {"id": m.pk, "held_on": m.held_on, "chair": selectors._name(m.chair), "participants": m.participants,
            "conclusion": m.conclusion, "conclusion_label": m.get_conclusion_display(), "decision": m.decision,
            "reasons": m.reasons, "digest": m.digest}


# --- reads ----------------------------------------------------------------------------------------


@router.get("/cases/{case_id}", summary="案件的法制审核与集体讨论情况")
def case_standing(request, case_id: int):
    case = _case(request, case_id)
    st = selectors.review_standing(case)
    ds = selectors.discussion_standing(case)
    return {
        "review_required": st.required, "review": review_out(st.review, rounds=True) if st.review else None,
        "review_satisfied": st.satisfied, "review_message": st.message, "rule": st.rule,
        "materials": materials_check(case), "discretion": discretion_check(case),
        "discussion_required": ds["required"], "discussion_satisfied": ds["satisfied"],
        "meetings": [meeting_out(m) for m in case.meetings.order_by("id")],
        "responsibility": selectors.review_responsibility(case),
    }


@router.get("/queue", summary="审核队列")
def queue(request, status: str | None = None, mine: bool = False):
    qs = selectors.review_queue(user=request_actor(request), status=status or None, mine=mine)
    return [review_out(r) for r in qs[:500]]


@router.get("/reviews/{review_id}", summary="审核详情（含各轮送审与意见、自动核验）")
def review_detail(request, review_id: int):
    review = _review(request, review_id)
    out = review_out(review, rounds=True)
    out["checklist_items"] = [{"key": k, "label": label, "rule": rule} for k, label, rule in CHECKLIST]
    out["auto_checks"] = auto_checks(review.case)
    return out


@router.get("/overdue", summary="超期未审（REV-06）")
def overdue(request):
    return [review_out(r) for r in selectors.overdue_reviews(user=request_actor(request))[:500]]


@router.get("/reports/reviewers", summary="审核人员统计（L7）")
def report_reviewers(request, since: dt.date | None = None, until: dt.date | None = None):
    return selectors.reviewer_report(agencies=roles.agencies_visible_to(request_actor(request)), since=since,
                                     until=until)


@router.get("/reports/units", summary="承办机构统计（L7）")
def report_units(request):
    return selectors.unit_report(agencies=roles.agencies_visible_to(request_actor(request)))


@router.get("/staffing", summary="法制审核人员配备比例（REV-05）")
def staffing(request):
    return selectors.staffing(agencies=roles.agencies_visible_to(request_actor(request)))


# --- writes ---------------------------------------------------------------------------------------


class SubmitIn(Schema):
    investigation_report: str = ""
    note: str = ""


@router.post("/cases/{case_id}/submit", auth=WRITE, summary="送法制审核")
def submit(request, case_id: int, payload: SubmitIn):
    case = _case(request, case_id)
    rnd = services.review_submit(case=case, actor=request_actor(request), **payload.dict())
    return review_out(rnd.review, rounds=True)


class AssignIn(Schema):
    reviewer_id: int


@router.post("/reviews/{review_id}/assign", auth=WRITE, summary="分配审核人员")
def assign(request, review_id: int, payload: AssignIn):
    review = _review(request, review_id)
    officer = Officer.objects.filter(pk=payload.reviewer_id).first()
    if officer is None:
        raise NotFound("未找到该审核人员。", fields={"reviewer_id": "不存在"})
    services.review_assign(review=review, reviewer=officer, actor=request_actor(request))
    review.refresh_from_db()
    return review_out(review)


class ItemIn(Schema):
    passed: bool | None = None
    finding: str = ""


class OpinionIn(Schema):
    conclusion: str
    summary: str
    checklist: dict[str, ItemIn]


@router.post("/reviews/{review_id}/opinion", auth=WRITE, summary="签署审核意见（同意 / 存在问题）")
def opinion(request, review_id: int, payload: OpinionIn):
    review = _review(request, review_id)
    op = services.review_opinion_sign(
        review=review, actor=request_actor(request), conclusion=payload.conclusion, summary=payload.summary,
        checklist={k: v.dict() for k, v in payload.checklist.items()})
    return opinion_out(op)


class DisputeIn(Schema):
    objection: str
    route: str = "head"


@router.post("/reviews/{review_id}/dispute", auth=WRITE, summary="对审核意见提出异议（提请协调）")
def dispute(request, review_id: int, payload: DisputeIn):
    review = _review(request, review_id)
    co = services.review_dispute(review=review, actor=request_actor(request), objection=payload.objection,
                                 route=payload.route)
    return {"id": co.pk, "route": co.route}


class DecideIn(Schema):
    outcome: str
    note: str
    meeting_id: int | None = None


@router.post("/coordinations/{coordination_id}/decide", auth=WRITE, summary="机关负责人协调决定")
def coordination_decide(request, coordination_id: int, payload: DecideIn):
    actor = request_actor(request)
    co = Coordination.objects.filter(pk=coordination_id,
                                     round__review__agency__in=roles.agencies_visible_to(actor)).first()
    if co is None:
        raise NotFound("未找到该协调事项。")
    meeting = Meeting.objects.filter(pk=payload.meeting_id).first() if payload.meeting_id else None
    row = services.coordination_decide(coordination=co, actor=actor, outcome=payload.outcome, note=payload.note,
                                       meeting=meeting)
    return {"id": row.pk, "outcome": row.outcome}


class ParticipantIn(Schema):
    user: int
    opinion: str


class MeetingIn(Schema):
    held_on: dt.date
    chair_id: int
    participants: list[ParticipantIn]
    conclusion: str
    decision: str
    discussion: str = ""
    place: str = ""
    attendees_other: str = ""


@router.post("/cases/{case_id}/meetings", auth=WRITE, summary="记录集体讨论（REV-08）")
def meeting(request, case_id: int, payload: MeetingIn):
    from django.contrib.auth import get_user_model

    case = _case(request, case_id)
    data = payload.dict()
    chair = get_user_model().objects.filter(pk=data.pop("chair_id")).first()
    m = services.meeting_record(case=case, actor=request_actor(request), chair=chair, **data)
    return meeting_out(m)


ROUTES = [("review/", router)]
