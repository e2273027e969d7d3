"""Registers over HTTP: admin CRUD under /api/v1/org/ (token or staff session; no hard delete —
deactivate instead) and the public, unauthenticated register under /api/v1/public/ (P2)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from ninja import Router, Schema, Status

from zhifa.core.errors import DomainError, NotFound, PermissionDeniedError

from . import selectors, services
from .auth import api_auth, request_actor, visible_agency_ids
from .models import Agency, Certificate, Department, EnforcementCategory, Officer, Post, Region

router = Router(tags=["执法主体与人员（管理）"])
public_router = Router(tags=["公开查询"])

READ = api_auth("org:read")
WRITE = api_auth("org:write")


# --- request context --------------------------------------------------------------------------


def _check_agency(request, agency_id: int | None) -> None:
    visible = visible_agency_ids(request)
    if visible is not None and agency_id not in visible:
        raise PermissionDeniedError("您（或该接口令牌）只能查看和操作职责范围内执法主体的数据。")


def _fk(model, pk, field: str):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise DomainError(f"{model._meta.verbose_name}（编号 {pk}）不存在。", code="not_found_ref",
                          fields={field: f"所选{model._meta.verbose_name}不存在。"}, status=422)
    return obj


def _region(code: str, field: str = "region") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise DomainError(f"区划代码 {code} 不存在。", code="not_found_ref", fields={field: "区划代码不存在。"},
                          status=422)
    return region


def _get(model, pk: int):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"未找到{model._meta.verbose_name}（编号 {pk}）。")
    return obj


# --- schemas ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str
    message: str
    rule: str | None = None
    fields: dict[str, str] = {}


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    credit_code: str
    kind: str
    region: str
    is_justice_bureau: bool
    supervising_bureau: int | None
    parent: int | None
    entrusting_agency: int | None
    entrustment_scope: str
    entrustment_document: str
    entrustment_start: dt.date | None
    entrustment_end: dt.date | None
    address: str
    phone: str
    active: bool

    @staticmethod
    def from_obj(a: Agency) -> dict:
        return {
            "id": a.pk, "name": a.name, "short_name": a.short_name, "credit_code": a.credit_code, "kind": a.kind,
            "region": a.region.code, "is_justice_bureau": a.is_justice_bureau,
            "supervising_bureau": a.supervising_bureau_id, "parent": a.parent_id,
            "entrusting_agency": a.entrusting_agency_id, "entrustment_scope": a.entrustment_scope,
            "entrustment_document": a.entrustment_document, "entrustment_start": a.entrustment_start,
            "entrustment_end": a.entrustment_end, "address": a.address, "phone": a.phone, "active": a.active,
        }


class AgencyIn(Schema):
    name: str
    credit_code: str
    region: str
    kind: Agency.Kind = Agency.Kind.ADMINISTRATIVE_ORGAN
    short_name: str = ""
    is_justice_bureau: bool = False
    supervising_bureau: int | None = None
    parent: int | None = None
    entrusting_agency: int | None = None
    entrustment_scope: str = ""
    entrustment_document: str = ""
    entrustment_start: dt.date | None = None
    entrustment_end: dt.date | None = None
    address: str = ""
    phone: str = ""


class AgencyPatch(Schema):
    name: str | None = None
    short_name: str | None = None
    credit_code: str | None = None
    region: str | None = None
    kind: Agency.Kind | None = None
    supervising_bureau: int | None = None
    parent: int | None = None
    entrusting_agency: int | None = None
    entrustment_scope: str | None = None
    entrustment_document: str | None = None
    entrustment_start: dt.date | None = None
    entrustment_end: dt.date | None = None
    address: str | None = None
    phone: str | None = None


class ReasonIn(Schema):
    reason: str


def _agency_changes(data: dict) -> dict:
    changes = dict(data)
    if "region" in changes:
        changes["region"] = _region(changes["region"])
    for name in ("supervising_bureau", "parent", "entrusting_agency"):
        if name in changes:
            changes[name] = _fk(Agency, changes[name], name)
    return changes


@router.get("/agencies", response=list[AgencyOut], auth=READ, summary="执法主体列表")
def agency_list(request, q: str = "", active: bool | None = None, limit: int = 100, offset: int = 0):
    qs = Agency.objects.select_related("region").order_by("pk")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
    if active is not None:
        qs = qs.filter(active=active)
    if (visible := visible_agency_ids(request)) is not None:
        qs = qs.filter(pk__in=visible)
    return [AgencyOut.from_obj(a) for a in qs[offset:offset + min(limit, 500)]]


@router.get("/agencies/{agency_id}", response={200: AgencyOut, 404: ErrorOut}, auth=READ, summary="执法主体详情")
def agency_get(request, agency_id: int):
    agency = _get(Agency, agency_id)
    _check_agency(request, agency.pk)
    return AgencyOut.from_obj(agency)


@router.post("/agencies", response={201: AgencyOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut}, auth=WRITE,
             summary="登记执法主体")
def agency_create(request, payload: AgencyIn):
    if getattr(getattr(request, "api_token", None), "agency_id", None):
        raise PermissionDeniedError("主体专属的接口令牌不能登记新的执法主体。")
    data = _agency_changes(payload.dict())
    agency = services.agency_register(actor=request_actor(request), **data)
    return Status(201, AgencyOut.from_obj(agency))


@router.patch("/agencies/{agency_id}", response={200: AgencyOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              auth=WRITE, summary="修改执法主体")
def agency_patch(request, agency_id: int, payload: AgencyPatch):
    agency = _get(Agency, agency_id)
    _check_agency(request, agency.pk)
    changes = _agency_changes(payload.dict(exclude_unset=True))
    return AgencyOut.from_obj(services.agency_update(agency=agency, changes=changes, actor=request_actor(request)))


@router.post("/agencies/{agency_id}/deactivate", response={200: AgencyOut, 400: ErrorOut, 409: ErrorOut},
             auth=WRITE, summary="撤销执法主体（不删除）")
def agency_deactivate(request, agency_id: int, payload: ReasonIn):
    agency = _get(Agency, agency_id)
    _check_agency(request, agency.pk)
    return AgencyOut.from_obj(services.agency_deactivate(agency=agency, reason=payload.reason,
                                                         actor=request_actor(request)))


# --- officers ---------------------------------------------------------------------------------


def mask_id_number(number: str) -> str:
    return f"{number[:6]}********{number[-4:]}" if len(number) == 18 else "****"


class OfficerOut(Schema):
    id: int
    name: str
    id_number_masked: str
    agency: int
    department: int | None
    post: int | None
    phone: str
    active: bool

    @staticmethod
    def from_obj(o: Officer) -> dict:
        return {"id": o.pk, "name": o.name, "id_number_masked": mask_id_number(o.id_number), "agency": o.agency_id,
                "department": o.department_id, "post": o.post_id, "phone": o.phone, "active": o.active}


class OfficerIn(Schema):
    name: str
    id_number: str
    agency: int
    department: int | None = None
    post: int | None = None
    phone: str = ""


class OfficerPatch(Schema):
    name: str | None = None
    id_number: str | None = None
    agency: int | None = None
    department: int | None = None
    post: int | None = None
    phone: str | None = None


def _officer_changes(data: dict) -> dict:
    changes = dict(data)
    if "agency" in changes:
        if changes["agency"] is None:
            raise DomainError("执法主体不能为空。", code="required", fields={"agency": "执法主体不能为空。"})
        changes["agency"] = _fk(Agency, changes["agency"], "agency")
    if "department" in changes:
        changes["department"] = _fk(Department, changes["department"], "department")
    if "post" in changes:
        changes["post"] = _fk(Post, changes["post"], "post")
    return changes


@router.get("/officers", response=list[OfficerOut], auth=READ, summary="执法人员列表")
def officer_list(request, q: str = "", agency: int | None = None, active: bool | None = None, limit: int = 100,
                 offset: int = 0):
    qs = Officer.objects.order_by("pk")
    if q:
        qs = qs.filter(name__icontains=q)
    if agency:
        qs = qs.filter(agency_id=agency)
    if active is not None:
        qs = qs.filter(active=active)
    if (visible := visible_agency_ids(request)) is not None:
        qs = qs.filter(agency_id__in=visible)
    return [OfficerOut.from_obj(o) for o in qs[offset:offset + min(limit, 500)]]


@router.get("/officers/{officer_id}", response={200: OfficerOut, 404: ErrorOut}, auth=READ, summary="执法人员详情")
def officer_get(request, officer_id: int):
    officer = _get(Officer, officer_id)
    _check_agency(request, officer.agency_id)
    return OfficerOut.from_obj(officer)


@router.post("/officers", response={201: OfficerOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut}, auth=WRITE,
             summary="登记执法人员")
def officer_create(request, payload: OfficerIn):
    data = _officer_changes(payload.dict())
    _check_agency(request, data["agency"].pk)
    officer = services.officer_register(actor=request_actor(request), **data)
    return Status(201, OfficerOut.from_obj(officer))


@router.patch("/officers/{officer_id}", response={200: OfficerOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              auth=WRITE, summary="修改执法人员")
def officer_patch(request, officer_id: int, payload: OfficerPatch):
    officer = _get(Officer, officer_id)
    _check_agency(request, officer.agency_id)
    changes = _officer_changes(payload.dict(exclude_unset=True))
    if "agency" in changes:
        _check_agency(request, changes["agency"].pk)
    return OfficerOut.from_obj(services.officer_update(officer=officer, changes=changes, actor=request_actor(request)))


@router.post("/officers/{officer_id}/deactivate", response={200: OfficerOut, 400: ErrorOut, 409: ErrorOut},
             auth=WRITE, summary="执法人员离岗（不删除）")
def officer_deactivate(request, officer_id: int, payload: ReasonIn):
    officer = _get(Officer, officer_id)
    _check_agency(request, officer.agency_id)
    return OfficerOut.from_obj(services.officer_deactivate(officer=officer, reason=payload.reason,
                                                           actor=request_actor(request)))


# --- certificates -----------------------------------------------------------------------------


class CertificateOut(Schema):
    id: int
    kind: str
    number: str
    holder: int
    holder_name: str
    issuer: str
    categories: list[str]
    regions: list[str]
    issued_on: dt.date
    expires_on: dt.date
    status: str
    status_reason: str
    verification_token: str

    @staticmethod
    def from_obj(c: Certificate) -> dict:
        return {
            "id": c.pk, "kind": c.kind, "number": c.number, "holder": c.holder_id, "holder_name": c.holder.name,
            "issuer": c.issuer, "categories": sorted(c.categories.values_list("code", flat=True)),
            "regions": sorted(c.regions.values_list("code", flat=True)), "issued_on": c.issued_on,
            "expires_on": c.expires_on, "status": c.status, "status_reason": c.status_reason,
            "verification_token": c.verification_token,
        }


class CertificateIn(Schema):
    holder: int
    number: str
    kind: Certificate.Kind = Certificate.Kind.ENFORCEMENT
    issuer: str = ""
    categories: list[str] = []
    regions: list[str]
    issued_on: dt.date
    expires_on: dt.date


class CertificatePatch(Schema):
    number: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None
    categories: list[str] | None = None
    regions: list[str] | None = None


class RenewIn(Schema):
    expires_on: dt.date
    reason: str


def _categories(codes: list[str]) -> list[EnforcementCategory]:
    found = {c.code: c for c in EnforcementCategory.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(f"执法类别代码不存在：{'、'.join(missing)}。", code="not_found_ref",
                          fields={"categories": "执法类别代码不存在。"}, status=422)
    return [found[c] for c in codes]


def _regions(codes: list[str]) -> list[Region]:
    return [_region(code, "regions") for code in codes]


def _certificate_for(request, cert_id: int) -> Certificate:
    cert = _get(Certificate, cert_id)
    _check_agency(request, cert.holder.agency_id)
    return cert


@router.get("/certificates", response=list[CertificateOut], auth=READ, summary="执法证件列表")
def certificate_list(request, q: str = "", status: str = "", holder: int | None = None, limit: int = 100,
                     offset: int = 0):
    qs = Certificate.objects.select_related("holder").order_by("pk")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(holder__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if holder:
        qs = qs.filter(holder_id=holder)
    if (visible := visible_agency_ids(request)) is not None:
        qs = qs.filter(holder__agency_id__in=visible)
    return [CertificateOut.from_obj(c) for c in qs[offset:offset + min(limit, 500)]]


@router.get("/certificates/{cert_id}", response={200: CertificateOut, 404: ErrorOut}, auth=READ,
            summary="执法证件详情")
def certificate_get(request, cert_id: int):
    return CertificateOut.from_obj(_certificate_for(request, cert_id))


@router.post("/certificates", response={201: CertificateOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
             auth=WRITE, summary="发证")
def certificate_create(request, payload: CertificateIn):
    holder = _fk(Officer, payload.holder, "holder")
    _check_agency(request, holder.agency_id)
    cert = services.certificate_issue(
        holder=holder, number=payload.number, kind=payload.kind, issuer=payload.issuer,
        categories=_categories(payload.categories), regions=_regions(payload.regions),
        issued_on=payload.issued_on, expires_on=payload.expires_on, actor=request_actor(request),
    )
    return Status(201, CertificateOut.from_obj(cert))


@router.patch("/certificates/{cert_id}", response={200: CertificateOut, 400: ErrorOut, 404: ErrorOut,
                                                    422: ErrorOut}, auth=WRITE, summary="更正证件信息")
def certificate_patch(request, cert_id: int, payload: CertificatePatch):
    cert = _certificate_for(request, cert_id)
    changes = payload.dict(exclude_unset=True)
    if "categories" in changes:
        changes["categories"] = _categories(changes["categories"] or [])
    if "regions" in changes:
        changes["regions"] = _regions(changes["regions"] or [])
    return CertificateOut.from_obj(services.certificate_update(certificate=cert, changes=changes,
                                                               actor=request_actor(request)))


def _status_route(action: str, service, summary: str):
    @router.post(f"/certificates/{{cert_id}}/{action}", response={200: CertificateOut, 400: ErrorOut,
                                                                  404: ErrorOut, 409: ErrorOut},
                 auth=WRITE, summary=summary, operation_id=f"certificate_{action}")
    def handler(request, cert_id: int, payload: ReasonIn):
        cert = _certificate_for(request, cert_id)
        return CertificateOut.from_obj(service(certificate=cert, reason=payload.reason, actor=request_actor(request)))

    return handler


_status_route("suspend", services.certificate_suspend, "暂扣证件")
_status_route("reinstate", services.certificate_reinstate, "恢复证件")
_status_route("revoke", services.certificate_revoke, "注销证件")


@router.post("/certificates/{cert_id}/renew", response={200: CertificateOut, 400: ErrorOut, 404: ErrorOut,
                                                        409: ErrorOut}, auth=WRITE, summary="证件续期")
def certificate_renew(request, cert_id: int, payload: RenewIn):
    cert = _certificate_for(request, cert_id)
    return CertificateOut.from_obj(services.certificate_renew(certificate=cert, expires_on=payload.expires_on,
                                                              reason=payload.reason, actor=request_actor(request)))


# --- public (P2), no login --------------------------------------------------------------------


class PublicCertificateOut(Schema):
    number: str
    holder: str
    agency: str
    categories: list[str]
    regions: list[str]
    expires: str
    status: str
    valid_today: bool


class PublicOfficerOut(Schema):
    name: str
    agency: str
    post: str
    kind: str
    certificate_number: str
    categories: list[str]
    regions: list[str]
    expires: str
    status: str
    valid_today: bool


@public_router.get("/officers", response=list[PublicOfficerOut], auth=None, summary="行政执法人员清单查询")
def public_officers(request, q: str = "", agency: int | None = None):
    """按姓名、证件编号或执法主体名称查询。不含公民身份号码。"""
    return selectors.officer_register_search(q=q[:50], agency_id=agency)


@public_router.get("/certificates/{number}", response={200: PublicCertificateOut, 404: ErrorOut}, auth=None,
                   summary="执法证件核验")
def public_certificate(request, number: str):
    cert = selectors.certificate_by_number(number)
    if cert is None:
        raise NotFound(f"未找到编号为 {number} 的执法证件。")
    return selectors.certificate_public(cert)


@public_router.get("/verify/{token}", response={200: PublicCertificateOut, 404: ErrorOut}, auth=None,
                   summary="按二维码核验令牌核验执法证件")
def public_verify(request, token: str):
    """The QR code on the card carries the random verification token, not the number."""
    cert = selectors.certificate_by_token(token)
    if cert is None:
        raise NotFound("未找到与该二维码对应的执法证件，请谨防假冒。")
    return selectors.certificate_public(cert)


ROUTES = [("org/", router), ("public/", public_router)]
