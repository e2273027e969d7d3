"""Services of legal review (法制审核, REV-01..REV-07, L1–L7) and collective discussion (REV-08).

Each service is one transaction, checks its input first (nothing half-written), writes append-only
rows and one ledger entry covering them. The `Review` row is the queue's index only; the ledger
covers the append-only rows, never it.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone

from zhifa.cases.models import Case, CaseOfficer
from zhifa.cases.snapshot import case_snapshot, case_snapshot_digest
from zhifa.catalog.services import setting_value
from zhifa.core.canonical import canonical_json, digest
from zhifa.core.deadlines import compute_due
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.ledger.services import ledger_append
from zhifa.org import roles
from zhifa.org.models import Department, Officer

from .models import (
    Coordination,
    CoordinationOutcome,
    Meeting,
    Review,
    ReviewAlert,
    ReviewAssignment,
    ReviewBodyRoute,
    ReviewOpinion,
    ReviewRound,
)
from .requirements import (
    CHECKLIST,
    CHECKLIST_KEYS,
    HARD_ITEMS,
    auto_checks,
    discussion_required,
    materials_check,
    review_required,
)

# REV-02: 行政处罚法 (2021 revision) in force from 2021-07-15; reviewers who started earlier are
# not "first-time" reviewers under it [I].
QUALIFICATION_FROM = dt.date(2021, 7, 15)
S = Review.Status


# --- who may do what --------------------------------------------------------------------------------


def _officer_of(user) -> Officer | None:
    return getattr(user, "officer", None) if getattr(user, "officer_id", None) else None


def is_handler(user, case: Case) -> bool:
    """A member of the handling unit's case team (承办人员)."""
    officer = _officer_of(user)
    return officer is not None and CaseOfficer.objects.filter(case=case, officer=officer).exists()


def is_head(user, agency) -> bool:
    """机关负责人 of the agency (or a superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    return roles.has_role(user, roles.HEAD) and user.agency_id == agency.pk


def _require_visible(user, agency) -> None:
    if not roles.agencies_visible_to(user).filter(pk=agency.pk).exists():
        raise PermissionDeniedError("您无权办理该执法主体的法制审核事项。")


def handled_case(officer: Officer, case: Case) -> bool:
    """REV-02 [I]; 118号 (十四): the review unit is separate from the handling unit."""
    return case.lead_officer_id == officer.pk or CaseOfficer.objects.filter(case=case, officer=officer).exists()


def reviewer_refusal(*, officer: Officer, case: Case, body: Department | None = None) -> str:
    """Why `officer` may not review `case` ('' if they may): REV-02 qualification, not on the case
    team, of the agency and (where a body is named) of the review body."""
    if not Officer.objects.filter(pk=officer.pk, active=True).exists():
        return f"{officer.name}已不在岗，不能审核（规则 REV-02）。"
    if officer.agency_id != case.agency_id:
        return f"{officer.name}不属于本机关，不能审核本案（规则 REV-02）。"
    if body is not None and officer.department_id != body.pk:
        return f"{officer.name}不属于法制审核机构“{body.name}”（规则 REV-02）。"
    if handled_case(officer, case):
        return f"{officer.name}是本案承办人员，不得审核本案（规则 REV-02）。"
    first_time = officer.first_review_date is None or officer.first_review_date >= QUALIFICATION_FROM
    if first_time and not officer.legal_qualification_number.strip():
        return (f"{officer.name}初次从事法制审核，应当取得法律职业资格（行政处罚法第五十八条第二款，规则 REV-02）；"
                "登记册中没有其法律职业资格证书编号。")
    return ""


# --- the review body (L2) ---------------------------------------------------------------------------


def review_body_for(case: Case) -> Department:
    route = (ReviewBodyRoute.objects.filter(agency=case.agency, case_kind=case.kind).select_related("body").first()
             or ReviewBodyRoute.objects.filter(agency=case.agency, case_kind="").select_related("body").first())
    if route is not None and route.body.active:
        return route.body
    body = Department.objects.filter(agency=case.agency, is_legal_review_body=True, active=True).order_by("pk").first()
    if body is None:
        raise DomainError(f"{case.agency}未设法制审核机构，不能送审；请在登记册中指定（规则 REV-05，L2）。",
                          code="no_review_body", rule="REV-05", fields={"body": "未设法制审核机构"})
    return body


@transaction.atomic
def review_route_set(*, agency, case_kind: str, body: Department, actor) -> ReviewBodyRoute:
    """L2: name the review body for a kind of act ('' for the rest)."""
    if body.agency_id != agency.pk or not body.is_legal_review_body:
        raise DomainError("所选机构不是本机关的法制审核机构（L2）。", fields={"body": "不是本机关的法制审核机构"})
    if case_kind and case_kind not in Case.Kind.values:
        raise DomainError("决定类别无效。", fields={"case_kind": "不是可选的值"})
    route, _ = ReviewBodyRoute.objects.update_or_create(agency=agency, case_kind=case_kind,
                                                        defaults={"body": body})
    # A setting, not a case fact: the payload names it; the mutable row itself is not covered.
    ledger_append(kind="review_route_set", actor=actor, subject=agency,
                  payload={"case_kind": case_kind, "body": body.pk, "route": route.pk})
    return route


# --- submission (送审) ------------------------------------------------------------------------------


def _due(case: Case, start: dt.date) -> dt.date:
    days = setting_value("legal_review_days", agency=case.agency)
    return compute_due(rule_id="REV-06", start=start, length=days).act_by


def review_submit(*, case: Case, actor, investigation_report: str = "", note: str = "",
                  on_date: dt.date | None = None) -> ReviewRound:
    """送审: check the materials (L6), freeze the case snapshot and put its digest on the ledger
    (REV-01), open a round with its time limit (REV-06). A resubmission after 存在问题 is a new
    round; earlier rounds stay (L5)."""
    on_date = on_date or timezone.localdate()
    if not (is_handler(actor, case) or is_head(actor, case.agency)):
        raise PermissionDeniedError("只有本案承办人员或机关负责人可以送审（规则 REV-07）。", rule="REV-07")
    if case.decided_on:
        raise Conflict("案件已作出决定，不能再送法制审核。", code="already_decided", rule="REV-01")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        review = Review.objects.select_for_update().filter(case=locked).first()
        snapshot = case_snapshot(locked)
        snap_digest = case_snapshot_digest(locked, snapshot)
        if review is not None:
            last = review.round_rows.order_by("-number").first()
            if review.status in Review.OPEN:
                raise Conflict(f"本案第{review.rounds}轮送审尚在审核中，不能重复送审。", code="review_open", rule="REV-06")
            if review.status == S.COORDINATION:
                raise Conflict("审核意见分歧正在协调中，请等待机关负责人决定。", code="coordination_open", rule="REV-07")
            if review.status == S.PASSED and last is not None and last.digest == snap_digest:
                raise Conflict("本案已通过法制审核且送审后未作变动，无需重新送审。", code="already_passed", rule="REV-01")
            if review.status == S.RETURNED and not note.strip():
                raise DomainError("重新送审须说明对上一轮审核意见的处理情况（L5）。", code="invalid", rule="REV-04",
                                  fields={"note": "请说明补正情况"})
        materials = materials_check(locked, investigation_report=investigation_report, snapshot=snapshot)
        missing = {m["key"]: f"{m['label']}：{m['detail']}" for m in materials if m["required"] and not m["present"]}
        if missing:
            raise DomainError("送审材料不齐全：" + "；".join(missing.values()) + "（L6）。", code="materials_missing",
                              rule="REV-01", fields=missing)
        reasons = review_required(locked) or ["承办机构主动送审"]
        body = review_body_for(locked) if review is None else review.body
        if review is None:
            review = Review.objects.create(case=locked, agency=locked.agency, body=body)
        number = review.rounds + 1
        due_on = _due(locked, on_date)
        rnd = ReviewRound.objects.create(
            review=review, number=number, submitted_by=actor, submitted_on=on_date, due_on=due_on, reasons=reasons,
            materials=materials, investigation_report=investigation_report.strip(), note=note.strip(),
            snapshot=json.loads(canonical_json(snapshot)), digest=snap_digest,
        )
        review.rounds = number
        review.due_on = due_on
        review.status = S.PENDING
        rows = [rnd]
        # The same reviewer continues a resubmitted case where still eligible (REV-02 re-checked).
        if review.reviewer_id and not reviewer_refusal(officer=review.reviewer, case=locked, body=review.body):
            rows.append(ReviewAssignment.objects.create(round=rnd, reviewer=review.reviewer, assigned_by=actor))
            review.status = S.ASSIGNED
        else:
            review.reviewer = None
        review.save()
        ledger_append(kind="legal_review_submitted", actor=actor, subject=locked,
                      payload={"review": review.pk, "round": number, "snapshot_digest": snap_digest,
                               "due_on": due_on.isoformat(), "reasons": reasons}, rows=rows)
    return rnd


def latest_round(review: Review) -> ReviewRound | None:
    return review.round_rows.order_by("-number").first()


def _open_round(review: Review) -> ReviewRound:
    rnd = latest_round(review)
    if rnd is None or review.status not in Review.OPEN:
        raise Conflict("本案当前没有待审核的送审材料。", code="no_open_round", rule="REV-04")
    return rnd


# --- assignment and opinion -------------------------------------------------------------------------


def review_assign(*, review: Review, reviewer: Officer, actor) -> ReviewAssignment:
    """Assign (or reassign) the open round to a reviewer of the review body (REV-02)."""
    if not (is_head(actor, review.agency) or (roles.has_role(actor, roles.REVIEWER)
                                              and actor.agency_id == review.agency_id)):
        raise PermissionDeniedError("只有法制审核机构人员或机关负责人可以分配审核任务。")
    refusal = reviewer_refusal(officer=reviewer, case=review.case, body=review.body)
    if refusal:
        raise DomainError(refusal, code="reviewer_not_eligible", rule="REV-02", fields={"reviewer": refusal})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        rnd = _open_round(review)
        row = ReviewAssignment.objects.create(round=rnd, reviewer=reviewer, assigned_by=actor)
        review.reviewer = reviewer
        review.status = S.ASSIGNED
        review.save(update_fields=["reviewer", "status", "updated_at"])
        ledger_append(kind="legal_reviewer_assigned", actor=actor, subject=review.case,
                      payload={"review": review.pk, "round": rnd.number, "reviewer": reviewer.pk}, rows=[row])
    return row


def _clean_checklist(checklist: dict, auto: dict) -> tuple[list[dict], int]:
    """REV-04: every item answered — passed, or a finding naming the problem."""
    errors, items, findings = {}, [], 0
    for key, label, rule in CHECKLIST:
        raw = (checklist or {}).get(key)
        if raw is None:
            errors[key] = f"{label}：未作审核结论"
            continue
        passed = raw.get("passed")
        finding = (raw.get("finding") or "").strip()
        if isinstance(passed, str):
            passed = passed.strip().lower() in ("1", "true", "on", "yes", "是")
        if passed is False and not finding:
            errors[key] = f"{label}：存在问题的，须写明问题及意见"
            continue
        if passed is None:
            errors[key] = f"{label}：请选择通过或存在问题"
            continue
        if not passed:
            findings += 1
        items.append({"key": key, "label": label, "rule": rule, "passed": bool(passed), "finding": finding,
                      "auto": auto.get(key, {})})
    unknown = set(checklist or {}) - set(CHECKLIST_KEYS)
    for key in unknown:
        errors[key] = "未知的审核事项"
    if errors:
        raise DomainError("审核事项未填写完整：" + "；".join(errors.values()) + "（规则 REV-04）。", code="invalid",
                          rule="REV-04", fields=errors)
    return items, findings


def review_opinion_sign(*, review: Review, actor, conclusion: str, checklist: dict, summary: str,
                        on_date: dt.date | None = None) -> ReviewOpinion:
    """The assigned reviewer signs the written opinion (同意 / 存在问题) on the checklist of REV-04;
    they answer for it (REV-07). 存在问题 returns the case to the handling unit (L5)."""
    on_date = on_date or timezone.localdate()
    officer = _officer_of(actor)
    if conclusion not in ReviewOpinion.Conclusion.values:
        raise DomainError("审核结论应为“同意”或“存在问题”（规则 REV-04）。", rule="REV-04",
                          fields={"conclusion": "不是可选的值"})
    if not (summary or "").strip():
        raise DomainError("请填写审核意见（规则 REV-04）。", rule="REV-04", fields={"summary": "必须填写"})
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("case", "body").get(pk=review.pk)
        rnd = _open_round(review)
        if officer is None or review.reviewer_id != officer.pk:
            raise PermissionDeniedError("只有被分配的审核人员可以签署本轮审核意见（规则 REV-07）。", rule="REV-07")
        refusal = reviewer_refusal(officer=officer, case=review.case, body=review.body)
        if refusal:
            raise DomainError(refusal, code="reviewer_not_eligible", rule="REV-02", fields={"reviewer": refusal})
        auto = auto_checks(review.case, on_date=on_date)
        items, findings = _clean_checklist(checklist, auto)
        if conclusion == ReviewOpinion.Conclusion.AGREE:
            if findings:
                raise DomainError("审核事项中存在问题的，结论不能为“同意”（规则 REV-04）。", rule="REV-04",
                                  fields={"conclusion": "存在问题的，不能同意"})
            hard = [i["label"] for i in items if i["key"] in HARD_ITEMS and i["auto"].get("ok") is False]
            if hard:
                raise DomainError(f"自动核验未通过：{'、'.join(hard)}；不能同意（规则 REV-04）。", rule="REV-04",
                                  fields={"conclusion": "自动核验未通过"})
        elif not findings:
            raise DomainError("结论为“存在问题”的，至少应有一项写明问题（规则 REV-04）。", rule="REV-04",
                              fields={"checklist": "请写明问题"})
        body = {"round_digest": rnd.digest, "reviewer": officer.pk, "conclusion": conclusion,
                "checklist": [{k: v for k, v in i.items() if k != "auto"} for i in items],
                "summary": summary.strip(), "signed_on": on_date}
        opinion = ReviewOpinion.objects.create(
            round=rnd, reviewer=officer, signed_by=actor, signed_on=on_date, conclusion=conclusion,
            checklist=json.loads(canonical_json(items)), findings=findings, summary=summary.strip(),
            signature=digest(canonical_json(body)),
        )
        review.status = S.PASSED if conclusion == ReviewOpinion.Conclusion.AGREE else S.RETURNED
        review.save(update_fields=["status", "updated_at"])
        ledger_append(kind="legal_review_opinion_signed", actor=actor, subject=review.case,
                      payload={"review": review.pk, "round": rnd.number, "conclusion": conclusion,
                               "findings": findings, "snapshot_digest": rnd.digest, "signature": opinion.signature},
                      rows=[opinion])
    return opinion


# --- disagreement (L6, REV-07) ----------------------------------------------------------------------


def review_dispute(*, review: Review, actor, objection: str, route: str = Coordination.Route.HEAD) -> Coordination:
    """The handling unit disagrees with a 存在问题 opinion: the question goes to the agency head
    (or to collective discussion) instead of a resubmission."""
    if not is_handler(actor, review.case):
        raise PermissionDeniedError("只有本案承办人员可以对审核意见提出异议（规则 REV-07）。", rule="REV-07")
    if route not in Coordination.Route.values:
        raise DomainError("协调方式无效。", fields={"route": "不是可选的值"})
    if not (objection or "").strip():
        raise DomainError("请写明不同意审核意见的理由（规则 REV-07）。", rule="REV-07", fields={"objection": "必须填写"})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        rnd = latest_round(review)
        if review.status != S.RETURNED or rnd is None or not hasattr(rnd, "opinion"):
            raise Conflict("只有对“存在问题”的审核意见才能提请协调。", code="nothing_to_dispute", rule="REV-07")
        if Coordination.objects.filter(round=rnd).exists():
            raise Conflict("本轮审核意见已经协调过；请补正后重新送审。", code="already_coordinated", rule="REV-07")
        row = Coordination.objects.create(round=rnd, raised_by=actor, route=route, objection=objection.strip())
        review.status = S.COORDINATION
        review.save(update_fields=["status", "updated_at"])
        ledger_append(kind="legal_review_disputed", actor=actor, subject=review.case,
                      payload={"review": review.pk, "round": rnd.number, "route": route}, rows=[row])
    alerts_for_heads(review=review, rnd=rnd, message=f"{review.case}：承办机构对法制审核意见有异议，请协调决定。")
    return row


def coordination_decide(*, coordination: Coordination, actor, outcome: str, note: str,
                        meeting: Meeting | None = None) -> CoordinationOutcome:
    """The agency head (first person responsible, REV-07) — or the collective discussion — decides
    the disagreement. 维持 returns the case for correction; 采纳 counts as a pass of that round's
    snapshot, with the head answering for it."""
    review = coordination.round.review
    if outcome not in CoordinationOutcome.Outcome.values:
        raise DomainError("协调结果无效。", fields={"outcome": "不是可选的值"})
    if not (note or "").strip():
        raise DomainError("请写明协调意见（规则 REV-07）。", rule="REV-07", fields={"note": "必须填写"})
    if not is_head(actor, review.agency):
        raise PermissionDeniedError("只有机关负责人可以对审核意见分歧作出决定（规则 REV-07）。", rule="REV-07")
    if coordination.route == Coordination.Route.COLLECTIVE and (meeting is None or meeting.case_id != review.case_id):
        raise DomainError("提交集体讨论的分歧，须附本案的集体讨论记录（规则 REV-08）。", rule="REV-08",
                          fields={"meeting": "请选择集体讨论记录"})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.status != S.COORDINATION or CoordinationOutcome.objects.filter(coordination=coordination).exists():
            raise Conflict("该分歧已有协调结果。", code="already_decided", rule="REV-07")
        row = CoordinationOutcome.objects.create(coordination=coordination, decided_by=actor, outcome=outcome,
                                                 note=note.strip(), meeting=meeting)
        review.status = S.PASSED if outcome == CoordinationOutcome.Outcome.OVERRULE else S.RETURNED
        review.save(update_fields=["status", "updated_at"])
        ledger_append(kind="legal_review_coordinated", actor=actor, subject=review.case,
                      payload={"review": review.pk, "round": coordination.round.number, "outcome": outcome,
                               "meeting": getattr(meeting, "pk", None)}, rows=[row])
    return row


# --- collective discussion (REV-08) -----------------------------------------------------------------


def meeting_record(*, case: Case, actor, held_on: dt.date, chair, participants: list[dict], conclusion: str,
                   decision: str, discussion: str = "", place: str = "", attendees_other: str = "") -> Meeting:
    """集体讨论记录: chair and participants (users of the agency; at least `collective_quorum`
    agency heads), each participant's opinion, the conclusion. Held on the current snapshot."""
    _require_visible(actor, case.agency)
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = "讨论日期不能晚于今天"
    if conclusion not in Meeting.Conclusion.values:
        errors["conclusion"] = "结论不是可选的值"
    if not (decision or "").strip():
        errors["decision"] = "请写明决定内容"
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[p.get("user") for p in participants or []])}
    rows, heads = [], 0
    for i, p in enumerate(participants or []):
        u = users.get(p.get("user"))
        opinion = (p.get("opinion") or "").strip()
        if u is None or not u.is_active or u.agency_id != case.agency_id:
            errors[f"participants.{i}"] = "参加人员不是本机关的在职用户"
            continue
        if not opinion:
            errors[f"participants.{i}"] = f"{u.display_name or u.username}：请记录其发表的意见"
            continue
        head = roles.has_role(u, roles.HEAD)
        heads += head
        rows.append({"user": u.pk, "name": u.display_name or u.get_full_name() or u.username, "head": head,
                     "opinion": opinion})
    if len({r["user"] for r in rows}) != len(rows):
        errors["participants"] = "参加人员重复"
    if chair is None or not is_head(chair, case.agency) or chair.pk not in {r["user"] for r in rows}:
        errors["chair"] = "主持人应为参加讨论的本机关负责人"
    quorum = setting_value("collective_quorum", agency=case.agency)
    if heads < quorum and "participants" not in errors:
        errors["participants"] = f"参加讨论的机关负责人不足 {quorum} 人（规则 REV-08）"
    if errors:
        raise DomainError("集体讨论记录不完整：" + "；".join(errors.values()) + "（规则 REV-08）。", rule="REV-08",
                          fields=errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        meeting = Meeting.objects.create(
            case=locked, agency=locked.agency, held_on=held_on, place=place.strip(), chair=chair, participants=rows,
            attendees_other=attendees_other.strip(), reasons=discussion_required(locked), discussion=discussion.strip(),
            conclusion=conclusion, decision=decision.strip(), recorded_by=actor, digest=case_snapshot_digest(locked),
        )
        ledger_append(kind="collective_discussion_recorded", actor=actor, subject=locked,
                      payload={"meeting": meeting.pk, "conclusion": conclusion, "snapshot_digest": meeting.digest,
                               "participants": [r["user"] for r in rows]}, rows=[meeting])
    return meeting


# --- time limits (REV-06) ---------------------------------------------------------------------------


def _heads(agency):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(agency=agency, is_active=True, groups__name=roles.HEAD).distinct()


def _alert(rnd: ReviewRound, kind: str, user, message: str) -> bool:
    if user is None or ReviewAlert.objects.filter(round=rnd, kind=kind, recipient=user).exists():
        return False
    ReviewAlert.objects.create(round=rnd, kind=kind, recipient=user, message=message)
    return True


def alerts_for_heads(*, review: Review, rnd: ReviewRound, message: str) -> None:
    with transaction.atomic():
        for head in _heads(review.agency):
            _alert(rnd, ReviewAlert.Kind.COORDINATION, head, message)


def review_alerts_send(*, today: dt.date, warn_days: int = 2) -> int:
    """REV-06: alert the reviewer (and the agency heads) when an open review is within
    `warn_days` of its limit, and again when it is overdue. Each alert is sent once."""
    from django.contrib.auth import get_user_model

    sent = 0
    soon = today + dt.timedelta(days=warn_days)
    for review in Review.objects.filter(status__in=Review.OPEN, due_on__lte=soon).select_related("case", "agency"):
        rnd = latest_round(review)
        kind = ReviewAlert.Kind.OVERDUE if review.due_on < today else ReviewAlert.Kind.DUE_SOON
        message = (f"{review.case}的法制审核（第{rnd.number}轮）应于{review.due_on:%Y年%m月%d日}前完成"
                   + ("，现已超期。" if kind == ReviewAlert.Kind.OVERDUE else "，即将届满。") + "（规则 REV-06）")
        recipients = []
        if review.reviewer_id:
            recipients += list(get_user_model().objects.filter(officer_id=review.reviewer_id, is_active=True))
        if kind == ReviewAlert.Kind.OVERDUE or not review.reviewer_id:
            recipients += list(_heads(review.agency))
        with transaction.atomic():
            for user in recipients:
                sent += _alert(rnd, kind, user, message)
    return sent
