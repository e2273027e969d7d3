"""Services of whole-process records (R1–R9, REC-01..REC-05): adding evidence (streamed, hashed,
type-checked, numbered, on the ledger), annotating and withdrawing it, reviewing records of
automated monitoring devices (PEN-15), resumable uploads, equipment, and access requests. Every refusal leaves nothing: no row, no ledger entry, no file."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from zhifa.cases.models import Case, StatusEntry
from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from zhifa.core.filestore import EmptyFile, FileTooLarge, filestore_discard, filestore_ingest
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Officer

from . import media
from .access import may_decide_requests, require_team
from .models import (
    AccessDecision,
    AccessRequest,
    ArchiveCustodian,
    BodyCamera,
    Confidentiality,
    DeviceRecordReview,
    Evidence,
    EvidenceAnnotation,
    EvidenceWithdrawal,
    RecordingRoom,
    UploadSession,
)


def max_upload_bytes() -> int:
    return int(getattr(settings, "ZHIFA_EVIDENCE_MAX_BYTES", 4 << 30))


def _human(size: int) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "字节" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


# --- metadata ---------------------------------------------------------------------------------------

META_FIELDS = {"act", "kind", "evidence_type", "lawful_acquisition", "title", "recorder", "device", "started_at",
               "ended_at", "place", "latitude", "longitude", "confidentiality", "status_entry", "annotation",
               "speakers", "monitoring_device"}


def _as_datetime(value, label: str, errors: dict, key: str):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value).strip())
        if parsed is None:
            errors[key] = f"{label}：格式应为 YYYY-MM-DDTHH:MM"
            return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def clean_metadata(*, case: Case, data: dict) -> dict:
    """Check what the officer says about an item before a byte of the file is read (PEN-21,
    REC-03). Raises DomainError naming every bad field."""
    unknown = set(data) - META_FIELDS
    if unknown:
        raise DomainError(f"证据信息含未知字段：{'、'.join(sorted(unknown))}", fields={k: "未知字段" for k in unknown})
    errors: dict[str, str] = {}
    out: dict = {}
    act = str(data.get("act") or "").strip()
    if not act:
        errors["act"] = "执法环节：必须填写（如 seize、record_inspection）"
    out["act"] = act
    kind = str(data.get("kind") or "")
    if kind not in Evidence.Kind.values:
        errors["kind"] = "载体：应为照片、录音、录像、扫描件、电子文件或其他"
    out["kind"] = kind
    etype = str(data.get("evidence_type") or "")
    if not etype and kind in Evidence.AV_KINDS:
        etype = Evidence.EvidenceType.AUDIOVISUAL
    if etype not in Evidence.EvidenceType.values:
        errors["evidence_type"] = "证据种类：应为行政处罚法第四十六条规定的八种证据之一（规则 PEN-21）"
    out["evidence_type"] = etype
    lawful = data.get("lawful_acquisition", True)
    out["lawful_acquisition"] = lawful if isinstance(lawful, bool) else str(lawful).lower() in ("1", "true", "on",
                                                                                                  "yes", "是")
    out["title"] = str(data.get("title") or "").strip()[:200]
    if not out["title"]:
        errors["title"] = "名称：必须填写（说明这份材料是什么）"
    recorder = data.get("recorder")
    out["recorder"] = None
    if recorder not in (None, ""):
        officer = recorder if isinstance(recorder, Officer) else Officer.objects.filter(pk=str(recorder)).first() \
            if str(recorder).isdigit() else None
        if officer is None or officer.agency_id != case.agency_id:
            errors["recorder"] = "记录人：应为本执法主体的执法人员"
        out["recorder"] = officer
    out["device"] = str(data.get("device") or "").strip()[:64]
    out["started_at"] = _as_datetime(data.get("started_at"), "开始时间", errors, "started_at")
    out["ended_at"] = _as_datetime(data.get("ended_at"), "结束时间", errors, "ended_at")
    if out["started_at"] and out["ended_at"] and out["ended_at"] < out["started_at"]:
        errors["ended_at"] = "结束时间：不能早于开始时间"
    out["monitoring_device"] = _clean_monitoring_device(case, data.get("monitoring_device"), out, errors)
    if out["monitoring_device"] is not None and not out["device"]:
        out["device"] = out["monitoring_device"].number
    if kind in Evidence.AV_KINDS and not out["device"]:
        errors["device"] = "记录设备编号：音像记录须注明设备（执法记录仪）编号（规则 REC-03）"
    out["place"] = str(data.get("place") or "").strip()[:200]
    for key, label, bound in (("latitude", "纬度", 90), ("longitude", "经度", 180)):
        value = data.get(key)
        out[key] = None
        if value not in (None, ""):
            try:
                number = round(float(value), 6)
            except (TypeError, ValueError):
                errors[key] = f"{label}：应为数字"
                continue
            if not -bound <= number <= bound:
                errors[key] = f"{label}：超出范围"
            out[key] = str(number)
    conf = str(data.get("confidentiality") or Confidentiality.INTERNAL)
    if conf not in Confidentiality.values:
        errors["confidentiality"] = "密级与敏感性：应为可公开、内部、个人信息、商业秘密或国家秘密"
    out["confidentiality"] = conf
    entry = data.get("status_entry")
    out["status_entry"] = None
    if entry not in (None, ""):
        row = StatusEntry.objects.filter(case=case, seq=int(entry)).first() if str(entry).isdigit() else None
        if row is None:
            errors["status_entry"] = "状态记录：本案没有该序号的记录"
        out["status_entry"] = row
    out["annotation"] = str(data.get("annotation") or "").strip()
    out["speakers"] = _clean_speakers(data.get("speakers"), errors)
    if errors:
        rule = "PEN-15" if any("PEN-15" in v for v in errors.values()) else "PEN-21"
        raise DomainError("证据信息有误：" + "；".join(errors.values()), rule=rule, fields=errors)
    return out


def _clean_monitoring_device(case: Case, value, out: dict, errors: dict) -> BodyCamera | None:
    """PEN-15 (Art. 41): a record of an automated monitoring device may be added only if the device
    is in the agency's register with its 法制和技术审核 and its published location, and the record
    was made after both."""
    if value in (None, ""):
        return None
    number = value.number if isinstance(value, BodyCamera) else str(value).strip()
    device = BodyCamera.objects.filter(agency_id=case.agency_id, kind=BodyCamera.Kind.MONITORING,
                                       number=number).first()
    if device is None:
        errors["monitoring_device"] = (f"电子技术监控设备：编号“{number}”未在本机关登记为电子技术监控设备，"
                                       "须先登记并经法制和技术审核、公布设置地点（规则 PEN-15）")
        return None
    if not (device.approval_ref and device.approved_on):
        errors["monitoring_device"] = f"电子技术监控设备：{number} 没有法制和技术审核记录（规则 PEN-15）"
    elif not (device.location and device.location_published_on):
        errors["monitoring_device"] = f"电子技术监控设备：{number} 的设置地点尚未公布（规则 PEN-15）"
    elif out.get("started_at") is None:
        if "started_at" not in errors:
            errors["started_at"] = "开始时间：电子技术监控设备的记录须注明记录时间（规则 PEN-15）"
    else:
        made_on = timezone.localdate(out["started_at"])
        if made_on < device.approved_on or made_on < device.location_published_on:
            later = max(device.approved_on, device.location_published_on)
            errors["monitoring_device"] = (f"电子技术监控设备：记录时间早于该设备通过审核并公布设置地点的日期"
                                           f"（{later:%Y年%m月%d日}），不得作为证据（规则 PEN-15）")
    return device


def _clean_speakers(value, errors: dict) -> list[dict]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors["speakers"] = "发言记录：应为 [{speaker, says, at}] 列表"
        return []
    out = []
    for v in value:
        speaker, says = str(v.get("speaker") or "").strip(), str(v.get("says") or "").strip()
        if not speaker or not says:
            errors["speakers"] = "发言记录：每一条须写明谁说话、说了什么（R5）"
            return []
        out.append({"speaker": speaker[:50], "says": says, "at": str(v.get("at") or "").strip()[:20]})
    return out


def _refused_file(exc: Exception, *, file_name: str) -> DomainError:
    if isinstance(exc, FileTooLarge):
        return DomainError(f"文件“{file_name}”超过上传上限 {_human(max_upload_bytes())}，已拒收，未保存任何内容。",
                           code="file_too_large", rule="REC-03", fields={"file": "文件过大"})
    if isinstance(exc, EmptyFile):
        return DomainError(f"文件“{file_name}”是空文件，已拒收，未保存任何内容。", code="file_empty", rule="REC-03",
                           fields={"file": "空文件"})
    raise exc


# --- evidence ------------------------------------------------------------------------------------------


def _check_case_open(case: Case) -> None:
    from .models import ArchivePackage

    if ArchivePackage.objects.filter(case=case).exists():
        raise Conflict("案件已归档，不能再添加或更改证据（规则 REC-04）。", code="case_archived", rule="REC-04")


def evidence_add(*, case: Case, actor, source: BinaryIO | bytes | Iterable[bytes], file_name: str,
                 declared_type: str, **data) -> Evidence:
    """证据上传: check the metadata and the declared type, stream the file into the store (SHA-256
    and SM3 in one pass, the first bytes checked against the declared type with libmagic, media
    details read by pymediainfo), then number the item within the case under the case row's lock and
    put it on the ledger. Any refusal leaves no row, no ledger entry and no file."""
    require_team(case, actor, what="上传证据")
    _check_case_open(case)
    meta = clean_metadata(case=case, data=data)
    file_name = os.path.basename(str(file_name or "").replace("\\", "/")).strip()[:255]
    if not file_name:
        raise DomainError("文件名：必须提供。", fields={"file": "缺少文件名"})
    declared = media.check_declared(file_name=file_name, declared_type=declared_type, kind=meta["kind"])
    try:
        ingested = filestore_ingest(
            source, max_size=max_upload_bytes(), allow_empty=False,
            check_head=media.head_checker(file_name=file_name, declared_type=declared),
            inspect=media.media_details if meta["kind"] in ("photo", "audio", "video", "scan") else None,
        )
    except (FileTooLarge, EmptyFile) as exc:
        raise _refused_file(exc, file_name=file_name) from None
    try:
        return _evidence_record(case=case, actor=actor, meta=meta, ingested=ingested, file_name=file_name,
                                declared=declared)
    except BaseException:
        filestore_discard(ingested)
        raise


def _evidence_record(*, case, actor, meta, ingested, file_name, declared) -> Evidence:
    stored, details = ingested.stored, ingested.info or {}
    annotation, speakers = meta.pop("annotation"), meta.pop("speakers")
    started, ended = meta["started_at"], meta["ended_at"]
    duration = details.get("duration_ms")
    if started and not ended and duration:
        meta["ended_at"] = started + dt.timedelta(milliseconds=duration)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        number = (Evidence.objects.filter(case=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        ev = Evidence.objects.create(
            case=locked, number=number, file_name=file_name, declared_type=declared,
            detected_type=media.detect(ingested.head), file=stored.name, sha256=stored.sha256, sm3=stored.sm3,
            size=stored.size, duration_ms=duration, media=details, created_by=_user(actor), **meta,
        )
        rows = [ev]
        if annotation or speakers:
            rows.append(EvidenceAnnotation.objects.create(evidence=ev, text=annotation or "（见发言记录）",
                                                          speakers=speakers, actor=_user(actor)))
        ledger_append(kind="evidence_added", actor=actor, subject=ev,
                      payload={"case": locked.pk, "number": number, "act": ev.act, "kind": ev.kind,
                               "evidence_type": ev.evidence_type, "lawful_acquisition": ev.lawful_acquisition,
                               "confidentiality": ev.confidentiality,
                               **({"monitoring_device": ev.monitoring_device.number} if ev.monitoring_device else {})},
                      rows=rows, files=[stored.cover()])
    return ev


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def evidence_annotate(*, evidence: Evidence, actor, text: str, speakers: list | None = None) -> EvidenceAnnotation:
    """文字说明 (R5). Append-only: a later note supersedes the current one, which stays."""
    require_team(evidence.case, actor, what="说明证据")
    errors: dict = {}
    speakers = _clean_speakers(speakers, errors)
    text = (text or "").strip()
    if not text and not speakers:
        errors["text"] = "说明：必须填写这份记录反映的内容"
    if errors:
        raise DomainError("说明有误：" + "；".join(errors.values()), rule="REC-03", fields=errors)
    with transaction.atomic():
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        current = EvidenceAnnotation.objects.filter(evidence=evidence).order_by("-id").first()
        note = EvidenceAnnotation.objects.create(evidence=evidence, text=text or "（见发言记录）", speakers=speakers,
                                                 supersedes=current, actor=_user(actor))
        ledger_append(kind="evidence_annotated", actor=actor, subject=evidence,
                      payload={"number": evidence.number, "supersedes": current.pk if current else None},
                      rows=[note])
    return note


def evidence_withdraw(*, evidence: Evidence, actor, reason: str) -> EvidenceWithdrawal:
    """撤回 a mistaken upload: the item and its file stay, marked withdrawn with the reason (REC-03)."""
    require_team(evidence.case, actor, what="撤回证据")
    _check_case_open(evidence.case)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("撤回理由：必须填写（规则 REC-03）。", rule="REC-03", fields={"reason": "必须填写"})
    with transaction.atomic():
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        if EvidenceWithdrawal.objects.filter(evidence=evidence).exists():
            raise Conflict(f"证据{evidence.number}已撤回。", code="already_withdrawn", rule="REC-03")
        row = EvidenceWithdrawal.objects.create(evidence=evidence, reason=reason, actor=_user(actor))
        ledger_append(kind="evidence_withdrawn", actor=actor, subject=evidence,
                      payload={"number": evidence.number, "reason": reason}, rows=[row])
    return row


def evidence_device_review(*, evidence: Evidence, actor, conforms: bool, opinion: str) -> DeviceRecordReview:
    """审核 a record of an automated monitoring device (PEN-15, Art. 41): a person of the case team
    states whether it is true, clear, complete and accurate. Append-only; a later review supersedes
    the current one, which stays. Only a record whose latest review conforms may be relied on."""
    require_team(evidence.case, actor, what="审核电子技术监控记录")
    _check_case_open(evidence.case)
    reviewer = _user(actor)
    if reviewer is None:
        raise PermissionDeniedError("电子技术监控记录须由执法人员本人审核（规则 PEN-15）。", rule="PEN-15")
    errors: dict[str, str] = {}
    if not evidence.is_device_record:
        errors["evidence"] = f"证据：证据{evidence.number}不是电子技术监控设备的记录，无需审核（规则 PEN-15）"
    if not isinstance(conforms, bool):
        errors["conforms"] = "审核结论：应为符合要求或不符合要求（规则 PEN-15）"
    opinion = (opinion or "").strip()
    if not opinion:
        errors["opinion"] = "审核意见：必须写明记录是否真实、清晰、完整、准确（规则 PEN-15）"
    if errors:
        raise DomainError("审核有误：" + "；".join(errors.values()), rule="PEN-15", fields=errors)
    with transaction.atomic():
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        if EvidenceWithdrawal.objects.filter(evidence=evidence).exists():
            raise Conflict(f"证据{evidence.number}已撤回，不能审核。", code="already_withdrawn", rule="PEN-15")
        current = DeviceRecordReview.objects.filter(evidence=evidence).order_by("-id").first()
        review = DeviceRecordReview.objects.create(evidence=evidence, conforms=conforms, opinion=opinion,
                                                   supersedes=current, reviewer=reviewer)
        ledger_append(kind="device_record_reviewed", actor=actor, subject=evidence,
                      payload={"number": evidence.number, "conforms": conforms,
                               "supersedes": current.pk if current else None},
                      rows=[review])
    return review


# --- resumable upload ------------------------------------------------------------------------------------


def spool_dir() -> str:
    path = str(getattr(settings, "ZHIFA_UPLOAD_SPOOL_DIR", None) or os.path.join(settings.VAR_DIR, "uploads"))
    os.makedirs(path, exist_ok=True)
    return path


def _spool_path(session: UploadSession) -> str:
    return os.path.join(spool_dir(), f"{session.token}.part")


def upload_session_create(*, case: Case, actor, file_name: str, declared_type: str, total_size: int,
                          **data) -> UploadSession:
    """Start a chunked upload: everything that can be refused before the bytes arrive is refused now."""
    require_team(case, actor, what="上传证据")
    _check_case_open(case)
    clean_metadata(case=case, data=data)
    file_name = os.path.basename(str(file_name or "").replace("\\", "/")).strip()[:255]
    if not file_name:
        raise DomainError("文件名：必须提供。", fields={"file_name": "缺少文件名"})
    declared = media.check_declared(file_name=file_name, declared_type=declared_type, kind=data.get("kind", ""))
    try:
        total_size = int(total_size)
    except (TypeError, ValueError):
        raise DomainError("文件大小：应为整数（字节）。", fields={"total_size": "应为整数"}) from None
    if total_size <= 0:
        raise DomainError(f"文件“{file_name}”是空文件，已拒收。", code="file_empty", rule="REC-03",
                          fields={"total_size": "空文件"})
    if total_size > max_upload_bytes():
        raise DomainError(f"文件“{file_name}”超过上传上限 {_human(max_upload_bytes())}，已拒收。",
                          code="file_too_large", rule="REC-03", fields={"total_size": "文件过大"})
    with transaction.atomic():
        session = UploadSession.objects.create(
            token=secrets.token_urlsafe(24), case=case, metadata=_jsonable(data), file_name=file_name,
            declared_type=declared, total_size=total_size, created_by=_user(actor))
        open(_spool_path(session), "wb").close()
    return session


def _jsonable(data: dict) -> dict:
    out = {}
    for k, v in data.items():
        if hasattr(v, "pk"):
            v = v.pk
        elif isinstance(v, (dt.datetime, dt.date)):
            v = v.isoformat()
        out[k] = v
    return out


def upload_session_get(*, token: str, actor) -> UploadSession:
    session = UploadSession.objects.select_related("case").filter(token=token).first()
    if session is None or session.created_by_id != getattr(actor, "pk", None):
        raise NotFound("没有这个上传会话。", code="no_upload_session")
    return session


def upload_session_put(*, session: UploadSession, actor, offset: int, chunk: BinaryIO | bytes) -> UploadSession:
    """Append one chunk at `offset`, which must equal what the server already holds (ask the
    session for its offset to resume after an interruption). The chunk is streamed to disk."""
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDeniedError("只能续传自己发起的上传。", code="not_owner")
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status != UploadSession.Status.OPEN:
            raise Conflict("该上传会话已结束。", code="upload_closed")
        path = _spool_path(session)
        held = os.path.getsize(path) if os.path.exists(path) else 0
        if offset != held:
            raise Conflict(f"分片位置不符：服务器已接收 {held} 字节，请从该位置续传。", code="offset_mismatch",
                           fields={"offset": f"应为 {held}"})
        written = 0
        with open(path, "ab") as f:
            for piece in (iter(lambda: chunk.read(1 << 20), b"") if hasattr(chunk, "read") else [chunk]):
                written += len(piece)
                if held + written > session.total_size:
                    f.truncate(held)
                    raise DomainError(f"数据超过申报的文件大小 {session.total_size} 字节。", code="upload_overflow",
                                      fields={"chunk": "超出申报大小"})
                f.write(piece)
        session.received = held + written
        session.save(update_fields=["received", "updated_at"])
    return session


def upload_session_complete(*, session: UploadSession, actor) -> Evidence:
    """All bytes are here: stream the spool file into the store as one evidence item (the same
    checks as a direct upload), then drop the spool file."""
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDeniedError("只能完成自己发起的上传。", code="not_owner")
    if session.status != UploadSession.Status.OPEN:
        raise Conflict("该上传会话已结束。", code="upload_closed")
    path = _spool_path(session)
    held = os.path.getsize(path) if os.path.exists(path) else 0
    if held != session.total_size:
        raise Conflict(f"文件尚未传完：已接收 {held} / {session.total_size} 字节。", code="upload_incomplete",
                       fields={"offset": str(held)})
    meta = dict(session.metadata)
    try:
        with open(path, "rb") as f:
            ev = evidence_add(case=session.case, actor=actor, source=f, file_name=session.file_name,
                              declared_type=session.declared_type, **meta)
    except DomainError:
        _session_close(session, UploadSession.Status.ABANDONED)
        raise
    _session_close(session, UploadSession.Status.COMPLETED, evidence=ev)
    return ev


def _session_close(session: UploadSession, status: str, evidence: Evidence | None = None) -> None:
    UploadSession.objects.filter(pk=session.pk).update(status=status, evidence=evidence, updated_at=timezone.now())
    path = _spool_path(session)
    if os.path.exists(path):
        os.unlink(path)


def upload_session_abandon(*, session: UploadSession, actor) -> None:
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDeniedError("只能放弃自己发起的上传。", code="not_owner")
    _session_close(session, UploadSession.Status.ABANDONED)


def upload_sessions_purge(*, older_than: dt.timedelta | None = None) -> int:
    """Abandon open sessions idle for longer than ZHIFA_UPLOAD_SESSION_HOURS: their spool files go,
    and nothing of them was ever in the store."""
    hours = int(getattr(settings, "ZHIFA_UPLOAD_SESSION_HOURS", 48))
    cutoff = timezone.now() - (older_than if older_than is not None else dt.timedelta(hours=hours))
    stale = list(UploadSession.objects.filter(status=UploadSession.Status.OPEN, updated_at__lt=cutoff))
    for session in stale:
        _session_close(session, UploadSession.Status.ABANDONED)
    return len(stale)


# --- access requests (R7, REC-05) ---------------------------------------------------------------------------


def access_request(*, case: Case, actor, reason: str) -> AccessRequest:
    """调阅申请 with a reason, by someone outside the case team."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("调阅理由：必须填写（规则 REC-05）。", rule="REC-05", fields={"reason": "必须填写"})
    if not getattr(actor, "pk", None):
        raise PermissionDeniedError("请先登录。")
    with transaction.atomic():
        req = AccessRequest.objects.create(case=case, requester=actor, reason=reason)
        ledger_append(kind="access_requested", actor=actor, subject=case, payload={"request": req.pk},
                      rows=[req])
    return req


def access_decide(*, request: AccessRequest, actor, approved: bool, valid_until: dt.datetime | None = None,
                  note: str = "") -> AccessDecision:
    """批准（有效期内可调阅）或不批准, by the archivist or the head of the case's agency."""
    case = request.case
    if not may_decide_requests(case, actor):
        raise PermissionDeniedError("调阅申请由本机关档案管理员或负责人审批（规则 REC-05）。", rule="REC-05")
    if request.requester_id == actor.pk:
        raise PermissionDeniedError("不能审批本人的调阅申请（规则 REC-05）。", rule="REC-05")
    now = timezone.now()
    max_days = int(getattr(settings, "ZHIFA_ACCESS_GRANT_MAX_DAYS", 30))
    if approved:
        if valid_until is None:
            valid_until = now + dt.timedelta(days=7)
        if valid_until <= now:
            raise DomainError("有效期至：应晚于现在。", fields={"valid_until": "应晚于现在"})
        if valid_until > now + dt.timedelta(days=max_days):
            raise DomainError(f"有效期至：批准调阅的期限不得超过 {max_days} 日。", fields={"valid_until": "期限过长"})
    with transaction.atomic():
        if AccessDecision.objects.filter(request=request).exists():
            raise Conflict("该调阅申请已审批。", code="already_decided")
        decision = AccessDecision.objects.create(
            request=request, approved=approved, valid_from=now if approved else None,
            valid_until=valid_until if approved else None, note=(note or "").strip(), decided_by=actor)
        ledger_append(kind="access_decided", actor=actor, subject=case,
                      payload={"request": request.pk, "approved": approved,
                               "valid_until": valid_until.isoformat() if approved else None}, rows=[decision])
    return decision


# --- equipment (R4) and custody (R6) ----------------------------------------------------------------------


def body_camera_register(*, agency, number: str, actor, model_name: str = "", holder=None,
                         acquired_on: dt.date | None = None) -> BodyCamera:
    number = (number or "").strip()
    if not number:
        raise DomainError("设备编号：必须填写。", fields={"number": "必须填写"})
    if holder is not None and holder.agency_id != agency.pk:
        raise DomainError("领用人：应为本执法主体的执法人员。", fields={"holder": "不属于本执法主体"})
    with transaction.atomic():
        if BodyCamera.objects.filter(agency=agency, number=number).exists():
            raise Conflict(f"设备编号 {number} 已登记。", code="duplicate", fields={"number": "已登记"})
        cam = BodyCamera(agency=agency, number=number, model_name=model_name, holder=holder, acquired_on=acquired_on)
        cam._history_user = _user(actor)
        cam.save()
        ledger_append(kind="body_camera_registered", actor=actor, subject=cam, payload={"number": number},
                      rows=[cam.history.latest()])
    return cam


def monitoring_device_check(*, number: str, location: str, approval_ref: str, approved_on,
                            location_published_on, location_published_where: str) -> None:
    """What a monitoring device needs in the register (PEN-15); DomainError naming each missing field.
    The admin form runs it too, so a refusal shows next to the fields."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    number, location, approval_ref = (number or "").strip(), (location or "").strip(), (approval_ref or "").strip()
    if not number:
        errors["number"] = "设备编号：必须填写"
    if not location:
        errors["location"] = "设置地点：必须填写（规则 PEN-15）"
    if not approval_ref:
        errors["approval_ref"] = "法制和技术审核文号：电子技术监控设备应当经过法制和技术审核（规则 PEN-15）"
    for key, label, value in (("approved_on", "审核通过日期", approved_on),
                              ("location_published_on", "设置地点公布日期", location_published_on)):
        if not isinstance(value, dt.date):
            errors[key] = f"{label}：必须填写（规则 PEN-15）"
        elif value > today:
            errors[key] = f"{label}：不能晚于今天"
    if not (location_published_where or "").strip():
        errors["location_published_where"] = "公布途径：设置地点应当向社会公布，请写明公布途径（规则 PEN-15）"
    if errors:
        raise DomainError("电子技术监控设备登记有误：" + "；".join(errors.values()), rule="PEN-15", fields=errors)


def monitoring_device_register(*, agency, number: str, actor, location: str, approval_ref: str,
                               approved_on: dt.date | None, location_published_on: dt.date | None,
                               location_published_where: str, model_name: str = "",
                               acquired_on: dt.date | None = None) -> BodyCamera:
    """电子技术监控设备 in the equipment register (PEN-15, Art. 41): registered with its 法制和技术审核
    record and its published location, or refused naming each missing field; on the ledger."""
    number, location = (number or "").strip(), (location or "").strip()
    approval_ref, where = (approval_ref or "").strip(), (location_published_where or "").strip()
    monitoring_device_check(number=number, location=location, approval_ref=approval_ref, approved_on=approved_on,
                            location_published_on=location_published_on, location_published_where=where)
    with transaction.atomic():
        if BodyCamera.objects.filter(agency=agency, number=number).exists():
            raise Conflict(f"设备编号 {number} 已登记。", code="duplicate", fields={"number": "已登记"})
        device = BodyCamera(agency=agency, kind=BodyCamera.Kind.MONITORING, number=number, model_name=model_name,
                            acquired_on=acquired_on, location=location, approval_ref=approval_ref,
                            approved_on=approved_on, location_published_on=location_published_on,
                            location_published_where=where)
        device._history_user = _user(actor)
        device.save()
        ledger_append(kind="monitoring_device_registered", actor=actor, subject=device,
                      payload={"number": number, "location": location, "approval_ref": approval_ref,
                               "approved_on": approved_on.isoformat(),
                               "location_published_on": location_published_on.isoformat()},
                      rows=[device.history.latest()])
    return device


def body_camera_retire(*, camera: BodyCamera, actor) -> BodyCamera:
    with transaction.atomic():
        camera.in_service = False
        camera._history_user = _user(actor)
        camera.save()
        ledger_append(kind="body_camera_retired", actor=actor, subject=camera, payload={"number": camera.number},
                      rows=[camera.history.latest()])
    return camera


def recording_room_register(*, agency, name: str, kind: str, actor, has_av: bool = True) -> RecordingRoom:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "名称：必须填写"
    if kind not in RecordingRoom.Kind.values:
        errors["kind"] = "类别：应为询问室、听证室或其他办案场所"
    if errors:
        raise DomainError("输入有误：" + "；".join(errors.values()), fields=errors)
    with transaction.atomic():
        room = RecordingRoom(agency=agency, name=name, kind=kind, has_av=has_av)
        room._history_user = _user(actor)
        room.save()
        ledger_append(kind="recording_room_registered", actor=actor, subject=room, payload={"name": name},
                      rows=[room.history.latest()])
    return room


def custodian_set(*, agency, user, actor, location: str = "") -> ArchiveCustodian:
    """档案保管人 of an agency (R6)."""
    if user.agency_id != agency.pk:
        raise DomainError("保管人：应为本执法主体的工作人员。", fields={"user": "不属于本执法主体"})
    with transaction.atomic():
        row = ArchiveCustodian.objects.filter(agency=agency).first() or ArchiveCustodian(agency=agency)
        row.user, row.location = user, location
        row._history_user = _user(actor)
        row.save()
        ledger_append(kind="archive_custodian_set", actor=actor, subject=row,
                      payload={"agency": agency.pk, "user": user.pk}, rows=[row.history.latest()])
    return row

