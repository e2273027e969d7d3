"""Reviewer and handling-unit pages (Chinese, phone-friendly): the queue, the review page (the
submitted snapshot beside the REV-04 checklist and the opinion form), the case's review page
(reasons, materials, submission, collective discussion, responsibility), the 集体讨论记录 and the
reports. Views call services for every write and show refusals with their rule id."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases.models import Case, CaseOfficer, StatusEntry
from zhifa.core.errors import DomainError
from zhifa.org import roles
from zhifa.org.models import Department, Officer

from . import selectors, services
from .models import Coordination, Meeting, Review, ReviewOpinion
from .requirements import CHECKLIST, auto_checks, discretion_check, fine_comparison, materials_check


def _visible_case(request, case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id, agency__in=roles.agencies_visible_to(request.user)).select_related(
        "agency", "matter", "lead_officer").first()
    if case is None:
        raise Http404
    return case


def _visible_review(request, review_id: int) -> Review:
    review = Review.objects.filter(pk=review_id, agency__in=roles.agencies_visible_to(request.user)).select_related(
        "case", "body", "reviewer", "agency").first()
    if review is None:
        raise Http404
    return review


def _refused(request, exc: DomainError) -> None:
    rule = f"（{exc.rule}）" if exc.rule and exc.rule not in exc.message else ""
    messages.error(request, f"{exc.message}{rule}")


@login_required
def queue(request):
    tab = request.GET.get("tab", "mine")
    user = request.user
    if tab == "overdue":
        rows = selectors.overdue_reviews(user=user)
    elif tab == "all":
        body = request.GET.get("body", "")
        rows = selectors.review_queue(user=user, status=request.GET.get("status") or None,
                                      body_id=int(body) if body.isdigit() else None)
    else:
        rows = selectors.review_queue(user=user, mine=True).filter(status__in=Review.OPEN)
    return render(request, "review/queue.html", {
        "tab": tab, "rows": rows[:200], "statuses": Review.Status.choices, "today": timezone.localdate(),
        "bodies": Department.objects.filter(is_legal_review_body=True, active=True,
                                            agency__in=roles.agencies_visible_to(user)).select_related("agency"),
        "alerts": selectors.alerts_for(user)[:10],
    })


def _value(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (list, tuple)):
        return "、".join(_value(x) for x in v) or "—"
    if isinstance(v, dict):
        return "；".join(f"{k}：{_value(x)}" for k, x in v.items())
    return "—" if v in (None, "") else str(v)


# Computed parts of a step's data that the pages show in their own section.
SHOWN_APART = {"fine_max_comparison"}  # PEN-06: review/_fine_comparison.html


def snapshot_steps(case: Case, snapshot: dict) -> list[dict]:
    """The frozen case data as labelled steps, labels from the procedure's declared inputs."""
    from zhifa.cases.engine import get_procedure

    try:
        procedure = get_procedure(case.procedure)
    except DomainError:
        procedure = None
    out = []
    for action, values in ((snapshot.get("case") or {}).get("data") or {}).items():
        labels, choices, title = {}, {}, action
        if procedure is not None:
            try:
                t = procedure.transition(action)
                title, labels = t.label, {f.name: f.label for f in t.inputs}
                choices = {f.name: dict(f.choices) for f in t.inputs if f.choices}
            except DomainError:
                pass
        labels.update({"on_date": "日期", "entry": "记录序号", "benchmark": "裁量基准", "review_reasons": "审核理由",
                       "hearing_right": "听证权利"})
        fields = []
        for k, v in (values.items() if isinstance(values, dict) else ()):
            if k in SHOWN_APART:
                continue
            if k in choices:
                v = [choices[k].get(x, x) for x in v] if isinstance(v, list) else choices[k].get(v, v)
            fields.append((labels.get(k, k), _value(v)))
        out.append({"action": action, "label": title, "fields": fields})
    return out


def _rounds(review: Review) -> list[dict]:
    out = []
    for rnd in review.round_rows.order_by("-number").select_related("submitted_by"):
        co = Coordination.objects.filter(round=rnd).first()
        out.append({"round": rnd, "opinion": ReviewOpinion.objects.filter(round=rnd).select_related("reviewer").first(),
                    "coordination": co, "outcome": getattr(co, "outcome", None) if co else None})
    return out


@login_required
def review_page(request, review_id: int):
    review = _visible_review(request, review_id)
    case = review.case
    rounds = _rounds(review)
    latest = rounds[0]["round"] if rounds else None
    user = request.user
    officer_id = getattr(user, "officer_id", None)
    checks = auto_checks(case)
    items = [{"key": k, "label": label, "rule": rule, "auto": checks.get(k, {})} for k, label, rule in CHECKLIST]
    candidates = Officer.objects.filter(agency=review.agency, department=review.body, active=True).order_by("name")
    standing = selectors.review_standing(case)
    return render(request, "review/review.html", {
        "review": review, "case": case, "rounds": rounds, "latest": latest, "items": items,
        "snapshot": latest.snapshot if latest else {}, "standing": standing,
        "steps": snapshot_steps(case, latest.snapshot) if latest else [],
        "can_sign": review.status in Review.OPEN and officer_id and review.reviewer_id == officer_id,
        "can_assign": review.status in Review.OPEN and (services.is_head(user, review.agency)
                                                        or roles.has_role(user, roles.REVIEWER)),
        "can_dispute": review.status == Review.Status.RETURNED and services.is_handler(user, case)
        and not (rounds and rounds[0]["coordination"]),
        "can_coordinate": review.status == Review.Status.COORDINATION and services.is_head(user, review.agency),
        "candidates": [(o, services.reviewer_refusal(officer=o, case=case, body=review.body)) for o in candidates],
        "meetings": case.meetings.order_by("-id"),
        "history": StatusEntry.objects.filter(case=case).order_by("seq"),
        "discretion": discretion_check(case),
        "fine_comparison": fine_comparison(case, snapshot=latest.snapshot if latest else None),
    })


@login_required
@require_POST
def review_action(request, review_id: int, action: str):
    review = _visible_review(request, review_id)
    p = request.POST
    try:
        if action == "assign":
            officer = Officer.objects.filter(pk=p.get("reviewer") or 0).first()
            if officer is None:
                raise DomainError("请选择审核人员。", fields={"reviewer": "必须选择"})
            services.review_assign(review=review, reviewer=officer, actor=request.user)
            messages.success(request, f"已分配给{officer.name}。")
        elif action == "opinion":
            checklist = {}
            for key, _, _ in CHECKLIST:
                verdict = p.get(f"item_{key}")
                checklist[key] = {"passed": None if verdict is None else verdict == "pass",
                                  "finding": p.get(f"finding_{key}", "")}
            op = services.review_opinion_sign(review=review, actor=request.user, conclusion=p.get("conclusion", ""),
                                              checklist=checklist, summary=p.get("summary", ""))
            messages.success(request, f"审核意见（{op.get_conclusion_display()}）已签署。")
        elif action == "dispute":
            services.review_dispute(review=review, actor=request.user, objection=p.get("objection", ""),
                                    route=p.get("route", "head"))
            messages.success(request, "已提请协调，等待机关负责人决定。")
        elif action == "coordinate":
            co = Coordination.objects.filter(round__review=review).order_by("-id").first()
            meeting = Meeting.objects.filter(pk=p.get("meeting") or 0, case=review.case).first()
            services.coordination_decide(coordination=co, actor=request.user, outcome=p.get("outcome", ""),
                                         note=p.get("note", ""), meeting=meeting)
            messages.success(request, "协调结果已记录。")
        else:
            raise Http404
    except DomainError as exc:
        _refused(request, exc)
    return redirect("review:review", review_id=review.pk)


@login_required
def case_page(request, case_id: int):
    case = _visible_case(request, case_id)
    standing = selectors.review_standing(case)
    User = get_user_model()
    return render(request, "review/case.html", {
        "case": case, "standing": standing, "materials": materials_check(case),
        "discussion": selectors.discussion_standing(case), "discretion": discretion_check(case),
        "fine_comparison": fine_comparison(case),
        "responsibility": selectors.review_responsibility(case),
        "rounds": _rounds(standing.review) if standing.review else [],
        "can_submit": services.is_handler(request.user, case) or services.is_head(request.user, case.agency),
        "agency_users": User.objects.filter(agency=case.agency, is_active=True).order_by("username"),
        "heads": User.objects.filter(agency=case.agency, is_active=True, groups__name=roles.HEAD).distinct(),
        "meetings": case.meetings.order_by("-id"), "conclusions": Meeting.Conclusion.choices,
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def case_action(request, case_id: int, action: str):
    case = _visible_case(request, case_id)
    p = request.POST
    try:
        if action == "submit":
            rnd = services.review_submit(case=case, actor=request.user, investigation_report=p.get("investigation_report", ""),
                                         note=p.get("note", ""))
            messages.success(request, f"已送法制审核（第{rnd.number}轮），审核期限至{rnd.due_on:%Y年%m月%d日}。")
        elif action == "meeting":
            User = get_user_model()
            participants = [{"user": int(uid), "opinion": p.get(f"opinion_{uid}", "")}
                            for uid in p.getlist("participants") if uid.isdigit()]
            try:
                held_on = dt.date.fromisoformat(p.get("held_on", ""))
            except ValueError:
                raise DomainError("讨论日期格式应为 YYYY-MM-DD。", fields={"held_on": "日期格式有误"}) from None
            m = services.meeting_record(
                case=case, actor=request.user, held_on=held_on, chair=User.objects.filter(pk=p.get("chair") or 0).first(),
                participants=participants, conclusion=p.get("conclusion", ""), decision=p.get("decision", ""),
                discussion=p.get("discussion", ""), place=p.get("place", ""), attendees_other=p.get("attendees_other", ""))
            messages.success(request, "集体讨论记录已保存。")
            return redirect("review:meeting", meeting_id=m.pk)
        else:
            raise Http404
    except DomainError as exc:
        _refused(request, exc)
    return redirect("review:case", case_id=case.pk)


@login_required
def meeting_page(request, meeting_id: int):
    """集体讨论记录 as a printable page, with the issued document (documents app) once rendered."""
    from zhifa.documents.models import DocumentRequest

    m = Meeting.objects.filter(pk=meeting_id, agency__in=roles.agencies_visible_to(request.user)).select_related(
        "case", "agency", "chair", "recorded_by").first()
    if m is None:
        raise Http404
    doc_request = (DocumentRequest.objects.filter(case=m.case, template="collective_discussion", extra__meeting=m.pk)
                   .select_related("document").order_by("-id").first())
    return render(request, "review/meeting.html", {"m": m, "current": selectors.current_meeting(m.case) == m,
                                                   "doc_request": doc_request})


@login_required
def reports(request):
    agencies = roles.agencies_visible_to(request.user)
    return render(request, "review/reports.html", {
        "reviewers": selectors.reviewer_report(agencies=agencies), "units": selectors.unit_report(agencies=agencies),
        "staffing": selectors.staffing(agencies=agencies), "overdue": selectors.overdue_reviews(user=request.user),
    })


@login_required
def my_cases(request):
    """Cases of my team that stand before a decision, to open their review page."""
    officer_id = getattr(request.user, "officer_id", None)
    qs = Case.objects.filter(agency__in=roles.agencies_visible_to(request.user), decided_on__isnull=True)
    head = bool(request.user.agency_id) and services.is_head(request.user, request.user.agency)
    if officer_id and not head:
        qs = qs.filter(pk__in=CaseOfficer.objects.filter(officer_id=officer_id).values("case_id"))
    return render(request, "review/cases.html", {"cases": qs.select_related("agency").order_by("-created_at")[:100]})
