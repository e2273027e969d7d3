"""The template registry (REC-10): code → title, number series, version and the context builder
that turns a case (its parties, officers, matter and the step data in `case.data`) into the
document's content. Every issued document records the template version it was made with.

A builder returns the content dict the renderers take (render.py):
    {"fields": [{"label", "value"}], "sections": [{"heading", "paragraphs"}], "signatures": [...],
     "addressee": str, "seal": bool, "date": "2026年11月30日", "footer": str, "number": optional}
and raises DomainError (with the rule id) when the case lacks what the law requires the document
to state — then nothing is issued (PEN-18, PEN-24, PEN-33, REV-11, PEN-38).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from zhifa.core.errors import DomainError

from .formatting import cn_date, money, to_decimal

TEMPLATE_VERSION = "2026.1"


@dataclass(frozen=True)
class DocTemplate:
    code: str
    title: str
    series: str  # number series (cases.services.number_issue); the word shown in the number
    builder: Callable[[DocContext], dict]
    version: str = TEMPLATE_VERSION
    html_template: str = "documents/pdf/base.html"
    steps: tuple[str, ...] = field(default=())  # case.data steps it usually belongs to


REGISTRY: dict[str, DocTemplate] = {}


def register(code: str, title: str, series: str, *, steps: tuple[str, ...] = (), version: str = TEMPLATE_VERSION):
    def wrap(fn: Callable[[DocContext], dict]) -> Callable[[DocContext], dict]:
        REGISTRY[code] = DocTemplate(code=code, title=title, series=series, builder=fn, version=version,
                                     steps=steps)
        return fn
    return wrap


def get_template(code: str) -> DocTemplate:
    try:
        return REGISTRY[code]
    except KeyError:
        raise DomainError(f"未知的文书模板：{code}", code="unknown_template",
                          fields={"template": "未知的文书模板"}, rule="REC-10") from None


def template_choices() -> list[tuple[str, str]]:
    return [(t.code, t.title) for t in REGISTRY.values()]


# --- what a builder sees ------------------------------------------------------------------------


def _blank(v) -> bool:
    return v is None or v == "" or v == [] or v == {} or (isinstance(v, str) and not v.strip())


def pick(d: dict | None, *keys, default=""):
    """The first non-blank value among `keys` of `d`."""
    for k in keys:
        if d and not _blank(d.get(k)):
            return d[k]
    return default


def paragraphs(text) -> list[str]:
    if _blank(text):
        return []
    if isinstance(text, (list, tuple)):
        return [str(t).strip() for t in text if not _blank(t)]
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def sentence(text) -> str:
    """Officer-typed text as one sentence: a full stop only where it has none."""
    text = str(text or "").strip()
    return text if not text or text[-1] in "。！？；.!?;" else text + "。"


def f(label: str, value) -> dict:
    if isinstance(value, (list, tuple)):
        value = "；".join(str(v) for v in value if not _blank(v))
    return {"label": label, "value": "" if value is None else str(value)}


def section(heading: str, *texts) -> dict:
    out: list[str] = []
    for t in texts:
        out.extend(paragraphs(t))
    return {"heading": heading, "paragraphs": out}


@dataclass
class DocContext:
    case: object
    entry: object | None
    extra: dict
    on_date: dt.date

    def step(self, action: str) -> dict:
        """The data of `action`: the request's own status entry when it is that step, else the
        latest record of it on the case, overlaid with `extra`."""
        data = {}
        if self.entry is not None and self.entry.action == action:
            data = dict(self.entry.data or {})
            data.setdefault("on_date", self.entry.on_date.isoformat())
        else:
            data = dict((self._round() or self.case.data or {}).get(action) or {})
        return data

    def _round(self) -> dict | None:
        """The superseded round (PEN-19, `case.data["earlier_proposals"]`) the request's own step
        belongs to: a 告知书 rendered after the step back states that round's proposal, not the new one."""
        if self.entry is None:
            return None
        for round_ in (self.case.data or {}).get("earlier_proposals") or []:
            if any(isinstance(v, dict) and v.get("entry") == self.entry.seq for k, v in round_.items()
                   if k != "superseded"):
                return round_
        return None

    def own(self, *actions: str) -> dict:
        """The step this document belongs to: the request's entry, else the first recorded step."""
        if self.entry is not None:
            data = dict(self.entry.data or {})
            data.setdefault("on_date", self.entry.on_date.isoformat())
            return {**data, **self.extra}
        for a in actions:
            if (self.case.data or {}).get(a):
                return {**self.step(a), **self.extra}
        return dict(self.extra)

    # Case facts ----------------------------------------------------------------------------
    @property
    def agency(self):
        return self.case.agency

    def parties(self) -> list:
        return list(self.case.parties.order_by("pk"))

    def party_name(self) -> str:
        return "、".join(p.name for p in self.parties())

    def officers(self, data: dict | None = None) -> list:
        """The officers of a step (its `officers` input), else the case team without the recused."""
        links = self.case.case_officers.filter(recused=False).select_related("officer").order_by("-role", "pk")
        team = [link.officer for link in links]
        chosen = (data or {}).get("officers") or []
        if chosen:
            by_id = {o.pk: o for o in team}
            picked = [by_id[int(i)] for i in chosen if str(i).isdigit() and int(i) in by_id]
            if picked:
                return picked
        return team

    def officer_name(self, officer_id) -> str:
        from zhifa.org.models import Officer

        if officer_id in (None, ""):
            return ""
        if not str(officer_id).isdigit():
            return str(officer_id)
        officer = Officer.objects.filter(pk=int(officer_id)).first()
        return officer.name if officer else ""

    def officer_line(self, officers=None) -> str:
        out = []
        for o in officers if officers is not None else self.officers():
            cert = o.certificates.filter(status="valid").order_by("-expires_on").first()
            out.append(f"{o.name}（执法证号：{cert.number}）" if cert else o.name)
        return "、".join(out)

    def legal_bases(self) -> list[str]:
        matter = self.case.matter
        if matter is None:
            return []
        return [b.citation for b in matter.legal_bases.order_by("name", "article")]

    def matter_name(self) -> str:
        return self.case.matter.name if self.case.matter else ""


def party_fields(ctx: DocContext) -> list[dict]:
    out = []
    for p in ctx.parties():
        out.append(f("当事人", f"{p.name}（{p.get_kind_display()}）"))
        if p.credit_code:
            out.append(f("统一社会信用代码", p.credit_code))
        if p.id_number:
            out.append(f("公民身份号码", p.id_number))
        if p.legal_representative:
            out.append(f("法定代表人（负责人）", p.legal_representative))
        if p.address:
            out.append(f("住所（地址）", p.address))
        if p.phone:
            out.append(f("联系电话", p.phone))
    return out


def party_paragraphs(ctx: DocContext) -> list[str]:
    """One line each: name, identifier, representative, address (PEN-33 (1))."""
    out = []
    for p in ctx.parties():
        out.append(f"当事人：{p.name}")
        if p.credit_code:
            out.append(f"统一社会信用代码：{p.credit_code}")
        if p.id_number:
            out.append(f"公民身份号码：{p.id_number}")
        if p.legal_representative:
            out.append(f"法定代表人（负责人）：{p.legal_representative}")
        if p.address:
            out.append(f"住所（地址）：{p.address}")
    return out


PENALTY_LABELS = {
    "warning": "警告", "criticism": "通报批评", "fine": "罚款", "confiscate_gains": "没收违法所得",
    "confiscate_property": "没收非法财物", "suspend_licence": "暂扣许可证件", "downgrade": "降低资质等级",
    "revoke_licence": "吊销许可证件", "restrict_business": "限制开展生产经营活动", "suspend_business": "责令停产停业",
    "close": "责令关闭", "restrict_practice": "限制从业", "detention": "行政拘留", "other": "其他行政处罚",
}


def penalty_text(data: dict) -> str:
    """拟（或决定）给予的处罚: types and amounts, e.g. 警告；罚款人民币伍万元整（¥50,000.00）."""
    parts = []
    for t in data.get("penalty_types") or []:
        label = PENALTY_LABELS.get(t, t)
        if t == "fine" and to_decimal(data.get("fine_amount")) is not None:
            parts.append(f"罚款{money(data['fine_amount'])}")
        elif t == "confiscate_gains" and to_decimal(pick(data, "confiscation_value", "illegal_gains")) is not None:
            parts.append(f"没收违法所得{money(pick(data, 'illegal_gains', 'confiscation_value'))}")
        elif t == "confiscate_property" and not _blank(data.get("confiscated_items")):
            parts.append(f"没收非法财物（{data['confiscated_items']}）")
        else:
            parts.append(label)
    if not parts and to_decimal(data.get("fine_amount")) is not None:
        parts.append(f"罚款{money(data['fine_amount'])}")
    return "；".join(parts)


def _require(values: dict[str, object], *, rule: str, doc: str) -> None:
    missing = {k: "必须填写" for k, v in values.items() if _blank(v)}
    if missing:
        raise DomainError(f"{doc}缺少法定内容：{'、'.join(missing)}（规则 {rule}）。", code="document_incomplete",
                          rule=rule, fields=missing)


def benchmark_text(benchmark) -> str:
    """How the discretion benchmark was applied (国办发〔2022〕27号 (十二), REV-09/REV-10)."""
    if not isinstance(benchmark, dict) or not benchmark.get("tier"):
        return ""
    label = pick(benchmark, "tier_label", "tier")
    ref = ""
    if benchmark.get("matter_code"):
        ref = f"（事项编码{benchmark['matter_code']}，第{benchmark.get('matter_version') or 1}版）"
    rng = benchmark.get("range") or {}
    rng_text = f"，该档次罚款幅度为{rng['text']}" if isinstance(rng, dict) and rng.get("text") else ""
    reasons = "；".join(str(r) for r in benchmark.get("reasons") or [])
    return f"本案适用行政处罚裁量基准{ref}“{label}”档次{rng_text}。" + ("适用理由：" + sentence(reasons) if reasons else "")


def renotification_text(ctx: DocContext) -> list[str]:
    """Each earlier notice superseded by a step back for new facts (PEN-19: 补充调查，重新告知)."""
    out = []
    for round_ in (ctx.case.data or {}).get("earlier_proposals") or []:
        notice, why = round_.get("serve_notice") or {}, round_.get("superseded") or {}
        if not notice:
            continue
        from .models import Document  # registry is imported by models' neighbours: resolved at render time

        made = (Document.objects.filter(case=ctx.case, template="pre_decision_notice", entry__seq=notice["entry"])
                .values_list("number", flat=True).first() if notice.get("entry") else None)
        made = made or why.get("notice_document")  # rendered by now; the step back may have come first
        number = f"（{made}）" if made else ""
        out.append(f"本机关于{cn_date(notice.get('served_date') or notice.get('served_on'))}送达的行政处罚事先告知书{number}"
                   f"送达后，发现新的事实（{sentence(why.get('new_facts', '')).rstrip('。')}），经补充调查后重新告知当事人，"
                   "原告知的拟处理意见不再适用。")
    return out


def fine_max_comparison_text(comparison) -> str:
    """PEN-06 (Art. 29): the maxima of the norms the same act breaches, as the proposal computed them."""
    if not isinstance(comparison, dict) or not comparison.get("matters"):
        return ""
    parts = [f"“{r.get('name', '')}”（{r.get('code', '')}）"
             + (f"{money(r['fine_max'])}" if r.get("fine_max") is not None else "无法计算")
             + (f"（{r['how']}）" if r.get("how") else "") for r in comparison["matters"]]
    text = "当事人的同一违法行为同时违反多个规定，各规定的最高罚款为：" + "；".join(parts) + "。"
    if comparison.get("own_is_highest"):
        text += "依照《中华人民共和国行政处罚法》第二十九条，按照罚款数额高的规定处罚。"
    return text


def statement_review(ctx: DocContext, decision: dict) -> str:
    """What the party said and what became of it (PEN-19; SAMR S7 Art. 62: adopted or not, and why)."""
    parts = []
    hearing = ctx.step("hold_hearing")
    statement = ctx.step("receive_statement")
    if ctx.step("waive_rights"):
        parts.append("当事人书面放弃陈述、申辩权利。")
    if hearing:
        parts.append("当事人无正当理由拒不到场，视为放弃听证权利。" if hearing.get("party_absent")
                     else f"本机关于{cn_date(hearing.get('on_date'))}依当事人申请举行了听证。")
    if statement:
        parts.append(f"当事人提出陈述、申辩意见：{statement.get('statement', '')}")
        parts.append(f"经复核，{statement.get('review_note', '')}" +
                     ("当事人的意见成立，予以采纳。" if statement.get("adopted") else ""))
    adopted = decision.get("statement_adopted")
    if isinstance(adopted, str) and adopted.strip():
        parts.append(adopted.strip())
    if not parts:
        parts.append("当事人在法定期限内未提出陈述、申辩意见。")
    return "\n".join(renotification_text(ctx) + parts)


def remedies_text(ctx: DocContext, data: dict) -> str:
    """REV-11: the 复议 and 诉讼 route and time limits. The procedure's own wording wins; otherwise
    the general route (复议 to the people's government at the agency's level, 行政复议法 2023
    Art. 24; 60 days, Art. 20; 诉讼 6 months, 行政诉讼法 Art. 46)."""
    text = pick(data, "remedies", "remedy")
    if text:
        return str(text)
    region = ctx.agency.region.name if ctx.agency.region_id else ""
    body = pick(data, "review_body", default=f"{region}人民政府")
    court = pick(data, "court", default="有管辖权的人民法院")
    return (f"如不服本决定，可以在收到本决定书之日起六十日内向{body}申请行政复议，也可以在六个月内依法向{court}"
            f"提起行政诉讼。")


def surcharge_clause() -> str:
    """PEN-38 (行政处罚法 Art. 72(1), 行政强制法 Art. 45): the surcharge standard is told to the party."""
    return ("到期不缴纳罚款的，本机关将依据《中华人民共和国行政处罚法》第七十二条第一款第（一）项的规定，"
            "每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额。")


# --- the templates ------------------------------------------------------------------------------


@register("filing_approval", "立案审批表", "立审", steps=("file",))
def filing_approval(ctx: DocContext) -> dict:
    case = ctx.case
    data = ctx.own("file")
    return {
        "fields": [
            f("案件编号", case.number),
            f("案由", case.title),
            f("案件来源", case.get_source_display() + (f"（{case.source_detail}）" if case.source_detail else "")),
            f("执法事项", ctx.matter_name()),
            *party_fields(ctx),
            f("违法行为发生地点", case.place),
            f("违法行为发生日期", cn_date(case.occurred_on)),
            f("发现（受理线索）日期", cn_date(case.discovered_on)),
            f("涉嫌违法事实", case.facts),
            f("涉嫌违反的法律依据", ctx.legal_bases()),
            f("承办人员", ctx.officer_line()),
            f("承办人意见", pick(data, "opinion", "officer_opinion", "reason", default="建议立案调查。")),
            f("审批意见", pick(data, "approval_opinion", "approver_opinion", default="同意立案。")),
            f("立案日期", cn_date(case.filed_on or data.get("on_date"))),
        ],
        "signatures": ["承办人（签名）：　　　　　　　　　　日期：", "审批人（签名）：　　　　　　　　　　日期："],
    }


def _record_header(ctx: DocContext, data: dict, *, place_key=("place", "location")) -> list[dict]:
    return [
        f("时间", pick(data, "started_at", "time", "held_at", "at", default=cn_date(data.get("on_date")))),
        f("地点", pick(data, *place_key, default=ctx.case.place)),
        f("执法人员", ctx.officer_line(ctx.officers(data))),
        f("记录人", pick(data, "recorder", "recorded_by")),
    ]


def signed_note(data: dict, who: str = "当事人") -> str:
    """A refusal to sign is noted on the record (PEN-24, PEN-31)."""
    note = pick(data, "refusal_note", "refusal")
    if note:
        return f"{who}拒绝签名：{note}"
    if data.get("party_signed") or data.get("signed"):
        return f"{who}已核对并签名确认。"
    return ""


@register("inspection_record", "现场检查（勘验）笔录", "检录", steps=("record_inspection",))
def inspection_record(ctx: DocContext) -> dict:
    data = ctx.own("record_inspection")
    return {
        "fields": [
            *_record_header(ctx, data),
            *party_fields(ctx),
            f("在场人员", pick(data, "present", "attendees", "witnesses")),
        ],
        "sections": [
            section("告知事项", ("执法人员已向当事人主动出示执法证件，" if data.get("certificates_shown", True) else "")
                    + "表明身份，告知检查（勘验）事由，并告知当事人依法享有陈述、申辩和申请回避的权利（规则 PEN-16、PEN-17、PEN-27）。"),
            section("检查（勘验）情况", pick(data, "findings", "content", "record", "text", "summary",
                                         default=ctx.case.facts)),
        ],
        "signatures": ["当事人（签名）：", "执法人员（签名）：", "见证人（签名）："],
        "footer": signed_note(data) or "当事人拒绝签名的，执法人员在笔录中注明。",
    }


@register("interview_record", "询问笔录", "询录", steps=("record_interview",))
def interview_record(ctx: DocContext) -> dict:
    data = ctx.own("record_interview")
    return {
        "fields": [
            *_record_header(ctx, data),
            f("被询问人", pick(data, "interviewee", "person", "name", default=ctx.party_name())),
            f("身份或职务", pick(data, "interviewee_role", "role")),
        ],
        "sections": [
            section("告知事项", "我们是执法人员，已向你出示执法证件。依法向你了解有关情况，你应当如实回答，"
                            "你有陈述、申辩和申请回避的权利（规则 PEN-16、PEN-17）。"),
            section("询问记录", pick(data, "transcript", "content", "record", "text", "summary")),
        ],
        "signatures": ["被询问人（签名）：　　　　以上笔录我已看过，与我所说的一致。", "执法人员（签名）：",
                       "记录人（签名）："],
    }


@register("preservation_notice", "先行登记保存通知书", "先保", steps=("preserve_evidence",))
def preservation_notice(ctx: DocContext) -> dict:
    data = ctx.own("preserve_evidence")
    return {
        "addressee": ctx.party_name(),
        "sections": [
            section("", f"因你（单位）涉嫌{ctx.case.title}，证据可能灭失或者以后难以取得，经本机关负责人批准，"
                        f"依据《中华人民共和国行政处罚法》第五十六条的规定，对下列物品予以先行登记保存。"),
            section("保存物品", pick(data, "items", "goods", "inventory", default="见所附物品清单。")),
            section("", "保存地点：" + sentence(pick(data, "storage_place", "keep_place", "place", default=ctx.case.place))
                        + "保存期间，当事人或者有关人员不得损毁、销毁或者转移证据。"
                        "本机关将在七个工作日内作出处理决定（规则 PEN-28）。"),
        ],
        "signatures": ["当事人（签名）：", "执法人员（签名）："],
        "seal": True,
    }


def _proposal(ctx: DocContext) -> dict:
    return ctx.step("propose")


@register("pre_decision_notice", "行政处罚事先告知书", "罚告", steps=("serve_notice",))
def pre_decision_notice(ctx: DocContext) -> dict:
    """PEN-18: facts, reasons, basis, intended penalty, the rights to statement and defence, and the
    right to a hearing where PEN-30 applies (request within 5 working days, PEN-31)."""
    proposal = {**_proposal(ctx), **ctx.extra}
    facts = pick(proposal, "facts", default=ctx.case.facts)
    bases = ctx.legal_bases()
    intended = penalty_text(proposal)
    _require({"违法事实": facts, "法律依据": bases, "拟作出的行政处罚": intended}, rule="PEN-18", doc="行政处罚事先告知书")
    hearing = bool(proposal.get("hearing_right")) or bool(ctx.step("serve_notice").get("hearing_right_told"))
    rights = ("根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩。"
              "如需陈述、申辩，请在收到本告知书之日起五个工作日内向本机关提出；逾期未提出的，视为放弃上述权利。"
              "本机关不因你（单位）陈述、申辩而给予更重的处罚（规则 PEN-19）。")
    sections = [
        section("", "经调查，本机关认定你（单位）存在以下违法事实："),
        section("一、违法事实", facts, pick(proposal, "evidence")),
        section("二、理由及依据", pick(proposal, "reasons_evidence"), pick(proposal, "reasons_basis"),
                "依据：" + "；".join(bases) + "。"),
        section("三、拟作出的行政处罚", f"本机关拟对你（单位）作出如下行政处罚：{intended}。",
                pick(proposal, "reasons_discretion"),
                "同时责令你（单位）：" + sentence(proposal["correction_order"]) if pick(proposal, "correction_order") else ""),
        section("四、陈述、申辩的权利", rights),
    ]
    if hearing:
        reasons = proposal.get("hearing_right")
        why = "；".join(reasons) if isinstance(reasons, list) else ""
        sections.append(section(
            "五、要求听证的权利",
            f"根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定{('（' + why + '）') if why else ''}，"
            "你（单位）有权要求举行听证。如要求听证，应当在收到本告知书之日起五个工作日内向本机关提出；"
            "逾期未提出的，视为放弃听证权利。当事人不承担组织听证的费用（规则 PEN-30、PEN-31）。"))
    contact = pick(proposal, "contact", default=ctx.officer_line())
    sections.append(section("", "联系人：" + sentence(contact)))
    return {"addressee": ctx.party_name(), "sections": sections, "seal": True}


@register("hearing_notice", "听证通知书", "听通", steps=("schedule_hearing",))
def hearing_notice(ctx: DocContext) -> dict:
    data = ctx.own("schedule_hearing")
    when = pick(data, "hearing_date", "hearing_at", "time")
    place = pick(data, "place", "hearing_place", "location")
    _require({"听证时间": when, "听证地点": place}, rule="PEN-31", doc="听证通知书")
    public = data.get("public", True)
    if not public and pick(data, "non_public_reason"):
        public_reason = f"（{data['non_public_reason']}）"
    else:
        public_reason = ""
    return {
        "addressee": ctx.party_name(),
        "sections": [
            section("", f"根据你（单位）的听证申请，本机关决定就{ctx.case.title}一案举行听证。现将有关事项通知如下："),
            section("", f"听证时间：{cn_date(when) if isinstance(when, str) and len(when) == 10 else when}；"
                        f"听证地点：{place}；听证方式：{'公开举行' if public else '不公开举行' + public_reason}。",
                    f"听证主持人：{ctx.officer_name(pick(data, 'presider', 'presiding'))}。"
                    "主持人不是本案调查人员；你（单位）认为主持人与本案有直接利害关系的，有权申请回避（规则 PEN-31）。",
                    "你（单位）可以亲自参加听证，也可以委托一至二人代理。无正当理由拒不出席听证或者未经许可中途退出听证的，"
                    "视为放弃听证权利。当事人不承担组织听证的费用。"),
        ],
        "seal": True,
    }


@register("hearing_record", "听证笔录", "听录", steps=("hold_hearing",))
def hearing_record(ctx: DocContext) -> dict:
    data = ctx.own("hold_hearing")
    return {
        "fields": [
            f("案由", ctx.case.title),
            f("听证时间", pick(data, "held_at", "time", default=cn_date(data.get("on_date")))),
            f("听证地点", pick(data, "place", "location", default=pick(ctx.step("schedule_hearing"), "place"))),
            f("听证主持人", ctx.officer_name(pick(data, "presider", default=pick(ctx.step("schedule_hearing"), "presider")))),
            f("记录人", pick(data, "recorder")),
            f("案件调查人员", ctx.officer_line()),
            *party_fields(ctx),
            f("委托代理人", pick(data, "agent", "agents")),
        ],
        "sections": [section("听证记录", pick(data, "transcript", "record", "content", "text"))],
        "signatures": ["当事人或其代理人（签名）：", "听证主持人（签名）：", "记录人（签名）："],
        "footer": ("当事人无正当理由拒不到场，视为放弃听证权利。" if data.get("party_absent") else
                   signed_note(data, "当事人或其代理人") or "笔录经当事人核对无误后签名或者盖章；拒绝签名的，由主持人在笔录中注明。"),
    }


@register("collective_discussion", "集体讨论记录", "集讨")
def collective_discussion(ctx: DocContext) -> dict:
    """Minutes of the agency heads' collective discussion (REV-08); the review app passes the
    minutes in `extra` (this app cannot read the review app)."""
    data = ctx.own("collective_discussion")
    return {
        "fields": [
            f("案件名称", ctx.case.title),
            f("案件编号", ctx.case.number),
            f("讨论时间", pick(data, "held_at", "held_on", "time", default=cn_date(data.get("on_date")))),
            f("讨论地点", pick(data, "place", "location")),
            f("主持人", pick(data, "chair", "presiding")),
            f("出席人员", pick(data, "attendees", "members")),
            f("列席人员", pick(data, "observers")),
            f("记录人", pick(data, "recorder")),
        ],
        "sections": [
            section("案情汇报", pick(data, "report", default=ctx.case.facts)),
            section("讨论意见", pick(data, "discussion", "opinions", "minutes")),
            section("讨论决定", pick(data, "conclusion", "decision", "result")),
        ],
        "signatures": ["出席人员（签名）：", "记录人（签名）："],
    }


@register("penalty_decision", "行政处罚决定书", "penalty_decision", steps=("decide",))
def penalty_decision(ctx: DocContext) -> dict:
    """PEN-33 contents, with the three reasoning parts of R2 (why the evidence was accepted, why
    this basis, why this discretion), the benchmark applied (27号 (十二)), whether the statement was
    adopted (SAMR S7 Art. 62), performance, remedies (REV-11) and the surcharge clause (PEN-38)."""
    proposal = _proposal(ctx)
    decision = {**proposal, **ctx.step("decide"), **ctx.extra}
    parties = ctx.parties()
    facts = pick(decision, "facts", default=ctx.case.facts)
    bases = ctx.legal_bases()
    penalty = penalty_text(decision)
    remedies = remedies_text(ctx, decision)
    _require({
        "当事人姓名或名称": "、".join(p.name for p in parties),
        "当事人地址": "有" if parties and all(p.address for p in parties) else "",
        "违法事实": facts,
        "证据": pick(decision, "evidence", "reasons_evidence"),
        "处罚种类": penalty,
        "法律依据": bases,
    }, rule="PEN-33", doc="行政处罚决定书")
    _require({"救济途径和期限": remedies}, rule="REV-11", doc="行政处罚决定书")
    fine = to_decimal(decision.get("fine_amount"))
    if fine is not None and fine > 0:
        performance = pick(decision, "performance", default=(
            "限你（单位）自收到本决定书之日起十五日内，将罚款缴至指定银行或者通过电子支付系统缴纳（规则 PEN-37）。"))
    else:
        performance = pick(decision, "performance", default="本决定自送达之日起生效，请你（单位）依法履行。")
    bench_text = benchmark_text(decision.get("benchmark"))
    deviation = pick(decision, "deviation_reason")
    reasons_discretion = [pick(decision, "reasons_discretion"), bench_text]
    if deviation:
        reasons_discretion.append(f"偏离裁量基准的理由：{deviation}")
    statement_text = statement_review(ctx, decision)
    sections = [
        {"heading": "", "paragraphs": party_paragraphs(ctx), "plain": True},
        section("一、违法事实", facts),
        section("二、证据及采信理由", pick(decision, "evidence"),
                "证据采信理由：" + str(pick(decision, "reasons_evidence",
                                            default="上述证据来源合法，内容真实，与本案事实相关联，能够相互印证，予以采信。"))),
        section("三、陈述、申辩的采纳情况", statement_text),
        section("四、处罚依据及适用理由", "当事人的上述行为违反了" + "；".join(bases) + "的规定。",
                "适用依据的理由：" + str(pick(decision, "reasons_basis",
                                            default="上述条款对当事人的违法行为规定了相应的法律责任，适用于本案。")),
                fine_max_comparison_text(decision.get("fine_max_comparison"))),
        section("五、裁量权行使理由", *reasons_discretion),
        section("六、处罚决定", f"依据上述规定，本机关决定对当事人作出如下行政处罚：{penalty}。",
                "同时责令当事人：" + sentence(decision["correction_order"]) if pick(decision, "correction_order") else ""),
        section("七、履行方式和期限", performance, surcharge_clause() if fine else ""),
        section("八、救济途径和期限", remedies),
    ]
    return {"sections": sections, "seal": True,
            "date": cn_date(decision.get("on_date") or ctx.on_date),
            "number": pick(ctx.case.data, "penalty_decision_number") or pick(ctx.extra, "number")}


# PEN-10 (行政处罚法 Art. 33): the grounds for not penalising, by the proposal's circumstance flags.
NO_PENALTY_GROUNDS = (
    (("minor", "corrected_promptly", "no_harm"), "违法行为轻微并及时改正，没有造成危害后果", "第三十三条第一款"),
    (("first_offence", "slight_harm", "corrected_promptly"), "初次违法且危害后果轻微并及时改正", "第三十三条第一款"),
    (("no_fault",), "当事人有证据足以证明没有主观过错", "第三十三条第二款"),
)


@register("no_penalty_decision", "不予行政处罚决定书", "no_penalty_decision", steps=("decide",))
def no_penalty_decision(ctx: DocContext) -> dict:
    """PEN-10 / PEN-29 (2): the decision not to penalise — party, facts, reasons, the violated
    provision and the ground for not penalising (Art. 33), the education given (Art. 33 para 3),
    the correction ordered (PEN-05), remedies (REV-11), agency and date."""
    decision = {**_proposal(ctx), **ctx.step("decide"), **ctx.extra}
    if decision.get("outcome") != "no_penalty":
        raise DomainError("拟处理意见不是不予行政处罚，不能制作不予行政处罚决定书（规则 PEN-10）。",
                          code="document_incomplete", rule="PEN-10", fields={"outcome": "不是不予行政处罚"})
    parties = ctx.parties()
    facts = pick(decision, "facts", default=ctx.case.facts)
    bases = ctx.legal_bases()
    flags = set(decision.get("circumstances") or [])
    grounds = [(text, article) for needed, text, article in NO_PENALTY_GROUNDS if flags.issuperset(needed)]
    reasons = pick(decision, "no_penalty_reason", "reasons_basis")
    education = pick(decision, "education_record")
    remedies = remedies_text(ctx, decision)
    _require({"当事人姓名或名称": "、".join(p.name for p in parties), "违法事实": facts,
              "不予处罚的理由和依据": grounds or reasons, "教育记录": education}, rule="PEN-10", doc="不予行政处罚决定书")
    _require({"救济途径和期限": remedies}, rule="REV-11", doc="不予行政处罚决定书")
    articles = "、".join(dict.fromkeys(article for _, article in grounds))
    conclusion = (f"依据《中华人民共和国行政处罚法》{articles}的规定，" if articles else "") + "本机关决定对当事人不予行政处罚。"
    benchmark = decision.get("benchmark")
    no_penalty_tier = isinstance(benchmark, dict) and benchmark.get("tier") == "no_penalty"
    bench = benchmark_text(benchmark) if no_penalty_tier else ""
    sections = [
        {"heading": "", "paragraphs": party_paragraphs(ctx), "plain": True},
        section("一、违法事实", facts, pick(decision, "evidence")),
        section("二、证据及采信理由", pick(decision, "reasons_evidence",
                                        default="上述证据来源合法，内容真实，与本案事实相关联，能够相互印证，予以采信。")),
        section("三、不予行政处罚的理由和依据",
                ("当事人的上述行为违反了" + "；".join(bases) + "的规定。") if bases else "",
                ("经查，当事人" + "；".join(text for text, _ in grounds) + "。") if grounds else "",
                sentence(reasons) if reasons else "", bench, conclusion),
        section("四、教育及责令改正", "本机关已依法对当事人进行了教育（行政处罚法第三十三条第三款）：" + sentence(education),
                ("同时责令当事人：" + sentence(decision["correction_order"])) if pick(decision, "correction_order")
                else ""),
        section("五、救济途径和期限", remedies),
    ]
    return {"sections": sections, "seal": True,
            "date": cn_date(decision.get("on_date") or ctx.on_date),
            "number": pick(ctx.case.data, "no_penalty_decision_number") or pick(ctx.extra, "number")}


@register("on_spot_decision", "当场行政处罚决定书", "on_spot", steps=("decide_on_spot", "register"))
def on_spot_decision(ctx: DocContext) -> dict:
    """PEN-24: violation, penalty type and basis, fine, time, place, remedies and the agency; signed
    by the officers; a refusal to sign is noted. Numbered from a controlled range."""
    data = ctx.own("decide_on_spot", "decide", "register")
    parties = ctx.parties()
    violation = pick(data, "violation", "facts", default=ctx.case.facts)
    penalty = penalty_text(data) or ("警告" if data.get("warning") else "")
    bases = paragraphs(pick(data, "basis", "legal_basis")) or ctx.legal_bases()
    when = pick(data, "at", "time", "occurred_at", default=cn_date(data.get("on_date") or ctx.on_date))
    place = pick(data, "place", default=ctx.case.place)
    remedies = remedies_text(ctx, data)
    _require({"当事人": "、".join(p.name for p in parties), "违法行为": violation, "处罚种类": penalty,
              "处罚依据": bases, "时间": when, "地点": place, "救济途径和期限": remedies,
              "执法人员": ctx.officers()}, rule="PEN-24", doc="当场行政处罚决定书")
    fine = to_decimal(data.get("fine_amount"))
    collected = bool(data.get("collected_on_spot"))
    payment = ("罚款已当场收缴，并出具专用票据（规则 PEN-25）。" if collected else
               "请于收到本决定书之日起十五日内到指定银行或者通过电子支付系统缴纳罚款（规则 PEN-37）。") if fine else ""
    return {
        "fields": [
            *party_fields(ctx),
            f("违法行为", violation),
            f("时间", when),
            f("地点", place),
            f("处罚依据", bases),
            f("处罚种类和数额", penalty),
            f("履行方式和期限", payment or "当场执行"),
            f("执法人员", ctx.officer_line(ctx.officers(data))),
        ],
        "sections": [
            section("", remedies, surcharge_clause() if fine and not collected else ""),
            section("", "本决定书当场交付当事人，并于二个工作日内报所属行政机关备案（规则 PEN-24）。"),
        ],
        "signatures": ["执法人员（签名）：", "当事人（签名）：" + (f"　拒绝签收：{data['refusal_note']}"
                                                               if pick(data, "refusal_note") else "")],
        "seal": True,
        "number": pick(ctx.case.data, "on_spot_number") or pick(ctx.extra, "number"),
    }


SERVED_TEMPLATES = {"serve_decision": ("penalty_decision", "no_penalty_decision"),
                    "serve_notice": ("pre_decision_notice",), "remind": ("payment_reminder",)}


@register("service_receipt", "送达回证", "送证", steps=("serve_decision", "serve_notice"))
def service_receipt(ctx: DocContext) -> dict:
    data = ctx.own("serve_decision", "serve_notice")
    served_title = pick(data, "served_document", "document_title")
    served_number = pick(data, "served_number", "document_number")
    if not served_title:
        codes = SERVED_TEMPLATES.get(getattr(ctx.entry, "action", ""), SERVED_TEMPLATES["serve_decision"])
        doc = ctx.case.documents.filter(template__in=codes).order_by("-id").first()
        if doc is not None:
            served_title, served_number = doc.title, doc.number
    methods = {"direct": "直接送达", "in_person": "直接送达", "lodged": "留置送达", "left": "留置送达",
               "mail": "邮寄送达", "post": "邮寄送达", "electronic": "电子送达", "entrusted": "委托送达",
               "public_notice": "公告送达", "notice": "公告送达"}
    method = pick(data, "method")
    return {
        "fields": [
            f("送达文书", f"{served_title} {served_number}".strip()),
            f("受送达人", pick(data, "recipient", default=ctx.party_name())),
            f("送达地点", pick(data, "place", "address", default=(ctx.parties()[0].address if ctx.parties() else ""))),
            f("送达方式", methods.get(method, method)),
            f("送达日期", cn_date(pick(data, "served_on", "on_date"))),
            f("送达人", ctx.officer_line()),
            f("见证人", pick(data, "witness", "witnesses")),
            f("备注", pick(data, "note", "refusal")),
        ],
        "signatures": ["受送达人（签名或盖章）：　　　　　　　　年　　月　　日", "送达人（签名）："],
        "seal": True,
    }


def _fine(ctx: DocContext) -> Decimal | None:
    decision = ctx.step("propose") or ctx.step("decide_on_spot")
    if "fine" not in (decision.get("penalty_types") or []):
        return None
    return to_decimal(decision.get("fine_amount"))


def _paid(ctx: DocContext) -> Decimal:
    return sum((to_decimal(p.get("amount")) or Decimal("0") for p in (ctx.case.data or {}).get("payments", [])),
               Decimal("0"))


@register("payment_reminder", "催告书", "催告", steps=("remind",))
def payment_reminder(ctx: DocContext) -> dict:
    """行政强制法 Arts. 35, 45 (COE-20 / PEN-38): the obligation, the deadline, the amount still owed
    with the surcharge so far, the 10-day period to perform, and the right to statement and defence."""
    from zhifa.core.deadlines import late_surcharge

    data = ctx.own("remind")
    fine = to_decimal(pick(data, "fine_amount")) or _fine(ctx)
    pay_due = pick(data, "pay_due", default=(ctx.case.data or {}).get("pay_due"))
    _require({"罚款数额": fine, "缴纳期限": pay_due}, rule="PEN-38", doc="催告书")
    paid = _paid(ctx)
    surcharge = late_surcharge(fine=fine, due=dt.date.fromisoformat(str(pay_due)[:10]), paid_on=ctx.on_date)
    owed = max(fine - paid, Decimal("0"))
    decision_doc = ctx.case.documents.filter(template="penalty_decision").order_by("-id").first()
    ref = f"（{decision_doc.number}）" if decision_doc else ""
    decided_on = ctx.case.decided_on or ctx.step("decide").get("on_date")
    return {
        "addressee": ctx.party_name(),
        "sections": [
            section("", f"本机关于{cn_date(decided_on)}对你（单位）作出行政处罚决定{ref}，决定罚款{money(fine)}，"
                        f"缴纳期限至{cn_date(pay_due)}届满。你（单位）至今未履行（或者未全部履行）。"),
            section("", f"截至{cn_date(ctx.on_date)}，已缴纳{money(paid) or '人民币零元'}，尚欠罚款{money(owed)}；"
                        f"已逾期{surcharge.days_late}日，依法加处罚款{money(surcharge.amount)}"
                        f"{'（已达罚款数额上限）' if surcharge.capped else ''}"
                        "（每日按罚款数额的百分之三计算，加处罚款的数额不超出罚款的数额，规则 PEN-38）。"),
            section("", "根据《中华人民共和国行政强制法》第三十五条、第四十五条的规定，现催告你（单位）自收到本催告书之日起"
                        "十日内履行上述义务。你（单位）有权进行陈述和申辩。逾期仍不履行且无正当理由的，"
                        "本机关将依法申请人民法院强制执行。"),
        ],
        "seal": True,
    }


@register("closing_report", "结案报告", "结报", steps=("close",))
def closing_report(ctx: DocContext) -> dict:
    case = ctx.case
    decision = {**_proposal(ctx), **ctx.step("decide")}
    data = ctx.own("close")
    decision = decision or ctx.step("decide_on_spot")
    decision_doc = case.documents.filter(
        template__in=["penalty_decision", "no_penalty_decision", "on_spot_decision"]).order_by("-id").first()
    paid = _paid(ctx)
    surcharge = to_decimal((case.data or {}).get("surcharge"))
    execution = f"已缴纳{money(paid)}" if paid else ""
    if execution and surcharge:
        execution += f"（含加处罚款{money(surcharge)}）"
    if (case.data or {}).get("court_result"):
        execution += f"；人民法院强制执行结果：{case.data['court_result']}"
    return {
        "fields": [
            f("案由", case.title),
            f("案件编号", case.number),
            *party_fields(ctx),
            f("立案日期", cn_date(case.filed_on)),
            f("违法事实", case.facts),
            f("处罚决定", (f"{decision_doc.number}：" if decision_doc else "")
              + ("不予行政处罚" if decision.get("outcome") == "no_penalty" else penalty_text(decision))),
            f("决定日期", cn_date(case.decided_on or decision.get("on_date"))),
            f("执行情况", execution or pick(data, "execution", default="无需缴纳罚款")),
            f("结案报告", pick(data, "summary", "reason", default="处罚决定已执行完毕。")),
            f("承办人员", ctx.officer_line()),
            f("结案日期", cn_date(case.closed_on or data.get("on_date") or ctx.on_date)),
            f("审批意见", pick(data, "approval_opinion", default="同意结案。")),
        ],
        "signatures": ["承办人（签名）：　　　　　　　　　　日期：", "审批人（签名）：　　　　　　　　　　日期："],
    }


def build_content(template: DocTemplate, *, case, entry=None, extra: dict | None = None, number: str = "",
                  version: int = 1, corrects: str = "", on_date: dt.date | None = None) -> tuple[dict, str]:
    """The full content of a document: the template's body plus the standard header and closing."""
    ctx = DocContext(case=case, entry=entry, extra=dict(extra or {}),
                     on_date=on_date or (entry.on_date if entry is not None else timezone.localdate()))
    body = template.builder(ctx)
    content = {
        "agency": case.agency.name,
        "title": template.title,
        "number": number,
        "version": version,
        "corrects": corrects,
        "addressee": body.get("addressee", ""),
        "fields": body.get("fields", []),
        "sections": [s for s in body.get("sections", []) if s.get("heading") or s.get("paragraphs")],
        "signatures": body.get("signatures", []),
        "seal": body.get("seal", False),  # letters to the party carry the seal; records and forms are signed
        "date": body.get("date") or cn_date(ctx.on_date),
        "footer": body.get("footer", ""),
    }
    return content, str(body.get("number") or "")
