"""The annual report page for supervisors, heads and administrators (P11, PUB-13): the year's
figures for the agencies the user may see, with the charts, and CSV/PDF downloads of the same.
Published reports (`AnnualReport`) are public files, served exactly as stored."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core.errors import DomainError
from zhifa.core.filestore import filestore_open
from zhifa.org import roles
from zhifa.org.auth import visible_agency_ids
from zhifa.org.models import Agency

from . import selectors, services
from .models import AnnualReport
from .reports import annual_content, annual_csv, annual_figures, annual_pdf, report_year_for

YEARS_SHOWN = 5


def may_see_reports(user) -> bool:
    return roles.has_role(user, roles.SUPERVISOR) or roles.has_role(user, roles.HEAD) or roles.is_admin(user)


def _scope(request) -> tuple[set[int] | None, str]:
    """(agency ids or None for all, the scope's name) for the user; 403 for other roles."""
    if not may_see_reports(request.user):
        raise PermissionDenied("只有监督人员、机关负责人和系统管理员可以查看统计年报。")
    ids = visible_agency_ids(request)
    if ids is None:
        return None, "全部执法主体"
    names = list(Agency.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))
    if len(names) == 1:
        return ids, names[0]
    own = request.user.agency.name if request.user.agency_id else ""
    return ids, f"{own}及所辖执法主体" if own else "所辖执法主体"


def publish_scope(user):
    """Who publishes what (PUB-13): an administrator the report for all agencies (returns None),
    an agency head the agency's own report (returns the agency); anyone else nothing (False)."""
    if roles.is_admin(user):
        return None
    if roles.has_role(user, roles.HEAD) and user.agency_id:
        return user.agency
    return False


def _year(value, default: int) -> int:
    """A year from 2000 to next year, else `default`."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= timezone.localdate().year + 1 else default


@login_required
def annual(request):
    ids, scope = _scope(request)
    today = timezone.localdate()
    current = report_year_for(today)
    year = _year(request.GET.get("year"), current)
    figures = annual_figures(year=year, agencies=ids)
    own = request.user.agency_id if ids is not None else None
    may_publish = publish_scope(request.user)
    return render(request, "supervision/annual.html", {
        "may_publish": may_publish is not False and year < today.year,
        "publish_scope": may_publish.name if may_publish else "全部执法主体",
        "republish": may_publish is not False and selectors.annual_report_current(
            year=year, agency_id=may_publish.pk if may_publish else None),
        "doc": annual_content(year=year, figures=figures, scope=scope),
        "years": list(range(max(current, today.year), max(current, today.year) - YEARS_SHOWN, -1)),
        "published": selectors.annual_report_published(year=year, agency_id=own),
        "status": selectors.annual_report_status(on_date=today, agency_id=own),
    })


@login_required
@require_POST
def annual_publish(request):
    """Publish the year's report (the PDF and CSV as stored files, with a ledger entry)."""
    agency = publish_scope(request.user)
    if agency is False:
        raise PermissionDenied("只有系统管理员（全部执法主体）和机关负责人（本机关）可以公布统计年报。")
    year = _year(request.POST.get("year"), report_year_for(timezone.localdate()))
    try:
        report = services.annual_report_publish(year=year, agency=agency, reason=request.POST.get("reason", ""),
                                                actor=request.user)
        messages.success(request, f"已公布{report}" + ("（逾期公布）。" if report.late else "。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('supervision:annual')}?year={year}")


@login_required
def annual_download(request, year: int, kind: str):
    if kind not in ("csv", "pdf"):
        raise Http404("不支持的文件格式。")
    ids, scope = _scope(request)
    if _year(year, 0) != year:
        raise Http404("统计年度应在 2000 年至下一年度之间。")
    figures = annual_figures(year=year, agencies=ids)
    filename = f"{scope}{year}年度行政执法统计年报.{kind}"
    if kind == "csv":
        response = HttpResponse("\ufeff" + annual_csv(figures), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(annual_pdf(annual_content(year=year, figures=figures, scope=scope)),
                                content_type="application/pdf")
    response["Content-Disposition"] = _disposition(filename, attachment=kind == "csv")
    return response


def _disposition(filename: str, *, attachment: bool) -> str:
    from urllib.parse import quote

    return f"{'attachment' if attachment else 'inline'}; filename*=UTF-8''{quote(filename)}"


def published_download(request, pk: int, kind: str):
    """A published report's PDF or CSV (public, P11): the stored bytes, with their SHA-256."""
    report = AnnualReport.objects.filter(pk=pk).first()
    if report is None or kind not in ("csv", "pdf"):
        raise Http404("未找到该统计年报。")
    name, digest = (report.pdf_name, report.pdf_sha256) if kind == "pdf" else (report.csv_name, report.csv_sha256)
    response = FileResponse(filestore_open(name), as_attachment=kind == "csv", filename=f"{report}.{kind}",
                            content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8")
    response["X-Content-SHA256"] = digest
    return response
