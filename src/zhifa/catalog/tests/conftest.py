import datetime as dt

import pytest

from zhifa.catalog import services
from zhifa.catalog.models import LegalBasis, Matter
from zhifa.org.models import Agency, Region


@pytest.fixture
def region(db):
    return Region.objects.create(code="360000", name="测试省", level=Region.Level.PROVINCE)


@pytest.fixture
def agency(region):
    return Agency.objects.create(name="测试市市场监督管理局", credit_code="11360000MB0000001X", region=region)


@pytest.fixture
def other_agency(region):
    return Agency.objects.create(name="测试市生态环境局", credit_code="11360000MB0000002X", region=region)


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_user(username="catadmin", password="pw-123456", is_staff=True)


@pytest.fixture
def food_basis(admin_user):
    return services.legal_basis_create(
        level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法", issuer="全国人民代表大会常务委员会",
        version_date=dt.date(2021, 4, 29), article="第一百二十二条", paragraph="第一款",
        text="违反本法规定，未取得食品生产经营许可从事食品生产经营活动……违法生产经营的食品货值金额不足一万元的，"
             "并处五万元以上十万元以下罚款；货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款。",
        actor=admin_user,
    )


TIERS = [
    {"tier": "no_penalty", "conditions": "首次违法、危害后果轻微并及时改正", "flags": ["first_offence", "harm_minor",
                                                                             "corrected_promptly"]},
    {"tier": "lighter", "conditions": "主动消除危害后果等", "flags": ["eliminated_harm"],
     "fine_min": "50000", "fine_max": "65000"},
    {"tier": "general", "conditions": "一般情形", "flags": [], "fine_min": "65000", "fine_max": "85000"},
    {"tier": "heavier", "conditions": "经责令改正拒不改正或者造成严重后果", "flags": ["serious_harm"],
     "fine_min": "85000", "fine_max": "100000"},
]


def make_penalty_matter(agency, actor, basis, code="SJ-CF-001", **kw):
    fields = dict(
        name="未取得食品经营许可从事食品经营活动", kind=Matter.Kind.PENALTY,
        violation="未取得食品经营许可从事食品经营活动，货值金额不足一万元",
        penalty_types=["fine", "confiscate_gains", "confiscate_property"],
        fine_min="50000", fine_max="100000", flowchart=["立案", "调查取证", "法制审核", "告知", "决定", "送达", "执行"],
    )
    fields.update(kw)
    return services.matter_create(agency=agency, code=code, actor=actor, legal_bases=[basis], tiers=TIERS, **fields)


def publish(matter, actor):
    services.matter_submit_review(matter=matter, actor=actor)
    services.matter_review_pass(matter=matter, actor=actor, opinion="同意")
    return services.matter_publish(matter=matter, actor=actor)
