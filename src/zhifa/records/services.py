"""Services of whole-process records (R1–R9, REC-01..REC-05): adding evidence (streamed, hashed,
type-checked, numbered, on the ledger), annotating and withdrawing it, reviewing records of
automated monitoring devices, telling the party of them and taking the party's query and statement
(PEN-15), resumable uploads, equipment, and access requests. Every refusal leaves nothing: no row, no ledger entry, no file."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from zhifa.cases.models import Case, CaseDeadline, CaseOfficer, Party, StatusEntry
from zhifa.catalog.services import setting_value
from zhifa.core.deadlines import PERIOD_RULES, compute_due
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
    ArchivePackage,
    BodyCamera,
    Confidentiality,
    DeviceNoticeQuery,
    DeviceRecordNotice,
    DeviceRecordReview,
    DeviceRecordStatement,
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
        if evidence.is_device_record:  # no longer evidence: nothing left to tell the party (PEN-15)
            _notice_deadline_close(evidence)
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
        # PEN-15 (Art. 41 para. 3): a conforming record must be told to the party promptly; a record
        # found non-conforming may not be evidence, so there is nothing to tell until it conforms again.
        deadline = None
        if not conforms:
            _notice_deadline_close(evidence)
        elif not evidence.notices.exists() and notice_deadline(evidence) is None:
            deadline = _notice_deadline_open(evidence, start=timezone.localdate(review.at))
        ledger_append(kind="device_record_reviewed", actor=actor, subject=evidence,
                      payload={"number": evidence.number, "conforms": conforms,
                               "supersedes": current.pk if current else None,
                               **({"notice_due": deadline.act_by.isoformat()} if deadline else {})},
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



# --- telling the party of a monitoring-device record; the party's query and statement (PEN-15) -----------
#
# 行政处罚法 Art. 41 para. 3: 及时告知当事人违法事实，并采取信息化手段或者其他措施，为当事人查询、陈述和
# 申辩提供便利. A conforming review opens a deadline (working days, catalog setting
# `device_notice_working_days`, computed by core.deadlines "PEN-15"); the notice closes it and gives
# the party a query code for the public page, where the party proves who they are with the 公民身份号码
# or 统一社会信用代码 the case holds for them (a Party has no plate number: the identifiers it has are
# the ones checked), sees the record and makes a statement.

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out or typed from an SMS
QUERY_CODE_LENGTH = 12  # 31**12 ≈ 2**59 codes, and each code locks after a few wrong identity numbers
STATEMENT_MAX_CHARS = 5000


def notice_deadline_key(evidence: Evidence) -> str:
    """The CaseDeadline key of one record's notice period: the PERIOD_RULES key and the item's number."""
    return f"PEN-15:e{evidence.number}"


def _notice_deadline_open(evidence: Evidence, *, start: dt.date):
    """PEN-15: the notice is due `device_notice_working_days` working days after the conforming
    review, from the calendar service; shown on the case page and alerted like every case deadline."""
    days = int(setting_value("device_notice_working_days", agency=evidence.case.agency))
    due = compute_due(rule_id="PEN-15", start=start, length=days)
    rule = PERIOD_RULES["PEN-15"]
    why = f"审核符合要求之日（{start:%Y年%m月%d日}）起 {days} 个工作日内告知当事人"
    return CaseDeadline.objects.create(
        case_id=evidence.case_id, key=notice_deadline_key(evidence), rule_id=due.rule_id,
        label=f"{rule.label}（证据{evidence.number}）", bearer=rule.bearer, start=start, due_on=due.enforced_date,
        act_by=due.act_by, provisional=due.provisional, basis=due.legal_basis,
        explanation="；".join(x for x in (why, due.reason) if x))


def notice_deadline(evidence: Evidence):
    """The open notice deadline of a record, if any."""
    return CaseDeadline.objects.filter(case_id=evidence.case_id, key=notice_deadline_key(evidence),
                                       closed_at__isnull=True).first()


def _notice_deadline_close(evidence: Evidence) -> None:
    CaseDeadline.objects.filter(case_id=evidence.case_id, key=notice_deadline_key(evidence),
                                closed_at__isnull=True).update(closed_at=timezone.now())


def _query_code() -> str:
    while True:
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
        if not DeviceRecordNotice.objects.filter(query_code=code).exists():
            return code


def _as_date(value, label: str, errors: dict, key: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[key] = f"{label}：必须填写，格式为 YYYY-MM-DD"
        return None


def _by_pk(model, value, **filters):
    if isinstance(value, model):
        return value if all(getattr(value, k) == v for k, v in filters.items()) else None
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return model.objects.filter(pk=int(text), **filters).first()


def notice_content(*, evidence: Evidence, party, code_display: str, note: str = "") -> str:
    """The text sent to the party (PEN-15): what was recorded, when and where, by which device at its
    published location, that a person reviewed it, and how to query and make a statement."""
    case, device = evidence.case, evidence.monitoring_device
    agency = case.agency
    when = timezone.localtime(evidence.started_at).strftime("%Y年%m月%d日 %H:%M") if evidence.started_at else "（时间见记录）"
    place = evidence.place or device.location
    ident = "统一社会信用代码" if party.credit_code and not party.id_number else "公民身份号码"
    url = f"{getattr(settings, 'ZHIFA_PUBLIC_URL', '').rstrip('/')}{reverse('records:device_notice_public')}"
    contact = "、".join(x for x in (agency.address, agency.phone and f"电话 {agency.phone}") if x)
    text = (f"{party.name}：{agency.name}告知，{when}，在{place}，电子技术监控设备（编号 {device.number}，设置地点："
            f"{device.location}）记录了“{evidence.title}”。该记录已经执法人员审核，符合要求，拟作为案件"
            f"“{case.number or case.title}”的证据。您可以访问 {url} ，输入查询码 {code_display} 和您的{ident}，"
            f"查询记录内容并在线陈述、申辩；也可以向本机关陈述、申辩{('（' + contact + '）') if contact else ''}。")
    return text + (f"\n{note}" if note else "")


def device_record_notify(*, evidence: Evidence, actor, party, method: str, notified_on, officer,
                         method_detail: str = "", note: str = ""):
    """告知 the party of a monitoring-device record (PEN-15, Art. 41 para. 3): after a conforming
    review, by an officer of the case team, to a party of the case who has an identity number the
    query page can check. Records the method, date, officer and the full content sent (with a new
    random query code), closes the notice deadline, on the ledger. Append-only: telling again (say
    after the code was locked) is a new notice with a new code. Refusals write nothing."""
    case = evidence.case
    require_team(case, actor, what="告知当事人")
    _check_case_open(case)
    errors: dict[str, str] = {}
    if not evidence.is_device_record:
        errors["evidence"] = f"证据：证据{evidence.number}不是电子技术监控设备的记录（规则 PEN-15）"
    party_row = _by_pk(Party, party, case_id=case.pk)
    if party_row is None:
        errors["party"] = "当事人：应为本案的当事人"
    elif not (party_row.id_number or party_row.credit_code):
        errors["party"] = (f"当事人：{party_row.name}未登记公民身份号码或统一社会信用代码，无法凭查询码查询；"
                           "请先补充当事人信息（规则 PEN-15）")
    if method not in DeviceRecordNotice.Method.values:
        errors["method"] = "告知方式：应为短信、邮寄、当面、电子送达或其他"
    method_detail = str(method_detail or "").strip()[:200]
    if method == DeviceRecordNotice.Method.OTHER and not method_detail:
        errors["method_detail"] = "送达地址或号码：告知方式为“其他”时须说明如何告知"
    on = _as_date(notified_on, "告知日期", errors, "notified_on")
    if on is not None and on > timezone.localdate():
        errors["notified_on"] = "告知日期：不能晚于今天"
    officer_row = _by_pk(Officer, officer)
    if officer_row is None or not CaseOfficer.objects.filter(case=case, officer=officer_row, recused=False).exists():
        errors["officer"] = "告知人：应为本案承办人员"
    note = str(note or "").strip()[:1000]
    if "\x00" in note or "\x00" in method_detail:
        errors["note"] = "补充说明：含有无法保存的字符"
    if errors:
        raise DomainError("告知登记有误：" + "；".join(errors.values()), rule="PEN-15", fields=errors)
    with transaction.atomic():
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        if EvidenceWithdrawal.objects.filter(evidence=evidence).exists():
            raise Conflict(f"证据{evidence.number}已撤回，不能告知。", code="already_withdrawn", rule="PEN-15")
        review = DeviceRecordReview.objects.filter(evidence=evidence).order_by("-id").first()
        if review is None or not review.conforms:
            raise Conflict(f"证据{evidence.number}{'尚未经审核' if review is None else '经审核不符合要求'}，不得作为行政处罚的"
                           "证据，无需告知（规则 PEN-15）。", code="not_reviewed", rule="PEN-15",
                           fields={"evidence": "须先经审核符合要求"})
        reviewed_on = timezone.localdate(review.at)
        if on < reviewed_on:
            raise DomainError(f"告知日期：不能早于审核符合要求的日期（{reviewed_on:%Y年%m月%d日}）（规则 PEN-15）。",
                              rule="PEN-15", fields={"notified_on": "早于审核日期"})
        deadline = notice_deadline(evidence)
        code = _query_code()
        notice = DeviceRecordNotice(evidence=evidence, party=party_row, method=method, method_detail=method_detail,
                                    notified_on=on, officer=officer_row, query_code=code, created_by=_user(actor))
        notice.content = notice_content(evidence=evidence, party=party_row, code_display=notice.query_code_display,
                                        note=note)
        notice.save()
        _notice_deadline_close(evidence)
        ledger_append(kind="device_record_notified", actor=actor, subject=evidence,
                      payload={"case": case.pk, "number": evidence.number, "party": party_row.pk, "method": method,
                               "notified_on": on.isoformat(), "officer": officer_row.pk,
                               **({"due": deadline.act_by.isoformat(), "late": on > deadline.act_by}
                                  if deadline else {})},
                      rows=[notice])
    return notice


# The public side: nothing here says whether a code exists unless the identity number matches it.

NOT_MATCHED = ("查询码或证件号码不正确：请核对告知内容中的查询码，以及当事人的公民身份号码或统一社会信用代码"
               "（规则 PEN-15）。")


def client_key(address: str) -> str:
    """A keyed hash of the client's address: enough to count its wrong tries, not to recover it."""
    return hmac.new(settings.SECRET_KEY.encode(), f"device-notice:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def _clean_query(code, id_number) -> tuple[str, str]:
    """Format only (says nothing of any notice): 12 letters and digits; an 18-character number."""
    errors: dict[str, str] = {}
    code = re.sub(r"[\s\-－—]", "", str(code or "")).upper()
    ident = re.sub(r"\s", "", str(id_number or "")).upper()
    if not code:
        errors["code"] = "查询码：必须填写（见告知短信或告知书）"
    elif len(code) != QUERY_CODE_LENGTH or any(c not in QUERY_CODE_ALPHABET for c in code):
        errors["code"] = f"查询码：应为 {QUERY_CODE_LENGTH} 位字母和数字（如 ABCD-EFGH-JKMN）"
    if not ident:
        errors["id_number"] = "证件号码：必须填写当事人的公民身份号码或统一社会信用代码"
    elif len(ident) != 18 or not ident.isascii() or not ident.isalnum():
        errors["id_number"] = "证件号码：公民身份号码或统一社会信用代码应为 18 位"
    if errors:
        raise DomainError("查询信息有误：" + "；".join(errors.values()), rule="PEN-15", fields=errors)
    return code, ident


def _identity_matches(party, ident: str) -> bool:
    known = [v.strip().upper() for v in (party.id_number, party.credit_code) if v and v.strip()]
    return any(hmac.compare_digest(k.encode(), ident.encode()) for k in known)


def _too_many_tries(client: str) -> bool:
    limit = int(getattr(settings, "ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR", 20))
    since = timezone.now() - dt.timedelta(hours=1)
    return DeviceNoticeQuery.objects.filter(client=client, succeeded=False, at__gte=since).count() >= limit


def notice_locked(notice) -> bool:
    """A query code locks after the agency's number of wrong identity numbers since its last good try."""
    tries = DeviceNoticeQuery.objects.filter(notice=notice)
    last_good = tries.filter(succeeded=True).order_by("-id").values_list("id", flat=True).first() or 0
    limit = int(setting_value("device_notice_wrong_tries", agency=notice.evidence.case.agency))
    return tries.filter(succeeded=False, id__gt=last_good).count() >= limit


def device_notice_find(*, code, id_number, client: str):
    """The public query (PEN-15): the notice whose query code and party identity number both match.
    A wrong pair is logged (it counts towards the code's lock and the client's hourly limit) and
    answered with one message whether or not the code exists; a locked code is named as locked only
    to someone giving its right identity number."""
    code, ident = _clean_query(code, id_number)
    if _too_many_tries(client):
        raise DomainError("查询尝试次数过多，请一小时后再试，或直接联系办案机关（规则 PEN-15）。", code="too_many_tries",
                          rule="PEN-15", status=429)
    notice = (DeviceRecordNotice.objects.select_related("evidence__case__agency", "party")
              .filter(query_code=code).first())
    if notice is None or not _identity_matches(notice.party, ident):
        with transaction.atomic():
            DeviceNoticeQuery.objects.create(notice=notice, succeeded=False, client=client)
        raise DomainError(NOT_MATCHED, code="not_matched", rule="PEN-15",
                          fields={"code": "查询码或证件号码不正确", "id_number": "查询码或证件号码不正确"})
    if notice_locked(notice):
        agency = notice.evidence.case.agency
        reach = "、".join(x for x in (agency.address, agency.phone and f"电话 {agency.phone}") if x)
        raise DomainError(f"该查询码因多次输入错误已锁定。请联系{agency.name}{('（' + reach + '）') if reach else ''}，"
                          "办案机关可以重新告知并发给新的查询码（规则 PEN-15）。", code="locked", rule="PEN-15",
                          status=403)
    with transaction.atomic():
        DeviceNoticeQuery.objects.create(notice=notice, succeeded=True, client=client)
    return notice


def device_statement_add(*, notice: DeviceRecordNotice, text, contact: str = "") -> DeviceRecordStatement:
    """陈述、申辩 about a monitoring-device record, from the public page or API (PEN-15). `notice` is
    what `device_notice_find` returned for the party's code and identity number in this request
    (that check is logged and locks; this one is not). Kept append-only, on the ledger. Bad input
    writes no statement and no ledger entry; the same statement sent twice is kept once."""
    errors: dict[str, str] = {}
    text = str(text or "").strip()
    contact = str(contact or "").strip()
    if not text:
        errors["text"] = "陈述、申辩内容：必须填写"
    elif len(text) > STATEMENT_MAX_CHARS:
        errors["text"] = f"陈述、申辩内容：不能超过 {STATEMENT_MAX_CHARS} 字（现为 {len(text)} 字）"
    elif "\x00" in text:
        errors["text"] = "陈述、申辩内容：含有无法保存的字符"
    if len(contact) > 100:
        errors["contact"] = "联系方式：不能超过 100 字"
    elif "\x00" in contact:
        errors["contact"] = "联系方式：含有无法保存的字符"
    if errors:
        raise DomainError("陈述、申辩有误：" + "；".join(errors.values()), rule="PEN-15", fields=errors)
    evidence = notice.evidence
    if ArchivePackage.objects.filter(case_id=evidence.case_id).exists():
        agency = evidence.case.agency
        raise Conflict(f"案件已办结归档，不能在线提交陈述、申辩；请直接联系{agency.name}"
                       f"{('（电话 ' + agency.phone + '）') if agency.phone else ''}（规则 PEN-15）。",
                       code="case_archived", rule="PEN-15")
    with transaction.atomic():
        # The same text again on this notice (the page refreshed after sending, a double tap) is the
        # statement already received, not a second one.
        last = notice.statements.order_by("-pk").first()
        if last is not None and (last.text, last.contact) == (text, contact):
            return last
        statement = DeviceRecordStatement.objects.create(notice=notice, text=text, contact=contact)
        ledger_append(kind="device_record_statement_received", actor=None, subject=evidence,
                      payload={"case": evidence.case_id, "number": evidence.number, "notice": notice.pk,
                               "by": "party"},
                      rows=[statement])
    return statement
