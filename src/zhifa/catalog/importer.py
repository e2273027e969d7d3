"""XLSX import and export of legal bases, matters and benchmarks (template: docs/catalog-import.md).

Import is all-or-nothing: every row goes through the services inside one transaction; each row's
error is collected (naming sheet, row and column, in Chinese), and if any row failed the whole
import is rolled back and nothing — no row, no ledger entry — is written (DESIGN.md "Bad input").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook

from zhifa.core.errors import DomainError
from zhifa.org.models import Agency, Department, EnforcementCategory, Post

from . import services
from .models import BenchmarkTier, LegalBasis, Matter, PenaltyType, PublicationStatus

SHEET_BASES = "法律依据"
SHEET_MATTERS = "执法事项"
SHEET_TIERS = "裁量基准"

# (column header, field name)
BASIS_COLUMNS = [
    ("引用编号", "ref"), ("效力层级", "level"), ("法律文件名称", "name"), ("制定机关", "issuer"),
    ("版本日期", "version_date"), ("施行日期", "effective_from"), ("条", "article"), ("款项", "paragraph"),
    ("条文内容", "text"),
]
MATTER_COLUMNS = [
    ("事项编码", "code"), ("事项名称", "name"), ("事项类别", "kind"), ("实施主体", "agency"), ("承办机构", "department"),
    ("责任岗位", "post"), ("执法类别代码", "category"), ("法律依据", "legal_bases"), ("违法行为", "violation"),
    ("处罚种类", "penalty_types"), ("法定罚款下限", "fine_min"), ("法定罚款上限", "fine_max"),
    ("法定倍数下限", "multiple_min"), ("法定倍数上限", "multiple_max"), ("倍数基数", "multiple_of"),
    ("适用程序", "procedures"), ("办理时限", "time_limit"), ("流程图", "flowchart"), ("受理条件", "conditions"),
    ("申请材料", "materials"), ("办理流程", "steps"), ("收费标准", "fee"), ("办理地点", "office"), ("办理时间", "hours"),
    ("地址", "address"), ("咨询电话", "phone"), ("救济途径", "remedies"), ("修订原因", "change_reason"),
]
TIER_COLUMNS = [
    ("事项编码", "code"), ("裁量阶次", "tier"), ("适用情形", "conditions"), ("条件标识", "flags"),
    ("罚款下限", "fine_min"), ("罚款上限", "fine_max"), ("倍数下限", "multiple_min"), ("倍数上限", "multiple_max"),
    ("其他处罚", "other_penalties"),
]
LEVELS = {label: value for value, label in LegalBasis.Level.choices}
KINDS = {label: value for value, label in Matter.Kind.choices}
PENALTIES = {label: value for value, label in PenaltyType.choices}
TIERS = {label: value for value, label in BenchmarkTier.Tier.choices}
TIERS.update({"不予处罚": "no_penalty", "减轻": "mitigated", "从轻": "lighter", "一般": "general", "从重": "heavier"})
MULTIPLE_OF = {"违法所得": "illegal_gains", "货值金额": "goods_value", "": ""}


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _date(v: Any, column: str) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(_text(v).replace("/", "-").replace(".", "-"))
    except ValueError:
        raise RowError(column, f"“{v}”不是有效日期（应为 YYYY-MM-DD）") from None


def _split(v: Any) -> list[str]:
    s = _text(v)
    for sep in ("；", ";", "，", ",", "、", "\n"):
        s = s.replace(sep, "|")
    return [p.strip() for p in s.split("|") if p.strip()]


def _rows(wb, sheet: str, columns: list[tuple[str, str]]):
    if sheet not in wb.sheetnames:
        return
    ws = wb[sheet]
    it = ws.iter_rows(values_only=True)
    header = [(_text(c)) for c in next(it, ())]
    index = {}
    for label, name in columns:
        if label in header:
            index[name] = header.index(label)
    missing = [label for label, name in columns[:2] if name not in index]
    if missing:
        raise DomainError(f"工作表“{sheet}”缺少列：{'、'.join(missing)}。", code="import_template")
    for n, row in enumerate(it, start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        yield n, {name: (row[i] if i < len(row) else None) for name, i in index.items()}


def _label(columns, name: str) -> str:
    return dict((f, lab) for lab, f in columns).get(name, name)


def count_rows(path_or_file) -> int:
    wb = load_workbook(path_or_file, read_only=True, data_only=True)
    return sum(max(wb[s].max_row - 1, 0) for s in (SHEET_BASES, SHEET_MATTERS, SHEET_TIERS) if s in wb.sheetnames)


def catalog_import(*, file, actor, progress: Callable[[int], None] | None = None) -> dict:
    """Import a workbook; returns counts. Raises DomainError listing every bad row (nothing written)."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise DomainError("无法读取上传的文件，请使用 XLSX 格式的导入模板。", code="import_unreadable",
                          fields={"file": "不是有效的 XLSX 文件。"}) from None
    errors: list[str] = []
    fields: dict[str, str] = {}
    counts = {"bases": 0, "matters": 0, "tiers": 0}
    tick = progress or (lambda n: None)

    def fail(sheet, n, columns, column, message):
        label = _label(columns, column)
        errors.append(f"工作表“{sheet}”第{n}行“{label}”：{message}")
        fields.setdefault(f"{sheet}!{n}!{label}", message)

    with transaction.atomic():
        refs: dict[str, LegalBasis] = {}
        for n, row in _rows(wb, SHEET_BASES, BASIS_COLUMNS):
            tick(1)
            try:
                with transaction.atomic():
                    refs_key, basis = _import_basis(row, actor)
                    refs[refs_key] = basis
                    counts["bases"] += 1
            except RowError as e:
                fail(SHEET_BASES, n, BASIS_COLUMNS, e.column, e.message)
            except DomainError as e:
                fail(SHEET_BASES, n, BASIS_COLUMNS, next(iter(e.fields), "ref"), e.message)

        tiers_by_code: dict[str, list[tuple[int, dict]]] = {}
        tier_rows = list(_rows(wb, SHEET_TIERS, TIER_COLUMNS))
        for n, row in tier_rows:
            try:
                code = _text(row.get("code"))
                if not code:
                    raise RowError("code", "不能为空")
                tier = TIERS.get(_text(row.get("tier")))
                if tier is None:
                    raise RowError("tier", f"“{_text(row.get('tier'))}”不是有效的裁量阶次（不予处罚、减轻、从轻、一般、从重）")
                data = {"tier": tier, "conditions": _text(row.get("conditions")), "flags": _split(row.get("flags")),
                        "other_penalties": _text(row.get("other_penalties"))}
                for f in ("fine_min", "fine_max", "multiple_min", "multiple_max"):
                    data[f] = _text(row.get(f)) or None
                tiers_by_code.setdefault(code, []).append((n, data))
            except RowError as e:
                fail(SHEET_TIERS, n, TIER_COLUMNS, e.column, e.message)

        for n, row in _rows(wb, SHEET_MATTERS, MATTER_COLUMNS):
            tick(1)
            code = _text(row.get("code"))
            tier_rows_for = tiers_by_code.pop(code, [])
            try:
                with transaction.atomic():
                    _import_matter(row, [d for _, d in tier_rows_for], refs, actor)
                    counts["matters"] += 1
                    counts["tiers"] += len(tier_rows_for)
            except RowError as e:
                fail(SHEET_MATTERS, n, MATTER_COLUMNS, e.column, e.message)
            except DomainError as e:
                message = e.message
                tier_line = _tier_line(message, tier_rows_for)
                if tier_line:
                    fail(SHEET_TIERS, tier_line, TIER_COLUMNS, _tier_field(e), message)
                else:
                    fail(SHEET_MATTERS, n, MATTER_COLUMNS, next(iter(e.fields), "code"), message)
        for code, rows in tiers_by_code.items():
            for n, _ in rows:
                fail(SHEET_TIERS, n, TIER_COLUMNS, "code", f"事项编码“{code}”不在“执法事项”工作表中")
        tick(len(tier_rows))
        if errors:
            transaction.set_rollback(True)
    if errors:
        shown = errors[:50]
        more = f"（另有{len(errors) - 50}处错误）" if len(errors) > 50 else ""
        raise DomainError("导入失败，未导入任何数据。" + "；".join(shown) + more, code="import_failed",
                          fields=fields)
    return counts


def _tier_line(message: str, rows: list[tuple[int, dict]]) -> int | None:
    import re

    m = re.match(r"裁量基准第(\d+)行", message)
    if m and 0 < int(m.group(1)) <= len(rows):
        return rows[int(m.group(1)) - 1][0]
    return None


def _tier_field(e: DomainError) -> str:
    return next(iter(e.fields), "tier")


def _import_basis(row: dict, actor) -> tuple[str, LegalBasis]:
    ref = _text(row.get("ref"))
    if not ref:
        raise RowError("ref", "不能为空")
    level = LEVELS.get(_text(row.get("level")))
    if level is None:
        raise RowError("level", f"“{_text(row.get('level'))}”不是有效的效力层级（{'、'.join(LEVELS)}）")
    version_date = _date(row.get("version_date"), "version_date")
    if version_date is None:
        raise RowError("version_date", "不能为空")
    name = _text(row.get("name")).strip("《》")
    article, paragraph = _text(row.get("article")), _text(row.get("paragraph"))
    existing = LegalBasis.objects.filter(name=name, version_date=version_date, article=article,
                                         paragraph=paragraph).first()
    if existing:
        return ref, existing
    basis = services.legal_basis_create(level=level, name=name, issuer=_text(row.get("issuer")),
                                        version_date=version_date,
                                        effective_from=_date(row.get("effective_from"), "effective_from"),
                                        article=article, paragraph=paragraph, text=_text(row.get("text")), actor=actor)
    return ref, basis


def _import_matter(row: dict, tiers: list[dict], refs: dict[str, LegalBasis], actor) -> Matter:
    code = _text(row.get("code"))
    if not code:
        raise RowError("code", "不能为空")
    agency_name = _text(row.get("agency"))
    agency = Agency.objects.filter(name=agency_name).first()
    if agency is None:
        raise RowError("agency", f"执法主体“{agency_name}”不存在")
    kind = KINDS.get(_text(row.get("kind")))
    if kind is None:
        raise RowError("kind", f"“{_text(row.get('kind'))}”不是有效的事项类别（{'、'.join(KINDS)}）")
    bases = []
    for ref in _split(row.get("legal_bases")):
        if ref not in refs:
            raise RowError("legal_bases", f"引用编号“{ref}”不在“法律依据”工作表中")
        bases.append(refs[ref])
    penalty_types = []
    for label in _split(row.get("penalty_types")):
        if label not in PENALTIES:
            raise RowError("penalty_types", f"“{label}”不是行政处罚法第九条规定的处罚种类（规则 PEN-01）")
        penalty_types.append(PENALTIES[label])
    multiple_of = MULTIPLE_OF.get(_text(row.get("multiple_of")))
    if multiple_of is None:
        raise RowError("multiple_of", "应为“违法所得”或“货值金额”")
    fields: dict[str, Any] = {
        "name": _text(row.get("name")), "kind": kind, "penalty_types": penalty_types, "multiple_of": multiple_of,
        "procedures": _split(row.get("procedures")), "flowchart": _text(row.get("flowchart")),
    }
    for f in ("violation", "time_limit", "conditions", "materials", "steps", "fee", "office", "hours", "address",
              "phone", "remedies"):
        fields[f] = _text(row.get(f))
    for f in ("fine_min", "fine_max", "multiple_min", "multiple_max"):
        fields[f] = _text(row.get(f)) or None
    for f, model, lookup in (("department", Department, "name"), ("post", Post, "name")):
        value = _text(row.get(f))
        if value:
            obj = model.objects.filter(agency=agency, **{lookup: value}).first()
            if obj is None:
                raise RowError(f, f"“{value}”不属于“{agency.name}”")
            fields[f] = obj
    if _text(row.get("category")):
        cat = EnforcementCategory.objects.filter(code=_text(row.get("category"))).first()
        if cat is None:
            raise RowError("category", f"执法类别代码“{_text(row.get('category'))}”不存在")
        fields["category"] = cat
    latest = Matter.objects.filter(code=code).order_by("-version").first()
    if latest is None:
        return services.matter_create(agency=agency, code=code, actor=actor, legal_bases=bases, tiers=tiers, **fields)
    if latest.agency_id != agency.id:
        raise RowError("agency", f"事项编码“{code}”已属于“{latest.agency.name}”")
    if latest.status == PublicationStatus.DRAFT:
        return services.matter_update(matter=latest, actor=actor, legal_bases=bases, tiers=tiers, **fields)
    reason = _text(row.get("change_reason")) or "批量导入修订"
    return services.matter_new_version(matter=latest, actor=actor, reason=reason, legal_bases=bases, tiers=tiers,
                                       **fields)


# --- export ---------------------------------------------------------------------------------------


def _fmt(v) -> Any:
    if v is None:
        return None
    if hasattr(v, "normalize"):
        return float(v) if v != v.to_integral() else int(v)
    return v


def catalog_export(*, path_or_file, agency: Agency | None = None, only_published: bool = False,
                   progress: Callable[[int], None] | None = None) -> dict:
    """Write the latest version of each matter (with its bases and benchmark) in the import template."""
    tick = progress or (lambda n: None)
    qs = Matter.objects.select_related("agency", "department", "post", "category").prefetch_related(
        "legal_bases", "tiers").order_by("code", "-version")
    if agency:
        qs = qs.filter(agency=agency)
    if only_published:
        qs = qs.filter(status=PublicationStatus.PUBLISHED)
    latest: dict[str, Matter] = {}
    for m in qs:
        latest.setdefault(m.code, m)
    wb = Workbook()
    ws_b = wb.active
    ws_b.title = SHEET_BASES
    ws_m = wb.create_sheet(SHEET_MATTERS)
    ws_t = wb.create_sheet(SHEET_TIERS)
    ws_b.append([c for c, _ in BASIS_COLUMNS])
    ws_m.append([c for c, _ in MATTER_COLUMNS])
    ws_t.append([c for c, _ in TIER_COLUMNS])
    seen: dict[int, str] = {}
    n_tiers = 0
    for m in latest.values():
        refs = []
        for b in m.legal_bases.all():
            if b.id not in seen:
                seen[b.id] = f"B{b.id}"
                ws_b.append([seen[b.id], b.get_level_display(), b.name, b.issuer, b.version_date, b.effective_from,
                             b.article, b.paragraph, b.text])
            refs.append(seen[b.id])
        ws_m.append([
            m.code, m.name, m.get_kind_display(), m.agency.name, m.department.name if m.department_id else "",
            m.post.name if m.post_id else "", m.category.code if m.category_id else "", "；".join(refs), m.violation,
            "、".join(m.penalty_type_labels()), _fmt(m.fine_min), _fmt(m.fine_max), _fmt(m.multiple_min),
            _fmt(m.multiple_max), m.get_multiple_of_display() if m.multiple_of else "", "、".join(m.procedures),
            m.time_limit, "→".join(s["step"] for s in m.flowchart), m.conditions, m.materials, m.steps, m.fee,
            m.office, m.hours, m.address, m.phone, m.remedies, m.change_reason,
        ])
        for t in m.tiers.all():
            ws_t.append([m.code, t.get_tier_display(), t.conditions, "、".join(t.flags), _fmt(t.fine_min),
                         _fmt(t.fine_max), _fmt(t.multiple_min), _fmt(t.multiple_max), t.other_penalties])
            n_tiers += 1
        tick(1)
    wb.save(path_or_file)
    return {"bases": len(seen), "matters": len(latest), "tiers": n_tiers}
