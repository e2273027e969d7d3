"""Public portal (REQUIREMENTS P1, P2; certificate verification A2) and the staff workbench.

Views only read through `zhifa.org.selectors` and render; they never write domain rows."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from zhifa.org import selectors
from zhifa.org.models import Agency, Certificate, Officer

REGISTER_PAGE_SIZE = 20


def home(request):
    return render(request, "web/home.html", {
        "agency_count": Agency.objects.filter(active=True).count(),
        "officer_count": Officer.objects.filter(active=True).count(),
    })


def agency_list(request):
    q = request.GET.get("q", "")[:50]
    return render(request, "web/agencies.html", {"agencies": selectors.agency_directory(q=q), "q": q})


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def officer_list(request):
    """行政执法人员清单 (P2): search by name / certificate number / agency; never the ID number."""
    q = request.GET.get("q", "")[:50]
    agency_id = _int_or_none(request.GET.get("agency"))
    rows = selectors.officer_register_search(q=q, agency_id=agency_id, limit=5000)
    page = Paginator(rows, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    agencies = Agency.objects.filter(active=True, officers__active=True).distinct().order_by("region__code", "name")
    return render(request, "web/officers.html", {
        "page": page, "q": q, "agency_id": agency_id, "agencies": agencies, "total": len(rows),
    })


# Why a certificate is not valid today, in the words printed on the verification page.
INVALID_REASONS = {
    Certificate.Status.EXPIRED.label: "已过期",
    Certificate.Status.SUSPENDED.label: "已暂扣",
    Certificate.Status.REVOKED.label: "已注销",
}


def _not_found(request, message: str):
    return render(request, "404.html", {"message": message}, status=404)


def _verify_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("web:verify", args=[token]))


@never_cache
def verify(request, token: str):
    """The page the QR code on the card opens: is this certificate valid today? (A2, PEN-16)"""
    cert = selectors.certificate_by_token(token)
    if cert is None:
        return _not_found(request, "未找到与该二维码对应的执法证件。请核对证件，谨防假冒，可拨打监督投诉电话反映。")
    today = timezone.localdate()
    info = selectors.certificate_public(cert, today=today)
    reason = ""
    if info["status"] in INVALID_REASONS:
        reason = INVALID_REASONS[info["status"]]
    elif today < cert.issued_on:
        reason = "尚未生效"
    elif not cert.holder.active:
        reason = "持证人已不在执法岗位"
    info["valid_today"] = info["valid_today"] and not reason
    return render(request, "web/verify.html", {
        "cert": cert, "info": info, "reason": reason, "today": today,
        "post": cert.holder.post.name if cert.holder.post_id else "",
        "expires_on": dt.date.fromisoformat(info["expires"]),
    })


def verify_qr(request, token: str):
    """The QR code (SVG) printed on the card; it encodes the absolute verification URL."""
    if selectors.certificate_by_token(token) is None:
        return _not_found(request, "未找到该执法证件。")
    qr = segno.make(_verify_url(request, token), error="m")
    svg = qr.svg_inline(scale=6, border=2, title="执法证件核验二维码")
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@login_required
def workbench(request):
    return render(request, "web/workbench.html")
