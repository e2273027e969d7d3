"""Officer pages of whole-process records: a case's evidence (upload from the phone camera, list,
annotate, withdraw, view and download — every look logged), access requests (调阅), the archive
package with its four checks, and the equipment register (R4). Views call services only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhifa.cases.models import Case
from zhifa.core.clientip import client_ip
from zhifa.core.errors import DomainError
from zhifa.core.filestore import filestore_open
from zhifa.org import roles

from . import selectors, services
from .access import access_check, access_for, is_team_member, may_decide_requests
from .archive import archive_build, archive_check, checks_summary, latest_package
from .models import AccessLog, AccessRequest, ArchivePackage, Confidentiality, Evidence


def _case(case_id: int) -> Case:
    case = Case.objects.select_related("agency").filter(pk=case_id).first()
    if case is None:
        raise Http404("未找到该案件")
    return case


def _visible(case, user) -> bool:
    return roles.agencies_visible_to(user).filter(pk=case.agency_id).exists()


def _refused(request, case, exc: DomainError):
    return render(request, "records/refused.html", {"case": case, "error": exc,
                                                    "can_request": _visible(case, request.user)}, status=exc.status)


@login_required
def evidence_list(request, case_id: int):
    case = _case(case_id)
    try:
        access = access_check(case=case, user=request.user, action=AccessLog.Action.LIST, reason="证据目录")
    except DomainError as exc:
        return _refused(request, case, exc)
    items = list(selectors.case_evidence(case))
    relied = selectors.relied_numbers(case)
    rows = [{"e": e, "note": selectors.current_annotation(e), "withdrawn": selectors.withdrawn(e),
             "relied": e.number in relied, "review": selectors.device_review_state(e)} for e in items]
    for row in rows:
        row["review_label"] = selectors.DEVICE_REVIEW_LABELS.get(row["review"], "")
    return render(request, "records/evidence_list.html", {
        "case": case, "rows": rows, "access": access, "team": is_team_member(case, request.user),
        "kinds": Evidence.Kind.choices, "types": Evidence.EvidenceType.choices,
        "levels": Confidentiality.choices, "officers": case.officers.all(),
        "monitors": list(selectors.monitoring_devices(case.agency_id)),
        "package": latest_package(case), "max_bytes": services.max_upload_bytes(),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })


@login_required
@require_POST
def evidence_upload(request, case_id: int):
    case = _case(case_id)
    upload = request.FILES.get("camera") or request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择或拍摄要上传的文件。")
        return redirect("records:evidence", case_id=case.pk)
    fields = ("act", "kind", "evidence_type", "title", "recorder", "device", "started_at", "ended_at", "place",
              "confidentiality", "annotation", "latitude", "longitude", "monitoring_device")
    data = {k: request.POST.get(k, "") for k in fields}
    data["lawful_acquisition"] = request.POST.get("lawful_acquisition", "on") == "on"
    try:
        ev = services.evidence_add(case=case, actor=request.user, source=upload.chunks(), file_name=upload.name,
                                   declared_type=upload.content_type or "", **data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存证据 {ev.number}：{ev.title}（SHA-256 {ev.sha256[:16]}…）。")
    return redirect("records:evidence", case_id=case.pk)


@login_required
def evidence_detail(request, case_id: int, number: int):
    case = _case(case_id)
    ev = selectors.evidence_by_number(case, number)
    if ev is None:
        raise Http404("未找到该证据")
    try:
        access_check(case=case, user=request.user, action=AccessLog.Action.VIEW, evidence=ev, reason="证据详情")
    except DomainError as exc:
        return _refused(request, case, exc)
    return render(request, "records/evidence_detail.html", {
        "case": case, "e": ev, "notes": list(ev.annotations.all()), "withdrawn": selectors.withdrawn(ev),
        "team": is_team_member(case, request.user), "reviews": list(ev.device_reviews.all()),
        "review": selectors.device_review_state(ev),
        "review_label": selectors.DEVICE_REVIEW_LABELS.get(selectors.device_review_state(ev), ""),
        "relied": ev.number in selectors.relied_numbers(case),
    })


@login_required
def evidence_file(request, case_id: int, number: int):
    """The file itself: ?inline=1 to view in the browser (logged as a view), else a download."""
    case = _case(case_id)
    ev = get_object_or_404(Evidence, case=case, number=number)
    inline = request.GET.get("inline") == "1"
    try:
        access_check(case=case, user=request.user, evidence=ev, reason=request.GET.get("reason", "")[:300],
                     action=AccessLog.Action.VIEW if inline else AccessLog.Action.DOWNLOAD)
    except DomainError as exc:
        return _refused(request, case, exc)
    return FileResponse(filestore_open(ev.file), as_attachment=not inline, filename=ev.file_name,
                        content_type=ev.declared_type)


@login_required
@require_POST
def evidence_annotate(request, case_id: int, number: int):
    case = _case(case_id)
    ev = get_object_or_404(Evidence, case=case, number=number)
    speakers = [{"speaker": s, "says": w, "at": t} for s, w, t in zip(
        request.POST.getlist("speaker"), request.POST.getlist("says"), request.POST.getlist("at"), strict=False)
        if s.strip() or w.strip()]
    try:
        services.evidence_annotate(evidence=ev, actor=request.user, text=request.POST.get("text", ""),
                                   speakers=speakers)
        messages.success(request, "已追加说明（原说明保留）。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:evidence_detail", case_id=case.pk, number=number)


@login_required
@require_POST
def evidence_withdraw(request, case_id: int, number: int):
    case = _case(case_id)
    ev = get_object_or_404(Evidence, case=case, number=number)
    try:
        services.evidence_withdraw(evidence=ev, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"证据 {number} 已标记撤回，原文件保留。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:evidence_detail", case_id=case.pk, number=number)


@login_required
@require_POST
def evidence_device_review(request, case_id: int, number: int):
    """审核 of a monitoring-device record (PEN-15)."""
    case = _case(case_id)
    ev = get_object_or_404(Evidence, case=case, number=number)
    conforms = {"1": True, "0": False}.get(request.POST.get("conforms", ""), "")
    try:
        services.evidence_device_review(evidence=ev, actor=request.user, conforms=conforms,
                                        opinion=request.POST.get("opinion", ""))
        messages.success(request, "已记录审核结论（原审核记录保留）。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:evidence_detail", case_id=case.pk, number=number)


# --- access (调阅) -------------------------------------------------------------------------------------


@login_required
def access_page(request, case_id: int):
    case = _case(case_id)
    if not _visible(case, request.user):
        raise Http404("未找到该案件")
    access = access_for(case, request.user)
    supervisor_view = access is not None and access.basis in (AccessLog.Basis.SUPERVISOR,
                                                               AccessLog.Basis.AGENCY_ROLE, AccessLog.Basis.TEAM)
    reqs = [{"r": r, "d": selectors.decision_of(r)} for r in selectors.access_requests(case)]
    if not supervisor_view:
        reqs = [x for x in reqs if x["r"].requester_id == request.user.pk]
    return render(request, "records/access.html", {
        "case": case, "access": access, "requests": reqs, "can_decide": may_decide_requests(case, request.user),
        "log": selectors.access_log(case) if supervisor_view else [],
        "default_until": (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
    })


@login_required
@require_POST
def access_request(request, case_id: int):
    case = _case(case_id)
    if not _visible(case, request.user):
        raise Http404("未找到该案件")
    try:
        services.access_request(case=case, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "调阅申请已提交，待档案管理员或机关负责人审批。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:access", case_id=case.pk)


@login_required
@require_POST
def access_decide(request, request_id: int):
    req = get_object_or_404(AccessRequest.objects.select_related("case"), pk=request_id)
    until = None
    raw = request.POST.get("valid_until", "")
    if raw:
        try:
            until = timezone.make_aware(dt.datetime.fromisoformat(raw))
        except ValueError:
            messages.error(request, "有效期至：格式应为 YYYY-MM-DDTHH:MM。")
            return redirect("records:access", case_id=req.case_id)
    try:
        services.access_decide(request=req, actor=request.user, approved=request.POST.get("approved") == "1",
                               valid_until=until, note=request.POST.get("note", ""))
        messages.success(request, "已审批。")
    except DomainError as exc:
        messages.error(request, exc.message)
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("records:access", case_id=req.case_id)


@login_required
def access_inbox(request):
    """Pending access requests of the agencies whose requests I approve."""
    agency_ids = [request.user.agency_id] if roles.user_roles(request.user) & {roles.HEAD, roles.ARCHIVIST} else []
    return render(request, "records/access_inbox.html", {
        "pending": selectors.pending_requests(agency_ids),
        "default_until": (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
    })


# --- archive --------------------------------------------------------------------------------------------


@login_required
def archive_page(request, case_id: int):
    case = _case(case_id)
    try:
        access_check(case=case, user=request.user, action=AccessLog.Action.LIST, reason="案卷归档")
    except DomainError as exc:
        return _refused(request, case, exc)
    packages = list(ArchivePackage.objects.filter(case=case).select_related("custodian", "built_by")
                    .order_by("-built_at"))
    current = packages[0] if packages else None
    checks = checks_summary(archive_check(current)) if current and request.GET.get("recheck") else \
        checks_summary(current.checks) if current else []
    return render(request, "records/archive.html", {
        "case": case, "packages": packages, "current": current, "checks": checks,
        "rechecked": bool(request.GET.get("recheck")),
        "can_build": is_team_member(case, request.user) or may_decide_requests(case, request.user),
    })


@login_required
@require_POST
def archive_rebuild(request, case_id: int):
    case = _case(case_id)
    try:
        pkg = archive_build(case=case, actor=request.user)
        messages.success(request, f"已生成归档包（{pkg.size} 字节）。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:archive", case_id=case.pk)


@login_required
def archive_download(request, case_id: int, package_id: int):
    case = _case(case_id)
    pkg = get_object_or_404(ArchivePackage, case=case, pk=package_id)
    try:
        access_check(case=case, user=request.user, action=AccessLog.Action.DOWNLOAD, package=pkg, reason="下载归档包")
    except DomainError as exc:
        return _refused(request, case, exc)
    return FileResponse(filestore_open(pkg.file), as_attachment=True, filename=f"案卷-{case.number or case.pk}.zip",
                        content_type="application/zip")


# --- equipment (R4) ----------------------------------------------------------------------------------------


@login_required
def equipment(request):
    agencies = list(roles.agencies_visible_to(request.user).order_by("name")[:200])
    return render(request, "records/equipment.html", {
        "rows": selectors.equipment_summary(agencies), "per": selectors.officers_per_camera(),
    })


def monitoring_devices_public(request):
    """Public: where the automated monitoring devices are, and their approval (PEN-15). No login."""
    agency = request.GET.get("agency", "")
    devices = list(selectors.published_monitoring_devices(agency_id=int(agency) if agency.isdigit() else None)[:2000])
    return render(request, "records/monitoring_devices_public.html", {"devices": devices})



# --- the party's query and statement (PEN-15, public) ------------------------------------------------------


def _client(request) -> str:
    """The key the hourly limit counts under: the client address as the login lockouts see it
    (behind a reverse proxy, from X-Forwarded-For per ZHIFA_PROXY_COUNT), hashed."""
    return services.client_key(client_ip(request) or "")


def device_notice_public(request):
    """Public (no login): the party opens a monitoring-device record with the query code from the
    notice and their 公民身份号码 or 统一社会信用代码, and may make a statement (PEN-15, Art. 41)."""
    context = {"code": "", "id_number": "", "error": None}
    status = 200
    if request.method == "POST":
        code, ident = request.POST.get("code", "")[:40], request.POST.get("id_number", "")[:40]
        context.update(code=code, id_number=ident)
        try:
            notice = services.device_notice_find(code=code, id_number=ident, client=_client(request))
        except DomainError as exc:
            context["error"], status = exc, exc.status
        else:
            context.update(selectors.device_notice_public(notice))
    return render(request, "records/device_notice_public.html", context, status=status)


@require_POST
def device_notice_statement(request):
    """Public: a statement (陈述、申辩) about the record; the code and number are checked again."""
    code, ident = request.POST.get("code", "")[:40], request.POST.get("id_number", "")[:40]
    text, contact = request.POST.get("text", ""), request.POST.get("contact", "")
    context = {"code": code, "id_number": ident, "error": None, "text": text[:6000], "contact": contact[:120]}
    try:
        notice = services.device_notice_find(code=code, id_number=ident, client=_client(request))
    except DomainError as exc:
        context["error"] = exc
        return render(request, "records/device_notice_public.html", context, status=exc.status)
    status = 200
    try:
        statement = services.device_statement_add(notice=notice, text=text, contact=contact)
    except DomainError as exc:
        context["statement_error"], status = exc, exc.status
    else:
        context.update(text="", contact="", saved=statement)
    context.update(selectors.device_notice_public(notice))
    return render(request, "records/device_notice_public.html", context, status=status)
