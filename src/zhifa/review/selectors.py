"""Reads of legal review: where a case stands (for the gates and the case page), the queues, who
answers for what (L7, REV-07), the reports per reviewer and per unit, staffing (REV-05) and
overdue reviews (REV-06)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from zhifa.cases.models import Case, StatusEntry
from zhifa.cases.snapshot import case_snapshot, case_snapshot_digest
from zhifa.catalog.services import setting_value
from zhifa.core import calendar as cal
from zhifa.core.canonical import canonical_json
from zhifa.org import roles
from zhifa.org.models import Officer

from .models import (
    Coordination,
    CoordinationOutcome,
    Meeting,
    Review,
    ReviewAlert,
    ReviewOpinion,
    ReviewRound,
)
from .requirements import discussion_required, review_required, statutory, step_label


def _name(user) -> str:
    if user is None:
        return "系统"
    return getattr(user, "display_name", "") or user.get_full_name() or user.get_username()


@dataclass
class ReviewStanding:
    """Where a case's legal review stands against its current snapshot."""

    required: list[str]
    review: Review | None
    round: ReviewRound | None
    passed: bool  # the latest round passed (opinion 同意, or a coordination overruled the findings)
    current: bool  # the passed round's snapshot equals the case now
    how: str = ""  # "opinion" | "coordination"
    message: str = ""
    rule: str = "REV-01"
    digest_now: str = ""
    changed: list[str] = field(default_factory=list)

    @property
    def satisfied(self) -> bool:
        return not self.required or (self.passed and self.current)


def _changed_parts(frozen: dict, case: Case) -> list[str]:
    """What differs between the frozen snapshot and the case now: step records, case fields,
    registered parts (evidence, documents …), named for the message that voids a pass."""
    now = json.loads(canonical_json(case_snapshot(case)))
    out = []
    for part in sorted(set(frozen) | set(now)):
        a, b = frozen.get(part), now.get(part)
        if canonical_json(a) == canonical_json(b):
            continue
        if part != "case":
            out.append(f"“{part}”部分")
            continue
        a, b = a or {}, b or {}
        for key in sorted(set(a) | set(b)):
            if key == "data":
                steps = set(a.get("data") or {}) | set(b.get("data") or {})
                out += [f"环节记录“{step_label(case, step)}”" for step in sorted(steps)
                        if canonical_json((a.get("data") or {}).get(step)) != canonical_json((b.get("data") or {}).get(step))]
            elif canonical_json(a.get(key)) != canonical_json(b.get(key)):
                out.append(f"案件信息“{key}”")
    return out


def review_standing(case: Case) -> ReviewStanding:
    required = review_required(case)
    review = Review.objects.filter(case=case).select_related("body", "reviewer").first()
    rnd = review.round_rows.order_by("-number").first() if review else None
    rule = "REV-01" if statutory(required) or not required else "REV-03"
    st = ReviewStanding(required=required, review=review, round=rnd, passed=False, current=False, rule=rule)
    if rnd is None:
        st.message = "本案尚未送法制审核。"
        return st
    opinion = ReviewOpinion.objects.filter(round=rnd).first()
    outcome = CoordinationOutcome.objects.filter(coordination__round=rnd).first()
    if opinion is not None and opinion.conclusion == ReviewOpinion.Conclusion.AGREE:
        st.passed, st.how = True, "opinion"
    elif outcome is not None and outcome.outcome == CoordinationOutcome.Outcome.OVERRULE:
        st.passed, st.how = True, "coordination"
    if case.decided_on or "decide" in (case.data or {}):
        # The gate checked the snapshot when the decision was made; the decision itself changes it.
        st.current = st.passed
        st.message = (f"已依据第{rnd.number}轮法制审核结论作出决定。" if st.passed
                      else f"第{rnd.number}轮法制审核{review.get_status_display()}。")
        return st
    st.digest_now = case_snapshot_digest(case)
    st.current = st.digest_now == rnd.digest
    if not st.passed:
        st.message = f"第{rnd.number}轮法制审核{review.get_status_display()}，尚未通过。"
    elif not st.current:
        st.changed = _changed_parts(rnd.snapshot, case)
        st.message = (f"第{rnd.number}轮法制审核通过后案件已变动（{'、'.join(st.changed) or '快照不一致'}），"
                      "原审核结论失效，请重新送审。")
    else:
        st.message = f"第{rnd.number}轮法制审核已通过" + ("（经机关负责人协调）" if st.how == "coordination" else "") + "。"
    return st


def current_meeting(case: Case) -> Meeting | None:
    """The latest collective discussion held on the case as it is now (REV-08)."""
    latest = Meeting.objects.filter(case=case, digest=case_snapshot_digest(case)).order_by("-id").first()
    return latest if latest is not None and latest.conclusion != Meeting.Conclusion.REJECT else None


def discussion_standing(case: Case) -> dict:
    reasons = discussion_required(case)
    meeting = current_meeting(case) if reasons else None
    latest = Meeting.objects.filter(case=case).order_by("-id").first()
    return {"required": reasons, "meeting": meeting, "latest": latest,
            "satisfied": not reasons or meeting is not None}


# --- queues -----------------------------------------------------------------------------------------


def review_queue(*, user, status: str | None = None, mine: bool = False):
    """Reviews in the agencies the user may see; a reviewer's default is their own body."""
    qs = Review.objects.filter(agency__in=roles.agencies_visible_to(user)).select_related(
        "case", "agency", "body", "reviewer")
    if status:
        qs = qs.filter(status=status)
    if mine:
        officer_id = getattr(user, "officer_id", None)
        dept = Officer.objects.filter(pk=officer_id).values_list("department_id", flat=True).first()
        qs = qs.filter(Q(reviewer_id=officer_id) | Q(reviewer__isnull=True, body_id=dept))
    return qs.order_by("due_on", "id")


def overdue_reviews(*, user, today: dt.date | None = None):
    """REV-06: open reviews past their limit in the agencies a user (e.g. a supervisor) may see."""
    today = today or timezone.localdate()
    return review_queue(user=user).filter(status__in=Review.OPEN, due_on__lt=today)


def alerts_for(user):
    return ReviewAlert.objects.filter(recipient=user).select_related("round__review__case")


# --- responsibility (L7, REV-07) --------------------------------------------------------------------


def review_responsibility(case: Case) -> list[dict]:
    """Who submitted, reviewed, coordinated, discussed and decided, in order: [{role, who, at,
    what}]. The handling unit answers for its materials, the reviewer for the opinion, the head
    for the decision (REV-07)."""
    out = []
    review = Review.objects.filter(case=case).first()
    if review is not None:
        for rnd in review.round_rows.order_by("number").select_related("submitted_by"):
            out.append({"role": "送审（承办机构对材料负责）", "who": _name(rnd.submitted_by), "at": rnd.submitted_at,
                        "what": f"第{rnd.number}轮送审，快照 {rnd.digest[:12]}…"})
            for a in rnd.assignments.select_related("reviewer", "assigned_by"):
                carried = rnd.number > 1 and a.assigned_by_id == rnd.submitted_by_id
                out.append({"role": "分配审核", "who": "系统" if carried else _name(a.assigned_by),
                            "at": a.assigned_at,
                            "what": f"由{a.reviewer.name}审核第{rnd.number}轮" + ("（原审核人员继续审核）" if carried else "")})
            op = ReviewOpinion.objects.filter(round=rnd).select_related("reviewer", "signed_by").first()
            if op is not None:
                out.append({"role": "法制审核（审核人员对审核意见负责）", "who": op.reviewer.name, "at": op.signed_at,
                            "what": f"第{rnd.number}轮：{op.get_conclusion_display()}（问题 {op.findings} 项），"
                                    f"签署摘要 {op.signature[:12]}…"})
            co = Coordination.objects.filter(round=rnd).select_related("raised_by").first()
            if co is not None:
                out.append({"role": "提请协调", "who": _name(co.raised_by), "at": co.raised_at,
                            "what": f"{co.get_route_display()}：{co.objection}"})
                oc = CoordinationOutcome.objects.filter(coordination=co).select_related("decided_by").first()
                if oc is not None:
                    out.append({"role": "协调决定（机关负责人）", "who": _name(oc.decided_by), "at": oc.decided_at,
                                "what": f"{oc.get_outcome_display()}：{oc.note}"})
    for m in Meeting.objects.filter(case=case).select_related("chair").order_by("id"):
        names = "、".join(p["name"] for p in m.participants)
        out.append({"role": "集体讨论", "who": _name(m.chair), "at": m.recorded_at,
                    "what": f"{m.held_on:%Y-%m-%d} 主持；参加：{names}；结论：{m.get_conclusion_display()}"})
    for e in StatusEntry.objects.filter(case=case, action="decide").select_related("actor"):
        out.append({"role": "作出决定（机关负责人负责）", "who": _name(e.actor), "at": e.at, "what": e.action_label})
    return out


# --- reports (L7) -----------------------------------------------------------------------------------


def _working_days(start: dt.date, end: dt.date) -> int:
    if end <= start:
        return 0
    return cal.working_days_between(start + dt.timedelta(days=1), end)


def reviewer_report(*, agencies, since: dt.date | None = None, until: dt.date | None = None) -> list[dict]:
    """Per reviewer: opinions signed, passes, findings raised, rounds handled, working days taken
    on average (submission to signature), overdue signatures."""
    qs = ReviewOpinion.objects.filter(round__review__agency__in=agencies).select_related("reviewer", "round")
    if since:
        qs = qs.filter(signed_on__gte=since)
    if until:
        qs = qs.filter(signed_on__lte=until)
    rows: dict[int, dict] = {}
    for op in qs:
        r = rows.setdefault(op.reviewer_id, {"reviewer": op.reviewer.name, "officer_id": op.reviewer_id, "opinions": 0,
                                             "agreed": 0, "findings": 0, "cases": set(), "days": 0, "late": 0})
        r["opinions"] += 1
        r["agreed"] += op.conclusion == ReviewOpinion.Conclusion.AGREE
        r["findings"] += op.findings
        r["cases"].add(op.round.review_id)
        r["days"] += _working_days(op.round.submitted_on, op.signed_on)
        r["late"] += op.signed_on > op.round.due_on
    out = []
    for r in rows.values():
        n = r["opinions"]
        out.append({**r, "cases": len(r["cases"]), "avg_days": round(r["days"] / n, 1) if n else 0})
    return sorted(out, key=lambda r: -r["opinions"])


def unit_report(*, agencies) -> list[dict]:
    """Per handling unit (the lead officer's department): cases submitted, rounds, findings
    received, passes, average rounds to pass."""
    rows: dict[str, dict] = {}
    reviews = Review.objects.filter(agency__in=agencies).select_related("case__lead_officer__department", "agency")
    for rv in reviews:
        dept = rv.case.lead_officer.department
        key = f"{rv.agency.name} · {dept.name if dept else '未设内设机构'}"
        r = rows.setdefault(key, {"unit": key, "cases": 0, "rounds": 0, "findings": 0, "passed": 0, "open": 0})
        r["cases"] += 1
        r["rounds"] += rv.rounds
        r["findings"] += sum(ReviewOpinion.objects.filter(round__review=rv).values_list("findings", flat=True))
        r["passed"] += rv.status == Review.Status.PASSED
        r["open"] += rv.status in Review.OPEN
    for r in rows.values():
        r["avg_rounds"] = round(r["rounds"] / r["cases"], 1) if r["cases"] else 0
    return sorted(rows.values(), key=lambda r: r["unit"])


def staffing(*, agencies) -> list[dict]:
    """REV-05 (118号 (十一)): reviewers (active officers in a legal review body) as a share of the
    agency's officers, against the setting (5 % by default). In principle only: a warning."""
    out = []
    counts = Officer.objects.filter(active=True).values("agency_id").annotate(
        total=Count("pk"), reviewers=Count("pk", filter=Q(department__is_legal_review_body=True)))
    by_agency = {c["agency_id"]: c for c in counts}
    for agency in agencies.order_by("name"):
        c = by_agency.get(agency.pk, {"total": 0, "reviewers": 0})
        minimum = setting_value("reviewer_ratio_percent", agency=agency)
        ratio = round(100 * c["reviewers"] / c["total"], 1) if c["total"] else 0.0
        out.append({"agency": agency.name, "agency_id": agency.pk, "officers": c["total"],
                    "reviewers": c["reviewers"], "ratio": ratio, "minimum": minimum,
                    "ok": ratio >= minimum, "rule": "REV-05"})
    return out
