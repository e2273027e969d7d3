"""The demo register loads through the services and answers eligibility questions correctly."""

import time

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from zhifa.ledger.models import Entry
from zhifa.org import demo
from zhifa.org.models import Agency, Certificate, Officer, User
from zhifa.org.selectors import officer_may_act
from zhifa.core.identifiers import is_valid_credit_code, is_valid_resident_id

pytestmark = pytest.mark.django_db


def test_demo_loads_quickly_with_the_promised_shape():
    started = time.monotonic()
    demo.load(stdout=None)
    assert time.monotonic() - started < 20
    assert Agency.objects.filter(kind=Agency.Kind.ADMINISTRATIVE_ORGAN, is_justice_bureau=False).count() == 5
    justice = Agency.objects.get(is_justice_bureau=True)
    assert justice.supervised_agencies.count() == 5
    assert all(is_valid_credit_code(a.credit_code) for a in Agency.objects.all())
    assert 55 <= Officer.objects.count() <= 65
    assert all(is_valid_resident_id(o.id_number) for o in Officer.objects.all())
    assert Agency.objects.filter(departments__is_legal_review_body=True).distinct().count() >= 5
    today = timezone.localdate()
    certs = Certificate.objects.all()
    assert certs.filter(status="expired").count() >= 2
    assert certs.filter(status="suspended").count() == 1
    assert certs.filter(status="valid", expires_on__lte=today + timezone.timedelta(days=30)).count() >= 3
    assert certs.filter(kind=Certificate.Kind.SUPERVISION, holder__agency=justice).count() >= 3
    assert Entry.objects.filter(kind="certificate_issued").count() == certs.count()
    assert set(Group.objects.values_list("name", flat=True)) >= set(demo.ROLE_GROUPS)
    for username, password, _ in demo.LOGINS:
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.groups.exists()
    assert User.objects.get(username="supervisor").supervised_region.code == demo.CITY[0]


def test_demo_eligibility_for_expired_and_suspended_certificates():
    demo.load(stdout=None)
    today = timezone.localdate()
    district = demo.DISTRICTS[0][0]
    for status, code in (("expired", "expired"), ("suspended", "suspended")):
        cert = Certificate.objects.filter(status=status).first()
        category = cert.categories.first().code
        result = officer_may_act(officer=cert.holder, category_code=category, region_code=district, on_date=today)
        assert not result.ok and result.code == code and result.certificate == cert
    good = Certificate.objects.filter(status="valid", kind="enforcement", expires_on__gt=today).first()
    assert officer_may_act(officer=good.holder, category_code=good.categories.first().code, region_code=district,
                           on_date=today).ok


def test_agency_directory_lists_the_demo_bodies_with_entrustment():
    from zhifa.org.selectors import agency_directory

    demo.load(stdout=None)
    rows = agency_directory()
    names = [r["name"] for r in rows]
    assert "江川市市场监督管理局" in names and "江川市司法局" in names
    market = next(r for r in rows if r["name"] == "江川市市场监督管理局")
    assert market["officer_count"] == Officer.objects.filter(agency__name=market["name"], active=True).count() > 0
    assert market["supervising_bureau"] == "江川市司法局" and "行政复议" in market["remedies"]
    entrusted = [r for r in rows if r["entrusting_agency"]]
    assert entrusted and entrusted[0]["kind"] == "受委托组织" and entrusted[0]["entrustment_document"]
    assert [r["name"] for r in agency_directory(q="水利")] == ["江川市水利局"]
