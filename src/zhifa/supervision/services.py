"""Raising and clearing deadline alerts (issue 5 item 8; TIME-* deadlines from the calendar)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from zhifa.cases.models import CaseDeadline
from zhifa.catalog.services import setting_value
from zhifa.core.calendar import add_working_days

from .models import DeadlineAlert


def _message(d: CaseDeadline, level: str) -> str:
    number = d.case.number or d.case.title
    if level == DeadlineAlert.Level.OVERDUE:
        return f"{number}：{d.label}已于{d.act_by:%Y年%m月%d日}届满，已逾期（{d.rule_id}，{d.basis}）。"
    return f"{number}：{d.label}将于{d.act_by:%Y年%m月%d日}届满（{d.rule_id}，{d.basis}）。"


def deadline_alerts_refresh(*, today: dt.date | None = None) -> dict[str, int]:
    """Flag open deadlines due within the agency's alert window (working days, a setting) or
    overdue; clear the flags of deadlines that were met. Idempotent: run as often as wanted."""
    today = today or timezone.localdate()
    raised = cleared = 0
    windows: dict[int, dt.date] = {}
    with transaction.atomic():
        now = timezone.now()
        cleared = DeadlineAlert.objects.filter(cleared_at__isnull=True, deadline__closed_at__isnull=False).update(
            cleared_at=now)
        open_deadlines = (CaseDeadline.objects.filter(closed_at__isnull=True)
                          .select_related("case", "case__agency").order_by("act_by"))
        for d in open_deadlines.iterator(chunk_size=2000):
            agency_id = d.case.agency_id
            if agency_id not in windows:
                days = int(setting_value("deadline_alert_working_days", agency=d.case.agency))
                windows[agency_id] = add_working_days(today, days)
            if d.act_by < today:
                level = DeadlineAlert.Level.OVERDUE
            elif d.act_by <= windows[agency_id]:
                level = DeadlineAlert.Level.DUE_SOON
            else:
                continue
            _, created = DeadlineAlert.objects.get_or_create(
                deadline=d, level=level,
                defaults={"case": d.case, "agency_id": agency_id, "officer_id": d.case.lead_officer_id,
                          "rule_id": d.rule_id, "act_by": d.act_by, "message": _message(d, level),
                          "raised_on": today})
            raised += created
    return {"raised": raised, "cleared": cleared}
