"""Workbench: roles, visible agencies, certificates of my agency expiring within 60 days."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.org import roles, services
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from django.utils import timezone

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_anonymous_redirected_to_login(client):
    resp = client.get("/workbench/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_workbench_shows_roles_agencies_and_expiring(client, portal):
    a = portal["actor"]
    other = services.agency_register(name="云岭市水务局", credit_code=make_credit_code("369200", 7),
                                     region=portal["other_city"], actor=a)
    soon_holder = services.officer_register(name="赵敏", id_number=make_resident_id("369102", dt.date(1988, 8, 8), 44),
                                            agency=portal["agency"], actor=a)
    services.certificate_issue(holder=soon_holder, number="JC0100", issued_on=TODAY - dt.timedelta(days=600),
                               expires_on=TODAY + dt.timedelta(days=20), categories=[portal["market"]],
                               regions=[portal["city"]], actor=a)
    later = services.officer_register(name="钱坤", id_number=make_resident_id("369102", dt.date(1987, 7, 7), 55),
                                      agency=portal["agency"], actor=a)
    services.certificate_issue(holder=later, number="JC0101", issued_on=TODAY - dt.timedelta(days=600),
                               expires_on=TODAY + dt.timedelta(days=61), categories=[portal["market"]],
                               regions=[portal["city"]], actor=a)
    far = services.officer_register(name="孙丽", id_number=make_resident_id("369200", dt.date(1986, 6, 6), 66),
                                    agency=other, actor=a)
    services.certificate_issue(holder=far, number="YL0001", issued_on=TODAY - dt.timedelta(days=600),
                               expires_on=TODAY + dt.timedelta(days=10), categories=[portal["market"]],
                               regions=[portal["other_city"]], actor=a)
    user = get_user_model().objects.create_user("clerk", password="zhifa-test-pass-9", agency=portal["agency"])
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    client.force_login(user)
    body = client.get("/workbench/").content.decode()
    assert roles.OFFICER in body and roles.ADMIN not in body
    assert "江川市市场监督管理局" in body and "云岭市水务局" not in body
    assert "JC0100" in body and "20 天" in body
    assert "JC0101" not in body  # 61 days: outside the window
    assert "YL0001" not in body  # another agency
    assert "JC0002" not in body  # already expired


def test_workbench_links_reviewers_to_the_review_queue(client, django_user_model, db):
    from zhifa.org import roles

    user = django_user_model.objects.create_user("rev-link", password="pw-123456-x")
    user.groups.add(roles.ensure_groups()[roles.REVIEWER])
    client.force_login(user)
    body = client.get("/workbench/").content.decode()
    assert 'href="/review/"' in body and "调阅审批" not in body
