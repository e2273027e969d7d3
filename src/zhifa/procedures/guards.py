"""Guards shared by the penalty procedures, each enforcing one rule of RULES.md (the id is the
first argument of `@guard`). A guard refuses (BLOCK, unmet REQUIRE) or warns (WARN); see
`zhifa.cases.engine`."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db.models import F, Q, Value

from zhifa.cases.engine import TransitionContext, guard
from zhifa.cases.inputs import Field
from zhifa.cases.models import Case, Party
from zhifa.cases.selectors import case_team
from zhifa.catalog.discretion import statutory_fine_max, yuan
from zhifa.catalog.models import LegalBasis, Matter, PenaltyType, PublicationStatus
from zhifa.catalog.services import setting_value
from zhifa.core.deadlines import compute_due
from zhifa.core.errors import DomainError
from zhifa.core.identifiers import parse_resident_id
from zhifa.org.models import Officer, Region
from zhifa.org.selectors import officers_may_act, region_chain_codes

from .common import fine_of


def acting_officers(ctx: TransitionContext, team: list[Officer]) -> list[Officer]:
    """The officers acting on this step: those of the case team named in its input, else the team."""
    named = set(ctx.data.get("officers") or ())
    return [officer for officer in team if officer.pk in named] if named else team


def eligible_officers(ctx: TransitionContext, team: list[Officer]) -> tuple[list, list[str]]:
    """(officers who may act, reasons for those who may not) among the acting part of `team`, which
    the caller has just read from the database, so `active` is current."""
    case = ctx.case
    if case.matter is None or case.matter.category is None:
        return [], ["本案未关联载明执法类别的执法事项，无法核验执法证件（规则 PEN-16）。"]
    ok, refusals = [], []
    team = acting_officers(ctx, team)
    checked = officers_may_act(officers=team, category_code=case.matter.category.code,
                               region=case.agency.region, on_date=ctx.on_date, fresh=True)
    for officer in team:
        e = checked[officer.pk]
        (ok if e else refusals).append(officer if e else e.reason)
    return ok, refusals


@guard("PEN-16", "两名以上持有效执法证件的执法人员")
def two_certified_officers(ctx: TransitionContext) -> None:
    """PEN-16 (行政处罚法 Art. 42): at least two officers, each holding on the act's date a valid
    certificate covering the matter's category and the case's region (issue 5 item 4)."""
    team = case_team(ctx.case.pk)
    if set(ctx.data.get("officers") or ()) - {officer.pk for officer in team}:
        ctx.refuse("PEN-16", "所列执法人员不是本案承办人员（规则 PEN-16）。", field="officers")
    ok, refusals = eligible_officers(ctx, team)
    if refusals:
        ctx.refuse("PEN-16", "；".join(refusals))
    minimum = int(setting_value("min_officers", agency=ctx.case.agency))
    if len(ok) < minimum:
        ctx.refuse("PEN-16", f"执法人员不得少于{minimum}人，且均应持有有效执法证件；本环节仅有{len(ok)}人符合"
                             "（行政处罚法第四十二条，规则 PEN-16）。")


@guard("PEN-17", "承办人员回避声明")
def conflicts_declared(ctx: TransitionContext) -> None:
    """PEN-17 (Art. 43): a conflict-of-interest declaration per officer per case."""
    missing = [officer.name for officer in case_team(ctx.case.pk, undeclared=True)]
    if missing:
        ctx.refuse("PEN-17", f"{'、'.join(missing)}尚未声明无应当回避的情形（规则 PEN-17）。")


@guard("PEN-17", "回避申请已决定")
def recusal_resolved(ctx: TransitionContext) -> None:
    """PEN-17: a recusal application does not stop the investigation but blocks the decision
    until the agency head decides it."""
    applied = ctx.case.data.get("apply_recusal")
    decided = ctx.case.data.get("decide_recusal")
    if applied and (not decided or decided.get("entry", 0) < applied.get("entry", 0)):
        ctx.refuse("PEN-17", "当事人申请回避，机关负责人尚未作出决定，不得作出处罚决定（规则 PEN-17）。")


@guard("PEN-02", "执法事项及法定依据")
def matter_with_basis(ctx: TransitionContext) -> None:
    """PEN-02 (Arts. 4, 16): a published matter whose bases include a 法律/法规/规章."""
    matter = ctx.case.matter
    if matter is None:
        ctx.refuse("PEN-02", "请先确定本案适用的执法事项（权责清单）（规则 PEN-02）。", field="matter")
        return
    if matter.status != "published":
        ctx.refuse("PEN-02", f"执法事项“{matter.name}”不是已公布的版本（规则 PEN-02）。", field="matter")
    if not matter.legal_bases.filter(level__in=LegalBasis.PENALTY_LEVELS).exists():
        ctx.refuse("PEN-02", "执法事项没有法律、法规或者规章层级的依据，规范性文件不得设定行政处罚（规则 PEN-02）。")


def limitation_end(case) -> tuple[dt.date | None, str]:
    """PEN-11 (Art. 36): 2 years from the act (its end for a continuing act), 5 years for life,
    health or financial safety with harmful consequences."""
    start = case.act_ended_on or case.occurred_on
    if start is None:
        return None, ""
    five = bool(case.data.get("register", {}).get("life_health_or_finance_harm"))
    due = compute_due(rule_id="PEN-11:5y" if five else "PEN-11", start=start)
    return due.date, "五年" if five else "二年"


@guard("PEN-11", "追责时效")
def within_limitation(ctx: TransitionContext) -> None:
    end, span = limitation_end(ctx.case)
    if end is None:
        ctx.refuse("PEN-11", "请填写违法行为发生（或终了）日期，以核算追责时效（规则 PEN-11）。", field="occurred_on")
        return
    if ctx.case.discovered_on > end:
        ctx.refuse("PEN-11", f"违法行为在{span}内未被发现（时效至{end:%Y年%m月%d日}，"
                             f"发现于{ctx.case.discovered_on:%Y年%m月%d日}），不再给予行政处罚（规则 PEN-11）。")


@guard("PEN-04", "受委托组织的委托范围和期限")
def entrustment_in_force(ctx: TransitionContext) -> None:
    """PEN-04 (Arts. 20–21): an entrusted body acts only under a published entrustment, in its term."""
    agency = ctx.case.agency
    if agency.kind != "entrusted":
        return
    if not agency.entrustment_published_on or not agency.entrustment_document:
        ctx.refuse("PEN-04", "受委托组织的委托书尚未公布，不得立案（规则 PEN-04）。")
    if (agency.entrustment_start and ctx.on_date < agency.entrustment_start) or (
            agency.entrustment_end and ctx.on_date > agency.entrustment_end):
        ctx.refuse("PEN-04", "不在委托期限内，受委托组织不得实施行政处罚（规则 PEN-04）。")


@guard("PEN-27", "出示执法证件并制作笔录", needs_input=True)
def certificates_shown(ctx: TransitionContext) -> None:
    """PEN-27 (Art. 55) / P5: officers show their certificates; the record says so."""
    if not ctx.data.get("certificates_shown"):
        ctx.refuse("PEN-27", "执法人员应当主动出示执法证件，并在笔录中载明（规则 PEN-27）。", field="certificates_shown")


def person_parties(case) -> list[Party]:
    return [p for p in case.parties.all() if p.kind == Party.Kind.PERSON and p.id_number]


def age_on(party: Party, on: dt.date) -> int:
    birth = parse_resident_id(party.id_number).birth_date
    # PEN-07 edge [U]: the birthday itself counts as not yet reached (party-protective).
    years = on.year - birth.year - ((on.month, on.day) <= (birth.month, birth.day))
    return years


@guard("PEN-07", "未成年人", needs_input=True)
def minors(ctx: TransitionContext) -> None:
    """PEN-07 (Art. 30): under 14 no penalty; 14 to under 18 a mitigated tier is required."""
    proposal = ctx.data
    if proposal.get("outcome") != "penalty" or ctx.case.occurred_on is None:
        return
    for party in person_parties(ctx.case):
        age = age_on(party, ctx.case.occurred_on)
        if age < 14:
            ctx.refuse("PEN-07", f"{party.name}违法时不满十四周岁，不予行政处罚（行政处罚法第三十条，规则 PEN-07）。")
        elif age < 18 and "minor_age" not in (proposal.get("circumstances") or []):
            ctx.refuse("PEN-07", f"{party.name}违法时已满十四周岁不满十八周岁，应当从轻或者减轻处罚，"
                                 "请勾选“未成年人”情节（规则 PEN-07）。", field="circumstances")


@guard("PEN-01", "处罚种类法定", needs_input=True)
def penalty_types_lawful(ctx: TransitionContext) -> None:
    """PEN-01 (Art. 9): the closed list; detention only for a body the law empowers."""
    types = ctx.data.get("penalty_types") or []
    if ctx.data.get("outcome") == "penalty" and not types:
        ctx.refuse("PEN-01", "请选择处罚种类（规则 PEN-01）。", field="penalty_types")
    if PenaltyType.DETENTION in types and not setting_value("detention_allowed", agency=ctx.case.agency):
        ctx.refuse("PEN-01", "本机关无权实施行政拘留（行政处罚法第十八条，规则 PEN-01）。", field="penalty_types")
    if PenaltyType.FINE in types and not ctx.data.get("fine_amount"):  # cleaned input: absent when blank
        ctx.refuse("PEN-01", "处罚种类含罚款，请填写罚款金额。", field="fine_amount")
    if matter := ctx.case.matter:
        allowed = set(matter.penalty_types or [])
        outside = [t for t in types if allowed and t not in allowed]
        if outside:
            labels = "、".join(PenaltyType(t).label for t in outside)
            ctx.refuse("PEN-02", f"{labels}不在执法事项“{matter.name}”规定的处罚种类内（规则 PEN-02）。",
                       field="penalty_types")


def party_is_person(case) -> bool:
    first = case.parties.order_by("pk").first()
    return bool(first and first.is_person)


# --- PEN-03 jurisdiction ---------------------------------------------------------------------------


def regions_named_in(place: str) -> list:
    """The registered regions whose names occur in a free-text place (e.g. “江川市清河区和平街8号”)."""
    named = Region.objects.alias(place=Value(place)).filter(place__contains=F("name"))
    return list(named.order_by("code"))


@guard("PEN-03", "地域和级别管辖")
def within_jurisdiction(ctx: TransitionContext) -> None:
    """PEN-03 (Arts. 22, 23, 24): the agency of the place of the violation, at county level or above.
    The place is free text, so the check looks for positive evidence: it WARNs when the place names
    registered regions and none of them is the agency's region or under it (an ancestor such as the
    province proves nothing). A 乡镇/街道 agency needs the CONFIG flag for powers given under Art. 24.
    Both are WARN: the officer may go on with a reason."""
    agency, place = ctx.case.agency, (ctx.case.place or "").strip()
    region = agency.region
    if not place:
        ctx.warn("PEN-03", "未填写违法行为发生地点，无法核对地域管辖（行政处罚法第二十二条，规则 PEN-03）。")
    else:
        named = regions_named_in(place)
        inside = [r for r in named if region.code in region_chain_codes(r.code)]
        elsewhere = [r for r in named if r.code not in region_chain_codes(region.code)]
        if elsewhere and not inside:
            ctx.warn("PEN-03", f"违法行为发生地点“{place}”位于{elsewhere[0].name}，不在本机关管辖区域（{region.name}）内；"
                               "行政处罚由违法行为发生地的行政机关管辖（行政处罚法第二十二条，规则 PEN-03）。")
    if region.level == "township" and not setting_value("township_penalty_powers", agency=agency):
        ctx.warn("PEN-03", f"{agency.name}位于乡镇（街道）一级；行政处罚由县级以上地方人民政府具有行政处罚权的行政机关管辖，"
                           "乡镇人民政府、街道办事处须依法承接行政处罚权（行政处罚法第二十三条、第二十四条，规则 PEN-03）。")


# --- PEN-06 no double fine -------------------------------------------------------------------------


def party_identifiers(case) -> set[str]:
    """身份证号 or 统一社会信用代码 of the case's parties (names are not identifiers)."""
    return {key for p in case.parties.all() for key in (p.id_number, p.credit_code) if key}


def provisions(case) -> set[tuple[str, str, str]]:
    """The provisions the case's matter cites, by law name, article and paragraph (any version)."""
    if case.matter is None:
        return set()
    return {(b.name, b.article, b.paragraph) for b in case.matter.legal_bases.all()}


# revoke_decision kinds after which the earlier fine no longer stands: revoked, void, ordered redone.
# A decision changed (变更) or confirmed illegal (确认违法) still fined the act.
FINE_UNDONE = ("revoked", "void", "redo")


def same_act_fines(case) -> list:
    """PEN-06: other cases in which a fine was decided for the same act — the same party (ID number
    or unified credit code), the same act date, and the same matter code or a provision in common —
    in any agency, leaving out decisions revoked, void or ordered redone (`revoke_decision`)."""
    keys = party_identifiers(case)
    if not keys or case.occurred_on is None:
        return []
    # The party's cases first, from the two partial indexes on non-empty identifiers (cases/0004;
    # the `<> ''` terms are what lets SQLite use them), then their decisions: as one join, SQLite
    # scanned every case (50 ms at 100,000).
    case_ids = set(Party.objects.filter((Q(id_number__in=keys) & ~Q(id_number=""))
                                        | (Q(credit_code__in=keys) & ~Q(credit_code="")))
                   .order_by().values_list("case_id", flat=True)) - {case.pk}
    if not case_ids:
        return []
    others = (Case.objects.filter(pk__in=case_ids, occurred_on=case.occurred_on, decided_on__isnull=False)
              .select_related("agency", "matter").order_by("decided_on", "pk"))
    mine = provisions(case)
    code = case.matter.code if case.matter else None
    return [c for c in others
            if fine_of(c) > 0 and (c.data.get("revoke_decision") or {}).get("kind") not in FINE_UNDONE
            and ((code and c.matter and c.matter.code == code) or provisions(c) & mine)]


def decision_number(case) -> str:
    return case.data.get("penalty_decision_number") or case.data.get("on_spot_number") or case.number


@guard("PEN-06", "同一违法行为不得两次罚款")
def no_double_fine(ctx: TransitionContext) -> None:
    """PEN-06 (Art. 29): no second fine for the same act. The decision is the on-the-spot input, or
    the proposal the ordinary decision rests on."""
    on_spot = ctx.transition.action == "decide_on_spot"
    decision = ctx.data if on_spot else (ctx.case.data.get("propose") or {})
    if not on_spot and decision.get("outcome") != "penalty":
        return
    if PenaltyType.FINE not in (decision.get("penalty_types") or []):
        return
    earlier = same_act_fines(ctx.case)
    if earlier:
        c = earlier[0]
        ctx.refuse("PEN-06", f"{c.agency.name}已于{c.decided_on:%Y年%m月%d日}对当事人同一违法行为"
                             f"（{ctx.case.occurred_on:%Y年%m月%d日}，{c.matter.name if c.matter else c.title}）"
                             f"作出罚款决定（{decision_number(c)}），对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚"
                             "（行政处罚法第二十九条，规则 PEN-06）。")


# PEN-06, second half: the same act breaching several norms is fined under the one with the higher fine.

OTHER_MATTERS = Field(
    "other_matters", "同一违法行为同时违反的其他规定（执法事项编码）",
    help="已公布的执法事项编码，多个以逗号或顿号分隔；系统比较各事项的法定罚款上限，同一违法行为违反多个规定的，"
         "按照罚款数额高的规定处罚（行政处罚法第二十九条，规则 PEN-06）")
_CODE_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _cited_matters(case, raw: str) -> list[Matter]:
    """The published matters named in the `other_matters` input (the case's own code left out).
    An unknown or unpublished code is bad input: 400 naming the field."""
    codes = list(dict.fromkeys(c for c in _CODE_SEPARATORS.split(raw or "") if c))
    if case.matter is not None:
        codes = [c for c in codes if c != case.matter.code]
    found = {m.code: m for m in Matter.objects.filter(code__in=codes, status=PublicationStatus.PUBLISHED)}
    missing = [c for c in codes if c not in found]
    if missing:
        message = (f"{OTHER_MATTERS.label}：{'、'.join(missing)}不是已公布的执法事项编码，"
                   "请填写权责清单中已公布事项的编码（规则 PEN-06）。")
        raise DomainError(message, code="invalid", rule="PEN-06", fields={OTHER_MATTERS.name: message})
    return [found[c] for c in codes]


def fine_max_comparison(case, data: dict) -> dict | None:
    """PEN-06: the statutory maximum fine of the case's matter and of each other matter the same act
    breaches (`other_matters`), computed with the case's 违法所得/货值金额 where a matter fines by
    multiples. None when no other matter is cited. Kept in the proposal (and so in the snapshot)."""
    others = _cited_matters(case, data.get(OTHER_MATTERS.name) or "")
    if not others or case.matter is None:
        return None
    rows = []
    for matter, own in [(case.matter, True), *((m, False) for m in others)]:
        maximum, how = statutory_fine_max(matter, illegal_gains=data.get("illegal_gains"),
                                          goods_value=data.get("goods_value"))
        rows.append({"code": matter.code, "version": matter.version, "name": matter.name, "own": own,
                     "fine_max": None if maximum is None else str(maximum), "how": how})
    known = [r for r in rows if r["fine_max"] is not None]
    top = max((Decimal(r["fine_max"]) for r in known), default=None)
    highest = [r["code"] for r in known if Decimal(r["fine_max"]) == top]
    return {"rule": "PEN-06", "matters": rows, "highest": highest,
            "complete": len(known) == len(rows), "own_is_highest": case.matter.code in highest}


@guard("PEN-06", "违反多个规定的，适用罚款数额高的规定", needs_input=True)
def higher_fine_norm_applied(ctx: TransitionContext) -> None:
    """PEN-06 (Art. 29, second sentence): 同一个违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额
    高的规定处罚. COMPUTE each cited matter's maximum and WARN when the case's own matter is not the
    highest (or a maximum cannot be computed): the officer changes the matter or records why."""
    comparison = fine_max_comparison(ctx.case, ctx.data)
    if comparison is None or ctx.data.get("outcome") != "penalty":
        return
    own = next(r for r in comparison["matters"] if r["own"])
    if own["fine_max"] is not None:
        higher = [r for r in comparison["matters"]
                  if not r["own"] and r["fine_max"] is not None and Decimal(r["fine_max"]) > Decimal(own["fine_max"])]
        for r in higher:
            ctx.warn("PEN-06", f"本案执法事项“{own['name']}”（{own['code']}）的最高罚款为{yuan(own['fine_max'])}元"
                               f"（{own['how']}），低于同一违法行为同时违反的“{r['name']}”（{r['code']}）的"
                               f"{yuan(r['fine_max'])}元（{r['how']}）；"
                               "同一个违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚，"
                               "请改用该规定或者说明理由（行政处罚法第二十九条，规则 PEN-06）。")
    unknown = [r for r in comparison["matters"] if r["fine_max"] is None]
    if unknown:
        ctx.warn("PEN-06", "无法比较最高罚款：" + "；".join(f"“{r['name']}”（{r['code']}）{r['how']}" for r in unknown)
                 + "。请核对适用罚款数额高的规定（行政处罚法第二十九条，规则 PEN-06）。")


# --- PEN-12 version of the law ---------------------------------------------------------------------


def in_force_on(versions, day: dt.date):
    """The version of one provision in force on `day` (latest 施行日期, else 版本日期, not after it)."""
    started = [b for b in versions if (b.effective_from or b.version_date) <= day]
    return max(started, key=lambda b: b.effective_from or b.version_date, default=None)


@guard("PEN-12", "适用违法行为发生时的法律版本（从旧兼从轻）")
def basis_version_in_force(ctx: TransitionContext) -> None:
    """PEN-12 (Art. 37): the law in force at the time of the act applies, unless a newer rule in
    force at the decision is lighter or no longer treats the act as unlawful. WARN when a cited
    version is not the one in force on the act date (its end, for a continuing act), or when the
    provision has been amended since, so the officer records the 从旧兼从轻 check."""
    case = ctx.case
    act = case.act_ended_on or case.occurred_on
    if case.matter is None or act is None:
        return
    bases = list(case.matter.legal_bases.all())
    cited_ids = {b.pk for b in bases}
    for basis in bases:
        versions = list(LegalBasis.objects.filter(
            name=basis.name, article=basis.article, paragraph=basis.paragraph))
        then, now = in_force_on(versions, act), in_force_on(versions, ctx.on_date)
        cited = f"《{basis.name}》{basis.article}{basis.paragraph}"
        if then is None:
            ctx.warn("PEN-12", f"{cited}（{basis.version_date:%Y年%m月%d日}版）在违法行为发生时（{act:%Y年%m月%d日}）尚未施行；"
                               "只有新规定不认为违法或者处罚较轻时才适用新规定，请核对（从旧兼从轻，规则 PEN-12）。")
        elif then.pk not in cited_ids:
            ctx.warn("PEN-12", f"引用的{cited}为{basis.version_date:%Y年%m月%d日}版，违法行为发生时（{act:%Y年%m月%d日}）施行的是"
                               f"{then.version_date:%Y年%m月%d日}版；应适用违法行为发生时的规定，新规定处罚较轻或者不认为违法的除外，"
                               "请核对（从旧兼从轻，行政处罚法第三十七条，规则 PEN-12）。")
        elif now is not None and now.pk not in cited_ids:
            ctx.warn("PEN-12", f"{cited}已于违法行为发生后修改（现行{now.version_date:%Y年%m月%d日}版）；"
                               "新规定处罚较轻或者不认为违法的，适用新规定，请核对（从旧兼从轻，行政处罚法第三十七条，规则 PEN-12）。")
