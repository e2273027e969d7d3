"""The small register from the org tests, plus an expired and a suspended certificate."""

import datetime as dt

import pytest

from zhifa.org import services
from zhifa.org.identity_fixtures import make_resident_id
from zhifa.org.tests.conftest import admin_user, world  # noqa: F401  (re-exported fixtures)
from django.utils import timezone

TODAY = timezone.localdate()


@pytest.fixture
def portal(world):  # noqa: F811
    actor, agency = world["actor"], world["agency"]
    post = services.post_create(agency=agency, name="综合执法岗", actor=actor)
    old = services.officer_register(name="李娜", id_number=make_resident_id("369102", dt.date(1979, 6, 1), 22),
                                    agency=agency, actor=actor)
    expired = services.certificate_issue(holder=old, number="JC0002", issued_on=TODAY - dt.timedelta(days=800),
                                         expires_on=TODAY - dt.timedelta(days=3), categories=[world["market"]],
                                         regions=[world["city"]], actor=actor)
    held = services.officer_register(name="王强", id_number=make_resident_id("369102", dt.date(1990, 2, 2), 33),
                                     agency=agency, post=post, actor=actor)
    suspended = services.certificate_issue(holder=held, number="JC0003", issued_on=TODAY - dt.timedelta(days=30),
                                           expires_on=TODAY + dt.timedelta(days=700), categories=[world["market"]],
                                           regions=[world["city"]], actor=actor)
    suspended = services.certificate_suspend(certificate=suspended, reason="涉嫌违法执法，调查期间暂扣", actor=actor)
    return {**world, "post": post, "expired": expired, "suspended": suspended, "held": held, "old": old}
