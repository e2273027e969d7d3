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
    """Staff home: my roles, the agencies I may see, and my agency's certificates expiring soon (A2)."""
    from zhifa.org import roles

    user = request.user
    days = settings.ZHIFA_CERT_EXPIRY_WARNING_DAYS
    expiring = []
    if user.agency_id:
        expiring = list(selectors.certificates_expiring(within_days=days).filter(holder__agency_id=user.agency_id))
    today = timezone.localdate()
    return render(request, "web/workbench.html", {
        "annual_report": _annual_report_tile(user, today),
        "roles": [r for r in roles.ALL_ROLES if r in roles.user_roles(user)],
        "is_superuser": user.is_superuser,
        "agencies": roles.agencies_visible_to(user).select_related("region").order_by("region__code", "name"),
        "expiring": [(c, (c.expires_on - today).days) for c in expiring],
        "warning_days": days,
        "two_factor": user.is_verified(),
    })


def _annual_report_tile(user, today: dt.date) -> dict | None:
    """Days left until the annual report is due (20 January, P11/PUB-13), or that it is published;
    for those who may open the report page."""
    from zhifa.supervision.selectors import annual_report_status
    from zhifa.supervision.views import may_see_reports

    if not may_see_reports(user):
        return None
    from zhifa.org.roles import is_admin

    return annual_report_status(on_date=today, agency_id=None if is_admin(user) else user.agency_id)


# --- two-factor (TOTP) ----------------------------------------------------------------------


def _safe_next(request) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("web:workbench")


@never_cache
@login_required
def otp_verify(request):
    """Verify a TOTP token, or enrol a TOTP device first (QR as inline SVG + the base32 key)."""
    import base64

    import django_otp
    from django.contrib import messages
    from django.shortcuts import redirect
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhifa.org.models import AuthEvent
    from zhifa.org.signals import record

    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    enrolling = device is None
    if enrolling:
        device = (TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
                  or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False))
    error = ""
    if request.method == "POST":
        token = "".join(request.POST.get("token", "").split())
        if not (token.isdigit() and len(token) == device.digits):
            error = f"验证码应为 {device.digits} 位数字。"
        elif not device.verify_is_allowed()[0]:
            error = "验证码错误次数过多，请等待片刻后再输入新的验证码。"
        elif device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(AuthEvent.Kind.OTP_ENROLLED, user=user, request=request, actor=user, device=device.name)
            django_otp.login(request, device)
            messages.success(request, "双因素认证已通过。")
            return redirect(next_url)
        else:
            error = "验证码不正确或已过期，请输入身份验证器当前显示的验证码。"
    context = {"enrolling": enrolling, "error": error, "next": next_url, "digits": device.digits}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2,
                                                                             title="扫描绑定身份验证器")
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "web/otp.html", context, status=200 if not error else 400)
