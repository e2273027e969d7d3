"""Demo publications for the 江川市 bodies (after org's and catalog's demo; skips absent bodies).
Synthetic parties and identifiers only; every row goes through the services, so the redaction,
the deadlines and the ledger are the real ones. The lead will later feed decisions from cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from zhifa.core.errors import DomainError

from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import Agency

from . import services
from .models import Publication

MARKET = "江川市市场监督管理局"
ENV = "江川市生态环境局"
CITY = "江川市城市管理综合行政执法局"
FOOD_LAW = "《中华人民共和国食品安全法》第一百二十四条第一款第（一）项"
ENV_LAW = "《中华人民共和国大气污染防治法》第一百零八条第（五）项"


def _rows(today: dt.date) -> list[dict]:
    d = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    return [
        dict(agency=MARKET, category="penalty", number="江市监处罚〔2026〕101号", decided=d(40),
             party={"kind": "organisation", "name": "江川市鲜味食品有限公司", "credit_code": make_credit_code("369100", 501,
                    dept="9", kind="1"), "legal_rep": "周建华", "address": "江川市清河区工业园3号"},
             conclusion="销售超过保质期的食品，责令改正，没收违法所得，并处罚款。", basis=FOOD_LAW,
             penalty="没收违法所得人民币3200元，罚款人民币五万元", amount=Decimal("53200"),
             facts="经查，当事人于2026年7月在其经营场所销售超过保质期的预包装食品，货值金额1600元。现场负责人周建华"
                   "（联系电话13907991234）在检查笔录上签字。", action="publish"),
        dict(agency=MARKET, category="penalty", number="江市监处罚〔2026〕102号", decided=d(30),
             party={"kind": "person", "name": "陈小红", "id_number": make_resident_id("369102", dt.date(1988, 5, 6), 22),
                    "address": "江川市清河区人民路88号2栋", "phone": "13907995678"},
             conclusion="未取得食品经营许可从事食品经营活动，没收违法所得并处罚款。",
             basis="《中华人民共和国食品安全法》第一百二十二条第一款", penalty="没收违法所得人民币800元，罚款人民币五万元",
             amount=Decimal("50800"),
             facts="当事人陈小红（身份证号" + make_resident_id("369102", dt.date(1988, 5, 6), 22) + "）在清河区人民路"
                   "摆摊销售自制熟食，未取得食品经营许可。", action="publish"),
        dict(agency=MARKET, category="licensing", number="江市监食许〔2026〕2088号", decided=d(20),
             party={"kind": "individual_business", "name": "清河区老王小吃店",
                    "credit_code": make_credit_code("369102", 88, dept="9", kind="2"), "legal_rep": "王大力"},
             conclusion="准予食品经营许可，许可证编号JY23691020012345，有效期五年。",
             basis="《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》", action="publish"),
        dict(agency=MARKET, category="penalty", number="江市监处罚〔2026〕103号", decided=d(25),
             party={"kind": "organisation", "name": "江川市惠民超市有限公司", "credit_code": make_credit_code("369100", 502,
                    dept="9", kind="1"), "legal_rep": "刘明"},
             conclusion="销售标签不符合规定的食品，罚款。", basis="《中华人民共和国食品安全法》第一百二十五条第一款第（二）项",
             penalty="罚款人民币二万元", amount=Decimal("20000"), facts="当事人销售的预包装食品标签未标注生产日期。",
             action="correct"),
        dict(agency=ENV, category="penalty", number="江环罚〔2026〕17号", decided=d(35),
             party={"kind": "organisation", "name": "江川市宏达建材有限公司", "credit_code": make_credit_code("369100", 503,
                    dept="9", kind="1"), "legal_rep": "孙伟"},
             conclusion="露天堆放易产生扬尘的物料未采取密闭或者覆盖措施，罚款。", basis=ENV_LAW,
             penalty="罚款人民币三万元", amount=Decimal("30000"), facts="执法人员现场检查发现砂石料露天堆放、未覆盖。",
             action="withdraw"),
        dict(agency=CITY, category="coercion", number="江城执强〔2026〕5号", decided=d(15),
             party={"kind": "organisation", "name": "江川市旺角广告有限公司", "credit_code": make_credit_code("369100", 504,
                    dept="9", kind="1"), "legal_rep": "赵强"},
             conclusion="对擅自设置的大型户外广告设施依法予以查封。", basis="《中华人民共和国行政强制法》第九条、第二十二条",
             action="publish"),
        dict(agency=MARKET, category="penalty", number="江市监处罚〔2026〕104号", decided=d(14),
             party={"kind": "organisation", "name": "江川市乐购便利店有限公司", "credit_code": make_credit_code("369100", 505,
                    dept="9", kind="1"), "legal_rep": "钱多多"},
             conclusion="销售无中文标签的进口食品，罚款。", basis="《中华人民共和国食品安全法》第一百二十五条第一款第（四）项",
             penalty="罚款人民币一万元", amount=Decimal("10000"), facts="当事人货架上有3种进口饼干无中文标签。",
             action="draft"),
    ]


def load(*, stdout=None) -> None:
    today = timezone.localdate()
    n = 0
    for i, row in enumerate(_rows(today), start=1):
        agency = Agency.objects.filter(name=row["agency"]).first()
        if agency is None:
            continue
        pub = services.publication_open(
            agency=agency, source_label="demo.decision", source_pk=i, category=row["category"],
            decision_number=row["number"], decided_on=row["decided"], effective_on=row["decided"], party=row["party"],
            conclusion=row["conclusion"], basis=row["basis"], penalty=row.get("penalty", ""),
            amount=row.get("amount"), facts=row.get("facts", ""), actor=None)
        if pub is None or row["action"] == "draft":
            n += 1
            continue
        services.publication_review(publication=pub, actor=None)
        services.publication_publish(publication=pub, actor=None, on=min(row["decided"] + dt.timedelta(days=3), today))
        if row["action"] == "correct":
            services.publication_correct(publication=pub, actor=None, reason="罚款金额录入有误，予以更正",
                                         changes={"penalty": "罚款人民币一万五千元", "amount": "15000"})
            services.publication_review(publication=pub, actor=None)
            services.publication_publish(publication=pub, actor=None)
        if row["action"] == "withdraw":
            services.publication_withdraw(publication=pub, actor=None, requested_on=today - dt.timedelta(days=1),
                                          reason="该行政处罚决定已被行政复议机关撤销，依法撤回公示信息。")
        n += 1
    # Decisions the demo penalty cases served: the clerk reviews and publishes all but the newest,
    # which stays in the queue (the portal then shows real cases beside the samples above).
    drafts = list(Publication.objects.filter(source_label="cases.case", status="draft").order_by("effective_on"))
    for pub in drafts[:-1]:
        try:
            services.publication_review(publication=pub, actor=None)
            services.publication_publish(publication=pub, actor=None, on=min(pub.due_on, today))
            n += 1
        except DomainError as exc:  # e.g. text the scanner still flags: left for the clerk
            if stdout:
                stdout.write(f"  {pub.decision_number} 留待公示管理员审核：{exc.message}")
    if stdout:
        stdout.write(f"  执法决定公示 {n} 条")
