"""Demo legal reviews in every state, on the cases that stand before a decision (states
`investigated`, `notified`, `heard` with a proposal). The penalty demo cases are loaded by the
procedures app, after this one in app order: `load` does what it can now, and
`load_reviews()` (also `zhifa review_demo`) can be run again once the cases exist. Every row goes
through the services, so the ledger covers it."""

from __future__ import annotations

import datetime as dt
from itertools import cycle

from django.contrib.auth import get_user_model
from django.utils import timezone

from zhifa.cases.models import Case, CaseOfficer
from zhifa.core.errors import DomainError
from zhifa.org import roles

from . import services
from .models import Review
from .requirements import CHECKLIST_KEYS, discussion_required

STATES = ("investigated", "notified", "heard")
PLAN = ("passed", "returned", "coordination", "resubmitted", "pending_overdue", "overruled")
AGREE = {k: {"passed": True} for k in CHECKLIST_KEYS}
PASSWORD = "zhifa-demo-2026"


def _finding(key: str, text: str) -> dict:
    out = {k: dict(v) for k, v in AGREE.items()}
    out[key] = {"passed": False, "finding": text}
    return out


def _heads(agency):
    """Two agency heads (the quorum of a collective discussion): the demo adds deputies if needed."""
    User = get_user_model()
    heads = list(User.objects.filter(agency=agency, is_active=True, groups__name=roles.HEAD).distinct()[:2])
    n = 0
    while len(heads) < 2:
        n += 1
        username = f"head{agency.pk}-{n}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, f"{username}@jiangchuan.example.cn", PASSWORD, agency=agency,
                                            display_name=f"{agency.short_name or agency.name}负责人{n}")
            user.groups.add(roles.ensure_groups()[roles.HEAD])
        if user not in heads:
            heads.append(user)
    return heads


def _handler(case):
    User = get_user_model()
    team = CaseOfficer.objects.filter(case=case).values("officer_id")
    return User.objects.filter(officer_id__in=team, is_active=True).first()


def _reviewer(case):
    """A qualified reviewer of the case's review body who did not handle it, with a login."""
    User = get_user_model()
    body = services.review_body_for(case)
    for officer in body.officers.filter(active=True).order_by("pk"):
        if services.reviewer_refusal(officer=officer, case=case, body=body):
            continue
        user = User.objects.filter(officer=officer, is_active=True).first()
        if user is None:
            user = User.objects.create_user(f"reviewer{officer.pk}", f"reviewer{officer.pk}@jiangchuan.example.cn",
                                            PASSWORD, agency=case.agency, officer=officer, display_name=officer.name)
            user.groups.add(roles.ensure_groups()[roles.REVIEWER])
        return officer, user
    return None, None


def _meeting_if_needed(case, heads, today):
    if discussion_required(case) and len(heads) >= 2:
        services.meeting_record(
            case=case, actor=heads[0], held_on=today, chair=heads[0], place="局三楼会议室",
            participants=[{"user": heads[0].pk, "opinion": "事实清楚，证据确凿，同意拟处理意见。"},
                          {"user": heads[1].pk, "opinion": "同意；裁量理由已说明，记录在卷。"}],
            discussion="承办机构汇报案情和拟处理意见，法制审核机构汇报审核意见，与会负责人逐一发表意见。",
            conclusion="approve", decision="同意按拟处理意见作出行政处罚决定。")


def _run(plan: str, case, today) -> str:
    handler = _handler(case)
    heads = _heads(case.agency)
    submitter = handler or heads[0]
    officer, reviewer = _reviewer(case)
    if officer is None:
        return "无符合条件的审核人员"
    on_date = today - dt.timedelta(days=30) if plan == "pending_overdue" else today - dt.timedelta(days=3)
    services.review_submit(case=case, actor=submitter, investigation_report="经调查，违法事实清楚，证据确凿，建议依法处罚。",
                           on_date=on_date)
    review = Review.objects.get(case=case)
    if plan == "pending_overdue":
        return "待分配（已超期）"
    services.review_assign(review=review, reviewer=officer, actor=heads[0])
    if plan == "passed":
        services.review_opinion_sign(review=review, actor=reviewer, conclusion="agree", checklist=AGREE,
                                     summary="执法主体合法，程序合法，事实清楚，证据充分，适用依据正确，裁量适当。同意。")
        _meeting_if_needed(case, heads, today)
        return "审核通过"
    services.review_opinion_sign(
        review=review, actor=reviewer, conclusion="problems",
        checklist=_finding("facts_evidence", "货值金额的计算缺少进货凭证佐证，请补充。"),
        summary="存在问题：货值金额证据不足，请补充后重新送审。")
    if plan == "returned":
        return "存在问题，待补正"
    if plan == "resubmitted":
        services.review_submit(case=case, actor=submitter, note="已补充进货凭证及当事人确认的货值计算表。")
        return "补正后重新送审（第2轮）"
    if handler is None:
        return "存在问题，待补正（无承办人员账号，未提请协调）"
    co = services.review_dispute(review=review, actor=handler,
                                 objection="货值金额已由当事人签字确认的销售记录证明，证据充分。")
    if plan == "coordination":
        return "意见分歧，协调中"
    services.coordination_decide(coordination=co, actor=heads[0], outcome="overrule",
                                 note="经研究，销售记录经当事人签字确认，足以证明货值金额，采纳承办机构意见。")
    _meeting_if_needed(case, heads, today)
    return "经协调视为通过"


def load_reviews(*, stdout=None) -> int:
    """Reviews on cases before decision that have none yet, one of each state in turn."""
    def say(msg: str) -> None:
        if stdout is not None:
            stdout.write(msg)

    today = timezone.localdate()
    cases = (Case.objects.filter(state__in=STATES, decided_on__isnull=True, review__isnull=True)
             .filter(data__has_key="propose").order_by("pk"))
    done = 0
    for plan, case in zip(cycle(PLAN), cases):
        try:
            say(f"  {case}：{_run(plan, case, today)}")
            done += 1
        except DomainError as exc:
            say(f"  {case}：跳过（{exc.message}）")
    services.review_alerts_send(today=today)
    return done


def load(*, stdout=None) -> None:
    n = load_reviews(stdout=stdout)
    if not n and stdout is not None:
        stdout.write("  暂无待决定的案件；载入处罚案件演示数据后运行 `zhifa review_demo` 生成法制审核演示。")
