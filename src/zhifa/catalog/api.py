"""Catalog API: public read under /api/v1/public/ (published versions only, P3) and staff write
under /api/v1/catalog/ (session auth; every write goes through catalog.services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.security import django_auth

from zhifa.core.errors import DomainError, NotFound, PermissionDeniedError
from zhifa.org.models import Agency, Region

from . import selectors, services
from .models import LegalBasis, Matter

public = Router(tags=["公开：权责清单"])
admin = Router(tags=["管理：权责清单"], auth=django_auth)


# --- representations ------------------------------------------------------------------------------


def _dec(v):
    return None if v is None else str(v.normalize()) if v == v.to_integral() else str(v)


def basis_out(b: LegalBasis) -> dict:
    return {"id": b.id, "level": b.level, "level_label": b.get_level_display(), "name": b.name, "issuer": b.issuer,
            "version_date": b.version_date, "effective_from": b.effective_from, "article": b.article,
            "paragraph": b.paragraph, "text": b.text, "citation": b.citation}


def matter_brief(m: Matter) -> dict:
    return {"id": m.id, "code": m.code, "version": m.version, "name": m.name, "kind": m.kind,
            "kind_label": m.get_kind_display(), "agency_id": m.agency_id, "agency": m.agency.name,
            "status": m.status, "effective_from": m.effective_from}


def matter_out(m: Matter) -> dict:
    data = matter_brief(m)
    data.update({
        "department": m.department.name if m.department_id else None,
        "post": m.post.name if m.post_id else None,
        "category": m.category.name if m.category_id else None,
        "procedures": m.procedures, "time_limit": m.time_limit, "time_limit_days": m.time_limit_days,
        "time_limit_working_days": m.time_limit_working_days, "flowchart": m.flowchart,
        "service_guide": {f: getattr(m, f) for f in ("conditions", "materials", "steps", "fee", "office", "hours",
                                                     "address", "phone", "remedies")},
        "violation": m.violation, "penalty_types": m.penalty_types, "penalty_type_labels": m.penalty_type_labels(),
        "statutory_range": {"fine_min": _dec(m.fine_min), "fine_max": _dec(m.fine_max),
                            "multiple_min": _dec(m.multiple_min), "multiple_max": _dec(m.multiple_max),
                            "multiple_of": m.multiple_of},
        "legal_bases": [basis_out(b) for b in m.legal_bases.all()],
        "benchmark": [{"tier": t.tier, "tier_label": t.get_tier_display(), "conditions": t.conditions,
                       "flags": t.flags, "fine_min": _dec(t.fine_min), "fine_max": _dec(t.fine_max),
                       "multiple_min": _dec(t.multiple_min), "multiple_max": _dec(t.multiple_max),
                       "other_penalties": t.other_penalties} for t in m.tiers.all()],
        "change_reason": m.change_reason, "effective_to": m.effective_to,
    })
    return data


def list_item_out(item) -> dict:
    skip = {"search_text", "agency"}
    data = {f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields if f.name not in skip}
    data["agency_id"] = item.agency_id
    data["agency"] = item.agency.name
    for k, v in list(data.items()):
        if hasattr(v, "normalize"):
            data[k] = _dec(v)
    return data


def _page(qs, page: int, size: int, fn) -> dict:
    size = max(1, min(size, 200))
    p = selectors.CappedPaginator(qs, size).get_page(page)
    return {"count": min(p.paginator.count, p.paginator.CAP), "count_capped": p.paginator.capped,
            "page": p.number, "pages": p.paginator.num_pages, "results": [fn(x) for x in p.object_list]}


# --- public read ----------------------------------------------------------------------------------


@public.get("matters", summary="检索已公布的执法事项")
def public_matters(request, q: str = "", agency: int | None = None, kind: str = "", page: int = 1,
                   size: int = 50) -> dict:
    if kind and kind not in Matter.Kind.values:
        raise DomainError(f"事项类别“{kind}”无效。", fields={"kind": "无效的事项类别。"})
    return _page(selectors.published_matters(q=q, agency=agency, kind=kind), page, size, matter_brief)


@public.get("matters/{code}", summary="已公布执法事项详情（依据、流程图、办事指南、裁量基准）")
def public_matter(request, code: str) -> dict:
    m = selectors.published_matter(code)
    if m is None:
        raise NotFound(f"未找到已公布的执法事项“{code}”。")
    return matter_out(m)


@public.get("legal-bases", summary="检索法律依据")
def public_bases(request, q: str = "", page: int = 1, size: int = 50) -> dict:
    return _page(selectors.search_bases(q).order_by("name", "article", "-version_date"), page, size, basis_out)


@public.get("major-decisions", summary="重大执法决定法制审核目录清单")
def public_major(request, q: str = "", agency: int | None = None, page: int = 1, size: int = 100) -> dict:
    return _page(selectors.published_major_criteria(q=q, agency=agency), page, size, list_item_out)


@public.get("av-items", summary="音像记录事项清单")
def public_av(request, q: str = "", agency: int | None = None, page: int = 1, size: int = 100) -> dict:
    return _page(selectors.published_av_items(q=q, agency=agency), page, size, list_item_out)


@public.get("inspection-items", summary="随机抽查事项清单")
def public_inspection(request, q: str = "", agency: int | None = None, page: int = 1, size: int = 100) -> dict:
    return _page(selectors.published_inspection_items(q=q, agency=agency), page, size, list_item_out)


# --- staff write ----------------------------------------------------------------------------------


def _staff(request):
    if not request.user.is_staff:
        raise PermissionDeniedError("只有管理员可以维护权责清单。")
    return request.user


class BasisIn(Schema):
    level: str
    name: str
    version_date: dt.date
    article: str
    text: str
    paragraph: str = ""
    issuer: str = ""
    effective_from: dt.date | None = None


class MatterIn(Schema):
    agency_id: int
    code: str
    legal_basis_ids: list[int] = []
    tiers: list[dict[str, Any]] = []
    fields: dict[str, Any] = {}


class MatterChangeIn(Schema):
    legal_basis_ids: list[int] | None = None
    tiers: list[dict[str, Any]] | None = None
    fields: dict[str, Any] = {}
    reason: str = ""


class ActionIn(Schema):
    opinion: str = ""
    reason: str = ""
    effective_from: dt.date | None = None


class ListItemIn(Schema):
    agency_id: int
    fields: dict[str, Any]


class SettingIn(Schema):
    key: str
    value: Any
    agency_id: int | None = None
    region_id: int | None = None
    note: str = ""


class BenchmarkIn(Schema):
    circumstances: dict[str, Any] = {}
    proposed_amount: str | None = None


class MajorMatchIn(Schema):
    agency_id: int
    matter_code: str | None = None
    penalty_types: list[str] = []
    amount: str | None = None
    hearing_held: bool = False
    public_interest: bool = False
    complex: bool = False


def _matter_fields(fields: dict) -> dict:
    from zhifa.org.models import Department, EnforcementCategory, Post

    out = dict(fields)
    for name, model in (("department", Department), ("post", Post), ("category", EnforcementCategory)):
        key = f"{name}_id"
        if key in out:
            value = out.pop(key)
            out[name] = None if value is None else model.objects.filter(pk=value).first()
            if value is not None and out[name] is None:
                raise DomainError(f"“{key}”指向的对象不存在。", fields={key: "不存在。"})
    return out


def _agency(agency_id: int) -> Agency:
    a = Agency.objects.filter(pk=agency_id).first()
    if a is None:
        raise DomainError("执法主体不存在。", fields={"agency_id": "执法主体不存在。"})
    return a


def _matter(matter_id: int) -> Matter:
    return get_object_or_404(Matter, pk=matter_id)


@admin.post("bases", summary="录入法律依据条款")
def create_basis(request, payload: BasisIn) -> dict:
    b = services.legal_basis_create(**payload.dict(), actor=_staff(request))
    return basis_out(b)


@admin.post("bases/{basis_id}/new-version", summary="法律修改：录入条款新版本")
def new_basis_version(request, basis_id: int, payload: BasisIn) -> dict:
    basis = get_object_or_404(LegalBasis, pk=basis_id)
    b = services.legal_basis_new_version(basis=basis, version_date=payload.version_date, text=payload.text,
                                         effective_from=payload.effective_from, actor=_staff(request))
    return basis_out(b)


@admin.get("matters", summary="全部事项（含草稿与历史版本）")
def staff_matters(request, q: str = "", agency: int | None = None, status: str = "", page: int = 1,
                  size: int = 50) -> dict:
    _staff(request)
    from zhifa.core.search import search_filter

    qs = Matter.objects.select_related("agency")
    if agency:
        qs = qs.filter(agency_id=agency)
    if status:
        qs = qs.filter(status=status)
    return _page(search_filter(qs, q).order_by("code", "-version"), page, size, matter_brief)


@admin.get("matters/{matter_id}", summary="事项详情（任意版本）")
def staff_matter(request, matter_id: int) -> dict:
    _staff(request)
    return matter_out(_matter(matter_id))


@admin.post("matters", summary="新建事项草稿")
def create_matter(request, payload: MatterIn) -> dict:
    m = services.matter_create(agency=_agency(payload.agency_id), code=payload.code, actor=_staff(request),
                               legal_bases=payload.legal_basis_ids, tiers=payload.tiers,
                               **_matter_fields(payload.fields))
    return matter_out(m)


@admin.patch("matters/{matter_id}", summary="修改事项草稿")
def update_matter(request, matter_id: int, payload: MatterChangeIn) -> dict:
    m = services.matter_update(matter=_matter(matter_id), actor=_staff(request), legal_bases=payload.legal_basis_ids,
                               tiers=payload.tiers, **_matter_fields(payload.fields))
    return matter_out(m)


@admin.post("matters/{matter_id}/new-version", summary="基于已公布版本新建修订版本")
def new_matter_version(request, matter_id: int, payload: MatterChangeIn) -> dict:
    m = services.matter_new_version(matter=_matter(matter_id), actor=_staff(request), reason=payload.reason,
                                    legal_bases=payload.legal_basis_ids, tiers=payload.tiers,
                                    **_matter_fields(payload.fields))
    return matter_out(m)


@admin.post("matters/{matter_id}/{action}", summary="提交审查 / 审查通过 / 退回 / 公布 / 撤销")
def matter_action(request, matter_id: int, action: str, payload: ActionIn) -> dict:
    actor = _staff(request)
    m = _matter(matter_id)
    if action == "submit":
        m = services.matter_submit_review(matter=m, actor=actor)
    elif action == "pass":
        m = services.matter_review_pass(matter=m, actor=actor, opinion=payload.opinion)
    elif action == "reject":
        m = services.matter_review_reject(matter=m, actor=actor, opinion=payload.opinion)
    elif action == "publish":
        m = services.matter_publish(matter=m, actor=actor, effective_from=payload.effective_from)
    elif action == "withdraw":
        m = services.matter_withdraw(matter=m, actor=actor, reason=payload.reason)
    else:
        raise NotFound(f"未知的操作“{action}”。")
    return matter_out(m)


@admin.post("benchmark/{matter_id}", summary="适用裁量基准（REV-09/REV-10）")
def apply_benchmark(request, matter_id: int, payload: BenchmarkIn) -> dict:
    _staff(request)
    result = services.benchmark_apply(matter=_matter(matter_id), circumstances=payload.circumstances)
    out = result.as_dict()
    if payload.proposed_amount not in (None, ""):
        d = services.deviation_requires(result=result, proposed_amount=payload.proposed_amount)
        out["deviation"] = d.__dict__
    return out


@admin.post("major-decisions/match", summary="是否属于重大执法决定（REV-01/REV-03）")
def match_major(request, payload: MajorMatchIn) -> dict:
    _staff(request)
    matter = selectors.published_matter(payload.matter_code) if payload.matter_code else None
    reasons = services.major_decision_match(
        agency=_agency(payload.agency_id), matter=matter, penalty_types=payload.penalty_types, amount=payload.amount,
        hearing_held=payload.hearing_held, public_interest=payload.public_interest, complex=payload.complex)
    return {"legal_review_required": bool(reasons), "reasons": reasons}


@admin.post("lists/{kind}", summary="新建清单条目草稿（major / av / inspection）")
def create_list_item(request, kind: str, payload: ListItemIn) -> dict:
    model = services.LIST_MODELS.get(kind)
    if model is None:
        raise NotFound(f"未知的清单“{kind}”。")
    item = services.list_item_create(model=model, agency=_agency(payload.agency_id), actor=_staff(request),
                                     **payload.fields)
    return list_item_out(item)


@admin.post("lists/{kind}/{item_id}/{action}", summary="清单条目：submit / pass / reject / publish / withdraw")
def list_item_action(request, kind: str, item_id: int, action: str, payload: ActionIn) -> dict:
    model = services.LIST_MODELS.get(kind)
    if model is None:
        raise NotFound(f"未知的清单“{kind}”。")
    item = get_object_or_404(model, pk=item_id)
    item = services.list_item_transition(item=item, action=action, actor=_staff(request),
                                         note=payload.opinion or payload.reason)
    return list_item_out(item)


@admin.put("settings", summary="设置行业或地方参数（CONFIG）")
def put_setting(request, payload: SettingIn) -> dict:
    actor = _staff(request)
    agency = _agency(payload.agency_id) if payload.agency_id else None
    region = Region.objects.filter(pk=payload.region_id).first() if payload.region_id else None
    if payload.region_id and region is None:
        raise DomainError("区划不存在。", fields={"region_id": "区划不存在。"})
    row = services.setting_set(key=payload.key, value=payload.value, agency=agency, region=region, note=payload.note,
                               actor=actor)
    return {"key": row.key, "value": row.value, "agency_id": row.agency_id, "region_id": row.region_id}


@admin.get("settings", summary="参数及其生效取值")
def get_settings(request, agency: int | None = None) -> list:
    _staff(request)
    from .settings_registry import DEFAULTS

    a = _agency(agency) if agency else None
    return [{"key": k, "label": label, "rule": rule, "default": default,
             "value": services.setting_value(k, agency=a)} for k, (default, label, rule) in DEFAULTS.items()]


@admin.post("import", summary="导入 XLSX（事项、依据、裁量基准；任一行出错则全部不导入）")
def import_xlsx(request, file: File[UploadedFile]) -> dict:
    from .importer import catalog_import

    return catalog_import(file=file, actor=_staff(request))


ROUTES = [("public/", public), ("catalog/", admin)]
