"""Audit of logins and role changes (org.signals → org.AuthEvent)."""

import pytest
from django.contrib.auth import get_user_model

from zhifa.org import roles
from zhifa.org.models import AuthEvent

pytestmark = pytest.mark.django_db
K = AuthEvent.Kind
PASSWORD = "zhifa-test-pass-9"


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user("clerk", password=PASSWORD)


def test_login_and_logout_recorded(client, clerk):
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    event = AuthEvent.objects.get(kind=K.LOGIN)
    assert event.user == clerk and event.username == "clerk" and event.ip_address == "10.1.2.3"
    client.post("/accounts/logout/")
    assert AuthEvent.objects.filter(kind=K.LOGOUT, user=clerk).count() == 1


def test_behind_a_proxy_the_client_address_is_recorded(client, clerk, settings):
    from zhifa.core.tests.test_clientip import proxy_settings

    client.post("/accounts/login/", {"username": "clerk", "password": "nope-nope"},
                REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AuthEvent.objects.get(kind=K.LOGIN_FAILED).ip_address == "10.0.0.1"  # no proxy configured
    for key, value in proxy_settings(1).items():
        setattr(settings, key, value)
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD},
                REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5")
    assert AuthEvent.objects.get(kind=K.LOGIN).ip_address == "203.0.113.5"


def test_failed_login_recorded_for_known_and_unknown_users(client, clerk):
    client.post("/accounts/login/", {"username": "clerk", "password": "nope-nope"})
    client.post("/accounts/login/", {"username": "ghost", "password": "nope-nope"})
    failed = AuthEvent.objects.filter(kind=K.LOGIN_FAILED)
    assert failed.get(username="clerk").user == clerk
    assert failed.get(username="ghost").user is None
    assert not AuthEvent.objects.filter(kind=K.LOGIN).exists()


def test_role_grant_and_revoke_from_both_sides(clerk):
    g = roles.ensure_groups()
    clerk.groups.add(g[roles.REVIEWER], g[roles.HEAD])
    granted = AuthEvent.objects.filter(kind=K.ROLE_GRANTED, user=clerk)
    assert sorted(e.detail["role"] for e in granted) == sorted([roles.REVIEWER, roles.HEAD])
    clerk.groups.remove(g[roles.HEAD])
    assert AuthEvent.objects.get(kind=K.ROLE_REVOKED, user=clerk).detail["role"] == roles.HEAD
    g[roles.ADMIN].user_set.add(clerk)
    assert AuthEvent.objects.filter(kind=K.ROLE_GRANTED, user=clerk, detail__role=roles.ADMIN).exists()
    clerk.groups.clear()
    revoked = sorted(e.detail["role"] for e in AuthEvent.objects.filter(kind=K.ROLE_REVOKED, user=clerk))
    assert revoked == sorted([roles.HEAD, roles.REVIEWER, roles.ADMIN])
    clerk.groups.add()  # nothing added, nothing recorded
    assert AuthEvent.objects.filter(kind=K.ROLE_GRANTED).count() == 3


def test_role_change_through_admin_names_actor(client, clerk):
    root = get_user_model().objects.create_superuser("root", "r@example.cn", PASSWORD)
    g = roles.ensure_groups()
    client.force_login(root)
    from django.test.utils import override_settings
    with override_settings(ZHIFA_REQUIRE_2FA=False):
        resp = client.get(f"/admin/org/user/{clerk.pk}/change/")
    assert resp.status_code == 200
    form = resp.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update({"username": "clerk", "groups": [g[roles.PUBLICITY].pk], "date_joined_0": "2026-01-01",
                 "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": ""})
    resp = client.post(f"/admin/org/user/{clerk.pk}/change/", data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else resp
    event = AuthEvent.objects.get(kind=K.ROLE_GRANTED, user=clerk)
    assert event.actor == root and event.detail["role"] == roles.PUBLICITY
