"""Roles and scoping (org.roles)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from zhifa.org import roles, services
from zhifa.org.identity_fixtures import make_credit_code

pytestmark = pytest.mark.django_db


def test_ensure_groups_creates_seven_idempotently():
    roles.ensure_groups()
    roles.ensure_groups()
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    assert Group.objects.filter(name__in=roles.ALL_ROLES).count() == 7


@pytest.fixture
def tree(world):
    a = world["actor"]
    sub = services.agency_register(name="江川市市场监督管理局清河分局", credit_code=make_credit_code("369102", 3),
                                   region=world["district"], parent=world["agency"], actor=a)
    subsub = services.agency_register(name="清河分局城东所", credit_code=make_credit_code("369102", 4),
                                      region=world["district"], parent=sub, actor=a)
    other = services.agency_register(name="云岭市生态环境局", credit_code=make_credit_code("369200", 5),
                                     region=world["other_city"], actor=a)
    district_only = services.agency_register(name="清河区卫生健康局", credit_code=make_credit_code("369102", 6),
                                             region=world["district"], actor=a)
    return {**world, "sub": sub, "subsub": subsub, "other": other, "district_only": district_only}


def _user(name, *groups, **fields):
    user = get_user_model().objects.create_user(name, password="zhifa-test-pass-9", **fields)
    g = roles.ensure_groups()
    user.groups.add(*[g[x] for x in groups])
    return user


def test_user_roles_and_has_role(db):
    user = _user("u1", roles.REVIEWER, roles.OFFICER)
    assert roles.user_roles(user) == {roles.REVIEWER, roles.OFFICER}
    assert roles.has_role(user, roles.REVIEWER) and not roles.has_role(user, roles.ADMIN)
    user.is_active = False
    assert roles.user_roles(user) == set()


def test_own_agency_and_descendants(tree):
    user = _user("clerk", roles.OFFICER, agency=tree["agency"])
    visible = set(roles.agencies_visible_to(user))
    assert visible == {tree["agency"], tree["sub"], tree["subsub"]}
    sub_user = _user("subclerk", roles.OFFICER, agency=tree["sub"])
    assert set(roles.agencies_visible_to(sub_user)) == {tree["sub"], tree["subsub"]}


def test_supervisor_sees_region_and_below(tree):
    sup = _user("sup", roles.SUPERVISOR, supervised_region=tree["city"])
    visible = set(roles.agencies_visible_to(sup))
    assert {tree["agency"], tree["sub"], tree["subsub"], tree["district_only"]} <= visible
    assert tree["other"] not in visible
    district_sup = _user("dsup", roles.SUPERVISOR, supervised_region=tree["district"])
    assert tree["agency"] not in set(roles.agencies_visible_to(district_sup))
    assert tree["district_only"] in set(roles.agencies_visible_to(district_sup))
    # A supervised region without the supervisor role grants nothing.
    assert not roles.agencies_visible_to(_user("nosup", roles.OFFICER, supervised_region=tree["city"])).exists()


def test_admin_and_superuser_see_all(tree):
    from zhifa.org.models import Agency
    assert roles.agencies_visible_to(_user("adm", roles.ADMIN)).count() == Agency.objects.count()
    assert roles.agencies_visible_to(tree["actor"]).count() == Agency.objects.count()


def test_anonymous_and_unscoped_see_nothing(db):
    from django.contrib.auth.models import AnonymousUser
    assert not roles.agencies_visible_to(AnonymousUser()).exists()
    assert not roles.agencies_visible_to(_user("nobody")).exists()


def test_needs_two_factor(db):
    assert roles.needs_two_factor(_user("r", roles.REVIEWER))
    assert roles.needs_two_factor(_user("h", roles.HEAD))
    assert roles.needs_two_factor(_user("a", roles.ADMIN))
    assert not roles.needs_two_factor(_user("o", roles.OFFICER, roles.PUBLICITY))


def test_roles_are_read_once_per_user_object_and_follow_group_changes(db, django_assert_num_queries):
    """user_roles caches on the user object (one query per request however many checks); adding
    or removing a group through the user drops the cache."""
    user = _user("cache", roles.OFFICER)
    with django_assert_num_queries(1):
        assert roles.user_roles(user) == {roles.OFFICER}
        assert roles.has_role(user, roles.OFFICER) and not roles.is_admin(user)
    user.groups.add(roles.ensure_groups()[roles.ADMIN])
    assert roles.is_admin(user)
    user.groups.remove(roles.ensure_groups()[roles.ADMIN])
    assert not roles.is_admin(user)
    user.groups.clear()
    assert roles.user_roles(user) == set()
    fresh = get_user_model().objects.get(pk=user.pk)
    roles.ensure_groups()[roles.REVIEWER].user_set.add(fresh)  # from the group's side: a new object sees it
    assert roles.user_roles(get_user_model().objects.get(pk=user.pk)) == {roles.REVIEWER}
