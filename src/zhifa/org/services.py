"""Every change to the registers of bodies, officers and certificates (REQUIREMENTS P1, P2, A1, A2).

Each service validates its input (Chinese messages naming the field and the rule), saves inside one
transaction, and appends one ledger entry covering the django-simple-history snapshot(s) it wrote,
so `zhifa ledger verify` can re-derive them. A refused call writes nothing.

The officer's resident ID number never goes into a ledger payload: the entry only covers the
historical row by hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from zhifa.core.errors import DomainError
from zhifa.core.identifiers import parse_credit_code, parse_resident_id
from zhifa.ledger.services import ledger_append

from .models import (
    Agency,
    ApiToken,
    Certificate,
    Department,
    EnforcementCategory,
    Officer,
    Post,
    Region,
    TrainingRecord,
)

# --- helpers ----------------------------------------------------------------------------------


def _field_label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _full_clean(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Django's field checks (required, length, choices) as a DomainError naming each field."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = {}
        for name, errors in exc.message_dict.items():
            label = _field_label(type(obj), name)
            fields[name] = f"{label}：{'；'.join(errors)}"
        raise DomainError("输入有误：" + "；".join(fields.values()), code="invalid", fields=fields) from None


def _stamp(obj: models.Model, actor, reason: str) -> None:
    """Who and why, on the simple-history snapshot the save writes."""
    obj._history_user = actor if getattr(actor, "pk", None) else None
    obj._change_reason = reason[:100]


def snapshot_rows(obj: models.Model) -> list[models.Model]:
    """The latest historical row of `obj` and, for models with m2m history, its m2m rows."""
    latest = obj.history.latest()
    rows: list[models.Model] = [latest]
    for field in getattr(latest, "_history_m2m_fields", []):
        rows.extend(getattr(latest, field.name).all().order_by("pk"))
    return rows


def _apply_changes(obj: models.Model, changes: dict[str, Any], allowed: set[str]) -> list[str]:
    unknown = set(changes) - allowed
    if unknown:
        names = "、".join(sorted(unknown))
        raise DomainError(f"以下字段不能通过此操作修改：{names}。", code="field_not_editable",
                          fields={n: "此字段不能修改。" for n in unknown})
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _register_update(obj, *, changes: dict[str, Any], allowed: set[str], validate, actor, kind: str, label: str,
                     payload):
    """The shape every register update shares: lock the row, apply the allowed changes, validate,
    save with a history stamp, and append one ledger entry naming what changed (none if nothing did)."""
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        changed = _apply_changes(obj, changes, allowed)
        if not changed:
            return obj
        validate(obj)
        _stamp(obj, actor, label)
        obj.save()
        ledger_append(kind=kind, actor=actor, subject=obj, payload={**payload(obj), "changed": sorted(changed)},
                      rows=snapshot_rows(obj))
    return obj


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写理由。", code="reason_required", fields={field: "理由不能为空。"})
    return reason


# --- regions ----------------------------------------------------------------------------------

REGION_FIELDS = {"name", "level", "parent"}


def validate_region(region: Region) -> None:
    if not (region.code.isdigit() and len(region.code) in (6, 9, 12)):
        raise DomainError("区划代码应为 GB/T 2260 的六位数字代码（乡镇为九位）。", code="region_code",
                          fields={"code": "区划代码格式不正确（GB/T 2260）。"})
    if Region.objects.filter(code=region.code).exclude(pk=region.pk).exists():
        raise DomainError(f"区划代码 {region.code} 已存在。", code="region_duplicate",
                          fields={"code": "区划代码已存在。"})
    parent = region.parent
    while parent is not None:
        if parent.pk == region.pk and region.pk is not None:
            raise DomainError("上级区划不能是本区划或其下级。", code="region_cycle",
                              fields={"parent": "上级区划形成循环。"})
        parent = parent.parent
    _full_clean(region, exclude=["parent"])


def region_create(*, code: str, name: str, level: str, parent: Region | None = None, actor) -> Region:
    region = Region(code=(code or "").strip(), name=(name or "").strip(), level=level, parent=parent)
    validate_region(region)
    with transaction.atomic():
        _stamp(region, actor, "登记区划")
        region.save()
        ledger_append(kind="region_registered", actor=actor, subject=region,
                      payload={"code": region.code, "name": region.name, "level": region.level},
                      rows=snapshot_rows(region))
    return region


def region_update(*, region: Region, changes: dict[str, Any], actor) -> Region:
    return _register_update(region, changes=changes, allowed=REGION_FIELDS, validate=validate_region, actor=actor,
                            kind="region_updated", label="修改区划", payload=lambda r: {"code": r.code})


# --- enforcement categories -------------------------------------------------------------------


def category_create(*, code: str, name: str, actor) -> EnforcementCategory:
    category = EnforcementCategory(code=(code or "").strip(), name=(name or "").strip())
    _full_clean(category)
    if EnforcementCategory.objects.filter(code=category.code).exists():
        raise DomainError(f"执法类别代码 {category.code} 已存在。", code="category_duplicate",
                          fields={"code": "执法类别代码已存在。"})
    with transaction.atomic():
        category.save()
        # Categories keep no history table; the row itself is small and rarely changes.
        ledger_append(kind="category_registered", actor=actor, subject=category,
                      payload={"code": category.code, "name": category.name}, rows=[category])
    return category


# --- agencies (执法主体) -----------------------------------------------------------------------

AGENCY_FIELDS = {
    "name", "short_name", "credit_code", "kind", "region", "is_justice_bureau", "supervising_bureau", "parent",
    "entrusting_agency", "entrustment_scope", "entrustment_document", "entrustment_start", "entrustment_end",
    "entrustment_published_on", "duties", "address", "phone", "website", "supervision_channel", "remedies",
}


def validate_agency(agency: Agency) -> None:
    """Credit code (ID-03/ID-04), uniqueness, and the entrustment particulars (PEN-04)."""
    agency.credit_code = parse_credit_code(agency.credit_code, field="credit_code").code
    if Agency.objects.filter(credit_code=agency.credit_code).exclude(pk=agency.pk).exists():
        raise DomainError(f"统一社会信用代码 {agency.credit_code} 已登记为其他执法主体。", code="agency_duplicate",
                          fields={"credit_code": "该统一社会信用代码已登记。"})
    if not (agency.name or "").strip():
        raise DomainError("请填写执法主体名称。", code="required", fields={"name": "名称不能为空。"})
    if agency.supervising_bureau_id and not agency.supervising_bureau.is_justice_bureau:
        raise DomainError("监督机关必须是司法行政部门（司法局）。", code="not_justice_bureau",
                          fields={"supervising_bureau": "所选机关不是司法行政部门。"})
    for name in ("parent", "supervising_bureau", "entrusting_agency"):
        other = getattr(agency, f"{name}_id")
        if agency.pk and other == agency.pk:
            raise DomainError(f"{_field_label(Agency, name)}不能是本主体。", code="self_reference",
                              fields={name: "不能选择本主体。"})
    if agency.kind == Agency.Kind.ENTRUSTED_ORG:
        # PEN-04 (行政处罚法第二十条、第二十一条): written entrustment naming matters, powers and term.
        missing = {}
        if not agency.entrusting_agency_id:
            missing["entrusting_agency"] = "受委托组织必须写明委托机关（PEN-04）。"
        if not (agency.entrustment_scope or "").strip():
            missing["entrustment_scope"] = "受委托组织必须写明委托事项与权限（PEN-04）。"
        if not (agency.entrustment_document or "").strip():
            missing["entrustment_document"] = "受委托组织必须登记委托书文号（PEN-04）。"
        if not agency.entrustment_start:
            missing["entrustment_start"] = "受委托组织必须写明委托期限起始日（PEN-04）。"
        if not agency.entrustment_end:
            missing["entrustment_end"] = "受委托组织必须写明委托期限终止日（PEN-04）。"
        if missing:
            raise DomainError("受委托组织须写明委托机关、委托事项与权限、委托期限和委托书（规则 PEN-04）："
                              + "；".join(missing.values()), code="entrustment_incomplete", rule="PEN-04",
                              fields=missing)
        if agency.entrustment_end <= agency.entrustment_start:
            raise DomainError("委托期限止必须晚于委托期限起（规则 PEN-04）。", code="entrustment_term",
                              rule="PEN-04", fields={"entrustment_end": "委托期限止必须晚于起始日（PEN-04）。"})
        if agency.entrusting_agency.kind == Agency.Kind.ENTRUSTED_ORG:
            raise DomainError("受委托组织不得再委托其他组织（规则 PEN-04）。", code="subdelegation", rule="PEN-04",
                              fields={"entrusting_agency": "委托机关本身是受委托组织，不得转委托（PEN-04）。"})
    _full_clean(agency, exclude=["region", "supervising_bureau", "parent", "entrusting_agency"])


def _agency_payload(agency: Agency) -> dict:
    return {"name": agency.name, "credit_code": agency.credit_code, "kind": agency.kind,
            "region": agency.region.code, "entrusting_agency": agency.entrusting_agency_id}


def agency_register(*, name: str, credit_code: str, region: Region, actor,
                    kind: str = Agency.Kind.ADMINISTRATIVE_ORGAN, **fields: Any) -> Agency:
    unknown = set(fields) - AGENCY_FIELDS
    if unknown:
        raise DomainError(f"未知字段：{'、'.join(sorted(unknown))}。", code="unknown_field")
    agency = Agency(name=(name or "").strip(), credit_code=credit_code or "", region=region, kind=kind, **fields)
    validate_agency(agency)
    try:
        with transaction.atomic():
            _stamp(agency, actor, "登记执法主体")
            agency.save()
            ledger_append(kind="agency_registered", actor=actor, subject=agency, payload=_agency_payload(agency),
                          rows=snapshot_rows(agency))
    except IntegrityError:
        raise DomainError("统一社会信用代码已登记。", code="agency_duplicate",
                          fields={"credit_code": "该统一社会信用代码已登记。"}) from None
    return agency


def agency_update(*, agency: Agency, changes: dict[str, Any], actor) -> Agency:
    return _register_update(agency, changes=changes, allowed=AGENCY_FIELDS, validate=validate_agency, actor=actor,
                            kind="agency_updated", label="修改执法主体信息", payload=_agency_payload)


def agency_deactivate(*, agency: Agency, reason: str, actor) -> Agency:
    reason = _require_reason(reason)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        if not agency.active:
            raise DomainError("该执法主体已撤销。", code="already_inactive", status=409)
        agency.active = False
        _stamp(agency, actor, reason)
        agency.save()
        ledger_append(kind="agency_deactivated", actor=actor, subject=agency,
                      payload={"name": agency.name, "reason": reason}, rows=snapshot_rows(agency))
    return agency


# --- departments and posts (内设机构、岗位, A1) -----------------------------------------------


def validate_department(dept: Department) -> None:
    dept.name = (dept.name or "").strip()
    _full_clean(dept, exclude=["agency"])
    if Department.objects.filter(agency_id=dept.agency_id, name=dept.name).exclude(pk=dept.pk).exists():
        raise DomainError(f"本主体已有名为“{dept.name}”的内设机构。", code="department_duplicate",
                          fields={"name": "内设机构名称重复。"})


def department_create(*, agency: Agency, name: str, is_legal_review_body: bool = False, actor) -> Department:
    dept = Department(agency=agency, name=name, is_legal_review_body=is_legal_review_body)
    validate_department(dept)
    with transaction.atomic():
        _stamp(dept, actor, "设立内设机构")
        dept.save()
        ledger_append(kind="department_registered", actor=actor, subject=dept,
                      payload={"agency": agency.pk, "name": dept.name,
                               "is_legal_review_body": dept.is_legal_review_body},
                      rows=snapshot_rows(dept))
    return dept


def department_update(*, department: Department, changes: dict[str, Any], actor) -> Department:
    return _register_update(department, changes=changes, allowed={"name", "is_legal_review_body", "active"},
                            validate=validate_department, actor=actor,
                            kind="department_updated", label="修改内设机构", payload=lambda d: {"name": d.name})


def validate_post(post: Post) -> None:
    post.name = (post.name or "").strip()
    _full_clean(post, exclude=["agency", "department"])
    if post.department_id and post.department.agency_id != post.agency_id:
        raise DomainError("岗位所属内设机构必须属于同一执法主体。", code="department_mismatch",
                          fields={"department": "内设机构不属于该执法主体。"})


def post_create(*, agency: Agency, name: str, department: Department | None = None, duties: str = "",
                actor) -> Post:
    post = Post(agency=agency, department=department, name=name, duties=duties)
    validate_post(post)
    with transaction.atomic():
        _stamp(post, actor, "设立岗位")
        post.save()
        ledger_append(kind="post_registered", actor=actor, subject=post,
                      payload={"agency": agency.pk, "name": post.name}, rows=snapshot_rows(post))
    return post


def post_update(*, post: Post, changes: dict[str, Any], actor) -> Post:
    return _register_update(post, changes=changes, allowed={"name", "department", "duties"},
                            validate=validate_post, actor=actor,
                            kind="post_updated", label="修改岗位", payload=lambda p: {"name": p.name})


# --- officers (执法人员) ----------------------------------------------------------------------

OFFICER_FIELDS = {"name", "id_number", "agency", "department", "post", "phone", "legal_qualification_number",
                  "first_review_date", "photo"}


def validate_officer(officer: Officer) -> None:
    """Resident ID (ID-01/ID-02), uniqueness, and that department and post belong to the agency."""
    officer.name = (officer.name or "").strip()
    officer.id_number = parse_resident_id(officer.id_number or "", field="id_number").number
    if Officer.objects.filter(id_number=officer.id_number).exclude(pk=officer.pk).exists():
        raise DomainError("该公民身份号码已登记为其他执法人员。", code="officer_duplicate",
                          fields={"id_number": "公民身份号码已登记。"})
    if officer.department_id and officer.department.agency_id != officer.agency_id:
        raise DomainError("内设机构必须属于该执法人员所在的执法主体。", code="department_mismatch",
                          fields={"department": "内设机构不属于所选执法主体。"})
    if officer.post_id and officer.post.agency_id != officer.agency_id:
        raise DomainError("岗位必须属于该执法人员所在的执法主体。", code="post_mismatch",
                          fields={"post": "岗位不属于所选执法主体。"})
    _full_clean(officer, exclude=["agency", "department", "post", "photo"])


def _officer_payload(officer: Officer) -> dict:
    # Deliberately no id_number: the ledger is not a place to spread personal identifiers.
    return {"name": officer.name, "agency": officer.agency_id, "department": officer.department_id,
            "post": officer.post_id, "active": officer.active}


def officer_register(*, name: str, id_number: str, agency: Agency, actor, department: Department | None = None,
                     post: Post | None = None, **fields: Any) -> Officer:
    unknown = set(fields) - OFFICER_FIELDS
    if unknown:
        raise DomainError(f"未知字段：{'、'.join(sorted(unknown))}。", code="unknown_field")
    if not fields.get("photo"):
        fields.pop("photo", None)  # an empty upload field, not a value
    officer = Officer(name=name, id_number=id_number, agency=agency, department=department, post=post, **fields)
    validate_officer(officer)
    try:
        with transaction.atomic():
            _stamp(officer, actor, "登记执法人员")
            officer.save()
            ledger_append(kind="officer_registered", actor=actor, subject=officer,
                          payload=_officer_payload(officer), rows=snapshot_rows(officer))
    except IntegrityError:
        raise DomainError("该公民身份号码已登记为其他执法人员。", code="officer_duplicate",
                          fields={"id_number": "公民身份号码已登记。"}) from None
    return officer


def officer_update(*, officer: Officer, changes: dict[str, Any], actor) -> Officer:
    return _register_update(officer, changes=changes, allowed=OFFICER_FIELDS, validate=validate_officer, actor=actor,
                            kind="officer_updated", label="修改执法人员信息", payload=_officer_payload)


def officer_deactivate(*, officer: Officer, reason: str, actor) -> Officer:
    """Off duty (调离、退休…). Certificates stay on record; `officer_may_act` refuses inactive officers."""
    reason = _require_reason(reason)
    with transaction.atomic():
        officer = Officer.objects.select_for_update().get(pk=officer.pk)
        if not officer.active:
            raise DomainError("该执法人员已不在岗。", code="already_inactive", status=409)
        officer.active = False
        _stamp(officer, actor, reason)
        officer.save()
        ledger_append(kind="officer_deactivated", actor=actor, subject=officer,
                      payload={**_officer_payload(officer), "reason": reason}, rows=snapshot_rows(officer))
    return officer


# --- certificates (执法证、监督证, A2) --------------------------------------------------------


def validate_certificate_fields(*, number: str, issued_on: dt.date | None, expires_on: dt.date | None,
                                exclude_pk: int | None = None) -> str:
    """The checks forms, admin and API share: a unique number and expiry after issue. Returns the
    normalised number."""
    number = (number or "").strip().upper()
    if not number:
        raise DomainError("请填写证件编号。", code="required", fields={"number": "证件编号不能为空。"})
    if len(number) > 32:
        raise DomainError("证件编号不能超过32个字符。", code="too_long", fields={"number": "证件编号过长。"})
    if Certificate.objects.filter(number=number).exclude(pk=exclude_pk).exists():
        raise DomainError(f"证件编号 {number} 已被其他证件使用，证件编号不得重复。", code="certificate_duplicate",
                          fields={"number": f"证件编号 {number} 已存在。"})
    if issued_on is None:
        raise DomainError("请填写发证日期。", code="required", fields={"issued_on": "发证日期不能为空。"})
    if expires_on is None:
        raise DomainError("请填写有效期至。", code="required", fields={"expires_on": "有效期至不能为空。"})
    if expires_on <= issued_on:
        raise DomainError(f"有效期至（{expires_on:%Y-%m-%d}）必须晚于发证日期（{issued_on:%Y-%m-%d}）。",
                          code="expiry_not_after_issue", fields={"expires_on": "有效期至必须晚于发证日期。"})
    return number


def _certificate_payload(cert: Certificate) -> dict:
    return {
        "number": cert.number, "kind": cert.kind, "holder": cert.holder_id, "holder_name": cert.holder.name,
        "issued_on": cert.issued_on, "expires_on": cert.expires_on, "status": cert.status,
        "categories": sorted(cert.categories.values_list("code", flat=True)),
        "regions": sorted(cert.regions.values_list("code", flat=True)),
    }


def _save_with_m2m(cert: Certificate, *, categories, regions, actor, reason: str) -> None:
    """Save the row and its m2m sets, writing one history snapshot that includes the m2m."""
    cert.skip_history_when_saving = True
    try:
        cert.save()
        if categories is not None:
            cert.categories.set(categories)
        if regions is not None:
            cert.regions.set(regions)
    finally:
        del cert.skip_history_when_saving
    _stamp(cert, actor, reason)
    cert.save()  # the one snapshot, with the m2m rows


def validate_certificate_scope(kind: str, categories, regions) -> None:
    if not regions:
        raise DomainError("请至少选择一个执法区域。", code="required", fields={"regions": "执法区域不能为空。"})
    if kind == Certificate.Kind.ENFORCEMENT and not categories:
        raise DomainError("行政执法证须至少载明一个执法类别。", code="required",
                          fields={"categories": "执法类别不能为空。"})


def certificate_issue(*, holder: Officer, number: str, issued_on: dt.date, expires_on: dt.date,
                      categories: Iterable[EnforcementCategory], regions: Iterable[Region], actor,
                      kind: str = Certificate.Kind.ENFORCEMENT, issuer: str = "") -> Certificate:
    categories, regions = list(categories), list(regions)
    number = validate_certificate_fields(number=number, issued_on=issued_on, expires_on=expires_on)
    validate_certificate_scope(kind, categories, regions)
    if not holder.active:
        raise DomainError("不能向不在岗的人员发证。", code="holder_inactive", fields={"holder": "持证人不在岗。"})
    issuer = (issuer or "").strip() or f"{holder.agency.region.name}人民政府"
    cert = Certificate(kind=kind, number=number, holder=holder, issuer=issuer, issued_on=issued_on,
                       expires_on=expires_on)
    _full_clean(cert, exclude=["holder", "categories", "regions"])
    try:
        with transaction.atomic():
            _save_with_m2m(cert, categories=categories, regions=regions, actor=actor, reason="发证")
            ledger_append(kind="certificate_issued", actor=actor, subject=cert,
                          payload=_certificate_payload(cert), rows=snapshot_rows(cert))
    except IntegrityError:
        raise DomainError(f"证件编号 {number} 已被其他证件使用，证件编号不得重复。", code="certificate_duplicate",
                          fields={"number": f"证件编号 {number} 已存在。"}) from None
    return cert


def certificate_update(*, certificate: Certificate, changes: dict[str, Any], actor) -> Certificate:
    """Correct particulars (number, issuer, categories, regions, issue date). The expiry date
    changes only by renewal, the status only by suspend/reinstate/revoke/expire."""
    allowed = {"number", "issuer", "issued_on", "categories", "regions"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"以下字段不能通过修改操作变更：{'、'.join(sorted(unknown))}（有效期请用续期，状态请用暂扣、"
                          "恢复或注销）。", code="field_not_editable", fields={n: "此字段不能直接修改。" for n in unknown})
    changes = dict(changes)
    try:
        with transaction.atomic():
            cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
            categories = list(changes.pop("categories")) if "categories" in changes else None
            regions = list(changes.pop("regions")) if "regions" in changes else None
            changed = _apply_changes(cert, changes, allowed)
            cert.number = validate_certificate_fields(number=cert.number, issued_on=cert.issued_on,
                                                      expires_on=cert.expires_on, exclude_pk=cert.pk)
            if categories is not None and set(categories) != set(cert.categories.all()):
                changed.append("categories")
            if regions is not None and set(regions) != set(cert.regions.all()):
                changed.append("regions")
            if not changed:
                return cert
            validate_certificate_scope(
                cert.kind,
                categories if categories is not None else list(cert.categories.all()),
                regions if regions is not None else list(cert.regions.all()),
            )
            _full_clean(cert, exclude=["holder", "categories", "regions"])
            _save_with_m2m(cert, categories=categories, regions=regions, actor=actor, reason="更正证件信息")
            ledger_append(kind="certificate_updated", actor=actor, subject=cert,
                          payload={**_certificate_payload(cert), "changed": sorted(changed)},
                          rows=snapshot_rows(cert))
    except IntegrityError:
        raise DomainError("证件编号已被其他证件使用，证件编号不得重复。", code="certificate_duplicate",
                          fields={"number": "证件编号已存在。"}) from None
    return cert


def _change_status(*, certificate: Certificate, to: str, allowed_from: set[str], reason: str, kind: str,
                   actor, verb: str) -> Certificate:
    reason = _require_reason(reason)
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.status not in allowed_from:
            raise DomainError(f"证件 {cert.number} 当前状态为“{cert.get_status_display()}”，不能{verb}。",
                              code="certificate_status", status=409, fields={"status": "当前状态不允许此操作。"})
        cert.status = to
        cert.status_reason = reason[:200]
        _stamp(cert, actor, f"{verb}：{reason}")
        cert.save()
        ledger_append(kind=kind, actor=actor, subject=cert,
                      payload={"number": cert.number, "holder": cert.holder_id, "status": cert.status,
                               "reason": cert.status_reason},
                      rows=snapshot_rows(cert))
    return cert


S = Certificate.Status


def certificate_suspend(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """暂扣: the holder may not act until reinstated (A2 dynamic supervision)."""
    return _change_status(certificate=certificate, to=S.SUSPENDED, allowed_from={S.VALID}, reason=reason,
                          kind="certificate_suspended", actor=actor, verb="暂扣")


def certificate_reinstate(*, certificate: Certificate, reason: str, actor) -> Certificate:
    return _change_status(certificate=certificate, to=S.VALID, allowed_from={S.SUSPENDED}, reason=reason,
                          kind="certificate_reinstated", actor=actor, verb="恢复")


def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """注销: final."""
    return _change_status(certificate=certificate, to=S.REVOKED, allowed_from={S.VALID, S.SUSPENDED, S.EXPIRED},
                          reason=reason, kind="certificate_revoked", actor=actor, verb="注销")


def certificate_renew(*, certificate: Certificate, expires_on: dt.date, reason: str, actor) -> Certificate:
    """续期: a new expiry date with a reason; an expired certificate becomes valid again."""
    reason = _require_reason(reason)
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.status in (S.REVOKED, S.SUSPENDED):
            raise DomainError(f"证件 {cert.number} 当前状态为“{cert.get_status_display()}”，不能续期。",
                              code="certificate_status", status=409, fields={"status": "当前状态不允许续期。"})
        if expires_on is None or expires_on <= cert.expires_on:
            raise DomainError("续期后的有效期至必须晚于原有效期。", code="renewal_not_later",
                              fields={"expires_on": f"须晚于原有效期 {cert.expires_on:%Y-%m-%d}。"})
        previous = cert.expires_on
        cert.expires_on = expires_on
        if cert.status == S.EXPIRED and expires_on >= timezone.localdate():
            cert.status = S.VALID
        cert.status_reason = reason[:200]
        _stamp(cert, actor, f"续期：{reason}")
        cert.save()
        ledger_append(kind="certificate_renewed", actor=actor, subject=cert,
                      payload={"number": cert.number, "previous_expires_on": previous,
                               "expires_on": cert.expires_on, "reason": reason},
                      rows=snapshot_rows(cert))
    return cert


def certificates_expire_due(*, today: dt.date, actor=None) -> list[str]:
    """Mark valid or suspended certificates whose expiry date has passed as 过期; one ledger entry each.
    Returns the numbers marked."""
    marked = []
    with transaction.atomic():
        due = Certificate.objects.select_for_update().filter(
            status__in=[S.VALID, S.SUSPENDED], expires_on__lt=today).select_related("holder")
        for cert in due:
            previous = cert.status
            cert.status = S.EXPIRED
            cert.status_reason = f"有效期至 {cert.expires_on:%Y-%m-%d} 已届满"
            _stamp(cert, actor, "有效期届满")
            cert.save()
            ledger_append(kind="certificate_expired", actor=actor, subject=cert,
                          payload={"number": cert.number, "holder": cert.holder_id, "previous_status": previous,
                                   "expires_on": cert.expires_on},
                          rows=snapshot_rows(cert))
            marked.append(cert.number)
    return marked


# --- training and exams (A2) ------------------------------------------------------------------


def validate_training(*, exam_score, held_on) -> None:
    if exam_score is not None and not (0 <= Decimal(str(exam_score)) <= 100):
        raise DomainError("考试成绩应在0到100之间。", code="invalid", fields={"exam_score": "成绩应在0到100之间。"})
    if held_on and held_on > timezone.localdate():
        raise DomainError("培训或考试日期不能晚于今天。", code="invalid", fields={"held_on": "日期不能晚于今天。"})


def training_record_add(*, officer: Officer, title: str, held_on: dt.date, hours: Decimal | float | str,
                        actor, exam_score: Decimal | float | str | None = None,
                        passed: bool | None = None) -> TrainingRecord:
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise DomainError("学时应为数字。", code="invalid", fields={"hours": "学时应为数字。"}) from None
    if hours < 0:
        raise DomainError("学时不能为负数。", code="invalid", fields={"hours": "学时不能为负数。"})
    if exam_score not in (None, ""):
        try:
            exam_score = Decimal(str(exam_score))
        except InvalidOperation:
            raise DomainError("考试成绩应为数字。", code="invalid", fields={"exam_score": "考试成绩应为数字。"}) from None
    else:
        exam_score = None
    validate_training(exam_score=exam_score, held_on=held_on)
    record = TrainingRecord(officer=officer, title=(title or "").strip(), held_on=held_on, hours=hours,
                            exam_score=exam_score, passed=passed)
    _full_clean(record, exclude=["officer"])
    with transaction.atomic():
        _stamp(record, actor, "登记培训考试")
        record.save()
        ledger_append(kind="training_recorded", actor=actor, subject=record,
                      payload={"officer": officer.pk, "title": record.title, "held_on": record.held_on,
                               "hours": record.hours, "exam_score": record.exam_score, "passed": record.passed},
                      rows=snapshot_rows(record))
    return record


# --- API tokens -------------------------------------------------------------------------------

KNOWN_SCOPES = {"org:read", "org:write"}
TOKEN_PREFIX = "zf_"


def token_digest(plaintext: str) -> str:
    """Tokens are random, so a plain SHA-256 is enough (no slow hash needed)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_token_create(*, name: str, agency: Agency | None, scopes: Iterable[str], actor,
                     expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A machine client's token. Returns the row and the plaintext, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写令牌名称。", code="required", fields={"name": "名称不能为空。"})
    scopes = sorted({s.strip() for s in scopes if s and s.strip()})
    if not scopes:
        raise DomainError("请至少指定一个权限范围。", code="required", fields={"scopes": "权限范围不能为空。"})
    unknown = [s for s in scopes if s not in KNOWN_SCOPES and not _looks_like_scope(s)]
    if unknown:
        raise DomainError(f"权限范围格式不正确：{'、'.join(unknown)}（应形如 org:read）。", code="invalid_scope",
                          fields={"scopes": "权限范围格式不正确。"})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, agency=agency, scopes=scopes, token_hash=token_digest(plaintext),
                     prefix=plaintext[:10], created_by=actor if getattr(actor, "pk", None) else None,
                     expires_at=expires_at)
    with transaction.atomic():
        token.save()
        ledger_append(kind="api_token_created", actor=actor, subject=token,
                      payload={"name": name, "agency": agency.pk if agency else None, "scopes": scopes,
                               "prefix": token.prefix})  # no row cover: last_used_at changes on use
    return token, plaintext


def _looks_like_scope(scope: str) -> bool:
    app, _, action = scope.partition(":")
    return app.isidentifier() and action in {"read", "write"}


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at:
            raise DomainError("该令牌已吊销。", code="already_revoked", status=409)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        ledger_append(kind="api_token_revoked", actor=actor, subject=token,
                      payload={"name": token.name, "prefix": token.prefix})
    return token

