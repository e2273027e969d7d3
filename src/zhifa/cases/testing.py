"""A small enforcement world for tests of the case engine and the apps built on it: a city market
regulator with certified officers, a published penalty matter with a benchmark, and helpers that
register cases. Used by `penalty_world` in the root conftest.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from zhifa.catalog import services as catalog
from zhifa.catalog.models import LegalBasis, Matter
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id

TIERS = [
    {"tier": "no_penalty", "conditions": "首次违法、危害后果轻微并及时改正",
     "flags": ["first_offence", "slight_harm", "corrected_promptly"]},
    {"tier": "lighter", "conditions": "主动消除危害后果等", "flags": ["eliminated_harm"],
     "fine_min": "5000", "fine_max": "20000"},
    {"tier": "general", "conditions": "一般情形", "flags": [], "fine_min": "20000", "fine_max": "35000"},
    {"tier": "heavier", "conditions": "拒不改正或者造成严重后果", "flags": ["aggravating"],
     "fine_min": "35000", "fine_max": "50000"},
]


@dataclass
class World:
    actor: object
    city: object
    category: object
    agency: object
    officers: list
    uncertified: object
    presider: object
    matter: object
    simple_matter: object
    extra: dict = field(default_factory=dict)


def _publish(matter, actor):
    catalog.matter_submit_review(matter=matter, actor=actor)
    catalog.matter_review_pass(matter=matter, actor=actor, opinion="同意")
    return catalog.matter_publish(matter=matter, actor=actor, effective_from=dt.date(2020, 1, 1))


def make_world(*, today: dt.date | None = None) -> World:
    today = today or dt.date.today()
    User = get_user_model()
    actor = User.objects.create_superuser("case-admin", "case-admin@example.cn", "zhifa-test-pass-1")
    province = org.region_create(code="369000", name="江南省", level="province", actor=actor)
    city = org.region_create(code="369100", name="江川市", level="city", parent=province, actor=actor)
    category = org.category_create(code="SC", name="市场监管", actor=actor)
    agency = org.agency_register(name="江川市市场监督管理局", short_name="江川市监", credit_code=make_credit_code("369100", 7),
                                 region=city, actor=actor)
    officers = []
    for i, name in enumerate(["李明", "王芳", "赵强"]):
        o = org.officer_register(name=name, id_number=make_resident_id("369102", dt.date(1980 + i, 5, 6), 20 + i),
                                 agency=agency, actor=actor)
        org.certificate_issue(holder=o, number=f"JCSC{i:04d}", issued_on=today - dt.timedelta(days=800),
                              expires_on=today + dt.timedelta(days=900), categories=[category], regions=[city],
                              actor=actor)
        officers.append(o)
    uncertified = org.officer_register(name="孙新", id_number=make_resident_id("369102", dt.date(1995, 1, 2), 31),
                                       agency=agency, actor=actor)
    presider = org.officer_register(name="周审", id_number=make_resident_id("369102", dt.date(1978, 2, 3), 41),
                                    agency=agency, actor=actor)
    basis = catalog.legal_basis_create(
        level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法", issuer="全国人民代表大会常务委员会",
        version_date=dt.date(2021, 4, 29), article="第一百二十六条", paragraph="第一款",
        text="违反本法规定……由县级以上人民政府食品安全监督管理部门责令改正，给予警告；拒不改正的，处五千元以上五万元以下罚款。",
        actor=actor)
    matter = _publish(catalog.matter_create(
        agency=agency, code="SC-CF-126", actor=actor, legal_bases=[basis], tiers=TIERS,
        name="食品经营者未按规定建立并遵守进货查验记录制度", kind=Matter.Kind.PENALTY, category=category,
        violation="未按规定建立并遵守进货查验记录制度", penalty_types=["warning", "fine", "suspend_business"],
        fine_min="5000", fine_max="50000", flowchart=["立案", "调查", "告知", "决定", "送达", "执行"]), actor)
    simple_matter = _publish(catalog.matter_create(
        agency=agency, code="SC-CF-001", actor=actor, legal_bases=[basis], tiers=[],
        name="经营场所未公示营业执照", kind=Matter.Kind.PENALTY, category=category,
        violation="未在经营场所醒目位置公示营业执照", penalty_types=["warning", "fine"],
        fine_min="0", fine_max="3000"), actor)
    return World(actor=actor, city=city, category=category, agency=agency, officers=officers,
                 uncertified=uncertified, presider=presider, matter=matter, simple_matter=simple_matter)


def person_party(name: str = "陈小满", birth: dt.date = dt.date(1990, 7, 1), serial: int = 55) -> dict:
    return {"kind": "person", "name": name, "id_number": make_resident_id("369102", birth, serial),
            "address": "江川市清河区人民路12号", "phone": "13800138000"}


def org_party(name: str = "江川市好味餐饮有限公司", serial: int = 9) -> dict:
    return {"kind": "organisation", "name": name, "credit_code": make_credit_code("369102", serial, dept="9"),
            "legal_representative": "刘大海", "address": "江川市清河区和平街8号"}


def register_case(world: World, *, procedure: str = "penalty_general", parties=None, discovered_on=None,
                  occurred_on=None, matter=None, co_officers=None, **fields):
    from .services import case_register

    today = dt.date.today()
    return case_register(
        procedure=procedure, agency=world.agency, lead_officer=world.officers[0], actor=world.actor,
        discovered_on=discovered_on or today - dt.timedelta(days=60),
        parties=parties if parties is not None else [org_party()],
        co_officers=co_officers if co_officers is not None else [world.officers[1]],
        matter=matter or (world.simple_matter if procedure == "penalty_simple" else world.matter),
        title=fields.pop("title", "未建立进货查验记录"), source=fields.pop("source", "inspection"),
        occurred_on=occurred_on or today - dt.timedelta(days=70), place=fields.pop("place", "江川市清河区和平街8号"),
        facts=fields.pop("facts", "当事人未按规定建立进货查验记录。"), **fields)
