"""A small register to test against: a province, a city and a district, one agency, one officer."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.org import services
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from django.utils import timezone

TODAY = timezone.localdate()


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@example.cn", "zhifa-test-pass-1")


@pytest.fixture
def world(db, admin_user):
    actor = admin_user
    province = services.region_create(code="369000", name="江南省", level="province", actor=actor)
    city = services.region_create(code="369100", name="江川市", level="city", parent=province, actor=actor)
    district = services.region_create(code="369102", name="清河区", level="county", parent=city, actor=actor)
    other_city = services.region_create(code="369200", name="云岭市", level="city", parent=province, actor=actor)
    market = services.category_create(code="SC", name="市场监管", actor=actor)
    env = services.category_create(code="HJ", name="生态环境", actor=actor)
    agency = services.agency_register(name="江川市市场监督管理局", credit_code=make_credit_code("369100", 1),
                                      region=city, actor=actor)
    officer = services.officer_register(name="张伟", id_number=make_resident_id("369102", dt.date(1985, 3, 4), 11),
                                        agency=agency, actor=actor)
    cert = services.certificate_issue(holder=officer, number="JC0001", issued_on=TODAY - dt.timedelta(days=100),
                                      expires_on=TODAY + dt.timedelta(days=300), categories=[market],
                                      regions=[city], actor=actor)
    return {"actor": actor, "province": province, "city": city, "district": district, "other_city": other_city,
            "market": market, "env": env, "agency": agency, "officer": officer, "cert": cert}
