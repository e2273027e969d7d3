"""Demo power lists for 江川市 (loaded after org's demo; skips bodies that are absent). Every row
goes through the services, so the ledger covers it and the portal shows only what was published.

Demo benchmark tiers are derived from each statutory range (thirds for 从轻/一般/从重, 国办发〔2022〕
27号 (六) "划分为若干档次"), not copied from a real agency's benchmark."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from zhifa.org.demo import BODIES
from zhifa.org.models import Agency, EnforcementCategory

from . import services
from .demo_data import BASES, FLOW, MATTERS
from .models import AvRecordingItem, LegalBasis, MajorDecisionCriterion, RandomInspectionItem

GUIDE = {
    "江川市市场监督管理局": ("江川市政务服务中心市场监管窗口", "江川市人民路88号", "0791-12315"),
    "江川市生态环境局": ("江川市政务服务中心生态环境窗口", "江川市滨江大道16号", "0791-12369"),
    "江川市水利局": ("江川市政务服务中心水利窗口", "江川市沿江路26号", "0791-86001234"),
    "江川市卫生健康委员会": ("江川市政务服务中心卫生健康窗口", "江川市健康路9号", "0791-12320"),
    "江川市城市管理综合行政执法局": ("江川市政务服务中心城管窗口", "江川市市府路1号", "0791-12319"),
}
HOURS = "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）"
REMEDIES = "对本事项的决定不服的，可以自知道或者应当知道之日起60日内依法申请行政复议，或者自知道或者应当知道之日起6个月内依法向人民法院提起行政诉讼。"
PROCEDURES = {"penalty": ["penalty_general", "penalty_simple"], "licensing": ["licensing"], "coercion": ["coercion"],
              "inspection": ["inspection"]}


def _round(value: Decimal, span: Decimal, multiple: bool) -> Decimal:
    if multiple:
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    unit = Decimal(100) if span >= 3000 else Decimal(1)
    return (value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


def tiers_for(lo, hi, mlo=None, mhi=None) -> list[dict]:
    """不予处罚 (首违可不罚) plus 从轻/一般/从重 thirds of the statutory range."""
    tiers = [{"tier": "no_penalty", "conditions": "初次违法且危害后果轻微并及时改正的（行政处罚法第三十三条第一款），可以不予行政处罚。",
              "flags": ["first_offence", "harm_minor", "corrected_promptly"]}]
    thirds = []
    for low, high, multiple in ((lo, hi, False), (mlo, mhi, True)):
        if low is None or high is None:
            continue
        low, high = Decimal(str(low)), Decimal(str(high))
        span = high - low
        a, b = _round(low + span / 3, span, multiple), _round(low + span * 2 / 3, span, multiple)
        keys = ("multiple_min", "multiple_max") if multiple else ("fine_min", "fine_max")
        thirds.append((keys, [(low, a), (a, b), (b, high)]))
    if not thirds:
        return tiers
    rows = [
        {"tier": "lighter", "conditions": "主动消除或者减轻违法行为危害后果，或者具有其他依法从轻处罚情形的。",
         "flags": ["eliminated_harm"]},
        {"tier": "general", "conditions": "不具有从轻、减轻或者从重情节的。", "flags": []},
        {"tier": "heavier", "conditions": "造成严重危害后果、两年内再次实施同一违法行为，或者拒不配合调查的。",
         "flags": ["serious_harm"]},
    ]
    for (kmin, kmax), bands in thirds:
        for row, (a, b) in zip(rows, bands):
            row[kmin], row[kmax] = a, b
    return tiers + rows


def _publish_matter(matter):
    services.matter_submit_review(matter=matter, actor=None)
    services.matter_review_pass(matter=matter, actor=None, opinion="经合法性审查，同意公布。")
    services.matter_publish(matter=matter, actor=None, effective_from=dt.date(2026, 1, 1))


def _publish_item(item):
    for action in ("submit", "pass", "publish"):
        services.list_item_transition(item=item, action=action, actor=None)


def _bases() -> dict[str, LegalBasis]:
    out = {}
    for key, (level, name, issuer, version, article, paragraph, text) in BASES.items():
        existing = LegalBasis.objects.filter(name=name, version_date=version, article=article, paragraph=paragraph).first()
        out[key] = existing or services.legal_basis_create(
            level=level, name=name, issuer=issuer, version_date=dt.date.fromisoformat(version), article=article,
            paragraph=paragraph, text=text, actor=None)
    return out


def _lists(agency: Agency, prefix: str) -> None:
    for title, kw in [
        ("拟作出较大数额罚款（10万元以上）的行政处罚决定", {"matter_kind": "penalty", "penalty_type": "fine",
                                                   "amount_threshold": "100000"}),
        ("拟作出吊销许可证件的行政处罚决定", {"penalty_type": "revoke_licence"}),
        ("拟作出责令停产停业、责令关闭的行政处罚决定", {"penalty_type": "suspend_business"}),
        ("经过听证程序作出的行政执法决定", {"hearing_held": True}),
        ("涉及重大公共利益，可能造成重大社会影响或者引发社会风险的", {"public_interest": True}),
        ("案件情况疑难复杂、涉及多个法律关系的", {"complex_case": True}),
    ]:
        _publish_item(services.list_item_create(model=MajorDecisionCriterion, agency=agency, actor=None, title=title,
                                                basis="行政处罚法第五十八条；国办发〔2018〕118号（十二）", **kw))
    for code, name, req, retention, acts in [
        ("AV-01", "查封、扣押财物", "mandatory", "永久（随案卷归档）", ["seize"]),
        ("AV-02", "强制拆除、代履行等直接涉及重大财产权益的现场执法", "mandatory", "永久（随案卷归档）", []),
        ("AV-03", "在执法办案场所询问当事人", "mandatory", "永久（随案卷归档）", []),
        ("AV-04", "现场检查、调查取证", "as_needed", "不少于6个月；作为证据的随案卷归档", ["record_inspection"]),
        ("AV-05", "举行听证", "as_needed", "随案卷归档", ["hold_hearing"]),
        ("AV-06", "留置送达、公告送达", "as_needed", "随案卷归档", ["serve_decision"]),
    ]:
        _publish_item(services.list_item_create(model=AvRecordingItem, agency=agency, actor=None,
                                                act_code=f"{prefix}-{code}", name=name, requirement=req,
                                                retention=retention, basis="国办发〔2018〕118号（八）",
                                                procedure_acts=acts))


INSPECTIONS = {
    "江川市市场监督管理局": [
        ("食品销售者监督检查", "《中华人民共和国食品安全法》第一百一十条", "食品销售者", "许可证件、进货查验记录、贮存条件、从业人员健康证明", "5%", "每年不少于1次"),
        ("特种设备使用单位监督检查", "《中华人民共和国特种设备安全法》第六十一条", "特种设备使用单位", "使用登记、定期检验、安全管理人员与作业人员持证", "5%", "每年1次"),
        ("经营者明码标价检查", "《中华人民共和国价格法》第三十四条", "商品零售、服务业经营者", "明码标价、价格欺诈", "3%", "每年1次"),
    ],
    "江川市生态环境局": [
        ("排污单位执行排污许可制度情况检查", "《排污许可管理条例》第二十九条", "持有排污许可证的排污单位", "按证排污、自行监测、执行报告、环境管理台账", "重点排污单位25%，一般排污单位5%", "每年不少于1次"),
        ("建设项目环境保护“三同时”检查", "《建设项目环境保护管理条例》第十九条", "在建及投产建设项目", "环保设施建设与验收", "5%", "每年1次"),
    ],
    "江川市水利局": [
        ("取水单位取水情况检查", "《中华人民共和国水法》第六十条", "取水许可持证单位", "按许可取水、计量设施、水资源费缴纳", "5%", "每年1次"),
        ("生产建设项目水土保持检查", "《中华人民共和国水土保持法》第四十三条", "生产建设单位", "水土保持方案落实、设施验收", "10%", "每年1次"),
    ],
    "江川市卫生健康委员会": [
        ("公共场所卫生监督检查", "《公共场所卫生管理条例》第十条", "住宿、沐浴、美容美发等公共场所", "卫生许可、从业人员健康证明、用品用具消毒", "5%", "每年1次"),
        ("医疗机构依法执业检查", "《医疗机构管理条例》第四十条", "医疗机构", "执业许可、人员资质、诊疗科目", "5%", "每年1次"),
    ],
    "江川市城市管理综合行政执法局": [
        ("户外广告设施设置检查", "《城市市容和环境卫生管理条例》第十一条", "户外广告设置单位", "审批手续、设置位置与安全", "5%", "每年1次"),
        ("建筑垃圾运输处置检查", "《城市建筑垃圾管理规定》第七条", "建筑垃圾运输、处置单位", "处置核准、车辆密闭、按规定线路运输", "10%", "每半年1次"),
        ("餐饮油烟排放检查", "《中华人民共和国大气污染防治法》第八十一条", "餐饮服务业经营者", "油烟净化设施安装与运行", "5%", "每年1次"),
    ],
}


BODY_CATEGORY = {body[1]: body[2][0] for body in BODIES}


def load(*, stdout) -> None:
    agencies = {a.name: a for a in Agency.objects.filter(name__in=list(MATTERS))}
    if not agencies:
        stdout.write("  未找到演示执法主体，跳过权责清单。")
        return
    bases = _bases()
    for name, rows in MATTERS.items():
        agency = agencies.get(name)
        if agency is None:
            stdout.write(f"  未找到“{name}”，跳过。")
            continue
        office, address, phone = GUIDE[name]
        category = EnforcementCategory.objects.filter(code=BODY_CATEGORY.get(name, "")).first()
        for (code, kind, title, keys, violation, ptypes, fmin, fmax, mmin, mmax, mof, limit, materials) in rows:
            fields = dict(name=title, kind=kind, violation=violation, penalty_types=ptypes, fine_min=fmin, fine_max=fmax,
                          multiple_min=mmin, multiple_max=mmax, multiple_of=mof, time_limit=limit,
                          materials=materials, flowchart=FLOW.get(kind, []), procedures=PROCEDURES.get(kind, []),
                          remedies=REMEDIES)
            if kind == "licensing":
                fields.update(office=office, hours=HOURS, address=address, phone=phone, fee="不收费",
                              steps="→".join(FLOW["licensing"]))
            # The certificate category the matter's officers must hold (PEN-16): the body's main one.
            fields["category"] = category
            tiers = []
            if kind == "penalty":
                tiers = tiers_for(fmin, fmax, mmin, mmax)
                if fmin is not None and mmin is not None and mof == "goods_value":
                    fields["multiple_threshold"] = 10000  # 食品安全法: 货值金额一万元以上按倍数
            matter = services.matter_create(agency=agency, code=code, actor=None,
                                            legal_bases=[bases[k] for k in keys], tiers=tiers, **fields)
            _publish_matter(matter)
        prefix = rows[0][0].rsplit("-", 2)[0]
        _lists(agency, prefix)
        for item, basis, targets, content, ratio, freq in INSPECTIONS.get(name, []):
            _publish_item(services.list_item_create(
                model=RandomInspectionItem, agency=agency, actor=None, name=item, basis=basis, body=name,
                targets=targets, content=content, ratio=ratio, method="“双随机、一公开”：随机抽取检查对象、随机选派执法检查人员",
                frequency=freq))
        stdout.write(f"  {name}：{len(rows)} 个执法事项。")
