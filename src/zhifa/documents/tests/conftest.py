"""A small world for document tests: one agency with two certified officers, a penalty matter with
its legal basis, and a penalty case whose steps are recorded in `case.data` the way the penalty
procedure records them. A tiny test procedure stands in for procedures.penalty_general so these
tests do not depend on its table."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.engine import Procedure, Transition, register_procedure
from zhifa.cases.inputs import Field
from zhifa.cases.models import Case
from zhifa.cases.services import case_register
from zhifa.catalog import services as catalog
from zhifa.catalog.models import LegalBasis, Matter
from zhifa.documents.services import generate_after_commit
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id

TODAY = dt.date.today()

TEST_PROCEDURE = register_procedure(Procedure(
    name="documents_test", label="文书测试程序", kind="penalty",
    states={"registered": "已登记", "filed": "已立案"},
    initial_action="register",
    transitions=(
        Transition(action="register", label="案源登记", sources=("",), target="registered", event="case_registered"),
        Transition(action="file", label="立案", sources=("registered",), target="filed", event="case_filed",
                   after_commit=(generate_after_commit("filing_approval"),)),
        Transition(action="record_inspection", label="现场检查笔录", sources=("filed",), target=None,
                   event="inspection_recorded",
                   inputs=(Field("place", "检查地点", required=True), Field("findings", "检查情况", "textarea")),
                   after_commit=(generate_after_commit("inspection_record"),)),
    ),
))

PROPOSE = {
    "outcome": "penalty", "penalty_types": ["warning", "fine"], "fine_amount": "52000.00",
    "circumstances": [], "hearing_right": ["较大数额罚款（PEN-30）"],
    "evidence": "现场检查笔录、询问笔录、进货单据三份、现场照片十二张。",
    "reasons_evidence": "现场检查笔录与询问笔录、进货单据相互印证，来源合法，予以采信。",
    "reasons_basis": "当事人未取得食品经营许可从事食品经营活动，符合该条规定的情形。",
    "reasons_discretion": "当事人货值金额较小，但经营时间较长，适用一般档次。",
    "benchmark": {"tier": "general", "tier_label": "一般", "range": {"min": "65000", "max": "85000",
                                                                  "text": "65000元至85000元"},
                  "reasons": ["无从轻、从重情节"], "matter_code": "SJ-CF-001", "matter_version": 1},
    "deviation_reason": "当事人积极配合调查，主动停止经营，依法从轻。",
    "on_date": (TODAY - dt.timedelta(days=20)).isoformat(), "entry": 3,
}
STATEMENT = {"statement": "经营时间较短，且已主动停止经营。", "review_note": "经营时间较短的意见与进货单据不符，不予采纳；"
             "主动停止经营的意见属实，予以采纳。", "adopted": False, "on_date": (TODAY - dt.timedelta(days=5)).isoformat(),
             "entry": 5}
DECIDE = {"performance": "自收到本决定书之日起十五日内缴纳罚款。",
          "remedies": "如不服本决定，可以在收到本决定书之日起六十日内向江川市人民政府申请行政复议，"
                      "也可以在六个月内依法向江川市清河区人民法院提起行政诉讼。",
          "statement_adopted": "对当事人的陈述、申辩意见部分采纳。", "head_signed": True,
          "on_date": (TODAY - dt.timedelta(days=2)).isoformat(), "entry": 6}


@pytest.fixture
def actor(db):
    return get_user_model().objects.create_superuser("docroot", "docroot@example.cn", "zhifa-test-pass-1")


@pytest.fixture
def world(db, actor):
    province = org.region_create(code="369000", name="江南省", level="province", actor=actor)
    city = org.region_create(code="369100", name="江川市", level="city", parent=province, actor=actor)
    market = org.category_create(code="SC", name="市场监管", actor=actor)
    agency = org.agency_register(name="江川市市场监督管理局", short_name="江川市监",
                                 credit_code=make_credit_code("369100", 1), region=city, actor=actor)
    officers = []
    for i, name in enumerate(["张伟", "王芳"], start=1):
        officer = org.officer_register(name=name, id_number=make_resident_id("369102", dt.date(1985, 3, i), 10 + i),
                                       agency=agency, actor=actor)
        org.certificate_issue(holder=officer, number=f"JC000{i}", issued_on=TODAY - dt.timedelta(days=100),
                              expires_on=TODAY + dt.timedelta(days=300), categories=[market], regions=[city],
                              actor=actor)
        officers.append(officer)
    basis = catalog.legal_basis_create(
        level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法", version_date=dt.date(2021, 4, 29),
        article="第一百二十二条", paragraph="第一款", text="违反本法规定，未取得食品生产经营许可从事食品生产经营活动……",
        actor=actor)
    matter = catalog.matter_create(
        agency=agency, code="SJ-CF-001", actor=actor, legal_bases=[basis], name="未取得食品经营许可从事食品经营活动",
        kind=Matter.Kind.PENALTY, violation="未取得食品经营许可从事食品经营活动", penalty_types=["warning", "fine"],
        fine_min="50000", fine_max="100000")
    return {"agency": agency, "officers": officers, "matter": matter, "basis": basis, "city": city}


@pytest.fixture
def case(world, actor):
    return case_register(
        procedure="documents_test", agency=world["agency"], lead_officer=world["officers"][0], actor=actor,
        discovered_on=TODAY - dt.timedelta(days=30), co_officers=[world["officers"][1]],
        parties=[{"kind": "organisation", "name": "江川市鲜味餐饮有限公司",
                  "credit_code": make_credit_code("369100", 7), "legal_representative": "李四",
                  "address": "江川市清河区河滨路18号"}],
        title="未取得食品经营许可从事食品经营活动案", source="complaint", facts="当事人于2026年9月起在河滨路18号经营熟食，"
        "未取得食品经营许可证，货值金额8000元。", place="江川市清河区河滨路18号", matter=world["matter"],
    )


@pytest.fixture
def decided_case(case):
    """The case with the proposal and the decision recorded as the penalty procedure records them."""
    Case.objects.filter(pk=case.pk).update(data={**case.data, "propose": PROPOSE, "receive_statement": STATEMENT,
                                                 "decide": DECIDE})
    case.refresh_from_db()
    return case
