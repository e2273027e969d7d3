"""Guards shared by the penalty procedures, each enforcing one rule of RULES.md (the id is the
first argument of `@guard`). A guard refuses (BLOCK, unmet REQUIRE) or warns (WARN); see
`zhifa.cases.engine`."""

from __future__ import annotations

import datetime as dt

from zhifa.cases.engine import TransitionContext, guard
from zhifa.cases.models import Party
from zhifa.catalog.models import LegalBasis, PenaltyType
from zhifa.catalog.services import setting_value
from zhifa.core.deadlines import compute_due
from zhifa.core.identifiers import parse_resident_id
from zhifa.org.selectors import officers_may_act


def acting_officers(ctx: TransitionContext):
    """The case team on this act: the officers named in the step's input, else the whole team."""
    team = ctx.case.case_officers.filter(recused=False).select_related("officer")
    named = ctx.data.get("officers")
    if named:
        team = team.filter(officer_id__in=named)
    return [link.officer for link in team]


def eligible_officers(ctx: TransitionContext) -> tuple[list, list[str]]:
    case = ctx.case
    if case.matter is None or case.matter.category is None:
        return [], ["本案未关联载明执法类别的执法事项，无法核验执法证件（规则 PEN-16）。"]
    ok, refusals = [], []
    team = acting_officers(ctx)
    checked = officers_may_act(officers=team, category_code=case.matter.category.code,
                               region=case.agency.region, on_date=ctx.on_date)
    for officer in team:
        e = checked[officer.pk]
        (ok if e else refusals).append(officer if e else e.reason)
    return ok, refusals


@guard("PEN-16", "两名以上持有效执法证件的执法人员")
def two_certified_officers(ctx: TransitionContext) -> None:
    """PEN-16 (行政处罚法 Art. 42): at least two officers, each holding on the act's date a valid
    certificate covering the matter's category and the case's region (issue 5 item 4)."""
    named = ctx.data.get("officers")
    if named:
        on_case = set(ctx.case.case_officers.filter(recused=False).values_list("officer_id", flat=True))
        strangers = set(named) - on_case
        if strangers:
            ctx.refuse("PEN-16", "所列执法人员不是本案承办人员（规则 PEN-16）。", field="officers")
    ok, refusals = eligible_officers(ctx)
    if refusals:
        ctx.refuse("PEN-16", "；".join(refusals))
    minimum = int(setting_value("min_officers", agency=ctx.case.agency))
    if len(ok) < minimum:
        ctx.refuse("PEN-16", f"执法人员不得少于{minimum}人，且均应持有有效执法证件；本环节仅有{len(ok)}人符合"
                             "（行政处罚法第四十二条，规则 PEN-16）。")


@guard("PEN-17", "承办人员回避声明")
def conflicts_declared(ctx: TransitionContext) -> None:
    """PEN-17 (Art. 43): a conflict-of-interest declaration per officer per case."""
    missing = [link.officer.name for link in ctx.case.case_officers.filter(recused=False, no_conflict_declared=False)
               .select_related("officer")]
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
