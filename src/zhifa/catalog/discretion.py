"""Applying the discretion benchmark (REV-09, REV-10; PEN-07, PEN-09, PEN-10) and matching the
major-decision catalogue (REV-01, REV-03). Pure reads: they decide, the case records.

Circumstances (all optional) for `benchmark_apply`:
  no_fault             当事人有证据足以证明没有主观过错 (PEN-10 para 2: no penalty)
  minor, no_harm       违法行为轻微, 没有造成危害后果 (with corrected_promptly: PEN-10 para 1, no penalty)
  first_offence, harm_minor, corrected_promptly   首违 (PEN-10 para 1, second sentence: may be no penalty)
  mitigating           list of PEN-09 grounds: eliminated_harm, coerced, confessed, meritorious, other_law
  minor_age            已满十四周岁不满十八周岁 (PEN-07: lighter or mitigated)
  aggravating          list of flags such as repeat_offence, serious_harm, obstruct, vulnerable
  illegal_gains, goods_value   amounts (yuan) that multiples apply to
  any other flag a tier names in its `flags`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from zhifa.core.errors import DomainError

from .models import BenchmarkTier, MajorDecisionCriterion, Matter, PublicationStatus

T = BenchmarkTier.Tier
PEN09_GROUNDS = {
    "eliminated_harm": "主动消除或者减轻违法行为危害后果",
    "coerced": "受他人胁迫或者诱骗实施违法行为",
    "confessed": "主动供述行政机关尚未掌握的违法行为",
    "meritorious": "配合行政机关查处违法行为有立功表现",
    "other_law": "法律、法规、规章规定其他应当从轻或者减轻行政处罚的",
}


@dataclass(frozen=True)
class FineRange:
    minimum: Decimal | None
    maximum: Decimal | None
    multiple_min: Decimal | None = None
    multiple_max: Decimal | None = None
    multiple_of: str = ""

    def __str__(self) -> str:
        parts = []
        if self.minimum is not None or self.maximum is not None:
            parts.append(f"罚款{yuan(self.minimum)}元至{yuan(self.maximum)}元")
        if self.multiple_min is not None:
            base = "违法所得" if self.multiple_of == "illegal_gains" else "货值金额"
            parts.append(f"{base}{self.multiple_min}倍至{self.multiple_max}倍")
        return "，".join(parts) or "无罚款幅度"


def yuan(v) -> str:
    """An amount of yuan as a user reads it: 20000, not 20000.00 or 2E+4; "—" for none."""
    if v is None:
        return "—"
    v = v if isinstance(v, Decimal) else Decimal(str(v))
    return f"{v.normalize():f}" if v == v.to_integral() else f"{v:f}"


@dataclass
class BenchmarkResult:
    tier: str
    tier_label: str
    range: FineRange | None
    basis: list[str]
    reasons: list[str]
    other_penalties: str = ""
    mandatory: bool = True
    statutory: FineRange | None = None
    matter_code: str = ""
    matter_version: int = 0
    rules: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        rng = self.range
        return {
            "tier": self.tier, "tier_label": self.tier_label,
            "range": None if rng is None else {"min": rng.minimum, "max": rng.maximum, "text": str(rng)},
            "basis": self.basis, "reasons": self.reasons, "other_penalties": self.other_penalties,
            "mandatory": self.mandatory, "rules": self.rules,
            "matter_code": self.matter_code, "matter_version": self.matter_version,
        }


def _flag(circumstances: dict, name: str) -> bool:
    if circumstances.get(name):
        return True
    return name in (circumstances.get("mitigating") or []) or name in (circumstances.get("aggravating") or [])


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except Exception:
        raise DomainError("涉案金额应为数字。", fields={"amount": "应为数字。"}) from None


def _range_for(tier: BenchmarkTier | None, matter: Matter, circumstances: dict) -> FineRange | None:
    if tier is None or tier.tier == T.NO_PENALTY:
        return None
    lo, hi = tier.fine_min, tier.fine_max
    if tier.multiple_min is not None and matter.multiple_of:
        base = _amount(circumstances.get(matter.multiple_of))
        if base is not None and base > 0 and (matter.multiple_threshold is None or base >= matter.multiple_threshold
                                              or lo is None):
            lo, hi = (tier.multiple_min * base).quantize(Decimal("0.01")), \
                (tier.multiple_max * base).quantize(Decimal("0.01"))
    return FineRange(lo, hi, tier.multiple_min, tier.multiple_max, matter.multiple_of)


def benchmark_apply(*, matter: Matter, circumstances: dict) -> BenchmarkResult:
    """The tier, the range and the basis the recorded facts point to (REV-09). The decision must
    state how the benchmark was applied (REV-10, PEN-33)."""
    if matter.kind != Matter.Kind.PENALTY:
        raise DomainError(f"“{matter.name}”不是行政处罚事项，没有裁量基准。", code="not_penalty", rule="REV-09")
    tiers = {t.tier: t for t in matter.tiers.all()}
    if not tiers:
        raise DomainError(f"“{matter.name}”尚未制定裁量基准（规则 REV-09）。", code="no_benchmark", rule="REV-09")
    c = circumstances or {}
    reasons: list[str] = []
    rules: list[str] = ["REV-09"]
    chosen: str | None = None
    mandatory = True

    # PEN-10: no penalty is mandatory in these two cases, whatever the benchmark says.
    if _flag(c, "no_fault"):
        chosen = T.NO_PENALTY
        reasons.append("当事人有证据足以证明没有主观过错，不予行政处罚（行政处罚法第三十三条第二款）。")
        rules.append("PEN-10")
    elif _flag(c, "minor") and _flag(c, "corrected_promptly") and _flag(c, "no_harm"):
        chosen = T.NO_PENALTY
        reasons.append("违法行为轻微并及时改正，没有造成危害后果，不予行政处罚（行政处罚法第三十三条第一款）。")
        rules.append("PEN-10")
    else:
        for name in BenchmarkTier.ORDER:
            tier = tiers.get(name)
            if tier is not None and tier.flags and all(_flag(c, f) for f in tier.flags):
                chosen = name
                reasons.append(f"符合“{tier.get_tier_display()}”的适用情形：{tier.conditions}")
                if name == T.NO_PENALTY:
                    mandatory = False
                    reasons.append("初次违法且危害后果轻微并及时改正的，可以不予行政处罚（行政处罚法第三十三条第一款）。")
                    rules.append("PEN-10")
                break
        if chosen is None:
            chosen = T.GENERAL
            reasons.append("无法定或基准规定的从轻、减轻、从重情节，适用一般处罚。")

    # PEN-09 / PEN-07: a mandatory ground forbids the general or heavier tier.
    grounds = [PEN09_GROUNDS.get(g, g) for g in (c.get("mitigating") or [])]
    if c.get("minor_age"):
        grounds.append("已满十四周岁不满十八周岁的未成年人（行政处罚法第三十条）")
        rules.append("PEN-07")
    if grounds and chosen in (T.GENERAL, T.HEAVIER):
        target = T.LIGHTER if T.LIGHTER in tiers else T.MITIGATED
        reasons.append(f"具有应当从轻或者减轻处罚的情形（{'；'.join(grounds)}），适用"
                       f"“{T(target).label}”（行政处罚法第三十二条）。")
        if _flag(c, "aggravating") or c.get("aggravating"):
            reasons.append("同时存在从重情节，依法仍应从轻或者减轻。")
        chosen = target
        rules.append("PEN-09")

    tier_row = tiers.get(chosen)
    if tier_row is None and chosen != T.NO_PENALTY:
        raise DomainError(f"裁量基准缺少“{T(chosen).label}”阶次，无法适用（规则 REV-09）。", code="tier_missing",
                          rule="REV-09")
    bases = [b.citation for b in matter.legal_bases.all()]
    bases.append(f"裁量基准：{matter.code}（第{matter.version}版）{T(chosen).label}")
    statutory = statutory_range(matter, c)
    return BenchmarkResult(
        tier=str(chosen), tier_label=T(chosen).label, range=_range_for(tier_row, matter, c), basis=bases,
        reasons=reasons, other_penalties=tier_row.other_penalties if tier_row else "", mandatory=mandatory,
        statutory=statutory, matter_code=matter.code, matter_version=matter.version, rules=rules,
    )


MULTIPLE_BASES = {"illegal_gains": "违法所得", "goods_value": "货值金额"}


def _multiple_base(matter: Matter, amounts: dict) -> Decimal | None:
    """The 违法所得 or 货值金额 a multiples fine applies to in this case: given, positive, and from
    the matter's threshold up (below it the fixed range applies; a multiples-only matter has none)."""
    if matter.multiple_max is None or not matter.multiple_of:
        return None
    base = _amount(amounts.get(matter.multiple_of))
    if base is not None and base > 0 and (matter.multiple_threshold is None or base >= matter.multiple_threshold
                                          or matter.fine_max is None):
        return base
    return None


def statutory_range(matter: Matter, amounts: dict) -> FineRange:
    """REV-09: the fine the law allows in this case -- multiples of the case's 违法所得 or 货值金额
    where they apply (e.g. 食品安全法 Art. 124: 货值金额一万元以上的，十倍以上二十倍以下), else the
    fixed range. The decision is held to it (`deviation_requires`)."""
    lo, hi = matter.fine_min, matter.fine_max
    base = _multiple_base(matter, amounts)
    if base is not None:
        lo = (matter.multiple_min * base).quantize(Decimal("0.01")) if matter.multiple_min is not None else None
        hi = (matter.multiple_max * base).quantize(Decimal("0.01"))
    return FineRange(lo, hi, matter.multiple_min, matter.multiple_max, matter.multiple_of)


def statutory_fine_max(matter: Matter, *, illegal_gains=None, goods_value=None) -> tuple[Decimal | None, str]:
    """PEN-06 (Art. 29): the highest fine `matter` allows for this case, and how it was found.
    A matter that fines by multiples uses multiple_max × the case's 违法所得 or 货值金额 when the
    case gives it (from the threshold up, as `statutory_range` does); otherwise its fine_max. None when
    neither can be computed (a multiples-only matter and no amount)."""
    amounts = {"illegal_gains": illegal_gains, "goods_value": goods_value}
    base = _multiple_base(matter, amounts)
    if base is not None:
        label = MULTIPLE_BASES.get(matter.multiple_of, matter.multiple_of)
        return statutory_range(matter, amounts).maximum, f"{label}{yuan(base)}元的{yuan(matter.multiple_max)}倍"
    if matter.fine_max is not None:
        return matter.fine_max, "法定罚款上限"
    if matter.multiple_max is not None:
        label = MULTIPLE_BASES.get(matter.multiple_of, "倍数基数")
        return None, f"按{label}的倍数计罚，本案未填写{label}，无法计算"
    if matter.fine_min is not None or "fine" in (matter.penalty_types or []):
        return None, "未载明罚款上限，无法计算"
    return Decimal("0"), "未规定罚款"


@dataclass
class Deviation:
    deviates: bool
    allowed: bool
    reason_required: bool
    collective_discussion_required: bool
    rule: str
    message: str


def deviation_requires(*, result: BenchmarkResult, proposed_amount) -> Deviation:
    """What a proposed fine outside the benchmark range needs (REV-10; 国办发〔2022〕27号 (十二)):
    a written reason and approval by the main head or collective discussion. A fine outside the
    statutory range is refused, except below the minimum under a 减轻 tier (REV-09)."""
    amount = _amount(proposed_amount)
    if amount is None:
        raise DomainError("请填写拟处罚款金额。", fields={"proposed_amount": "不能为空。"})
    st = result.statutory
    if st is not None and result.tier != T.MITIGATED and (
            (st.minimum is not None and amount < st.minimum and result.tier != T.NO_PENALTY)
            or (st.maximum is not None and amount > st.maximum)):
        return Deviation(True, False, True, True, "REV-09",
                         f"拟处罚款{yuan(amount)}元超出法定幅度（{st}），不得作出（规则 REV-09）。")
    if st is not None and st.maximum is not None and amount > st.maximum:
        return Deviation(True, False, True, True, "REV-09",
                         f"拟处罚款{yuan(amount)}元超出法定最高限额，不得作出（规则 REV-09）。")
    rng = result.range
    if result.tier == T.NO_PENALTY:
        inside = amount == 0
    elif rng is None or (rng.minimum is None and rng.maximum is None):
        inside = True
    else:
        inside = (rng.minimum is None or amount >= rng.minimum) and (rng.maximum is None or amount <= rng.maximum)
    if inside:
        return Deviation(False, True, False, False, "REV-10", "拟处罚款在裁量基准幅度内。")
    return Deviation(True, True, True, True, "REV-10",
                     f"拟处罚款{yuan(amount)}元不在“{result.tier_label}”幅度（{rng or '不予处罚'}）内："
                     "应当说明理由，并经机关主要负责人批准或者集体讨论决定（规则 REV-10）。")


def major_decision_match(*, agency, matter: Matter | None = None, penalty_types=(), amount=None,
                         hearing_held: bool = False, public_interest: bool = False,
                         complex: bool = False) -> list[str]:
    """Why a decision needs legal review: the statutory grounds (REV-01, 行政处罚法 Art. 58) OR-ed
    with the agency's published catalogue (REV-03). An empty list means no review is required."""
    reasons: list[str] = []
    if public_interest:
        reasons.append("涉及重大公共利益（行政处罚法第五十八条第一款第（一）项，规则 REV-01）")
    if hearing_held:
        reasons.append("直接关系当事人或者第三人重大权益，经过听证程序（行政处罚法第五十八条第一款第（二）项，规则 REV-01）")
    if complex:
        reasons.append("案件情况疑难复杂、涉及多个法律关系（行政处罚法第五十八条第一款第（三）项，规则 REV-01）")
    amount_d = _amount(amount)
    penalty_types = set(penalty_types or [])
    rows = MajorDecisionCriterion.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED)
    for row in rows:
        if row.matter_kind and (matter is None or matter.kind != row.matter_kind):
            continue
        if row.matter_code and (matter is None or matter.code != row.matter_code):
            continue
        if row.penalty_type and row.penalty_type not in penalty_types:
            continue
        if row.amount_threshold is not None and (amount_d is None or amount_d < row.amount_threshold):
            continue
        if row.hearing_held and not hearing_held:
            continue
        if row.public_interest and not public_interest:
            continue
        if row.complex_case and not complex:
            continue
        reasons.append(f"属于本机关重大执法决定法制审核目录：{row.title}（规则 REV-03）")
    return reasons



# --- thresholds that come from CONFIG settings (PEN-23, PEN-30) ---------------------------------

_HEARING_TYPES = {
    "downgrade": "降低资质等级", "revoke_licence": "吊销许可证件", "suspend_business": "责令停产停业",
    "close": "责令关闭", "restrict_practice": "限制从业",
}
_HEAVY_GROUPS = {"suspend_licence", "restrict_business"}  # Art. 9 groups (3)-(4) not named in Art. 63


def hearing_right(*, agency, party_is_person: bool, penalty_types=(), fine_amount=None,
                  confiscation_value=None) -> tuple[list[str], list[str]]:
    """PEN-30 (行政处罚法 Art. 63): (reasons the party must be told of the right to a hearing,
    warnings asking the user to judge "其他较重的行政处罚"). 较大数额 is a CONFIG setting."""
    from .services import setting_value

    who = "person" if party_is_person else "org"
    reasons, warnings = [], []
    fine = _amount(fine_amount)
    limit = Decimal(setting_value(f"hearing_fine_{who}", agency=agency))
    if fine is not None and fine >= limit:
        reasons.append(f"较大数额罚款（{yuan(fine)}元，达到{yuan(limit)}元，规则 PEN-30）")
    value = _amount(confiscation_value)
    limit = Decimal(setting_value(f"hearing_confiscation_{who}", agency=agency))
    if value is not None and value >= limit:
        reasons.append(f"没收较大数额违法所得或者较大价值非法财物（{yuan(value)}元，规则 PEN-30）")
    for t in penalty_types or ():
        if t in _HEARING_TYPES:
            reasons.append(f"{_HEARING_TYPES[t]}（行政处罚法第六十三条，规则 PEN-30）")
        elif t in _HEAVY_GROUPS or t == "detention":
            warnings.append(f"“{t}”可能属于其他较重的行政处罚，请确认是否告知听证权利（规则 PEN-30）")
    return reasons, warnings


def simple_procedure_allowed(*, agency, party_is_person: bool, penalty_types=(), fine_amount=None) -> tuple[bool, str]:
    """PEN-23 (行政处罚法 Art. 51): 警告, or a fine of at most 200 yuan (person) / 3,000 yuan
    (organisation); boundaries inclusive. Other penalty types need the ordinary procedure."""
    from .services import setting_value

    types = set(penalty_types or ())
    if not types or not types <= {"warning", "fine"}:
        return False, "当场处罚只适用于警告或者罚款（规则 PEN-23）。"
    if "fine" in types:
        fine = _amount(fine_amount)
        limit = Decimal(setting_value("simple_fine_person" if party_is_person else "simple_fine_org", agency=agency))
        if fine is None or fine > limit:
            who = "公民" if party_is_person else "法人或者其他组织"
            return False, f"对{who}当场罚款不得超过{yuan(limit)}元（规则 PEN-23）。"
    return True, "可以适用简易程序当场作出行政处罚决定（规则 PEN-23）。"
