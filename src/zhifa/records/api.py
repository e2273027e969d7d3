"""Records API under /api/v1/records/: evidence (list, upload, resumable chunked upload, annotate,
withdraw, download), access requests and the access log, archive checks, equipment. Every read of
a case's records is logged (REC-05); every write goes through records.services. Under
/api/v1/public/device-notices/ (no login): the party's query of a monitoring-device record and
statement about it (PEN-15), with the same checks and lock as the page.

Auth: a Bearer token with records:read / records:write, or the staff session (CSRF); the services
decide who may write what (the case team uploads; the archivist or head approves access)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from zhifa.cases.models import Case
from zhifa.core.clientip import client_ip
from zhifa.core.errors import NotFound
from zhifa.core.filestore import filestore_open
from zhifa.org import roles
from zhifa.org.auth import StaffSessionAuth, TokenAuth, api_auth, request_actor

from . import selectors, services
from .access import access_check
from .archive import archive_check, checks_summary, latest_package
from .models import AccessLog, AccessRequest, Evidence

READ = api_auth("records:read")
WRITE = [TokenAuth("records:write"), StaffSessionAuth("records:read")]  # services check the case team

router = Router(tags=["全过程记录"], auth=READ)


def _case(request, case_id: int) -> Case:
    case = Case.objects.select_related("agency").filter(pk=case_id).first()
    actor = request_actor(request)
    if case is None or not roles.agencies_visible_to(actor).filter(pk=case.agency_id).exists():
        raise NotFound("未找到该案件。")
    return case


def evidence_out(e: Evidence, relied: set[int] | None = None) -> dict[str, Any]:
    """`relied`: the numbers the case's current proposal relies on (PEN-21), when already known."""
    note = selectors.current_annotation(e)
    return {
        "id": e.pk, "case": e.case_id, "number": e.number, "act": e.act, "status_entry": e.status_entry_id,
        "kind": e.kind, "evidence_type": e.evidence_type, "evidence_type_label": e.get_evidence_type_display(),
        "lawful_acquisition": e.lawful_acquisition, "title": e.title,
        "recorder": e.recorder_id, "device": e.device, "started_at": e.started_at, "ended_at": e.ended_at,
        "place": e.place, "confidentiality": e.confidentiality, "file_name": e.file_name,
        "declared_type": e.declared_type, "detected_type": e.detected_type, "sha256": e.sha256, "sm3": e.sm3,
        "size": e.size, "duration_ms": e.duration_ms, "media": e.media, "created_at": e.created_at,
        "annotation": note.text if note else "", "speakers": note.speakers if note else [],
        "withdrawn": selectors.withdrawn(e),
        "monitoring_device": e.monitoring_device.number if e.monitoring_device else None,
        "device_review": _review_out(e),
        "relied_on": e.number in relied if relied is not None else e.number in selectors.relied_numbers(e.case),
    }


def _review_out(e: Evidence) -> dict | None:
    """PEN-15: for a monitoring-device record, the state of its review and the review in force."""
    state = selectors.device_review_state(e)
    if not state:
        return None
    r = selectors.device_review(e)
    return {"state": state, "label": selectors.DEVICE_REVIEW_LABELS[state], "conforms": r.conforms if r else None,
            "opinion": r.opinion if r else "", "reviewer": str(r.reviewer) if r else None, "at": r.at if r else None}


@router.get("/cases/{case_id}/evidence", summary="案件证据清单（记入调阅记录）")
def evidence_list(request, case_id: int, reason: str = ""):
    case = _case(request, case_id)
    access_check(case=case, user=request_actor(request), action=AccessLog.Action.LIST, reason=reason or "接口查阅")
    relied = selectors.relied_numbers(case)
    return [evidence_out(e, relied) for e in selectors.case_evidence(case)]


@router.post("/cases/{case_id}/evidence", response={201: dict}, auth=WRITE, summary="上传证据（multipart；大文件请用分片续传）")
def evidence_upload(request, case_id: int, file: File[UploadedFile], act: Form[str], kind: Form[str],
                    title: Form[str], evidence_type: Form[str] = "", lawful_acquisition: Form[bool] = True,
                    recorder: Form[str] = "", device: Form[str] = "", started_at: Form[str] = "",
                    ended_at: Form[str] = "", place: Form[str] = "", confidentiality: Form[str] = "internal",
                    annotation: Form[str] = "", status_entry: Form[str] = "", monitoring_device: Form[str] = ""):
    case = _case(request, case_id)
    ev = services.evidence_add(
        case=case, actor=request_actor(request), source=file.chunks(), file_name=file.name,
        declared_type=file.content_type or "", act=act, kind=kind, title=title, evidence_type=evidence_type,
        lawful_acquisition=lawful_acquisition, recorder=recorder, device=device, started_at=started_at,
        ended_at=ended_at, place=place, confidentiality=confidentiality, annotation=annotation,
        status_entry=status_entry, monitoring_device=monitoring_device)
    return Status(201, evidence_out(ev))


def _evidence(request, evidence_id: int) -> Evidence:
    ev = Evidence.objects.select_related("case").filter(pk=evidence_id).first()
    if ev is None:
        raise NotFound("未找到该证据。")
    _case(request, ev.case_id)
    return ev


@router.get("/evidence/{evidence_id}", summary="证据详情（记入调阅记录）")
def evidence_detail(request, evidence_id: int, reason: str = ""):
    ev = _evidence(request, evidence_id)
    access_check(case=ev.case, user=request_actor(request), action=AccessLog.Action.VIEW, evidence=ev, reason=reason)
    return evidence_out(selectors.evidence_by_number(ev.case, ev.number))


@router.get("/evidence/{evidence_id}/file", summary="下载证据原文件（记入调阅记录）")
def evidence_file(request, evidence_id: int, reason: str = ""):
    ev = _evidence(request, evidence_id)
    access_check(case=ev.case, user=request_actor(request), action=AccessLog.Action.DOWNLOAD, evidence=ev,
                 reason=reason)
    return FileResponse(filestore_open(ev.file), as_attachment=True, filename=ev.file_name,
                        content_type=ev.declared_type)


class AnnotationIn(Schema):
    text: str = ""
    speakers: list[dict] = []


@router.post("/evidence/{evidence_id}/annotations", response={201: dict}, auth=WRITE, summary="追加说明（后者取代前者，前者保留）")
def evidence_annotate(request, evidence_id: int, payload: AnnotationIn):
    ev = _evidence(request, evidence_id)
    note = services.evidence_annotate(evidence=ev, actor=request_actor(request), text=payload.text,
                                      speakers=payload.speakers)
    return Status(201, {"id": note.pk, "supersedes": note.supersedes_id, "text": note.text, "speakers": note.speakers})


class WithdrawIn(Schema):
    reason: str


@router.post("/evidence/{evidence_id}/withdrawal", response={201: dict}, auth=WRITE, summary="标记撤回（文件保留）")
def evidence_withdraw(request, evidence_id: int, payload: WithdrawIn):
    ev = _evidence(request, evidence_id)
    row = services.evidence_withdraw(evidence=ev, actor=request_actor(request), reason=payload.reason)
    return Status(201, {"evidence": ev.pk, "reason": row.reason, "at": row.at})


class DeviceReviewIn(Schema):
    conforms: bool
    opinion: str


@router.post("/evidence/{evidence_id}/device-reviews", response={201: dict}, auth=WRITE,
             summary="审核电子技术监控记录（PEN-15；后者取代前者，前者保留）")
def evidence_device_review(request, evidence_id: int, payload: DeviceReviewIn):
    ev = _evidence(request, evidence_id)
    review = services.evidence_device_review(evidence=ev, actor=request_actor(request), conforms=payload.conforms,
                                             opinion=payload.opinion)
    return Status(201, {"id": review.pk, "evidence": ev.pk, "number": ev.number, "conforms": review.conforms,
                        "opinion": review.opinion, "supersedes": review.supersedes_id, "at": review.at})


# --- resumable upload ----------------------------------------------------------------------------------


class UploadIn(Schema):
    case: int
    file_name: str
    declared_type: str = ""
    total_size: int
    metadata: dict = {}


def _session_out(s) -> dict:
    return {"token": s.token, "offset": s.received, "total_size": s.total_size, "status": s.status,
            "evidence": s.evidence_id}


@router.post("/uploads", response={201: dict}, auth=WRITE, summary="开始分片上传")
def upload_create(request, payload: UploadIn):
    case = _case(request, payload.case)
    session = services.upload_session_create(case=case, actor=request_actor(request), file_name=payload.file_name,
                                             declared_type=payload.declared_type, total_size=payload.total_size,
                                             **payload.metadata)
    return Status(201, _session_out(session))


@router.get("/uploads/{token}", auth=WRITE, summary="查询已接收字节数（断点续传）")
def upload_status(request, token: str):
    return _session_out(services.upload_session_get(token=token, actor=request_actor(request)))


@router.put("/uploads/{token}", auth=WRITE, summary="上传一个分片（请求体为原始字节，offset 为起始位置）")
def upload_put(request, token: str, offset: int):
    session = services.upload_session_get(token=token, actor=request_actor(request))
    session = services.upload_session_put(session=session, actor=request_actor(request), offset=offset,
                                          chunk=request)  # streamed from the request body, never whole
    return _session_out(session)


@router.post("/uploads/{token}/complete", response={201: dict}, auth=WRITE, summary="完成分片上传，生成证据")
def upload_complete(request, token: str):
    session = services.upload_session_get(token=token, actor=request_actor(request))
    ev = services.upload_session_complete(session=session, actor=request_actor(request))
    return Status(201, evidence_out(selectors.evidence_by_number(ev.case, ev.number)))


@router.delete("/uploads/{token}", response={204: None}, auth=WRITE, summary="放弃分片上传（不留任何文件）")
def upload_abandon(request, token: str):
    session = services.upload_session_get(token=token, actor=request_actor(request))
    services.upload_session_abandon(session=session, actor=request_actor(request))
    return Status(204, None)


# --- access ----------------------------------------------------------------------------------------------


class AccessRequestIn(Schema):
    reason: str


@router.post("/cases/{case_id}/access-requests", response={201: dict}, auth=WRITE, summary="调阅申请")
def access_request(request, case_id: int, payload: AccessRequestIn):
    case = _case(request, case_id)
    req = services.access_request(case=case, actor=request_actor(request), reason=payload.reason)
    return Status(201, {"id": req.pk, "case": case.pk, "reason": req.reason, "at": req.at})


class DecisionIn(Schema):
    approved: bool
    valid_until: dt.datetime | None = None
    note: str = ""


@router.post("/access-requests/{request_id}/decision", response={201: dict}, auth=WRITE, summary="审批调阅申请（档案管理员或机关负责人）")
def access_decide(request, request_id: int, payload: DecisionIn):
    req = get_object_or_404(AccessRequest.objects.select_related("case"), pk=request_id)
    _case(request, req.case_id)
    d = services.access_decide(request=req, actor=request_actor(request), approved=payload.approved,
                               valid_until=payload.valid_until, note=payload.note)
    return Status(201, {"request": req.pk, "approved": d.approved, "valid_from": d.valid_from, "valid_until": d.valid_until})


@router.get("/cases/{case_id}/access-log", summary="调阅记录（承办人员、监督人员、档案管理员、负责人）")
def access_log(request, case_id: int):
    case = _case(request, case_id)
    access = access_check(case=case, user=request_actor(request), action=AccessLog.Action.LIST, reason="调阅记录")
    if access.basis == AccessLog.Basis.GRANT:
        from zhifa.core.errors import PermissionDeniedError

        raise PermissionDeniedError("调阅记录仅供承办人员、监督人员、档案管理员和机关负责人查看（规则 REC-05）。",
                                    rule="REC-05")
    return [{"at": r.at, "user": str(r.user) if r.user else None, "action": r.action, "basis": r.basis,
             "evidence": r.evidence.number if r.evidence else None, "package": r.package_id, "reason": r.reason}
            for r in selectors.access_log(case)]


# --- archive and equipment ---------------------------------------------------------------------------------


@router.get("/cases/{case_id}/archive", summary="归档包与四性检测")
def archive_status(request, case_id: int, recheck: bool = False):
    case = _case(request, case_id)
    access_check(case=case, user=request_actor(request), action=AccessLog.Action.LIST, reason="归档检测")
    pkg = latest_package(case)
    if pkg is None:
        raise NotFound("本案尚无归档包。", code="no_archive")
    checks = archive_check(pkg) if recheck else pkg.checks
    return {"package": pkg.pk, "sha256": pkg.sha256, "sm3": pkg.sm3, "size": pkg.size, "built_at": pkg.built_at,
            "retention_years": pkg.retention_years, "retain_until": pkg.retain_until,
            "custodian": str(pkg.custodian) if pkg.custodian else None,
            "checks": checks_summary(checks), "ok": all(c["ok"] for c in checks.values())}


@router.get("/equipment", summary="执法记录仪配备（每五名执法人员至少一台）")
def equipment(request):
    agencies = list(roles.agencies_visible_to(request_actor(request)).order_by("name")[:500])
    return [{"agency": r.agency.pk, "agency_name": r.agency.name, "officers": r.officers, "cameras": r.cameras,
             "required": r.required, "meets": r.meets, "rooms": r.rooms, "av_rooms": r.av_rooms,
             "monitoring_devices": r.monitors}
            for r in selectors.equipment_summary(agencies)]


# --- public: the party's query and statement about a monitoring-device record (PEN-15) ---------------------

public = Router(tags=["公开：电子技术监控记录查询与陈述申辩"])


class NoticeQueryIn(Schema):
    code: str
    id_number: str


class StatementIn(NoticeQueryIn):
    text: str
    contact: str = ""


def _find(request, payload: NoticeQueryIn):
    return services.device_notice_find(code=payload.code, id_number=payload.id_number,
                                       client=services.client_key(client_ip(request) or ""))


def public_record_out(notice) -> dict[str, Any]:
    """What the page shows, as data: the record, its device and published location, the review, the
    agency and how to reach it, and this party's statements about it."""
    d = selectors.device_notice_public(notice)
    e, device, review, agency, note = d["e"], d["device"], d["review"], d["agency"], d["annotation"]
    return {
        "party": notice.party.name, "notified_on": notice.notified_on, "method": notice.get_method_display(),
        "record": {"title": e.title, "annotation": note.text if note else "", "started_at": e.started_at,
                   "ended_at": e.ended_at, "place": e.place or device.location},
        "device": {"number": device.number, "location": device.location, "approval_ref": device.approval_ref,
                   "approved_on": device.approved_on, "location_published_on": device.location_published_on,
                   "location_published_where": device.location_published_where},
        "review": {"conforms": review.conforms, "opinion": review.opinion, "on": timezone.localdate(review.at)}
        if review else None,
        "agency": {"name": agency.name, "address": agency.address, "phone": agency.phone, "website": agency.website},
        "case_number": d["case"].number,
        "statements": [{"text": s.text, "at": s.at} for s in d["statements"]],
    }


@public.post("device-notices/query", summary="凭查询码和证件号码查询电子技术监控记录（PEN-15；输错多次锁定）")
def device_notice_query(request, payload: NoticeQueryIn):
    return public_record_out(_find(request, payload))


@public.post("device-notices/statements", response={201: dict},
             summary="对电子技术监控记录陈述、申辩（PEN-15；需查询码和证件号码）")
def device_notice_statement(request, payload: StatementIn):
    notice = _find(request, payload)
    statement = services.device_statement_add(notice=notice, text=payload.text, contact=payload.contact)
    return Status(201, {"id": statement.pk, "at": statement.at, "text": statement.text})


ROUTES = [("records/", router), ("public/", public)]
