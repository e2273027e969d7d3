"""Services that change the catalog. Each runs in one transaction and appends one ledger entry
covering the django-simple-history snapshot of what it wrote (DESIGN.md).

Publication review (P3): draft → submitted → reviewed (legality) → published; publishing a
version supersedes the previously published version of the same code. A published version is
never edited: `matter_new_version` copies it into a new draft (PUB-01, PEN-12).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from zhifa.core.errors import Conflict, DomainError
from zhifa.core.search import search_text_for
from zhifa.core.sql import placeholders
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency, Region

from . import settings_registry
from .models import (
    AvRecordingItem,
    BenchmarkTier,
    CatalogSetting,
    LegalBasis,
    MajorDecisionCriterion,
    Matter,
    PenaltyType,
    PublicationStatus,
    RandomInspectionItem,
)

# Re-exported: the discretion and review-catalogue rules are reads, kept in their own module.
from .discretion import (  # noqa: F401
    BenchmarkResult,
    Deviation,
    benchmark_apply,
    deviation_requires,
    hearing_right,
    major_decision_match,
    simple_procedure_allowed,
)

S = PublicationStatus

MATTER_FIELDS = (
    "name", "kind", "department", "post", "category", "procedures", "time_limit", "time_limit_days",
    "time_limit_working_days", "flowchart", "conditions", "materials", "steps", "fee", "office", "hours",
    "address", "phone", "remedies", "violation", "penalty_types", "fine_min", "fine_max", "multiple_min",
    "multiple_max", "multiple_of", "multiple_threshold",
)
TIER_FIELDS = ("tier", "conditions", "flags", "fine_min", "fine_max", "multiple_min", "multiple_max",
               "other_penalties")
DECIMAL_FIELDS = {"fine_min", "fine_max", "multiple_min", "multiple_max", "amount_threshold", "multiple_threshold"}
FIELD_LABELS = {f.name: str(f.verbose_name) for f in Matter._meta.get_fields() if hasattr(f, "verbose_name")}


def _snapshot(obj: models.Model) -> models.Model:
    return obj.history.latest()


def _tier_snapshots(matter: Matter) -> list[models.Model]:
    # Tiers of a draft are replaced on edit, so the ledger covers their immutable history rows.
    return [t.history.latest() for t in matter.tiers.all()]


def _clean(obj: models.Model, *, exclude: Iterable[str] = (), rule: str | None = None) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc, rule=rule) from exc


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise DomainError(f"“{label}”应为数字，收到“{value}”。", fields={field: f"“{label}”应为数字。"}) from None
    if result < 0:
        raise DomainError(f"“{label}”不能为负数。", fields={field: f"“{label}”不能为负数。"})
    return result


# --- legal bases ---------------------------------------------------------------------------------


def _basis_search_text(basis: LegalBasis) -> str:
    return search_text_for(basis.name, basis.article, basis.paragraph, basis.issuer, basis.text)


@transaction.atomic
def legal_basis_create(*, level: str, name: str, version_date: dt.date, article: str, text: str,
                       paragraph: str = "", issuer: str = "", effective_from: dt.date | None = None,
                       actor) -> LegalBasis:
    """Record one article of one version of a legal instrument."""
    basis = LegalBasis(level=level, name=(name or "").strip().strip("《》"), version_date=version_date,
                       article=(article or "").strip(), paragraph=(paragraph or "").strip(), text=text,
                       issuer=issuer, effective_from=effective_from)
    _clean(basis, exclude=["search_text"])
    if LegalBasis.objects.filter(name=basis.name, version_date=basis.version_date, article=basis.article,
                                 paragraph=basis.paragraph).exists():
        raise Conflict(f"{basis.citation}已录入，不能重复录入。", code="basis_exists",
                       fields={"article": "该版本的该条款已存在。"})
    basis.search_text = _basis_search_text(basis)
    basis.save()
    ledger_append(kind="legal_basis_recorded", actor=actor, subject=basis,
                  payload={"citation": basis.citation, "level": basis.level}, rows=[basis])
    return basis


def legal_basis_new_version(*, basis: LegalBasis, version_date: dt.date, text: str,
                            effective_from: dt.date | None = None, actor) -> LegalBasis:
    """A law change: a new row for the new version; the old row is kept unchanged (PEN-12)."""
    if version_date <= basis.version_date:
        raise DomainError("新版本日期应晚于原版本日期。", fields={"version_date": "新版本日期应晚于原版本日期。"})
    return legal_basis_create(level=basis.level, name=basis.name, version_date=version_date, article=basis.article,
                              paragraph=basis.paragraph, text=text, issuer=basis.issuer,
                              effective_from=effective_from, actor=actor)


# --- matters -------------------------------------------------------------------------------------


def _matter_search_text(matter: Matter, bases: Iterable[LegalBasis]) -> str:
    parts = [matter.code, matter.name, matter.get_kind_display(), matter.agency.name, matter.violation,
             matter.conditions, matter.materials, " ".join(matter.penalty_type_labels())]
    for b in bases:
        parts += [b.name, b.article, b.text]
    for t in getattr(matter, "_pending_tiers", None) or []:
        parts.append(t.get("conditions", ""))
    return search_text_for(*parts)


def _normalise_flowchart(value: Any) -> list[dict]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [s for s in (p.strip() for p in value.replace("→", "\n").splitlines()) if s]
    if not isinstance(value, list):
        raise DomainError("“流程图”应为步骤列表。", fields={"flowchart": "应为步骤列表。"})
    steps = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str) and item.strip():
            steps.append({"step": item.strip(), "note": ""})
        elif isinstance(item, dict) and str(item.get("step", "")).strip():
            steps.append({"step": str(item["step"]).strip(), "note": str(item.get("note", "")).strip()})
        else:
            raise DomainError(f"“流程图”第{i}步没有名称。", fields={"flowchart": f"第{i}步没有名称。"})
    return steps


def _assign(matter: Matter, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(MATTER_FIELDS)
    if unknown:
        raise DomainError(f"不认识的字段：{'、'.join(sorted(unknown))}。", fields={k: "不认识的字段。" for k in unknown})
    for name, value in fields.items():
        if name in DECIMAL_FIELDS:
            value = _decimal(value, name, FIELD_LABELS.get(name, name))
        elif name == "flowchart":
            value = _normalise_flowchart(value)
        elif name in ("procedures", "penalty_types"):
            if isinstance(value, str):
                value = [v.strip() for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()]
            value = list(value or [])
        elif value is None and name not in ("department", "post", "category", "time_limit_days"):
            value = ""
        setattr(matter, name, value)
    if matter.penalty_types:
        bad = [t for t in matter.penalty_types if t not in PenaltyType.values]
        if bad:
            raise DomainError(
                f"处罚种类“{'、'.join(bad)}”不在行政处罚法第九条规定的种类之内（规则 PEN-01）。",
                code="penalty_type_unknown", rule="PEN-01", fields={"penalty_types": "不在法定处罚种类之内。"},
            )


def _validate_tier(matter: Matter, data: dict, index: int) -> dict:
    label = f"裁量基准第{index}行"
    unknown = set(data) - set(TIER_FIELDS)
    if unknown:
        raise DomainError(f"{label}：不认识的字段 {'、'.join(sorted(unknown))}。")
    tier = data.get("tier")
    if tier not in BenchmarkTier.Tier.values:
        raise DomainError(f"{label}：“裁量阶次”应为不予处罚、减轻处罚、从轻处罚、一般处罚或从重处罚（规则 REV-09）。",
                          rule="REV-09", fields={"tier": "裁量阶次无效。"})
    if not str(data.get("conditions", "")).strip():
        raise DomainError(f"{label}：“适用情形”不能为空（规则 REV-09）。", rule="REV-09",
                          fields={"conditions": "适用情形不能为空。"})
    out = {k: data.get(k) for k in TIER_FIELDS}
    out["flags"] = list(data.get("flags") or [])
    if isinstance(data.get("flags"), str):
        out["flags"] = [f.strip() for f in data["flags"].replace("，", ",").split(",") if f.strip()]
    out["other_penalties"] = data.get("other_penalties") or ""
    for f in ("fine_min", "fine_max", "multiple_min", "multiple_max"):
        out[f] = _decimal(data.get(f), f, f"{label}的{BenchmarkTier._meta.get_field(f).verbose_name}")
    for lo, hi in (("fine_min", "fine_max"), ("multiple_min", "multiple_max")):
        if out[lo] is not None and out[hi] is not None and out[lo] > out[hi]:
            raise DomainError(f"{label}：下限大于上限。", rule="REV-09", fields={lo: "下限大于上限。"})
    # REV-09: 从轻/一般/从重 stay within the statutory range; only 减轻 may go below the minimum.
    if tier in (BenchmarkTier.Tier.LIGHTER, BenchmarkTier.Tier.GENERAL, BenchmarkTier.Tier.HEAVIER):
        for lo, hi, smin, smax in (("fine_min", "fine_max", matter.fine_min, matter.fine_max),
                                   ("multiple_min", "multiple_max", matter.multiple_min, matter.multiple_max)):
            if (smin is not None and out[lo] is not None and out[lo] < smin) or (
                    smax is not None and out[hi] is not None and out[hi] > smax):
                raise DomainError(
                    f"{label}（{BenchmarkTier.Tier(tier).label}）的幅度超出法定幅度，应严格限定在法定幅度内（规则 REV-09）。",
                    code="tier_outside_statutory_range", rule="REV-09", fields={lo: "超出法定幅度。"},
                )
    if tier == BenchmarkTier.Tier.MITIGATED and matter.fine_min is not None and out["fine_max"] is not None \
            and out["fine_max"] > matter.fine_min:
        raise DomainError(f"{label}：减轻处罚应低于法定最低限度（规则 REV-09）。", rule="REV-09",
                          fields={"fine_max": "减轻处罚应低于法定最低限度。"})
    return out


def _write_tiers(matter: Matter, tiers: list[dict]) -> list[BenchmarkTier]:
    seen = set()
    cleaned = []
    for i, data in enumerate(tiers, 1):
        row = _validate_tier(matter, data, i)
        if row["tier"] in seen:
            raise DomainError(f"裁量基准第{i}行：阶次“{BenchmarkTier.Tier(row['tier']).label}”重复。",
                              fields={"tier": "阶次重复。"})
        seen.add(row["tier"])
        cleaned.append(row)
    matter.tiers.all().delete()
    order = {t: i for i, t in enumerate(BenchmarkTier.ORDER)}
    return [BenchmarkTier.objects.create(matter=matter, position=order[row["tier"]], **row) for row in cleaned]


def _check_bases(bases: list) -> list[LegalBasis]:
    out = []
    for b in bases:
        if not isinstance(b, LegalBasis):
            b = LegalBasis.objects.filter(pk=b).first()
            if b is None:
                raise DomainError("所选法律依据不存在。", fields={"legal_bases": "法律依据不存在。"})
        out.append(b)
    return out


def _save_matter(matter: Matter, *, bases: list[LegalBasis] | None, tiers: list[dict] | None) -> None:
    _clean(matter, exclude=["search_text", "agency", "legal_bases"])
    if matter.department_id and matter.department.agency_id != matter.agency_id:
        raise DomainError("承办机构不属于该实施主体。", fields={"department": "承办机构不属于该实施主体。"})
    if matter.post_id and matter.post.agency_id != matter.agency_id:
        raise DomainError("责任岗位不属于该实施主体。", fields={"post": "责任岗位不属于该实施主体。"})
    current_bases = bases if bases is not None else (list(matter.legal_bases.all()) if matter.pk else [])
    matter._pending_tiers = tiers
    matter.search_text = _matter_search_text(matter, current_bases)
    matter.save()
    if bases is not None:
        matter.legal_bases.set(bases)
    if tiers is not None:
        _write_tiers(matter, tiers)


@transaction.atomic
def matter_create(*, agency: Agency, code: str, actor, legal_bases: Iterable = (), tiers: Iterable[dict] = (),
                  **fields) -> Matter:
    """A new power-list item, as draft version 1."""
    code = (code or "").strip()
    if not code:
        raise DomainError("“事项编码”不能为空。", fields={"code": "不能为空。"})
    if Matter.objects.filter(code=code).exists():
        raise Conflict(f"事项编码“{code}”已存在；修订请创建新版本。", code="matter_exists", fields={"code": "编码已存在。"})
    matter = Matter(agency=agency, code=code, version=1, status=S.DRAFT)
    _assign(matter, fields)
    _save_matter(matter, bases=_check_bases(list(legal_bases)), tiers=list(tiers))
    ledger_append(kind="matter_drafted", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "name": matter.name},
                  rows=[_snapshot(matter), *_tier_snapshots(matter)])
    return matter


def _lock(obj: models.Model) -> models.Model:
    return type(obj).objects.select_for_update().get(pk=obj.pk)


@transaction.atomic
def matter_update(*, matter: Matter, actor, legal_bases: Iterable | None = None,
                  tiers: Iterable[dict] | None = None, **fields) -> Matter:
    """Edit a draft. A submitted, reviewed or published version cannot be edited (P3)."""
    matter = _lock(matter)
    if matter.status != S.DRAFT:
        raise Conflict(f"{matter}处于“{matter.get_status_display()}”状态，只有草稿可以修改；"
                       "已公布的事项请创建新版本。", code="not_draft")
    _assign(matter, fields)
    _save_matter(matter, bases=_check_bases(list(legal_bases)) if legal_bases is not None else None,
                 tiers=list(tiers) if tiers is not None else None)
    ledger_append(kind="matter_draft_changed", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "fields": sorted(fields)},
                  rows=[_snapshot(matter), *_tier_snapshots(matter)])
    return matter


def matter_check_complete(matter: Matter) -> None:
    """What a matter needs before it may be reviewed (PEN-01, PEN-02, REV-09, PUB-01)."""
    bases = list(matter.legal_bases.all())
    if not bases:
        raise DomainError("事项没有法律依据，不能提交审查（规则 PUB-01）。", code="no_basis", rule="PUB-01",
                          fields={"legal_bases": "至少需要一条法律依据。"})
    if matter.kind == Matter.Kind.PENALTY:
        if not any(b.level in LegalBasis.PENALTY_LEVELS for b in bases):
            raise DomainError("行政处罚事项的依据应为法律、法规或规章，规范性文件不得设定行政处罚（规则 PEN-02）。",
                              code="basis_level", rule="PEN-02", fields={"legal_bases": "缺少法律、法规或规章依据。"})
        if not matter.violation.strip():
            raise DomainError("行政处罚事项应写明违法行为（规则 REV-09）。", rule="REV-09",
                              fields={"violation": "不能为空。"})
        if not matter.penalty_types:
            raise DomainError("行政处罚事项应列明处罚种类（规则 PEN-01）。", rule="PEN-01",
                              fields={"penalty_types": "不能为空。"})
        if PenaltyType.OTHER in matter.penalty_types and not any(b.level in LegalBasis.STATUTE_LEVELS
                                                                   for b in bases):
            raise DomainError("“其他行政处罚”只能由法律、行政法规规定（规则 PEN-01）。", rule="PEN-01",
                              fields={"penalty_types": "需要法律或行政法规依据。"})
        if PenaltyType.DETENTION in matter.penalty_types and not setting_value("detention_allowed",
                                                                                agency=matter.agency):
            raise DomainError("行政拘留只能由公安机关等法律授权的机关实施（规则 PEN-01）。", code="detention_forbidden",
                              rule="PEN-01", fields={"penalty_types": "该主体不能实施行政拘留。"})
    elif matter.penalty_types:
        raise DomainError("只有行政处罚事项可以列明处罚种类。", fields={"penalty_types": "非处罚事项不应填写。"})


def _move(matter: Matter, *, allowed_from: tuple[str, ...], to: str, verb: str) -> Matter:
    matter = _lock(matter)
    if matter.status not in allowed_from:
        raise Conflict(f"{matter}处于“{matter.get_status_display()}”状态，不能{verb}（规则 PUB-01）。",
                       code="bad_status", rule="PUB-01")
    matter.status = to
    return matter


@transaction.atomic
def matter_submit_review(*, matter: Matter, actor) -> Matter:
    matter = _move(matter, allowed_from=(S.DRAFT,), to=S.SUBMITTED, verb="提交合法性审查")
    matter_check_complete(matter)
    matter.save(update_fields=["status"])
    ledger_append(kind="matter_submitted_for_review", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version}, rows=[_snapshot(matter)])
    return matter


@transaction.atomic
def matter_review_pass(*, matter: Matter, actor, opinion: str = "同意") -> Matter:
    """The legality review (合法性审查) before publication (P3)."""
    matter = _move(matter, allowed_from=(S.SUBMITTED,), to=S.REVIEWED, verb="审查通过")
    matter.review_opinion = opinion or "同意"
    matter.save(update_fields=["status", "review_opinion"])
    ledger_append(kind="matter_review_passed", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "opinion": matter.review_opinion},
                  rows=[_snapshot(matter)])
    return matter


@transaction.atomic
def matter_review_reject(*, matter: Matter, actor, opinion: str) -> Matter:
    if not (opinion or "").strip():
        raise DomainError("退回时应写明审查意见。", fields={"opinion": "不能为空。"})
    matter = _move(matter, allowed_from=(S.SUBMITTED,), to=S.DRAFT, verb="退回")
    matter.review_opinion = opinion
    matter.save(update_fields=["status", "review_opinion"])
    ledger_append(kind="matter_review_rejected", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "opinion": opinion},
                  rows=[_snapshot(matter)])
    return matter


@transaction.atomic
def matter_publish(*, matter: Matter, actor, effective_from: dt.date | None = None) -> Matter:
    """Publish a reviewed version; the previously published version of the code is superseded."""
    matter = _move(matter, allowed_from=(S.REVIEWED,), to=S.PUBLISHED, verb="公布")
    effective_from = effective_from or timezone.localdate()
    rows = []
    for old in Matter.objects.select_for_update().filter(code=matter.code, status=S.PUBLISHED):
        old.status = S.SUPERSEDED
        old.effective_to = effective_from
        old.save(update_fields=["status", "effective_to"])
        rows.append(_snapshot(old))
    matter.effective_from = effective_from
    matter.published_at = timezone.now()
    matter.save(update_fields=["status", "effective_from", "published_at"])
    ledger_append(kind="matter_published", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "effective_from": effective_from,
                           "superseded": [r.id for r in rows]},
                  rows=[_snapshot(matter), *rows, *_tier_snapshots(matter)])
    return matter


@transaction.atomic
def matter_withdraw(*, matter: Matter, actor, reason: str) -> Matter:
    if not (reason or "").strip():
        raise DomainError("撤销公布应写明理由。", fields={"reason": "不能为空。"})
    matter = _move(matter, allowed_from=(S.PUBLISHED,), to=S.WITHDRAWN, verb="撤销")
    matter.effective_to = timezone.localdate()
    matter.change_reason = reason
    matter.save(update_fields=["status", "effective_to", "change_reason"])
    ledger_append(kind="matter_withdrawn", actor=actor, subject=matter,
                  payload={"code": matter.code, "version": matter.version, "reason": reason},
                  rows=[_snapshot(matter)])
    return matter


@transaction.atomic
def matter_new_version(*, matter: Matter, actor, reason: str, legal_bases: Iterable | None = None,
                       tiers: Iterable[dict] | None = None, **fields) -> Matter:
    """A law change or a correction: copy the latest version into a new draft (the old is kept)."""
    if not (reason or "").strip():
        raise DomainError("新建版本应写明修订原因。", fields={"change_reason": "不能为空。"})
    latest = Matter.objects.select_for_update().filter(code=matter.code).order_by("-version").first()
    if latest.status in (S.DRAFT, S.SUBMITTED, S.REVIEWED):
        raise Conflict(f"事项“{matter.code}”已有未公布的第{latest.version}版，请在该版本上修改。",
                       code="open_version")
    new = Matter(agency=latest.agency, code=latest.code, version=latest.version + 1, status=S.DRAFT,
                 change_reason=reason)
    _assign(new, {f: getattr(latest, f) for f in MATTER_FIELDS})
    _assign(new, fields)
    old_tiers = [{f: getattr(t, f) for f in TIER_FIELDS} for t in latest.tiers.all()]
    bases = _check_bases(list(legal_bases)) if legal_bases is not None else list(latest.legal_bases.all())
    _save_matter(new, bases=bases, tiers=list(tiers) if tiers is not None else old_tiers)
    ledger_append(kind="matter_version_drafted", actor=actor, subject=new,
                  payload={"code": new.code, "version": new.version, "from_version": latest.version,
                           "reason": reason},
                  rows=[_snapshot(new), *_tier_snapshots(new)])
    return new


# --- the three lists -----------------------------------------------------------------------------

LIST_MODELS = {
    "major": MajorDecisionCriterion,
    "av": AvRecordingItem,
    "inspection": RandomInspectionItem,
}
_LIST_TEXT = {
    MajorDecisionCriterion: ("title", "basis", "matter_code"),
    AvRecordingItem: ("act_code", "name", "basis", "retention"),
    RandomInspectionItem: ("name", "basis", "body", "targets", "content", "method"),
}


def _list_search_text(item) -> str:
    parts = [str(getattr(item, f) or "") for f in _LIST_TEXT[type(item)]]
    return search_text_for(item.agency.name, *parts)


@transaction.atomic
def list_item_create(*, model: type[models.Model], agency: Agency, actor, **fields):
    """A draft row of one of the three lists (REV-03 catalogue, REC-02 AV list, D1 inspection list)."""
    if model not in _LIST_TEXT:
        raise DomainError("未知的清单类型。")
    allowed = {f.name for f in model._meta.concrete_fields} - {"id", "agency", "status", "effective_from",
                                                               "effective_to", "published_at", "search_text"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"不认识的字段：{'、'.join(sorted(unknown))}。", fields={k: "不认识的字段。" for k in unknown})
    for f in DECIMAL_FIELDS & set(fields):
        fields[f] = _decimal(fields[f], f, str(model._meta.get_field(f).verbose_name))
    item = model(agency=agency, status=S.DRAFT, **fields)
    _clean(item, exclude=["search_text"])
    item.search_text = _list_search_text(item)
    item.save()
    ledger_append(kind=f"{model._meta.model_name}_drafted", actor=actor, subject=item,
                  payload={"agency": agency.pk}, rows=[_snapshot(item)])
    return item


_LIST_MOVES = {
    "submit": ((S.DRAFT,), S.SUBMITTED, "提交审查"),
    "pass": ((S.SUBMITTED,), S.REVIEWED, "审查通过"),
    "reject": ((S.SUBMITTED,), S.DRAFT, "退回"),
    "publish": ((S.REVIEWED,), S.PUBLISHED, "公布"),
    "withdraw": ((S.PUBLISHED,), S.WITHDRAWN, "撤销"),
}


@transaction.atomic
def list_item_transition(*, item, action: str, actor, note: str = ""):
    """Move a list row through publication review (P3). Published rows are never edited: a change
    is a new row, and the old one is withdrawn."""
    if action not in _LIST_MOVES:
        raise DomainError(f"未知的操作“{action}”。", fields={"action": "未知的操作。"})
    allowed_from, to, verb = _LIST_MOVES[action]
    item = _lock(item)
    if item.status not in allowed_from:
        raise Conflict(f"该条目处于“{item.get_status_display()}”状态，不能{verb}（规则 PUB-01）。",
                       code="bad_status", rule="PUB-01")
    item.status = to
    if to == S.PUBLISHED:
        item.effective_from = timezone.localdate()
        item.published_at = timezone.now()
    if to == S.WITHDRAWN:
        item.effective_to = timezone.localdate()
    item.save()
    ledger_append(kind=f"{item._meta.model_name}_{action}", actor=actor, subject=item,
                  payload={"status": to, "note": note}, rows=[_snapshot(item)])
    return item


# --- CONFIG settings -----------------------------------------------------------------------------


def setting_value(key: str, *, agency: Agency | None = None):
    """The value for an agency: its own override, else its region's or a region above, else the
    national default (a selector, kept here so services can use it)."""
    if key not in settings_registry.DEFAULTS:
        raise KeyError(key)
    if agency is not None:
        chain, region = [], agency.region  # nearest first; parents already loaded cost no query
        while region is not None and region.pk not in chain:
            chain.append(region.pk)
            region = region.parent
        # One query for every row that could apply; the agency's own wins, then the nearest region.
        by_scope = {(None if a else r): v for a, r, v in _setting_rows(key, agency.pk, chain)}  # None: own
        for scope in [None, *chain]:
            if scope in by_scope:
                return settings_registry.coerce(key, by_scope[scope])
    return settings_registry.DEFAULTS[key][0]


def _setting_rows(key: str, agency_id: int, region_ids: list[int]) -> list[tuple]:
    """(agency_id, region_id, value) of the rows of `key` for the agency or, agency-less, for one of
    the regions. Plain SQL: PEN-16 asks for `min_officers` on nearly every step of a case, and the
    ORM spent ten times longer compiling this query than the database answering it."""
    table = connection.ops.quote_name(CatalogSetting._meta.db_table)
    regions = ""
    if region_ids:
        regions = f" OR (agency_id IS NULL AND region_id IN ({placeholders(region_ids)}))"
    with connection.cursor() as cur:
        cur.execute(f'SELECT agency_id, region_id, value FROM {table}'
                    f' WHERE "key" = %s AND (agency_id = %s{regions})', [key, agency_id, *region_ids])
        # JSON comes back as text on both databases (Django reads jsonb as text and decodes it itself)
        return [(a, r, json.loads(v) if isinstance(v, str) else v) for a, r, v in cur.fetchall()]


@transaction.atomic
def setting_set(*, key: str, value, actor, agency: Agency | None = None, region: Region | None = None,
                note: str = "") -> CatalogSetting:
    """Override a CONFIG value for an agency or a region (administrators only, at the entry point)."""
    if key not in settings_registry.DEFAULTS:
        raise DomainError(f"未知的参数“{key}”。", fields={"key": "未知的参数。"})
    if agency is not None and region is not None:
        raise DomainError("参数只能针对一个主体或一个区划设置。", fields={"agency": "主体与区划只能选一个。"})
    try:
        value = settings_registry.coerce(key, value)
    except (ValueError, InvalidOperation):
        label = settings_registry.DEFAULTS[key][1]
        raise DomainError(f"“{label}”的取值无效。", fields={"value": "取值无效。"}) from None
    row = CatalogSetting.objects.select_for_update().filter(key=key, agency=agency, region=region).first()
    if row is None:
        row = CatalogSetting(key=key, agency=agency, region=region)
    row.value = value
    row.note = note
    row.save()
    ledger_append(kind="catalog_setting_set", actor=actor, subject=row,
                  payload={"key": key, "value": value, "agency": getattr(agency, "pk", None),
                           "region": getattr(region, "pk", None), "rule": settings_registry.DEFAULTS[key][2]},
                  rows=[_snapshot(row)])
    return row
