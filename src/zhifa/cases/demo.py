"""Demo penalty cases in every state across the demo bodies (issue 5 item 9): a simple-procedure
case, one with a hearing (waiting for legal review), overdue ones, one closed and paid late, one
referred, one in court enforcement, one archived, one closed after a decision not to penalise
(不予行政处罚决定书), one re-notified after new facts (补充调查（重新告知）, PEN-19). Every step goes through `case_transition` with
its real date, so deadlines, numbers, status rows and ledger entries are what they would be."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhifa.catalog.discretion import benchmark_apply
from zhifa.catalog.models import Matter
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import Agency, Officer
from zhifa.org.selectors import officer_may_act

from .engine import case_transition
from .models import Case
from .services import case_register

REMEDIES = "如不服本决定，可以在收到本决定书之日起六十日内向江川市人民政府申请行政复议，也可以在六个月内依法向人民法院提起行政诉讼。"


def _officers(agency: Agency, category_code: str, since: dt.date) -> list[Officer]:
    today = timezone.localdate()
    out = []
    for officer in Officer.objects.filter(agency=agency, active=True).order_by("pk"):
        if all(officer_may_act(officer=officer, category_code=category_code, region_code=agency.region.code,
                               on_date=d) for d in (since, today)):
            out.append(officer)
    return out


def _fine_in_tier(matter: Matter, circumstances: dict | None = None) -> Decimal:
    result = benchmark_apply(matter=matter, circumstances=circumstances or {})
    rng = result.range
    low = rng.minimum if rng and rng.minimum is not None else matter.fine_min or Decimal("1000")
    high = rng.maximum if rng and rng.maximum is not None else low
    return ((Decimal(low) + Decimal(high)) / 2).quantize(Decimal("1"))


class Story:
    """One demo case told step by step with backdated acts."""

    def __init__(self, *, agency, matter, officers, actor, today, party, title, days_ago, procedure="penalty_general"):
        self.today, self.actor, self.matter = today, actor, matter
        start = today - dt.timedelta(days=days_ago)
        self.case = case_register(
            procedure=procedure, agency=agency, lead_officer=officers[0], actor=actor, discovered_on=start,
            parties=[party], co_officers=officers[1:2], matter=matter, title=title,
            source="on_spot" if procedure == "penalty_simple" else "complaint",
            occurred_on=start - dt.timedelta(days=3), place="江川市清河区人民路88号",
            facts=f"经查，当事人{title}，违反了有关法律规定。")

    def at(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def do(self, action: str, days_ago: int, warn_reason: str = "", **data):
        case_transition(case=self.case, action=action, actor=self.actor, data=data, on_date=self.at(days_ago),
                        warn_reason=warn_reason)
        return self

    def investigate(self, filed: int, concluded: int):
        self.do("file", filed, head_approved=True, opinion="经初步核查，符合立案条件，建议立案调查。")
        self.do("record_inspection", filed - 1, warn_reason="现场检查以笔录和照片完整记录",
                certificates_shown=True, place="当事人经营场所",
                findings="现场检查发现当事人存在违法行为，已拍照固定证据。", party_signed=True)
        self.do("record_interview", filed - 2, certificates_shown=True, interviewee="当事人的法定代表人",
                content="当事人承认上述事实，表示愿意整改。", party_signed=True)
        self.do("conclude_investigation", concluded, report="违法事实清楚，证据确凿，建议依法给予行政处罚。")
        return self

    def propose(self, days_ago: int, fine: Decimal, **extra):
        types = [t for t in ("warning", "fine") if t in (self.matter.penalty_types or [])] or ["fine"]
        self.do("propose", days_ago, outcome="penalty", penalty_types=types, fine_amount=str(fine),
                correction_order="责令当事人立即改正违法行为。",
                reasons_evidence="现场检查笔录、询问笔录与现场照片相互印证，证据来源合法。",
                reasons_basis="当事人的行为违反相关法律规定，依据事项所列罚则予以处罚。",
                reasons_discretion="无从轻、减轻或者从重情节，按裁量基准一般阶次处罚。",
                warn_reason="违法事实见现场检查笔录、询问笔录（演示数据未上传证据文件）", **extra)
        return self

    def notify(self, days_ago: int, hearing: bool = False):
        return self.do("serve_notice", days_ago, method="direct", served_on=self.at(days_ago).isoformat(),
                       hearing_right_told=hearing)

    def decide(self, days_ago: int):
        return self.do("decide", days_ago, performance="自收到本决定书之日起十五日内缴纳罚款。", remedies=REMEDIES,
                       head_signed=True)

    def serve(self, days_ago: int):
        return self.do("serve_decision", days_ago, method="direct", served_on=self.at(days_ago).isoformat())

    def pay(self, days_ago: int, amount):
        return self.do("record_payment", days_ago, amount=str(amount), paid_on=self.at(days_ago).isoformat(),
                       method="bank")


def _person(serial: int, name: str) -> dict:
    return {"kind": "person", "name": name, "id_number": make_resident_id("390102", dt.date(1985, 4, 9), serial),
            "address": "江川市清河区幸福路16号", "phone": f"1350799{serial:04d}"}


def _company(serial: int, name: str) -> dict:
    return {"kind": "organisation", "name": name, "credit_code": make_credit_code("390102", 5000 + serial, dept="9"),
            "legal_representative": "周建国", "address": "江川市东湖区建设大道200号"}


def _stories(agency: Agency, actor, today: dt.date, stdout, base: int) -> int:
    # A matter whose general-tier fine needs no legal review and gives a natural person the right
    # to a hearing (PEN-30: 10,000 yuan by default), so every path of the procedure can be shown.
    candidates = Matter.objects.filter(agency=agency, kind="penalty", status="published", category__isnull=False,
                                       multiple_min__isnull=True, fine_min__isnull=False).order_by("code")
    chosen = [(m, _fine_in_tier(m)) for m in candidates if m.tiers.exists()]
    chosen = [(m, f) for m, f in chosen if Decimal("10000") <= f < Decimal("100000")]
    if not chosen:
        stdout.write(f"  {agency.name}：没有适合演示的处罚事项，跳过演示案件。")
        return 0
    matter, fine = chosen[0]
    officers = _officers(agency, matter.category.code, today - dt.timedelta(days=200))
    if len(officers) < 2:
        stdout.write(f"  {agency.name}：持证执法人员不足两名，跳过演示案件。")
        return 0
    me = getattr(actor, "officer", None)
    if me in officers:  # the demo officer login leads its own agency's cases
        officers.remove(me)
        officers.insert(0, me)
    pair = officers[:2]
    kw = dict(agency=agency, matter=matter, officers=pair, actor=actor, today=today)
    made = []
    company = _company
    # 1 — 案源登记, awaiting the filing decision.
    made.append(Story(**kw, party=company(base + 1, "江川市鑫源商贸有限公司"), title="涉嫌销售过期食品", days_ago=3))
    # 2 — overdue filing check (PEN-26 passed).
    made.append(Story(**kw, party=company(base + 2, "江川市老街餐饮店"), title="群众举报经营场所卫生问题", days_ago=40))
    # 3 — 不予立案.
    made.append(Story(**kw, party=company(base + 3, "江川市兴旺百货商店"), title="举报线索经核查不属实", days_ago=30)
                .do("decline_filing", 25, reason="经核查，举报事项不存在违法事实。", head_approved=True))
    # 4 — 立案调查中.
    s = Story(**kw, party=company(base + 4, "江川市惠民超市有限公司"), title="未建立进货查验记录", days_ago=25)
    s.do("file", 22, head_approved=True, opinion="符合立案条件。")
    s.do("record_inspection", 20, warn_reason="现场检查以笔录和照片完整记录", certificates_shown=True, place="当事人超市",
         findings="未能提供进货查验记录。")
    made.append(s)
    # 5 — 调查终结，已提出拟处理意见.
    made.append(Story(**kw, party=company(base + 5, "江川市味美食品厂"), title="标签不符合规定", days_ago=50)
                .investigate(45, 20).propose(18, fine))
    # 6 — 已告知，陈述申辩期内.
    made.append(Story(**kw, party=company(base + 6, "江川市佳佳便利店"), title="经营标签不符合规定的食品", days_ago=60)
                .investigate(55, 12).propose(10, fine).notify(1))
    # 7 — 听证：当事人（自然人）要求听证，已举行，待法制审核 (REV-01 (2)).
    person_fine = fine
    s = Story(**kw, party=_person(base + 7, "陈志强"), title="个体经营未建立进货查验记录", days_ago=90)
    s.investigate(85, 60).propose(58, person_fine).notify(55, hearing=True)
    s.do("request_hearing", 53, received_on=s.at(53).isoformat())
    presider = Officer.objects.filter(agency=agency, active=True).exclude(pk__in=[o.pk for o in pair]).first()
    s.do("schedule_hearing", 40, hearing_date=s.at(25).isoformat(), place="本局听证室", presider=presider.pk,
         notice_served_on=s.at(40).isoformat(), public=True)
    s.do("hold_hearing", 25, warn_reason="听证全程由书记员记录，笔录经当事人核对", transcript="听证会按程序进行，当事人进行了陈述和申辩。",
         signed=True)
    made.append(s)
    # 8 — 已作出决定，待送达.
    made.append(Story(**kw, party=company(base + 8, "江川市金太阳食品有限公司"), title="未按规定贮存食品", days_ago=70)
                .investigate(65, 40).propose(38, fine).notify(35).decide(2))
    # 9 — 执行中 (payment within 15 days).
    made.append(Story(**kw, party=company(base + 9, "江川市百味餐饮管理有限公司"), title="未按规定公示许可证", days_ago=80)
                .investigate(75, 50).propose(48, fine).notify(45).decide(8).serve(5))
    # 10 — 已结案，按期缴纳.
    s = Story(**kw, party=company(base + 10, "江川市福满楼酒店有限公司"), title="使用不合格餐具", days_ago=120)
    s.investigate(115, 90).propose(88, fine).notify(85).decide(70).serve(68).pay(60, fine)
    s.do("close", 58, summary="当事人已按期缴清罚款，违法行为已改正，案件办结。")
    made.append(s)
    # 11 — 已结案，逾期缴纳并缴纳加处罚款 (PEN-38).
    s = Story(**kw, party=company(base + 11, "江川市顺发粮油店"), title="经营超过保质期的食品", days_ago=150)
    s.investigate(145, 120).propose(118, fine).notify(115).decide(100).serve(98)
    s.case.refresh_from_db()
    surcharge = min((fine * Decimal("0.03") * 10).quantize(Decimal("0.01")), fine)
    s.pay(int((today - dt.date.fromisoformat(s.case.data["pay_due"])).days) - 10, fine + surcharge)
    s.do("close", 40, summary="当事人逾期十日缴纳罚款，已按日加处百分之三罚款并缴清。")
    made.append(s)
    # 12 — 逾期未作出决定 (PEN-34 overdue).
    made.append(Story(**kw, party=company(base + 12, "江川市宏达建材有限公司"), title="虚假宣传", days_ago=110)
                .investigate(100, 80))
    # 13 — 移送司法机关 (PEN-41).
    s = Story(**kw, party=company(base + 13, "江川市某食品加工作坊"), title="生产有毒有害食品", days_ago=45)
    s.do("file", 44, head_approved=True, opinion="符合立案条件。")
    s.do("refer_crime", 30, organ="江川市公安局", reason="涉嫌生产、销售有毒、有害食品罪。", items="涉案食品一批")
    made.append(s)
    # 14 — 申请人民法院强制执行.
    s = Story(**kw, party=company(base + 14, "江川市天天快餐店"), title="拒不改正违法行为", days_ago=190)
    s.investigate(185, 160).propose(158, fine).notify(155).decide(140).serve(138)
    s.do("remind", 100, served_on=s.at(100).isoformat())
    s.do("apply_court", 60, court="江川市清河区人民法院", applied_on=s.at(60).isoformat())
    made.append(s)
    # 15 — 已归档.
    s = Story(**kw, party=company(base + 15, "江川市新风服装店"), title="不执行明码标价规定", days_ago=180)
    s.investigate(175, 150).propose(148, fine).notify(145).decide(130).serve(128).pay(120, fine)
    s.do("close", 118, summary="案件办结。").do("archive", 110)
    made.append(s)
    # 16–17 — 简易程序（当场处罚）.
    simple = next((m for m in Matter.objects.filter(agency=agency, kind="penalty", status="published",
                                                       category=matter.category).order_by("code")), matter)
    s = Story(**kw | {"matter": simple}, party=_person(base + 16, "刘小红"), title="占道经营（当场处罚）", days_ago=6,
              procedure="penalty_simple")
    s.do("decide_on_spot", 6, certificates_shown=True, facts_certain=True, penalty_types=["fine"], fine_amount="50",
         violation="在人行道上摆摊经营。", basis="依据有关规定予以处罚。", remedies=REMEDIES, party_signed=True)
    s.do("collect_on_spot", 6, receipt_number="江财罚0012345")
    s.do("hand_over_fine", 5, handed_on=s.at(5).isoformat()).do("file_with_agency", 4).do("close", 3)
    made.append(s)
    s = Story(**kw | {"matter": simple}, party=_person(base + 17, "王大勇"), title="未公示营业执照（当场警告）",
              days_ago=1, procedure="penalty_simple")
    s.do("decide_on_spot", 1, certificates_shown=True, facts_certain=True, penalty_types=["warning"],
         violation="未在经营场所醒目位置公示营业执照。", basis="依据有关规定予以警告。", remedies=REMEDIES,
         party_signed=False, refusal_note="当事人拒绝签收，执法人员已在决定书上注明。")
    made.append(s)
    # 18 — 不予行政处罚（首违不罚，PEN-10）：决定、送达不予行政处罚决定书并结案.
    s = Story(**kw, party=company(base + 18, "江川市晨光文具店"), title="首次未按规定建立进货查验记录", days_ago=40)
    s.investigate(35, 20)
    s.do("propose", 18, outcome="no_penalty",
         circumstances=["first_offence", "slight_harm", "corrected_promptly"],
         correction_order="责令当事人立即建立进货查验记录制度。",
         reasons_evidence="现场检查笔录、询问笔录与现场照片相互印证，证据来源合法。",
         reasons_basis="当事人系初次违法，危害后果轻微，并在检查当日改正。",
         reasons_discretion="符合裁量基准“不予处罚”档次的适用情形。")
    s.do("decide", 15, performance="本决定送达即生效，当事人无需缴纳罚款。", remedies=REMEDIES, head_signed=True,
         education_record="执法人员向当事人讲解了进货查验记录制度的法律规定，当事人签字确认并承诺今后依法经营。")
    s.serve(13).do("close", 12, summary="不予行政处罚决定已送达，当事人已改正，案件办结。")
    made.append(s)
    # 19 — 补充调查（重新告知）(PEN-19): new facts after the notice, a heavier proposal, a new notice
    # (its statement window open); the first notice and proposal kept as a superseded round.
    s = Story(**kw, party=company(base + 19, "江川市四季鲜果业有限公司"), title="销售未经进货查验的水果制品", days_ago=75)
    s.investigate(70, 45).propose(43, fine).notify(40)
    s.do("reinvestigate", 30, new_facts="告知后接群众举报，查实当事人另有两批水果罐头未履行进货查验义务。",
         not_due_to_defence=True)
    s.do("record_interview", 28, certificates_shown=True, interviewee="当事人的法定代表人",
         content="当事人承认另有两批水果罐头未查验进货。", party_signed=True)
    s.do("conclude_investigation", 25, report="补充调查终结，新查实的违法事实清楚，证据确凿。")
    rng = benchmark_apply(matter=matter, circumstances={}).range  # stay inside the tier (REV-10)
    s.propose(23, min(fine + Decimal("1000"), rng.maximum if rng and rng.maximum is not None else fine))
    s.case.refresh_from_db()
    s.notify(2, hearing=bool(s.case.data["propose"].get("hearing_right")))
    made.append(s)
    return len(made)


def load(*, stdout, bodies: int = 3) -> None:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(username="officer").first()
    agencies = list(Agency.objects.filter(is_justice_bureau=False, active=True, matters__kind="penalty")
                    .distinct().order_by("pk"))
    if not agencies:
        stdout.write("  没有可用的执法主体，跳过演示案件。")
        return
    today = timezone.localdate()
    total = 0
    for i, agency in enumerate(agencies[:bodies]):
        with transaction.atomic():
            total += _stories(agency, actor, today, stdout, base=100 * (i + 1))
    stdout.write(f"  演示案件 {total} 件（{Case.objects.values('state').distinct().count()} 种状态）。")
