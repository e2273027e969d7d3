import datetime as dt
from decimal import Decimal

import pytest

from zhifa.core import calendar
from zhifa.org.models import Agency, Region
from zhifa.publicity import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded_calendar(db):
    calendar.calendar_seed()
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def region(db):
    return Region.objects.create(code="369100", name="江川市", level=Region.Level.CITY)


@pytest.fixture
def agency(region):
    return Agency.objects.create(name="江川市市场监督管理局", credit_code="11369100MB0000001X", region=region)


@pytest.fixture
def other_agency(region):
    return Agency.objects.create(name="江川市生态环境局", credit_code="11369100MB0000002X", region=region)


@pytest.fixture
def clerk(db, django_user_model):
    return django_user_model.objects.create_user(username="clerk", password="pw-123456", is_staff=True)


PERSON = {"kind": "person", "name": "张三", "id_number": "11010519491231002X", "address": "江川市清河区人民路88号",
          "phone": "13812345678"}
COMPANY = {"kind": "organisation", "name": "江川市好味食品有限公司", "credit_code": "91110108MA01234P76",
           "legal_rep": "李四", "address": "江川市清河区工业园1号"}


def open_penalty(agency, actor, *, source_pk=1, party=None, decided=dt.date(2026, 9, 29), **kw):
    fields = dict(
        agency=agency, source_label="cases.decision", source_pk=source_pk, category="penalty",
        decision_number=f"江市监处罚〔2026〕{source_pk}号", decided_on=decided, effective_on=decided,
        party=party or COMPANY, conclusion="销售过期食品，给予罚款并没收违法所得。",
        basis="《中华人民共和国食品安全法》第一百二十四条第一款", penalty="罚款人民币伍万元，没收违法所得",
        amount=Decimal("50000"), facts="经查，当事人于2026年8月销售超过保质期的食品。", actor=actor,
    )
    fields.update(kw)
    return services.publication_open(**fields)


def publish(publication, actor, on=None):
    services.publication_review(publication=publication, actor=actor)
    return services.publication_publish(publication=publication, actor=actor, on=on)
