"""Session users reading the register API see only the agencies in their remit (issue 2, item 5)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from zhifa.org import services
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies(world):
    other = services.agency_register(name="云岭市生态环境局", credit_code=make_credit_code("369200", 2),
                                     region=world["other_city"], actor=world["actor"])
    services.officer_register(name="李娜", id_number=make_resident_id("369200", dt.date(1990, 5, 6), 21),
                              agency=other, actor=world["actor"])
    return world["agency"], other


def _login(client, username, **fields):
    user = User.objects.create_user(username, password="zhifa-test-pass-2", is_staff=True, **fields)
    client.force_login(user)
    return user


def test_staff_of_one_agency_see_only_that_agency(client, two_agencies):
    mine, other = two_agencies
    _login(client, "clerk", agency=mine)
    names = {a["name"] for a in client.get("/api/v1/org/agencies").json()}
    assert names == {mine.name}
    officers = {o["name"] for o in client.get("/api/v1/org/officers").json()}
    assert officers == {"张伟"}
    assert client.get(f"/api/v1/org/agencies/{other.pk}").status_code == 403


def test_a_supervisor_sees_the_agencies_of_the_supervised_region(client, two_agencies, world):
    mine, other = two_agencies
    user = _login(client, "sup", supervised_region=world["other_city"])
    user.groups.add(Group.objects.get_or_create(name="监督人员")[0])
    names = {a["name"] for a in client.get("/api/v1/org/agencies").json()}
    assert names == {other.name}


def test_an_admin_sees_all(client, two_agencies, admin_user):
    client.force_login(admin_user)
    assert len(client.get("/api/v1/org/agencies").json()) == 2
