"""A small agency to review in: a handling unit with two certified officers, a legal review body
with a qualified reviewer and an unqualified newcomer, two heads, a penalty matter with its
benchmark, a published catalogue row (fines of 50,000 yuan or more are major) and a tiny
procedure whose decide step carries the review gates (until penalty_general is on main)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.engine import Procedure, Transition, register_procedure
from zhifa.cases.inputs import Field
from zhifa.cases.services import case_register
from zhifa.catalog import services as catalog
from zhifa.catalog.models import LegalBasis, MajorDecisionCriterion, Matter
from zhifa.org import roles
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.review.gates import collective_discussion_gate, legal_review_gate

TODAY = dt.date.today()

TIERS = [
    {"tier": "lighter", "conditions": "主动消除危害后果", "flags": ["eliminated_harm"], "fine_min": "50000",
     "fine_max": "65000"},
    {"tier": "general", "conditions": "一般情形", "flags": [], "fine_min": "65000", "fine_max": "85000"},
    {"tier": "heavier", "conditions": "造成严重后果", "flags": ["serious_harm"], "fine_min": "85000",
     "fine_max": "100000"},
]

PROCEDURE = register_procedure(Procedure(
    name="review_test", label="审核测试程序", kind="penalty",
    states={"registered": "已登记", "investigated": "调查终结", "decided": "已决定"},
    initial_action="register",
    transitions=(
        Transition("register", "登记", ("",), "registered", "case_registered"),
        Transition("record_inspection", "现场检查笔录", ("registered",), None, "inspection_recorded",
                   inputs=(Field("note", "检查情况", required=True),)),
        Transition("propose", "拟处理意见", ("registered", "investigated"), "investigated", "decision_proposed",
                   inputs=(
                       Field("outcome", "处理意见", "choice", True, (("penalty", "处罚"), ("no_penalty", "不予处罚"),
                                                                   ("refer", "移送"))),
                       Field("penalty_types", "处罚种类", "multichoice",
                             choices=(("fine", "罚款"), ("warning", "警告"), ("confiscate_gains", "没收违法所得"))),
                       Field("fine_amount", "罚款", "decimal"),
                       Field("circumstances", "情节", "multichoice",
                             choices=(("eliminated_harm", "消除危害"), ("serious_harm", "严重后果"))),
                       Field("public_interest", "重大公共利益", "bool"),
                       Field("complex", "疑难复杂", "bool"),
                       Field("serious", "重大违法", "bool"),
                       Field("suspected_crime", "涉嫌犯罪", "bool"),
                       Field("reasons_evidence", "事实与证据", "textarea"),
                   )),
        Transition("decide", "作出决定", ("investigated",), "decided", "case_decided",
                   guards=(legal_review_gate, collective_discussion_gate),
                   inputs=(Field("fine_amount", "罚款", "decimal"),)),
    ),
))


def _user(username, *, agency, officer=None, role=None, name=""):
    user = get_user_model().objects.create_user(username, f"{username}@example.cn", "zhifa-test-pass-1",
                                                agency=agency, officer=officer, display_name=name or username)
    if role:
        user.groups.add(roles.ensure_groups()[role])
    return user


@pytest.fixture
def world(db):
    User = get_user_model()
    root = User.objects.create_superuser("root", "root@example.cn", "zhifa-test-pass-1")
    province = org.region_create(code="369000", name="江南省", level="province", actor=root)
    city = org.region_create(code="369100", name="江川市", level="city", parent=province, actor=root)
    market = org.category_create(code="SC", name="市场监管", actor=root)
    agency = org.agency_register(name="江川市市场监督管理局", credit_code=make_credit_code("369100", 1),
                                 region=city, actor=root)
    unit = org.department_create(agency=agency, name="执法稽查科", actor=root)
    legal = org.department_create(agency=agency, name="法规科", is_legal_review_body=True, actor=root)

    def officer(name, seq, dept, **kw):
        o = org.officer_register(name=name, id_number=make_resident_id("369100", dt.date(1985, 3, 4), seq),
                                 agency=agency, department=dept, actor=root, **kw)
        org.certificate_issue(holder=o, number=f"JC{seq:04d}", issued_on=TODAY - dt.timedelta(days=100),
                              expires_on=TODAY + dt.timedelta(days=300), categories=[market], regions=[city],
                              actor=root)
        return o

    zhang = officer("张伟", 11, unit)
    li = officer("李娜", 13, unit)
    wang = officer("王芳", 15, legal, legal_qualification_number="A20190001")
    zhao = officer("赵磊", 17, legal)  # first-time reviewer without the qualification (REV-02)
    basis = catalog.legal_basis_create(
        level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法", version_date=dt.date(2021, 4, 29),
        article="第一百二十二条", text="……并处五万元以上十万元以下罚款……", actor=root)
    matter = catalog.matter_create(
        agency=agency, code="SJ-CF-001", actor=root, legal_bases=[basis], tiers=TIERS,
        name="未取得食品经营许可从事食品经营活动", kind=Matter.Kind.PENALTY, category=market,
        violation="未取得食品经营许可从事食品经营活动", penalty_types=["fine", "confiscate_gains"],
        fine_min="50000", fine_max="100000")
    row = catalog.list_item_create(model=MajorDecisionCriterion, agency=agency, actor=root,
                                   title="罚款五万元以上的行政处罚", matter_kind="penalty", amount_threshold="50000")
    for action in ("submit", "pass", "publish"):
        catalog.list_item_transition(item=row, action=action, actor=root)
    return {
        "root": root, "agency": agency, "city": city, "unit": unit, "legal": legal, "matter": matter,
        "zhang": zhang, "li": li, "wang": wang, "zhao": zhao,
        "u_zhang": _user("zhangwei", agency=agency, officer=zhang, role=roles.OFFICER, name="张伟"),
        "u_wang": _user("wangfang", agency=agency, officer=wang, role=roles.REVIEWER, name="王芳"),
        "u_zhao": _user("zhaolei", agency=agency, officer=zhao, role=roles.REVIEWER, name="赵磊"),
        "u_head": _user("juzhang", agency=agency, role=roles.HEAD, name="陈局长"),
        "u_head2": _user("fujuzhang", agency=agency, role=roles.HEAD, name="刘副局长"),
    }


def make_case(world, *, fine="60000", circumstances=("eliminated_harm",), **propose):
    case = case_register(
        procedure="review_test", agency=world["agency"], lead_officer=world["zhang"], actor=world["u_zhang"],
        discovered_on=TODAY - dt.timedelta(days=20), co_officers=[world["li"]], title="无证经营食品案",
        source="complaint", matter=world["matter"],
        parties=[{"kind": "organisation", "name": "江川市某某餐饮有限公司",
                  "credit_code": make_credit_code("369100", 77, dept="9", kind="1")}],
    )
    from zhifa.cases.engine import case_transition

    case_transition(case=case, action="record_inspection", actor=world["u_zhang"], data={"note": "现场检查发现无证经营"})
    data = {"outcome": "penalty", "penalty_types": ["fine"], "fine_amount": fine,
            "circumstances": list(circumstances), "reasons_evidence": "现场检查笔录、询问笔录证明无证经营。"}
    data.update(propose)
    case_transition(case=case, action="propose", actor=world["u_zhang"], data=data)
    case.refresh_from_db()
    return case


AGREE = {k: {"passed": True} for k in ("body_officers", "procedure", "facts_evidence", "legal_basis", "discretion",
                                       "authority", "documents", "crime_referral")}


def with_finding(key="facts_evidence", text="缺少货值金额的证据"):
    out = {k: dict(v) for k, v in AGREE.items()}
    out[key] = {"passed": False, "finding": text}
    return out
