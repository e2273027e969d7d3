"""Calendar and deadline routes (issue 4 item 6): public read of the working-day calendar and the
deadline service, admin write of calendar days and year announcements (TIME-01..TIME-12).

They live in the api app because the admin routes reuse org's token/session auth, and core sits
below org in the dependency order."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ninja import Router, Schema

from zhifa.core import calendar as cal
from zhifa.core.deadlines import PERIOD_RULES, compute_due
from zhifa.core.errors import DomainError
from zhifa.core.models import CalendarYear, WorkCalendarDay
from zhifa.org.auth import api_auth, request_actor

public = Router(tags=["公开：工作日历与期限"])
admin = Router(tags=["管理：工作日历"])


class DayOut(Schema):
    date: dt.date
    kind: str
    kind_label: str
    name: str
    statutory: bool


class YearOut(Schema):
    year: int
    status: str  # announced | provisional
    source: str
    notice_date: dt.date | None
    days: list[DayOut]


class DueOut(Schema):
    rule_id: str
    rule_key: str
    label: str
    unit: str
    legal_basis: str
    start: dt.date
    date: dt.date
    alt_date: dt.date
    enforced_date: dt.date
    act_by: dt.date
    raw_date: dt.date
    provisional: bool
    extended: bool
    reason: str


class RuleOut(Schema):
    key: str
    rule_id: str
    label: str
    unit: str
    length: int
    bearer: str
    holiday_rollforward: str
    dual_compute: bool
    extension: int
    legal_basis: str


def _year_or_400(year: int) -> int:
    if not (cal.FIRST_YEAR <= year <= cal.LAST_YEAR):
        raise DomainError(f"年度须在{cal.FIRST_YEAR}至{cal.LAST_YEAR}之间（TIME-08）。", rule="TIME-08",
                          fields={"year": "年度超出范围"})
    return year


@public.get("/calendar/{year}", response=YearOut, auth=None, summary="某年度的放假与调休安排")
def calendar_year(request, year: int):
    _year_or_400(year)
    row = CalendarYear.objects.filter(year=year).first()
    announced = row is not None and row.status == CalendarYear.Status.ANNOUNCED
    if announced or WorkCalendarDay.objects.filter(date__year=year).exists():
        days = [DayOut(date=d.date, kind=d.kind, kind_label=d.get_kind_display(), name=d.name, statutory=d.statutory)
                for d in WorkCalendarDay.objects.filter(date__year=year).order_by("date")]
    else:  # not announced: the provisional days off the deadline service itself uses
        days = [DayOut(date=d, kind=WorkCalendarDay.Kind.HOLIDAY, kind_label="休息日（预计）", name=name, statutory=True)
                for d, name in sorted(cal.provisional_days_off(year).items())]
    return YearOut(year=year, status="announced" if announced else "provisional",
                   source=row.source if row else "", notice_date=row.notice_date if row else None, days=days)


@public.get("/deadlines/rules", response=list[RuleOut], auth=None, summary="期限规则表")
def deadline_rules(request):
    return [RuleOut(key=k, rule_id=r.rule_id, label=r.label, unit=r.unit, length=r.resolved_length(),
                    bearer=r.bearer, holiday_rollforward=r.holiday_rollforward, dual_compute=r.dual_compute,
                    extension=r.extension, legal_basis=r.legal_basis) for k, r in PERIOD_RULES.items()]


@public.get("/deadlines", response=DueOut, auth=None, summary="按规则计算到期日")
def deadline(request, rule: str, start: dt.date, extended: bool = False):
    if rule not in PERIOD_RULES:
        raise DomainError(f"未知的期限规则“{rule}”，可用规则见 /api/v1/public/deadlines/rules。",
                          code="unknown_rule", fields={"rule": "未知的期限规则"})
    due = compute_due(rule_id=rule, start=start, extended=extended)
    return DueOut(rule_key=rule, label=PERIOD_RULES[rule].label, start=start, **asdict(due))


class DayIn(Schema):
    kind: str
    name: str = ""
    statutory: bool = False


class AnnounceIn(Schema):
    source: str
    notice_date: dt.date | None = None


@admin.put("/days/{day}", response=DayOut, auth=api_auth("core:write"), summary="设置某日的放假或调休上班")
def day_set(request, day: dt.date, payload: DayIn):
    if payload.kind not in WorkCalendarDay.Kind.values:
        raise DomainError("类型须为 holiday（休息日）或 makeup_workday（调休上班）（TIME-08）。", rule="TIME-08",
                          fields={"kind": "类型无效"})
    row = cal.calendar_day_set(date=day, kind=payload.kind, name=payload.name, statutory=payload.statutory,
                               actor=request_actor(request))
    return DayOut(date=row.date, kind=row.kind, kind_label=row.get_kind_display(), name=row.name,
                  statutory=row.statutory)


@admin.post("/days/{day}/clear", response={204: None}, auth=api_auth("core:write"), summary="清除某日记录")
def day_clear(request, day: dt.date):
    cal.calendar_day_clear(date=day, actor=request_actor(request))
    return 204, None


@admin.post("/years/{year}/announce", response={200: dict}, auth=api_auth("core:write"),
            summary="标记年度放假安排已公布")
def year_announce(request, year: int, payload: AnnounceIn):
    _year_or_400(year)
    cal.calendar_year_announce(year=year, source=payload.source, notice_date=payload.notice_date,
                               actor=request_actor(request))
    return {"year": year, "status": "announced"}


ROUTES = [("public/", public), ("calendar/", admin)]
