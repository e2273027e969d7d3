"""Raising and clearing deadline alerts (issue 5 item 8; TIME-* deadlines from the calendar)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from zhifa.cases.models import CaseDeadline
from zhifa.catalog.services import setting_value
from zhifa.core.calendar import add_working_days

from .models import AnnualReport, DeadlineAlert


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


# --- the annual report (P11, PUB-13) ----------------------------------------------------------


def annual_report_publish(*, year: int, actor, agency=None, reason: str = "",
                          on: dt.date | None = None) -> AnnualReport:
    """Publish the 行政执法统计年报 of `year` for one agency or (agency None) for all: render the PDF
    and the CSV, keep both in the file store, and append the row and a ledger entry covering it
    and the files. Publishing a year again needs a reason and supersedes the earlier row."""
    from zhifa.core.errors import Conflict, DomainError
    from zhifa.core.filestore import filestore_put
    from zhifa.ledger.services import ledger_append

    from .reports import annual_content, annual_csv, annual_figures, annual_pdf, report_due

    on = on or timezone.localdate()
    if not 2000 <= year < on.year:
        raise DomainError(f"统计年度应为已结束的年度（2000 至 {on.year - 1}），不能公布 {year} 年度的年报（PUB-13）。",
                          fields={"year": "统计年度应为已结束的年度。"}, rule="PUB-13")
    reason = (reason or "").strip()
    earlier = AnnualReport.objects.filter(year=year, agency=agency, superseded_by__isnull=True).first()
    if earlier and not reason:
        raise Conflict(f"{earlier}已于{earlier.published_on:%Y年%m月%d日}公布；重新公布须说明理由（PUB-13）。",
                       fields={"reason": "请说明重新公布的理由。"}, rule="PUB-13")
    scope = agency.name if agency else "全部执法主体"
    figures = annual_figures(year=year, agencies=[agency] if agency else None)
    pdf = filestore_put(annual_pdf(annual_content(year=year, figures=figures, scope=scope)))
    csv_file = filestore_put(("\ufeff" + annual_csv(figures)).encode("utf-8"))
    due = report_due(year)
    with transaction.atomic():
        if earlier:
            earlier = AnnualReport.objects.select_for_update().get(pk=earlier.pk)
            if AnnualReport.objects.filter(supersedes=earlier).exists():
                raise Conflict("该年报刚被他人重新公布，请刷新后再试。", rule="PUB-13")
        report = AnnualReport.objects.create(
            year=year, agency=agency, scope=scope, published_on=on, due_on=due, late=on > due,
            supersedes=earlier, reason=reason if earlier else "",
            pdf_name=pdf.name, pdf_sha256=pdf.sha256, pdf_sm3=pdf.sm3, pdf_size=pdf.size,
            csv_name=csv_file.name, csv_sha256=csv_file.sha256, csv_sm3=csv_file.sm3, csv_size=csv_file.size,
            published_by=actor if getattr(actor, "pk", None) else None)
        ledger_append(
            kind="annual_report_published", actor=actor, subject=report,
            payload={"report": report.pk, "year": year, "scope": scope, "published_on": on.isoformat(),
                     "due_on": due.isoformat(), "late": report.late,
                     "supersedes": earlier.pk if earlier else None, "reason": report.reason},
            rows=[report], files=[pdf.cover(), csv_file.cover()])
    return report
